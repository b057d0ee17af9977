"""mock_server.state.export: the live state as a fixture document, loaded back exactly."""

from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mock_server.domain.accounts import Account
from mock_server.domain.inventory import Inventory, NumberRef
from mock_server.domain.phone_number import CONFIG_FIELDS
from mock_server.state.document import (
    FixtureError,
    FixtureFile,
    build_inventory,
    load_fixture_file,
    parse_fixtures,
)
from mock_server.state.export import export_fixtures, state_document

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "fixtures" / "default.json"

Doc = dict[str, Any]

MASTER, SUB, OTHER = "master01", "sub00001", "other001"
APP = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"

GB_FIRST, GB_LAST = "447700900000", "447700900009"
IN_RANGE_OWNED = "447700900005"  # owned at start, inside the GB range, with its own attributes
OUTSIDE_OWNED = "442079460099"  # owned at start, outside every range
SUB_OWNED = "447700900600"
GB_SINGLE = "442079460001"
US_NUMBER = "12015550102"

FULL_CONFIG = {
    "app_id": APP,
    "moHttpUrl": "https://example.com/mo",
    "moSmppSysType": "inbound",
    "voiceCallbackType": "app",
    "voiceCallbackValue": APP,
    "voiceStatusCallback": "https://example.com/status",
    "messagesCallbackType": "app",
    "messagesCallbackValue": APP,
}
ZERO_SETUP = {"initialPrice": "0.00", "limitations": []}
MMS_OUTBOUND = {"feature": "MMS", "type": "OUTBOUND", "reach": "INTERNATIONAL"}
LANDLINE = {
    "country": "GB",
    "type": "landline",
    "features": ["VOICE"],
    "cost": "0.40",
    "initialPrice": "0.00",
    "limitations": [{"feature": "VOICE", "type": "OUTBOUND", "reach": "INTERNATIONAL"}],
}


def number(**extra: Any) -> Doc:
    return {
        "country": "GB",
        "type": "mobile-lvn",
        "features": ["VOICE", "SMS"],
        "cost": "1.25",
    } | extra


def fixture_document() -> Doc:
    return {
        "accounts": [
            {"api_key": MASTER, "api_secret": "MasterSecret0001", "balance": "100.00", "name": "M"},
            {"api_key": SUB, "api_secret": "SubSecret0000001", "balance": "10", "parent": MASTER},
            {"api_key": OTHER, "api_secret": "OtherSecret00001", "balance": 0.5},
        ],
        "address_required_countries": ["IT"],
        "available": [
            number(range={"start": GB_FIRST, "end": GB_LAST}),
            LANDLINE | {"msisdn": GB_SINGLE, "limitations": []},
            number(
                country="US",
                range={"start": "12015550100", "end": "12015550104"},
                features=["SMS", "VOICE", "MMS"],
                cost="0.90",
                limitations=[MMS_OUTBOUND],
            )
            | {"initialPrice": "1.00"},
            number(country="IT", msisdn="390612345678", type="landline", cost="2.00"),
        ],
        "owned": [
            number(api_key=MASTER, msisdn=IN_RANGE_OWNED, features=["SMS"], cost="2") | FULL_CONFIG,
            LANDLINE | {"api_key": MASTER, "msisdn": OUTSIDE_OWNED, "voiceCallbackType": "tel"},
            number(api_key=SUB, msisdn=SUB_OWNED, app_id=APP),
        ],
    }


def fresh() -> Inventory:
    return build_inventory(parse_fixtures(fixture_document()))


def reloaded(inventory: Inventory) -> Inventory:
    return build_inventory(parse_fixtures(state_document(inventory)))


def account(inventory: Inventory, api_key: str) -> Account:
    found = inventory.accounts.get(api_key)
    assert found is not None
    return found


def ref(msisdn: str) -> NumberRef:
    return NumberRef("US" if msisdn.startswith("1") else "GB", msisdn)


def entry(entries: list[Doc], msisdn: str) -> Doc:
    return next(e for e in entries if e.get("msisdn") == msisdn)


def busy(inventory: Inventory) -> Inventory:
    """Buys, updates and cancels of every kind, on the fixture document's state."""
    master, sub = account(inventory, MASTER), account(inventory, SUB)
    inventory.buy(master, ref("447700900001"))
    inventory.buy(sub, ref(GB_SINGLE))
    inventory.buy(master, ref(US_NUMBER), target_api_key=SUB)
    inventory.update(master, ref("447700900001"), {"mo_smpp_sys_type": "inbound"})
    inventory.update(master, ref("447700900001"), {"voice_status_callback": "https://e.x/s"})
    inventory.update(sub, ref(SUB_OWNED), {"app_id": None, "mo_http_url": "https://e.x/mo"})
    inventory.cancel(master, ref(OUTSIDE_OWNED))
    inventory.cancel(master, ref(IN_RANGE_OWNED))
    return inventory


def test_the_document_is_the_fixture_format_with_wire_names_and_no_none() -> None:
    document = state_document(fresh())

    assert "$schema" not in document
    assert document["accounts"][2] == {
        "api_key": OTHER,
        "api_secret": "OtherSecret00001",
        "balance": "0.50",
    }
    assert entry(document["owned"], IN_RANGE_OWNED) == {
        **number(features=["SMS"], cost="2.00", limitations=[]),
        "initialPrice": "0.00",
        "api_key": MASTER,
        "msisdn": IN_RANGE_OWNED,
        **FULL_CONFIG,
    }


def test_the_document_reads_back_as_it_was_written() -> None:
    # Canonical: the models parse it and dump exactly the same JSON (money, aliases, enums).
    inventory = busy(fresh())

    dumped = export_fixtures(inventory).model_dump(mode="json", by_alias=True, exclude_unset=True)

    assert dumped == state_document(inventory)


@pytest.mark.parametrize(
    ("given", "written"),
    [
        pytest.param("10", "10.00", id="integer-string"),
        pytest.param(0.5, "0.50", id="float"),
        pytest.param(1000, "1000.00", id="integer"),
        pytest.param("12.5", "12.50", id="one-decimal"),
        pytest.param("0", "0.00", id="zero"),
        pytest.param("1E+3", "1000.00", id="exponent"),
    ],
)
def test_money_is_written_with_two_decimals(given: object, written: str) -> None:
    document = fixture_document()
    document["accounts"][0]["balance"] = given
    document["available"][0]["cost"] = given

    exported = state_document(build_inventory(parse_fixtures(document)))

    assert exported["accounts"][0]["balance"] == written
    assert exported["available"][-1]["cost"] == written  # the GB mobile range sorts last


def test_export_fixtures_builds_the_same_state() -> None:
    inventory = busy(fresh())

    fixtures = export_fixtures(inventory)

    assert isinstance(fixtures, FixtureFile)
    assert state_document(build_inventory(fixtures)) == state_document(inventory)


def test_round_trip_after_buys_updates_and_cancels_is_exact() -> None:
    inventory = busy(fresh())
    document = state_document(inventory)

    again = reloaded(inventory)

    assert state_document(again) == document
    assert {a["api_key"]: a["balance"] for a in document["accounts"]} == {
        MASTER: "98.75",  # 100.00 - 1.25
        SUB: "7.70",  # 10.00 - 0.40 - (0.90 + 1.00 setup)
        OTHER: "0.50",
    }
    assert [a.balance for a in again.accounts] == [a.balance for a in inventory.accounts]


def test_the_reloaded_state_keeps_working_like_the_live_one() -> None:
    live = busy(fresh())
    again = reloaded(live)

    for inventory in (live, again):
        master = account(inventory, MASTER)
        inventory.buy(master, ref(OUTSIDE_OWNED))
        inventory.cancel(master, ref("447700900001"))
        inventory.update(master, ref(OUTSIDE_OWNED), {"app_id": APP})

    assert state_document(again) == state_document(live)
    assert state_document(reloaded(again)) == state_document(live)


def test_a_number_cancelled_outside_every_range_goes_on_sale_alone_with_its_attributes() -> None:
    inventory = busy(fresh())

    document = state_document(inventory)

    assert entry(document["available"], OUTSIDE_OWNED) == LANDLINE | {"msisdn": OUTSIDE_OWNED}
    assert OUTSIDE_OWNED not in {e["msisdn"] for e in document["owned"]}
    found = reloaded(inventory).pool.find(OUTSIDE_OWNED)
    assert found is not None
    assert found.attributes.limitations[0].reach == "INTERNATIONAL"


def test_a_number_cancelled_into_its_range_takes_the_range_attributes_again() -> None:
    inventory = busy(fresh())

    found = reloaded(inventory).pool.find(IN_RANGE_OWNED)

    assert found is not None
    assert found.attributes.cost == Decimal("1.25")


def test_a_range_stays_one_entry_however_many_of_its_numbers_are_owned() -> None:
    inventory = fresh()
    master = account(inventory, MASTER)
    for msisdn in ("447700900000", "447700900003", GB_LAST):
        inventory.buy(master, ref(msisdn))

    document = state_document(inventory)
    again = reloaded(inventory)

    gb_mobile = [
        e for e in document["available"] if e["type"] == "mobile-lvn" and e["country"] == "GB"
    ]
    assert [e["range"] for e in gb_mobile] == [{"start": GB_FIRST, "end": GB_LAST}]
    assert again.pool.find("447700900003") is None
    assert again.pool.find("447700900004") is not None
    assert [n.msisdn for n in again.owned_by(MASTER)] == [
        OUTSIDE_OWNED,
        "447700900000",
        "447700900003",
        IN_RANGE_OWNED,
        GB_LAST,
    ]


CONFIG_VALUES = {"voice_callback_type": "sip", "messages_callback_type": "app"}


@pytest.mark.parametrize("field", [pytest.param(name, id=name) for name in CONFIG_FIELDS])
def test_every_configuration_field_survives(field: str) -> None:
    inventory = fresh()
    value = CONFIG_VALUES.get(field, f"value of {field}")
    inventory.update(account(inventory, SUB), ref(SUB_OWNED), {"app_id": None} | {field: value})

    (number_again,) = reloaded(inventory).owned_by(SUB)

    assert getattr(number_again.config, field) == value
    assert number_again.config == inventory.owned_by(SUB)[0].config


def test_accounts_keep_their_order_parent_and_name() -> None:
    document = state_document(reloaded(fresh()))

    assert [(a["api_key"], a.get("parent"), a.get("name")) for a in document["accounts"]] == [
        (MASTER, None, "M"),
        (SUB, MASTER, None),
        (OTHER, None, None),
    ]
    assert document["address_required_countries"] == ["IT"]


def test_accounts_opened_later_round_trip_whatever_order_they_bought_in() -> None:
    inventory = fresh()
    first = Account("later001", "LaterSecret00001", Decimal("5.00"))
    second = Account("later002", "LaterSecret00002", Decimal("5.00"))
    inventory.accounts.add(first)
    inventory.accounts.add(second)
    inventory.buy(second, ref("447700900007"))
    inventory.buy(first, ref("447700900008"))

    assert state_document(reloaded(inventory)) == state_document(inventory)


def test_a_state_that_could_not_be_loaded_back_is_refused() -> None:
    inventory = fresh()
    account(inventory, OTHER).balance = Decimal("-1.00")

    with pytest.raises(FixtureError) as raised:
        export_fixtures(inventory)

    assert raised.value.location == "accounts[2].balance"


def test_the_shipped_default_fixtures_round_trip() -> None:
    inventory = build_inventory(load_fixture_file(DEFAULT))

    document = state_document(inventory)
    again = reloaded(inventory)

    assert state_document(again) == document
    assert available_by_country(again) == available_by_country(inventory)
    assert available_by_country(inventory)["GB"] > 0
    assert owned_by_account(again) == owned_by_account(inventory)
    assert sum(owned_by_account(inventory).values()) == inventory.owned_count > 0
    assert [(a.api_key, a.balance) for a in again.accounts] == [
        (a.api_key, a.balance) for a in inventory.accounts
    ]


def available_by_country(inventory: Inventory) -> Counter[str]:
    counts: Counter[str] = Counter()
    for block in inventory.pool:
        counts[block.attributes.country] += block.available
    return counts


def owned_by_account(inventory: Inventory) -> Counter[str]:
    return Counter(api_key for api_key, _ in inventory.owned_items())


def test_a_ten_million_number_range_is_one_entry_never_expanded() -> None:
    first, last, owned = "447000000000", "447009999999", "447001234567"
    document = fixture_document()
    document["available"].append(number(range={"start": first, "end": last}))
    document["owned"].append(number(api_key=OTHER, msisdn=owned))
    inventory = build_inventory(parse_fixtures(document))

    exported = state_document(inventory)

    ten_million = [e for e in exported["available"] if e.get("range", {}).get("start") == first]
    assert ten_million == [number(range={"start": first, "end": last}) | ZERO_SETUP]
    again = reloaded(inventory)
    assert again.pool.find(owned) is None
    assert again.pool.find("447001234568") is not None
    assert again.pool.available == inventory.pool.available
