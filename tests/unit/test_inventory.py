"""mock_server.domain.inventory: the five operations on accounts, the pool and owned numbers."""

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from support import oracles

from mock_server.domain import messages
from mock_server.domain.accounts import Account, Accounts
from mock_server.domain.errors import AddressRequired, MethodFailed
from mock_server.domain.inventory import Inventory, NumberRef, OwnedQuery, SearchQuery
from mock_server.domain.matching import Pattern, SearchPattern
from mock_server.domain.pagination import PageRequest
from mock_server.domain.phone_number import (
    AvailableNumber,
    Feature,
    NumberAttributes,
    NumberConfig,
    NumberType,
    OwnedNumber,
)
from mock_server.domain.pool import Block, Pool, PoolFilter
from mock_server.vonage.queries import update_changes

VOICE, SMS = Feature.VOICE, Feature.SMS

MASTER, SUB, SIBLING, POOR, MID, STRANGER = (
    "master01",
    "sub00001",
    "sub00002",
    "poor0001",
    "mid00001",
    "stranger",
)

APP_A = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"
APP_B = "bbbbbbbb-cccc-dddd-eeee-0123456789ab"
APP_C = "cccccccc-dddd-eeee-ffff-0123456789ab"


def attrs(
    country: str,
    type_: NumberType,
    cost: str,
    initial_price: str = "0.00",
    features: frozenset[Feature] = frozenset({VOICE, SMS}),
) -> NumberAttributes:
    return NumberAttributes(country, type_, features, Decimal(cost), Decimal(initial_price))


GB_MOBILE = attrs("GB", NumberType.MOBILE_LVN, "1.25")
GB_LANDLINE = attrs("GB", NumberType.LANDLINE, "0.40", features=frozenset({VOICE}))
GB_TOLL_FREE = attrs("GB", NumberType.LANDLINE_TOLL_FREE, "5.00", "2.00")
US_MOBILE = attrs("US", NumberType.MOBILE_LVN, "0.90")
IT_LANDLINE = attrs("IT", NumberType.LANDLINE, "2.00", features=frozenset({VOICE}))

# Available: a GB range (with one number owned by MASTER inside it), two GB singles, a US range,
# an IT single in an address-required country.
GB_RANGE = [f"44770090000{n}" for n in range(10)]
IN_RANGE_OWNED = "447700900005"
GB_LANDLINE_SINGLE = "442079460001"
TOLL_FREE_SINGLE = "448081570001"
US_RANGE = [f"1201555010{n}" for n in range(5)]
IT_SINGLE = "390612345678"

# Owned numbers outside every range.
MASTER_VOICE_APP = "447700900800"
MASTER_MESSAGES_APP = "447700900900"
MASTER_TEL = "12015550150"
MASTER_PLAIN = "442079460099"
SUB_NUMBER = "447700900600"
SIBLING_NUMBER = "447700900650"
STRANGER_NUMBER = "447700900700"

MASTER_NUMBERS = [IN_RANGE_OWNED, MASTER_VOICE_APP, MASTER_MESSAGES_APP, MASTER_TEL, MASTER_PLAIN]


def make_inventory() -> Inventory:
    accounts = Accounts(
        [
            Account(MASTER, "MasterSecret0001", Decimal("100.00")),
            Account(SUB, "SubSecret0000001", Decimal("10.00"), parent=MASTER),
            Account(SIBLING, "SubSecret0000002", Decimal("10.00"), parent=MASTER),
            Account(POOR, "PoorSecret000001", Decimal("0.50")),
            Account(MID, "MidSecret0000001", Decimal("6.00")),
            Account(STRANGER, "Stranger00000001", Decimal("50.00")),
        ]
    )
    pool = Pool(
        [
            Block.of_range(GB_RANGE[0], GB_RANGE[-1], GB_MOBILE),
            Block.of_range(GB_LANDLINE_SINGLE, GB_LANDLINE_SINGLE, GB_LANDLINE),
            Block.of_range(TOLL_FREE_SINGLE, TOLL_FREE_SINGLE, GB_TOLL_FREE),
            Block.of_range(US_RANGE[0], US_RANGE[-1], US_MOBILE),
            Block.of_range(IT_SINGLE, IT_SINGLE, IT_LANDLINE),
        ]
    )
    pool.take(IN_RANGE_OWNED)
    owned = [
        (
            MASTER,
            OwnedNumber(
                IN_RANGE_OWNED,
                GB_MOBILE,
                NumberConfig(app_id=APP_A, mo_http_url="https://example.com/mo"),
            ),
        ),
        (
            MASTER,
            OwnedNumber(
                MASTER_VOICE_APP,
                GB_MOBILE,
                NumberConfig(voice_callback_type="app", voice_callback_value=APP_C),
            ),
        ),
        (
            MASTER,
            OwnedNumber(
                MASTER_MESSAGES_APP,
                GB_MOBILE,
                NumberConfig(messages_callback_type="app", messages_callback_value=APP_B),
            ),
        ),
        (
            MASTER,
            OwnedNumber(
                MASTER_TEL,
                US_MOBILE,
                NumberConfig(voice_callback_type="tel", voice_callback_value="12015550123"),
            ),
        ),
        (MASTER, OwnedNumber(MASTER_PLAIN, GB_LANDLINE)),
        (SUB, OwnedNumber(SUB_NUMBER, GB_MOBILE, NumberConfig(app_id=APP_A))),
        (SIBLING, OwnedNumber(SIBLING_NUMBER, GB_MOBILE)),
        (STRANGER, OwnedNumber(STRANGER_NUMBER, GB_MOBILE, NumberConfig(app_id=APP_B))),
    ]
    return Inventory(accounts, pool, owned, address_required=["IT"])


def account(inventory: Inventory, api_key: str) -> Account:
    found = inventory.accounts.get(api_key)
    assert found is not None
    return found


def owned_msisdns(inventory: Inventory, api_key: str) -> list[str]:
    return sorted(number.msisdn for number in inventory.owned_by(api_key))


def snapshot(inventory: Inventory) -> dict[str, Any]:
    """Everything a user could observe: pool, owners, configurations and balances."""
    return {
        "available": inventory.pool.available,
        "searchable": {
            country: [n.msisdn for n in oracles.search(inventory.pool, PoolFilter(country))]
            for country in ("GB", "US", "IT")
        },
        "owned": {
            a.api_key: sorted((n.msisdn, n.config) for n in inventory.owned_by(a.api_key))
            for a in inventory.accounts
        },
        "balances": {a.api_key: a.balance for a in inventory.accounts},
        "owned_count": inventory.owned_count,
    }


# -- buy --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("msisdn", "country", "attributes", "balance_after"),
    [
        pytest.param(GB_RANGE[1], "GB", GB_MOBILE, Decimal("98.75"), id="from-a-range"),
        pytest.param(GB_RANGE[-1], "GB", GB_MOBILE, Decimal("98.75"), id="last-of-a-range"),
        pytest.param(GB_LANDLINE_SINGLE, "GB", GB_LANDLINE, Decimal("99.60"), id="single"),
        pytest.param(
            TOLL_FREE_SINGLE, "GB", GB_TOLL_FREE, Decimal("93.00"), id="initial-price-plus-cost"
        ),
        pytest.param(US_RANGE[0], "US", US_MOBILE, Decimal("99.10"), id="other-country"),
    ],
)
def test_buy_moves_the_number_to_the_account_and_charges_it(
    msisdn: str, country: str, attributes: NumberAttributes, balance_after: Decimal
) -> None:
    inventory = make_inventory()
    master = account(inventory, MASTER)
    available_before = inventory.pool.available

    inventory.buy(master, NumberRef(country, msisdn))

    assert inventory.pool.available == available_before - 1
    assert inventory.pool.find(msisdn) is None
    assert msisdn not in [n.msisdn for n in oracles.search(inventory.pool, PoolFilter(country))]
    assert owned_msisdns(inventory, MASTER) == sorted([*MASTER_NUMBERS, msisdn])
    bought = next(n for n in inventory.owned_by(MASTER) if n.msisdn == msisdn)
    assert bought.attributes == attributes
    assert bought.config == NumberConfig()
    assert master.balance == balance_after
    assert inventory.owned_count == len(MASTER_NUMBERS) + 3 + 1


def test_buy_with_exactly_enough_credit_leaves_zero() -> None:
    inventory = make_inventory()
    poor = account(inventory, POOR)
    poor.balance = Decimal("0.40")
    inventory.buy(poor, NumberRef("GB", GB_LANDLINE_SINGLE))
    assert poor.balance == Decimal("0.00")
    assert owned_msisdns(inventory, POOR) == [GB_LANDLINE_SINGLE]


def test_buy_with_target_api_key_of_the_caller_itself_acts_on_the_caller() -> None:
    inventory = make_inventory()
    master = account(inventory, MASTER)
    inventory.buy(master, NumberRef("GB", GB_RANGE[0]), target_api_key=MASTER)
    assert GB_RANGE[0] in owned_msisdns(inventory, MASTER)
    assert master.balance == Decimal("98.75")


@pytest.mark.parametrize(
    ("caller", "msisdn", "country", "target"),
    [
        pytest.param(MASTER, "447700900099", "GB", None, id="unknown-number"),
        pytest.param(MASTER, "4477009000", "GB", None, id="unknown-shorter-number"),
        pytest.param(MASTER, IN_RANGE_OWNED, "GB", None, id="already-owned-by-self-in-range"),
        pytest.param(MASTER, MASTER_TEL, "US", None, id="already-owned-by-self-standalone"),
        pytest.param(MASTER, STRANGER_NUMBER, "GB", None, id="owned-by-another-account"),
        pytest.param(STRANGER, IN_RANGE_OWNED, "GB", None, id="owned-by-another-in-range"),
        pytest.param(MASTER, SUB_NUMBER, "GB", None, id="owned-by-own-subaccount"),
        pytest.param(MASTER, GB_RANGE[1], "US", None, id="wrong-country-for-msisdn"),
        pytest.param(MASTER, US_RANGE[0], "GB", None, id="wrong-country-us-number"),
        pytest.param(MASTER, IT_SINGLE, "GB", None, id="wrong-country-address-required-number"),
        pytest.param(POOR, GB_RANGE[1], "GB", None, id="insufficient-credit"),
        pytest.param(MID, TOLL_FREE_SINGLE, "GB", None, id="cost-affordable-but-not-plus-setup"),
        pytest.param(SUB, TOLL_FREE_SINGLE, "GB", POOR, id="target-unrelated-account"),
        pytest.param(MASTER, GB_RANGE[1], "GB", STRANGER, id="target-not-a-subaccount"),
        pytest.param(MASTER, GB_RANGE[1], "GB", "nobody00", id="target-unknown-account"),
        pytest.param(SUB, GB_RANGE[1], "GB", MASTER, id="subaccount-on-its-master"),
        pytest.param(SUB, GB_RANGE[1], "GB", SIBLING, id="subaccount-on-its-sibling"),
        pytest.param(STRANGER, GB_RANGE[1], "GB", SUB, id="stranger-on-a-subaccount"),
        pytest.param(MASTER, SUB_NUMBER, "GB", SUB, id="for-subaccount-already-its-own"),
        pytest.param(POOR, IT_SINGLE, "IT", MASTER, id="target-check-before-address-check"),
    ],
)
def test_buy_failures_raise_method_failed_and_change_nothing(
    caller: str, msisdn: str, country: str, target: str | None
) -> None:
    inventory = make_inventory()
    before = snapshot(inventory)

    with pytest.raises(MethodFailed) as caught:
        inventory.buy(account(inventory, caller), NumberRef(country, msisdn), target)

    assert type(caught.value) is MethodFailed
    assert caught.value.error_code == "420"
    assert caught.value.label == messages.METHOD_FAILED
    assert snapshot(inventory) == before


@pytest.mark.parametrize(
    ("caller", "target"),
    [
        pytest.param(MASTER, None, id="rich-account"),
        pytest.param(POOR, None, id="even-without-credit"),
        pytest.param(MASTER, SUB, id="for-a-subaccount"),
    ],
)
def test_buy_in_an_address_required_country_raises_address_required(
    caller: str, target: str | None
) -> None:
    inventory = make_inventory()
    before = snapshot(inventory)

    with pytest.raises(AddressRequired) as caught:
        inventory.buy(account(inventory, caller), NumberRef("IT", IT_SINGLE), target)

    assert isinstance(caught.value, MethodFailed)
    assert caught.value.error_code == "420"
    assert caught.value.label == messages.ADDRESS_REQUIRED
    assert snapshot(inventory) == before
    assert inventory.pool.find(IT_SINGLE) == AvailableNumber(IT_SINGLE, IT_LANDLINE)


def test_master_buys_for_its_subaccount() -> None:
    inventory = make_inventory()
    master, sub = account(inventory, MASTER), account(inventory, SUB)

    inventory.buy(master, NumberRef("GB", GB_RANGE[2]), target_api_key=SUB)

    assert owned_msisdns(inventory, SUB) == sorted([SUB_NUMBER, GB_RANGE[2]])
    assert owned_msisdns(inventory, MASTER) == sorted(MASTER_NUMBERS)
    assert sub.balance == Decimal("8.75")
    assert master.balance == Decimal("100.00")
    assert inventory.pool.find(GB_RANGE[2]) is None


def test_master_buying_for_a_subaccount_uses_the_subaccounts_credit() -> None:
    inventory = make_inventory()
    master, sub = account(inventory, MASTER), account(inventory, SUB)
    sub.balance = Decimal("1.00")
    before = snapshot(inventory)
    with pytest.raises(MethodFailed):
        inventory.buy(master, NumberRef("GB", GB_RANGE[2]), target_api_key=SUB)
    assert snapshot(inventory) == before
    assert master.balance == Decimal("100.00")


# -- cancel -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("msisdn", "country", "attributes"),
    [
        pytest.param(IN_RANGE_OWNED, "GB", GB_MOBILE, id="back-into-its-range"),
        pytest.param(MASTER_TEL, "US", US_MOBILE, id="standalone-becomes-available"),
        pytest.param(MASTER_PLAIN, "GB", GB_LANDLINE, id="standalone-without-config"),
    ],
)
def test_cancel_returns_the_number_to_the_pool_without_refund(
    msisdn: str, country: str, attributes: NumberAttributes
) -> None:
    inventory = make_inventory()
    master = account(inventory, MASTER)
    available_before = inventory.pool.available

    inventory.cancel(master, NumberRef(country, msisdn))

    assert msisdn not in owned_msisdns(inventory, MASTER)
    assert inventory.pool.available == available_before + 1
    assert inventory.pool.find(msisdn) == AvailableNumber(msisdn, attributes)
    assert msisdn in [n.msisdn for n in oracles.search(inventory.pool, PoolFilter(country))]
    assert master.balance == Decimal("100.00")
    assert inventory.owned_count == len(MASTER_NUMBERS) + 3 - 1


@pytest.mark.parametrize(
    ("msisdn", "country"),
    [
        pytest.param(IN_RANGE_OWNED, "GB", id="app-id-and-webhook"),
        pytest.param(MASTER_VOICE_APP, "GB", id="voice-app"),
        pytest.param(MASTER_MESSAGES_APP, "GB", id="messages-app"),
        pytest.param(MASTER_TEL, "US", id="voice-tel"),
    ],
)
def test_cancel_clears_the_configuration(msisdn: str, country: str) -> None:
    inventory = make_inventory()
    master = account(inventory, MASTER)
    before = next(n for n in inventory.owned_by(MASTER) if n.msisdn == msisdn)
    assert before.config != NumberConfig()

    inventory.cancel(master, NumberRef(country, msisdn))
    inventory.buy(master, NumberRef(country, msisdn))

    again = next(n for n in inventory.owned_by(MASTER) if n.msisdn == msisdn)
    assert again.config == NumberConfig()
    has_app = OwnedQuery(has_application=True, page=PageRequest(size=100))
    assert msisdn not in [n.msisdn for n in inventory.list_owned(master, has_app).items]


def test_buy_cancel_buy_charges_twice() -> None:
    inventory = make_inventory()
    master = account(inventory, MASTER)
    ref = NumberRef("GB", GB_RANGE[3])
    inventory.buy(master, ref)
    inventory.cancel(master, ref)
    inventory.buy(master, ref)
    assert master.balance == Decimal("97.50")
    assert GB_RANGE[3] in owned_msisdns(inventory, MASTER)


def test_master_cancels_for_its_subaccount() -> None:
    inventory = make_inventory()
    master, sub = account(inventory, MASTER), account(inventory, SUB)

    inventory.cancel(master, NumberRef("GB", SUB_NUMBER), target_api_key=SUB)

    assert owned_msisdns(inventory, SUB) == []
    assert inventory.pool.find(SUB_NUMBER) == AvailableNumber(SUB_NUMBER, GB_MOBILE)
    assert sub.balance == Decimal("10.00")
    assert owned_msisdns(inventory, MASTER) == sorted(MASTER_NUMBERS)


@pytest.mark.parametrize(
    ("caller", "msisdn", "country", "target"),
    [
        pytest.param(MASTER, STRANGER_NUMBER, "GB", None, id="owned-by-another-account"),
        pytest.param(MASTER, SUB_NUMBER, "GB", None, id="subaccounts-number-without-target"),
        pytest.param(MASTER, GB_RANGE[1], "GB", None, id="available-not-owned"),
        pytest.param(MASTER, "447700900099", "GB", None, id="unknown-number"),
        pytest.param(MASTER, IN_RANGE_OWNED, "US", None, id="wrong-country"),
        pytest.param(SUB, IN_RANGE_OWNED, "GB", MASTER, id="subaccount-on-its-master"),
        pytest.param(SUB, SIBLING_NUMBER, "GB", SIBLING, id="subaccount-on-its-sibling"),
        pytest.param(STRANGER, SUB_NUMBER, "GB", SUB, id="stranger-on-a-subaccount"),
        pytest.param(MASTER, STRANGER_NUMBER, "GB", STRANGER, id="target-not-a-subaccount"),
        pytest.param(MASTER, IN_RANGE_OWNED, "GB", SUB, id="target-does-not-own-it"),
        pytest.param(MASTER, IN_RANGE_OWNED, "GB", "nobody00", id="target-unknown"),
    ],
)
def test_cancel_failures_raise_method_failed_and_change_nothing(
    caller: str, msisdn: str, country: str, target: str | None
) -> None:
    inventory = make_inventory()
    before = snapshot(inventory)

    with pytest.raises(MethodFailed) as caught:
        inventory.cancel(account(inventory, caller), NumberRef(country, msisdn), target)

    assert type(caught.value) is MethodFailed
    assert caught.value.label == messages.METHOD_FAILED
    assert snapshot(inventory) == before


def test_cancel_twice_fails_the_second_time() -> None:
    inventory = make_inventory()
    master = account(inventory, MASTER)
    inventory.cancel(master, NumberRef("GB", IN_RANGE_OWNED))
    before = snapshot(inventory)
    with pytest.raises(MethodFailed):
        inventory.cancel(master, NumberRef("GB", IN_RANGE_OWNED))
    assert snapshot(inventory) == before


# -- update -----------------------------------------------------------------------------------


def config_of(inventory: Inventory, api_key: str, msisdn: str) -> NumberConfig:
    return next(n.config for n in inventory.owned_by(api_key) if n.msisdn == msisdn)


ORIGINAL = NumberConfig(app_id=APP_A, mo_http_url="https://example.com/mo")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({}, ORIGINAL, id="nothing-given-nothing-changes"),
        pytest.param(
            {"voice_callback_type": "sip", "voice_callback_value": "sip:desk@example.com"},
            replace(
                ORIGINAL, voice_callback_type="sip", voice_callback_value="sip:desk@example.com"
            ),
            id="sets-new-fields-keeps-the-rest",
        ),
        pytest.param(
            {"mo_http_url": "https://example.com/new"},
            replace(ORIGINAL, mo_http_url="https://example.com/new"),
            id="replaces-a-field",
        ),
        pytest.param({"mo_http_url": None}, NumberConfig(app_id=APP_A), id="none-clears"),
        pytest.param({"app_id": None, "mo_http_url": None}, NumberConfig(), id="clears-everything"),
        pytest.param(
            {"app_id": APP_B, "voice_status_callback": "https://example.com/events"},
            replace(ORIGINAL, app_id=APP_B, voice_status_callback="https://example.com/events"),
            id="relinks-application",
        ),
        pytest.param(
            {"mo_smpp_sys_type": "inbound", "messages_callback_type": "app"},
            replace(ORIGINAL, mo_smpp_sys_type="inbound", messages_callback_type="app"),
            id="other-fields",
        ),
    ],
)
def test_update(changes: dict[str, str | None], expected: NumberConfig) -> None:
    inventory = make_inventory()
    master = account(inventory, MASTER)
    before = snapshot(inventory)

    inventory.update(master, NumberRef("GB", IN_RANGE_OWNED), changes)

    assert config_of(inventory, MASTER, IN_RANGE_OWNED) == expected
    after = snapshot(inventory)
    assert after["balances"] == before["balances"]
    assert after["available"] == before["available"]
    assert owned_msisdns(inventory, MASTER) == sorted(MASTER_NUMBERS)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"moHttpUrl": ""}, NumberConfig(app_id=APP_A), id="empty-moHttpUrl-removes"),
        pytest.param({"app_id": ""}, replace(ORIGINAL, app_id=None), id="empty-app-id-unlinks"),
        pytest.param(
            {"voiceCallbackType": "tel", "voiceCallbackValue": "12015550123"},
            replace(ORIGINAL, voice_callback_type="tel", voice_callback_value="12015550123"),
            id="voice-tel",
        ),
        pytest.param({"api_key": MASTER, "unknown": "x"}, ORIGINAL, id="others-ignored"),
    ],
)
def test_update_from_wire_parameters(params: dict[str, str], expected: NumberConfig) -> None:
    inventory = make_inventory()
    master = account(inventory, MASTER)
    ref, changes = update_changes({"country": "GB", "msisdn": IN_RANGE_OWNED, **params})
    inventory.update(master, ref, changes)
    assert config_of(inventory, MASTER, IN_RANGE_OWNED) == expected


def test_update_then_list_shows_the_new_link() -> None:
    inventory = make_inventory()
    master = account(inventory, MASTER)
    inventory.update(master, NumberRef("GB", MASTER_PLAIN), {"app_id": APP_C})
    query = OwnedQuery(application_id=APP_C)
    assert sorted(n.msisdn for n in inventory.list_owned(master, query).items) == sorted(
        [MASTER_PLAIN, MASTER_VOICE_APP]
    )


@pytest.mark.parametrize(
    ("caller", "msisdn", "country"),
    [
        pytest.param(MASTER, STRANGER_NUMBER, "GB", id="owned-by-another-account"),
        pytest.param(MASTER, SUB_NUMBER, "GB", id="owned-by-subaccount"),
        pytest.param(SUB, IN_RANGE_OWNED, "GB", id="owned-by-master"),
        pytest.param(MASTER, GB_RANGE[1], "GB", id="available-not-owned"),
        pytest.param(MASTER, "447700900099", "GB", id="unknown"),
        pytest.param(MASTER, IN_RANGE_OWNED, "US", id="wrong-country"),
    ],
)
def test_update_of_a_number_not_owned_fails_and_changes_nothing(
    caller: str, msisdn: str, country: str
) -> None:
    inventory = make_inventory()
    before = snapshot(inventory)
    with pytest.raises(MethodFailed) as caught:
        inventory.update(account(inventory, caller), NumberRef(country, msisdn), {"app_id": APP_C})
    assert type(caught.value) is MethodFailed
    assert caught.value.label == messages.METHOD_FAILED
    assert snapshot(inventory) == before


# -- list_owned -------------------------------------------------------------------------------


def listed(inventory: Inventory, api_key: str, query: OwnedQuery) -> tuple[int, list[str]]:
    page = inventory.list_owned(account(inventory, api_key), query)
    return page.count, sorted(n.msisdn for n in page.items)


def expect(*msisdns: str) -> tuple[int, list[str]]:
    return len(msisdns), sorted(msisdns)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(OwnedQuery(), expect(*MASTER_NUMBERS), id="everything"),
        pytest.param(
            OwnedQuery(country="GB"),
            expect(IN_RANGE_OWNED, MASTER_VOICE_APP, MASTER_MESSAGES_APP, MASTER_PLAIN),
            id="country-gb",
        ),
        pytest.param(OwnedQuery(country="US"), expect(MASTER_TEL), id="country-us"),
        pytest.param(OwnedQuery(country="FR"), expect(), id="country-none"),
        pytest.param(
            OwnedQuery(pattern=Pattern("4477")),
            expect(IN_RANGE_OWNED, MASTER_VOICE_APP, MASTER_MESSAGES_APP),
            id="starts-with",
        ),
        pytest.param(
            OwnedQuery(pattern=Pattern("0", SearchPattern.ENDS_WITH)),
            expect(MASTER_VOICE_APP, MASTER_MESSAGES_APP, MASTER_TEL),
            id="ends-with",
        ),
        pytest.param(
            OwnedQuery(pattern=Pattern("555", SearchPattern.CONTAINS)),
            expect(MASTER_TEL),
            id="contains",
        ),
        pytest.param(
            OwnedQuery(pattern=Pattern("*555*", SearchPattern.STARTS_WITH)),
            expect(MASTER_TEL),
            id="wildcards-contain",
        ),
        pytest.param(
            OwnedQuery(pattern=Pattern("4477*", SearchPattern.STARTS_WITH)),
            expect(IN_RANGE_OWNED, MASTER_VOICE_APP, MASTER_MESSAGES_APP),
            id="starts-with-then-wildcard",
        ),
        pytest.param(
            OwnedQuery(pattern=Pattern("1*5*0", SearchPattern.ENDS_WITH)),
            expect(MASTER_TEL),
            id="wildcard-inside-ends-with",
        ),
        pytest.param(
            OwnedQuery(has_application=True),
            expect(IN_RANGE_OWNED, MASTER_VOICE_APP, MASTER_MESSAGES_APP),
            id="has-application-app-id-or-deprecated-app-callbacks",
        ),
        pytest.param(
            OwnedQuery(has_application=False),
            expect(MASTER_TEL, MASTER_PLAIN),
            id="has-no-application-tel-is-not-an-app",
        ),
        pytest.param(OwnedQuery(application_id=APP_A), expect(IN_RANGE_OWNED), id="app-id"),
        pytest.param(
            OwnedQuery(application_id=APP_B), expect(MASTER_MESSAGES_APP), id="messages-app"
        ),
        pytest.param(OwnedQuery(application_id=APP_C), expect(MASTER_VOICE_APP), id="voice-app"),
        pytest.param(
            OwnedQuery(application_id="12015550123"), expect(), id="tel-value-is-not-an-app"
        ),
        pytest.param(
            OwnedQuery(application_id="00000000-0000-0000-0000-000000000000"),
            expect(),
            id="unknown-application",
        ),
        pytest.param(
            OwnedQuery(country="GB", has_application=False), expect(MASTER_PLAIN), id="combined"
        ),
        pytest.param(
            OwnedQuery(country="US", application_id=APP_A), expect(), id="combined-no-match"
        ),
    ],
)
def test_list_owned_filters(query: OwnedQuery, expected: tuple[int, list[str]]) -> None:
    assert listed(make_inventory(), MASTER, query) == expected


@pytest.mark.parametrize(
    ("index", "size", "page_length"),
    [
        pytest.param(1, 2, 2, id="first"),
        pytest.param(3, 2, 1, id="last-partial"),
        pytest.param(4, 2, 0, id="past-the-end"),
        pytest.param(1, 100, 5, id="all"),
    ],
)
def test_list_owned_count_is_the_total(index: int, size: int, page_length: int) -> None:
    inventory = make_inventory()
    page = inventory.list_owned(
        account(inventory, MASTER), OwnedQuery(page=PageRequest(index=index, size=size))
    )
    assert page.count == len(MASTER_NUMBERS)
    assert len(page.items) == page_length


def test_list_owned_shows_configuration() -> None:
    inventory = make_inventory()
    page = inventory.list_owned(account(inventory, MASTER), OwnedQuery(application_id=APP_A))
    assert page.items == [OwnedNumber(IN_RANGE_OWNED, GB_MOBILE, ORIGINAL)]


# -- isolation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api_key", "expected"),
    [
        pytest.param(MASTER, MASTER_NUMBERS, id="master-not-its-subaccounts"),
        pytest.param(SUB, [SUB_NUMBER], id="subaccount-not-its-master"),
        pytest.param(SIBLING, [SIBLING_NUMBER], id="sibling"),
        pytest.param(STRANGER, [STRANGER_NUMBER], id="stranger"),
        pytest.param(POOR, [], id="nothing"),
    ],
)
def test_each_account_sees_only_its_own_numbers(api_key: str, expected: list[str]) -> None:
    assert listed(make_inventory(), api_key, OwnedQuery(page=PageRequest(size=100))) == expect(
        *expected
    )


@pytest.mark.parametrize(
    ("query", "api_key"),
    [
        pytest.param(OwnedQuery(application_id=APP_A), SUB, id="same-app-id-on-another-account"),
        pytest.param(OwnedQuery(application_id=APP_B), STRANGER, id="stranger-app"),
    ],
)
def test_filters_never_reach_other_accounts(query: OwnedQuery, api_key: str) -> None:
    inventory = make_inventory()
    count, items = listed(inventory, MASTER, query)
    others = {n.msisdn for n in inventory.owned_by(api_key)}
    assert others.isdisjoint(items)
    assert count == len(items)


def test_one_accounts_purchase_is_invisible_to_others() -> None:
    inventory = make_inventory()
    stranger_before = listed(inventory, STRANGER, OwnedQuery())
    inventory.buy(account(inventory, MASTER), NumberRef("GB", GB_RANGE[4]))
    assert listed(inventory, STRANGER, OwnedQuery()) == stranger_before
    assert GB_RANGE[4] not in listed(inventory, SUB, OwnedQuery())[1]
    # and nobody can buy it any more
    with pytest.raises(MethodFailed):
        inventory.buy(account(inventory, STRANGER), NumberRef("GB", GB_RANGE[4]))


# -- search -----------------------------------------------------------------------------------


def search(inventory: Inventory, country: str) -> tuple[int, list[str]]:
    page = inventory.search(SearchQuery(PoolFilter(country), PageRequest(size=100)))
    return page.count, [n.msisdn for n in page.items]


def test_search_follows_buys_and_cancels() -> None:
    inventory = make_inventory()
    master = account(inventory, MASTER)
    gb_available = [*GB_RANGE[:5], *GB_RANGE[6:], GB_LANDLINE_SINGLE, TOLL_FREE_SINGLE]
    assert search(inventory, "GB") == (len(gb_available), sorted(gb_available))

    inventory.buy(master, NumberRef("GB", GB_RANGE[0]))
    assert search(inventory, "GB")[0] == len(gb_available) - 1
    assert GB_RANGE[0] not in search(inventory, "GB")[1]

    inventory.cancel(master, NumberRef("GB", GB_RANGE[0]))
    inventory.cancel(master, NumberRef("GB", IN_RANGE_OWNED))
    assert search(inventory, "GB") == (
        len(gb_available) + 1,
        sorted([*gb_available, IN_RANGE_OWNED]),
    )


def test_search_pages_count_every_match() -> None:
    inventory = make_inventory()
    page = inventory.search(SearchQuery(PoolFilter("GB"), PageRequest(index=2, size=5)))
    assert page.count == 11
    assert [n.msisdn for n in page.items] == [
        GB_RANGE[4],
        *GB_RANGE[6:],
    ]


# -- questions the control plane asks ----------------------------------------------------------


def test_owner_of_names_the_owner_and_a_copy_of_the_number() -> None:
    inventory = make_inventory()
    found = inventory.owner_of(SUB_NUMBER)
    assert found is not None
    api_key, number = found
    assert (api_key, number.msisdn, number.config.app_id) == (SUB, SUB_NUMBER, APP_A)

    inventory.update(account(inventory, SUB), NumberRef("GB", SUB_NUMBER), {"app_id": APP_B})

    assert number.config.app_id == APP_A  # the copy does not follow the update
    again = inventory.owner_of(SUB_NUMBER)
    assert again is not None
    assert again[1].config.app_id == APP_B


@pytest.mark.parametrize(
    "msisdn",
    [pytest.param(GB_RANGE[1], id="for-sale"), pytest.param("447700999999", id="unknown")],
)
def test_owner_of_a_number_nobody_owns_is_none(msisdn: str) -> None:
    assert make_inventory().owner_of(msisdn) is None


def test_availability_counts_per_country_and_type_and_keeps_sold_out_kinds() -> None:
    inventory = make_inventory()
    assert inventory.availability() == {
        "GB": {
            NumberType.MOBILE_LVN: 9,
            NumberType.LANDLINE: 1,
            NumberType.LANDLINE_TOLL_FREE: 1,
        },
        "US": {NumberType.MOBILE_LVN: 5},
        "IT": {NumberType.LANDLINE: 1},
    }

    inventory.buy(account(inventory, MASTER), NumberRef("GB", GB_LANDLINE_SINGLE))

    assert inventory.availability()["GB"][NumberType.LANDLINE] == 0
