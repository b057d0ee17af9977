"""state.document: errors that name the entry and field, the shipped files, building state."""

import copy
import json
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mock_server.domain.accounts import Account
from mock_server.domain.errors import MockError
from mock_server.domain.inventory import NumberRef, OwnedQuery
from mock_server.domain.pagination import PageRequest
from mock_server.domain.phone_number import AvailableNumber, Feature, NumberConfig, NumberType
from mock_server.state.document import (
    FixtureError,
    build_inventory,
    json_schema,
    load_fixture_file,
    parse_fixtures,
)

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "fixtures"

Doc = dict[str, Any]


def number(**extra: Any) -> Doc:
    return {
        "country": "GB",
        "type": "mobile-lvn",
        "features": ["VOICE", "SMS"],
        "cost": "1.25",
    } | extra


def valid() -> Doc:
    return {
        "accounts": [
            {"api_key": "master01", "api_secret": "MasterSecret0001", "balance": "100.00"},
            {"api_key": "sub00001", "api_secret": "SubSecret0000001", "parent": "master01"},
            {"api_key": "other001", "api_secret": "OtherSecret00001", "balance": "0.50"},
        ],
        "address_required_countries": ["IT"],
        "available": [
            number(range={"start": "447700900000", "end": "447700900009"}),
            number(msisdn="442079460001", type="landline", features=["VOICE"], cost="0.40"),
            number(
                country="US",
                range={"start": "12015550100", "end": "12015550104"},
                features=["SMS", "VOICE", "MMS"],
                initialPrice="1.00",
                limitations=[{"feature": "MMS", "type": "OUTBOUND", "reach": "INTERNATIONAL"}],
            ),
        ],
        "owned": [
            number(
                api_key="master01", msisdn="447700900005", app_id="app-1", moHttpUrl="https://e/mo"
            ),
            number(api_key="sub00001", msisdn="447700900600", features=["SMS"], cost="0.95"),
        ],
    }


Edit = Callable[[Doc], None]


def setting(path: str, value: Any) -> Edit:
    """Set `a.0.b` (dots, list indexes as numbers) to value."""

    def edit(doc: Doc) -> None:
        *parents, last = path.split(".")
        target: Any = doc
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return edit


def removing(path: str) -> Edit:
    def edit(doc: Doc) -> None:
        *parents, last = path.split(".")
        target: Any = doc
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        del target[last]

    return edit


def appending(path: str, value: Any) -> Edit:
    def edit(doc: Doc) -> None:
        doc[path].append(value)

    return edit


def test_the_valid_document_parses() -> None:
    fixtures = parse_fixtures(valid())
    assert [a.api_key for a in fixtures.accounts] == ["master01", "sub00001", "other001"]
    assert fixtures.accounts[1].balance == Decimal("0.00")
    assert fixtures.available[2].initial_price == Decimal("1.00")


@pytest.mark.parametrize(
    ("edit", "location"),
    [
        # Field values
        pytest.param(setting("available.0.cost", "abc"), "available[0].cost", id="cost-not-money"),
        pytest.param(setting("available.0.cost", "-1"), "available[0].cost", id="cost-negative"),
        pytest.param(setting("available.0.cost", "1.001"), "available[0].cost", id="cost-3-dp"),
        pytest.param(removing("available.0.cost"), "available[0].cost", id="cost-missing"),
        pytest.param(
            setting("available.2.initialPrice", "x"), "available[2].initialPrice", id="setup-fee"
        ),
        pytest.param(setting("available.1.country", "gb"), "available[1].country", id="country"),
        pytest.param(setting("available.1.country", "GBR"), "available[1].country", id="country3"),
        pytest.param(setting("available.1.type", "fax"), "available[1].type", id="type"),
        pytest.param(setting("available.1.features", []), "available[1].features", id="no-feature"),
        pytest.param(
            setting("available.1.features", ["VOICE", "VOICE"]),
            "available[1].features",
            id="repeated-feature",
        ),
        pytest.param(
            setting("available.1.features", ["VOICE", "FAX"]),
            "available[1].features[1]",
            id="unknown-feature",
        ),
        pytest.param(
            setting("available.1.msisdn", "+442079460001"), "available[1].msisdn", id="plus"
        ),
        pytest.param(
            setting("available.1.msisdn", "02079460001"), "available[1].msisdn", id="leading-0"
        ),
        pytest.param(
            setting("available.2.limitations.0.reach", "GLOBAL"),
            "available[2].limitations[0].reach",
            id="limitation-reach",
        ),
        pytest.param(setting("available.1.colour", "red"), "available[1].colour", id="unknown-key"),
        # Number or range
        pytest.param(
            setting("available.1.range", {"start": "442079460001", "end": "442079460002"}),
            "available[1]",
            id="both-msisdn-and-range",
        ),
        pytest.param(removing("available.1.msisdn"), "available[1]", id="neither-msisdn-nor-range"),
        pytest.param(
            setting("available.0.range.start", "447700900010"),
            "available[0].range",
            id="range-start-after-end",
        ),
        pytest.param(
            setting("available.0.range.end", "4477009000099"),
            "available[0].range",
            id="range-ends-different-lengths",
        ),
        pytest.param(
            appending("available", number(range={"start": "447700900009", "end": "447700900020"})),
            "available[3].range",
            id="range-overlaps-range",
        ),
        pytest.param(
            appending("available", number(range={"start": "442079460000", "end": "442079460099"})),
            "available[3].range",
            id="range-covers-single",
        ),
        pytest.param(
            appending("available", number(msisdn="447700900004")),
            "available[3].msisdn",
            id="single-inside-range",
        ),
        pytest.param(
            appending("available", number(msisdn="442079460001")),
            "available[3].msisdn",
            id="single-listed-twice",
        ),
        # Accounts
        pytest.param(setting("accounts", []), "accounts", id="no-accounts"),
        pytest.param(removing("accounts"), "accounts", id="accounts-missing"),
        pytest.param(
            setting("accounts.2.api_key", "master01"), "accounts[2].api_key", id="dup-key"
        ),
        pytest.param(setting("accounts.0.api_secret", ""), "accounts[0].api_secret", id="secret"),
        pytest.param(setting("accounts.0.balance", "-5"), "accounts[0].balance", id="balance"),
        pytest.param(setting("accounts.1.parent", "nobody00"), "accounts[1].parent", id="parent"),
        pytest.param(
            setting("accounts.1.parent", "sub00001"), "accounts[1].parent", id="own-parent"
        ),
        pytest.param(
            setting("accounts.2.parent", "sub00001"), "accounts[2].parent", id="sub-of-a-sub"
        ),
        # Owned numbers
        pytest.param(setting("owned.1.api_key", "nobody00"), "owned[1].api_key", id="owner"),
        pytest.param(removing("owned.0.api_key"), "owned[0].api_key", id="owner-missing"),
        pytest.param(
            appending("owned", number(api_key="other001", msisdn="447700900005")),
            "owned[2].msisdn",
            id="owned-twice",
        ),
        pytest.param(
            setting("owned.0.voiceCallbackType", "xyz"),
            "owned[0].voiceCallbackType",
            id="voice-callback-type",
        ),
        pytest.param(
            setting("owned.0.messagesCallbackType", "sip"),
            "owned[0].messagesCallbackType",
            id="messages-callback-type",
        ),
        pytest.param(
            setting("owned.0.range", {"start": "447700900005", "end": "447700900005"}),
            "owned[0].range",
            id="owned-range",
        ),
        # Top level
        pytest.param(
            setting("address_required_countries", ["it"]),
            "address_required_countries[0]",
            id="address-country",
        ),
        pytest.param(setting("extra", 1), "extra", id="unknown-top-level-key"),
    ],
)
def test_broken_documents_name_the_entry_and_field(edit: Edit, location: str) -> None:
    doc = copy.deepcopy(valid())
    edit(doc)
    with pytest.raises(FixtureError) as caught:
        parse_fixtures(doc, "my-fixtures.json")
    error = caught.value
    assert isinstance(error, MockError)
    assert error.location == location
    assert error.path == "my-fixtures.json"
    assert error.problem
    assert str(error) == f"my-fixtures.json: {location}: {error.problem}"


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        pytest.param(setting("accounts.2.api_key", "master01"), "duplicate", id="duplicate"),
        pytest.param(setting("accounts.1.parent", "nobody00"), "nobody00", id="unknown-parent"),
        pytest.param(setting("accounts.2.parent", "sub00001"), "subaccount", id="sub-of-a-sub"),
        pytest.param(setting("owned.1.api_key", "nobody00"), "nobody00", id="unknown-owner"),
        pytest.param(
            appending("available", number(msisdn="447700900004")), "overlaps", id="overlap"
        ),
        pytest.param(
            appending("owned", number(api_key="other001", msisdn="447700900005")),
            "447700900005",
            id="owned-twice",
        ),
    ],
)
def test_consistency_problems_say_what_is_wrong(edit: Edit, words: str) -> None:
    doc = copy.deepcopy(valid())
    edit(doc)
    with pytest.raises(FixtureError) as caught:
        parse_fixtures(doc)
    assert words in caught.value.problem


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(None, id="null"),
        pytest.param([], id="list"),
        pytest.param("accounts", id="string"),
    ],
)
def test_a_document_that_is_not_an_object_is_refused(raw: object) -> None:
    with pytest.raises(FixtureError) as caught:
        parse_fixtures(raw, "x.json")
    assert caught.value.path == "x.json"


# -- files ------------------------------------------------------------------------------------


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "missing.json"
    with pytest.raises(FixtureError) as caught:
        load_fixture_file(path)
    assert caught.value.path == str(path)
    assert caught.value.location == "file"
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b'{"accounts": [', id="truncated"),
        pytest.param(b"{'accounts': []}", id="single-quotes"),
        pytest.param(b"", id="empty-file"),
        pytest.param(b"\xff\xfe\x00garbage", id="not-utf-8"),
    ],
)
def test_invalid_json_names_the_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    with pytest.raises(FixtureError) as caught:
        load_fixture_file(path)
    assert caught.value.path == str(path)
    assert caught.value.location == "file"
    assert str(path) in str(caught.value)


def test_a_file_with_a_broken_entry_names_file_and_field(tmp_path: Path) -> None:
    doc = valid()
    doc["available"][1]["cost"] = "cheap"
    path = tmp_path / "custom.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(FixtureError) as caught:
        load_fixture_file(path)
    assert str(caught.value).startswith(f"{path}: available[1].cost: ")


def _with_every_string() -> Doc:
    """`valid()` with a value in every optional string field, and a transfer."""
    doc = valid()
    doc["accounts"][1]["name"] = "Sub"
    doc["accounts"][1]["created_at"] = "2025-01-01T00:00:00Z"
    doc["owned"][0] |= {
        "mo_smpp_sys_type": "inbound",
        "voiceCallbackType": "sip",
        "voiceCallbackValue": "sip:a@example.com",
        "voiceStatusCallback": "https://e/status",
        "messagesCallbackType": "app",
        "messagesCallbackValue": "app-2",
    }
    doc["transfers"] = [
        {
            "kind": "balance",
            "id": "t1",
            "amount": "1.00",
            "from": "master01",
            "to": "sub00001",
            "created_at": "2025-01-02T00:00:00Z",
            "reference": "top-up",
        }
    ]
    doc["$schema"] = "./schema.json"
    return doc


def _string_paths(value: Any, path: str = "") -> list[str]:
    if isinstance(value, str):
        return [path]
    if isinstance(value, dict):
        items: list[tuple[str, Any]] = [(f"{path}.{k}" if path else k, v) for k, v in value.items()]
    elif isinstance(value, list):
        items = [(f"{path}[{i}]", v) for i, v in enumerate(value)]
    else:
        return []
    return [found for sub_path, sub in items for found in _string_paths(sub, sub_path)]


@pytest.mark.parametrize("from_file", [False, True], ids=["data", "file"])
def test_a_lone_surrogate_is_refused_in_every_string(tmp_path: Path, from_file: bool) -> None:
    # UTF-8 (the state file, every answer) cannot carry one: whatever the field, the load stops
    # naming it (free text says why; other fields refuse it as not a valid value of theirs).
    doc = _with_every_string()
    paths = _string_paths(doc)
    assert len(paths) > 40
    for path in paths:
        broken = copy.deepcopy(doc)
        setting(path.replace("[", ".").replace("]", ""), "a\ud800")(broken)
        file = tmp_path / "surrogate.json"
        file.write_text(json.dumps(broken), encoding="utf-8")
        with pytest.raises(FixtureError) as caught:
            load_fixture_file(file) if from_file else parse_fixtures(broken)
        assert caught.value.location == path, caught.value


def test_a_valid_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(valid()), encoding="utf-8")
    assert load_fixture_file(path) == parse_fixtures(valid())


# -- shipped files ----------------------------------------------------------------------------

# fixtures/README.md: "the pool starts with 5,717 available numbers: GB 1,701, AU 815, ..."
DOCUMENTED_POOL = {
    "GB": 1701,
    "AU": 815,
    "FR": 749,
    "US": 600,
    "DE": 551,
    "ES": 450,
    "NL": 401,
    "CA": 300,
    "IT": 150,
}


def test_shipped_default_fixtures_load_as_documented() -> None:
    inventory = build_inventory(load_fixture_file(SHIPPED / "default.json"))
    per_country: Counter[str] = Counter()
    for block in inventory.pool:
        per_country[block.attributes.country] += block.available
    assert dict(per_country) == DOCUMENTED_POOL
    assert inventory.pool.available == 5717
    assert len(inventory.accounts) == 3
    assert inventory.owned_count == 7
    assert inventory.address_required == frozenset({"IT"})
    for api_key, owned in inventory.owned_items():
        assert inventory.accounts.get(api_key) is not None
        assert inventory.pool.find(owned.msisdn) is None


def test_shipped_schema_is_generated_from_the_models() -> None:
    published = json.loads((SHIPPED / "schema.json").read_text(encoding="utf-8"))
    assert published == json_schema(), (
        "fixtures/schema.json is stale: run scripts/write-fixture-schema and commit the result"
    )


def test_shipped_default_fixtures_point_at_the_schema() -> None:
    raw = json.loads((SHIPPED / "default.json").read_text(encoding="utf-8"))
    assert raw["$schema"] == "./schema.json"


# -- build_inventory --------------------------------------------------------------------------


def test_build_inventory_takes_owned_numbers_out_of_ranges() -> None:
    inventory = build_inventory(parse_fixtures(valid()))
    assert inventory.pool.find("447700900005") is None
    assert inventory.pool.find("447700900004") is not None
    # 10 + 1 + 5 listed, one of them owned; the standalone owned number is not in the pool.
    assert inventory.pool.available == 15
    assert inventory.pool.find("447700900600") is None


def test_build_inventory_accounts_and_owned_configuration() -> None:
    inventory = build_inventory(parse_fixtures(valid()))
    master = inventory.accounts.get("master01")
    assert master == Account("master01", "MasterSecret0001", Decimal("100.00"))
    sub = inventory.accounts.get("sub00001")
    assert sub is not None
    assert sub.parent == "master01"
    assert sub.balance == Decimal("0.00")
    [owned] = inventory.owned_by("master01")
    assert owned.msisdn == "447700900005"
    assert owned.config == NumberConfig(app_id="app-1", mo_http_url="https://e/mo")
    assert owned.attributes.features == frozenset({Feature.VOICE, Feature.SMS})
    assert owned.attributes.type is NumberType.MOBILE_LVN
    page = inventory.list_owned(master, OwnedQuery(has_application=True))
    assert [n.msisdn for n in page.items] == ["447700900005"]


def test_build_inventory_keeps_limitations_and_setup_fees() -> None:
    inventory = build_inventory(parse_fixtures(valid()))
    found = inventory.pool.find("12015550102")
    assert found is not None
    assert found.attributes.initial_price == Decimal("1.00")
    assert found.attributes.price == Decimal("1.25") + Decimal("1.00")
    assert [(lim.feature, lim.type, lim.reach) for lim in found.attributes.limitations] == [
        ("MMS", "OUTBOUND", "INTERNATIONAL")
    ]


def test_build_inventory_gives_independent_state() -> None:
    fixtures = parse_fixtures(valid())
    first, second = build_inventory(fixtures), build_inventory(fixtures)
    master = first.accounts.get("master01")
    assert master is not None
    first.buy(master, NumberRef("GB", "447700900001"))
    assert second.pool.find("447700900001") is not None
    second_master = second.accounts.get("master01")
    assert second_master is not None
    assert second_master.balance == Decimal("100.00")
    assert [n.msisdn for n in second.owned_by("master01")] == ["447700900005"]


def test_cancelled_owned_number_goes_back_into_its_range_with_the_ranges_attributes() -> None:
    doc = valid()
    # Owned with other attributes than its range: once cancelled it is a range number again.
    doc["owned"][0] |= {"cost": "9.99", "features": ["SMS"]}
    inventory = build_inventory(parse_fixtures(doc))
    master = inventory.accounts.get("master01")
    assert master is not None
    inventory.cancel(master, NumberRef("GB", "447700900005"))
    found = inventory.pool.find("447700900005")
    assert found is not None
    assert found.attributes.cost == Decimal("1.25")
    assert found.attributes.features == frozenset({Feature.VOICE, Feature.SMS})


def test_cancelled_standalone_owned_number_becomes_available_alone() -> None:
    inventory = build_inventory(parse_fixtures(valid()))
    master = inventory.accounts.get("master01")
    assert master is not None
    inventory.cancel(master, NumberRef("GB", "447700900600"), target_api_key="sub00001")
    found = inventory.pool.find("447700900600")
    assert found is not None
    assert found == AvailableNumber("447700900600", found.attributes)
    assert found.attributes.cost == Decimal("0.95")
    assert found.attributes.features == frozenset({Feature.SMS})
    assert inventory.pool.available == 16
    sub = inventory.accounts.get("sub00001")
    assert sub is not None
    assert inventory.list_owned(sub, OwnedQuery(page=PageRequest(size=100))).count == 0
