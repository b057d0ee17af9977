"""The Subaccounts API's domain: who may call it, subaccounts, transfers, moving a number; a
refused plan changes nothing, a shared balance is charged on the primary, a suspended account
cannot authenticate."""

from decimal import Decimal

import pytest
from support.data import SMALL

from mock_server.domain import messages, subaccounts
from mock_server.domain.accounts import Account
from mock_server.domain.errors import (
    AccountNotFound,
    ApiProblem,
    AuthenticationFailed,
    InvalidNumberTransfer,
    MethodFailed,
    NumberNotFound,
    TransferConflict,
    Unprovisioned,
    ValidationFailed,
)
from mock_server.domain.inventory import Inventory, NumberRef
from mock_server.domain.subaccounts import (
    FundsTransfer,
    NewSubaccount,
    NumberTransfer,
    SubaccountChanges,
)
from mock_server.domain.transfers import TransferKind, TransferQuery, parse_timestamp
from mock_server.state.document import build_inventory, load_fixture_file, parse_fixtures
from mock_server.state.export import state_document

BALANCE, CREDIT = TransferKind.BALANCE, TransferKind.CREDIT
# tests/data/small.json: master01 (100.00) owns 447700900500 (GB, with an app and a webhook);
# its subaccount sub00001 (10.00) owns 447700900600; other001 and stranger are unrelated.
OWNED_BY_MASTER, OWNED_BY_SUB, OWNED_BY_STRANGER = "447700900500", "447700900600", "447700900700"


@pytest.fixture
def inventory() -> Inventory:
    return build_inventory(load_fixture_file(SMALL))


def account(inventory: Inventory, api_key: str) -> Account:
    found = inventory.accounts.get(api_key)
    assert found is not None
    return found


def master(inventory: Inventory) -> Account:
    return account(inventory, "master01")


def test_only_a_primary_calling_with_its_own_key_acts_for_a_family(inventory: Inventory) -> None:
    assert subaccounts.primary_for(master(inventory), "master01") is master(inventory)
    with pytest.raises(Unprovisioned, match="sub00001"):
        subaccounts.primary_for(account(inventory, "sub00001"), "sub00001")
    with pytest.raises(AccountNotFound, match="stranger"):
        subaccounts.primary_for(master(inventory), "stranger")


def test_a_new_subaccount_shares_the_primary_balance_by_default(inventory: Inventory) -> None:
    change = subaccounts.plan_create(inventory, master(inventory), NewSubaccount("Dept A"))
    inventory.apply(change)

    new = account(inventory, change.account.api_key)
    assert (new.parent, new.name, new.use_primary_balance) == ("master01", "Dept A", True)
    assert new.balance == 0
    assert not new.suspended
    assert subaccounts.SECRET.match(new.api_secret)
    assert parse_timestamp(new.created_at or "")
    assert [a.api_key for a in subaccounts.subaccounts(inventory, master(inventory))] == [
        "sub00001",
        new.api_key,
    ]


@pytest.mark.parametrize(
    ("new", "field"),
    [
        pytest.param(NewSubaccount(""), "name", id="empty-name"),
        pytest.param(NewSubaccount("x" * 81), "name", id="long-name"),
        pytest.param(NewSubaccount("A", "short1A"), "secret", id="short-secret"),
        pytest.param(NewSubaccount("A", "nodigitsHere"), "secret", id="secret-no-digit"),
        pytest.param(NewSubaccount("A", "alllower123"), "secret", id="secret-no-upper"),
    ],
)
def test_a_bad_new_subaccount_is_a_422_naming_the_field(
    inventory: Inventory, new: NewSubaccount, field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        subaccounts.plan_create(inventory, master(inventory), new)
    assert list(refused.value.invalid_parameters) == [field]


def test_a_suspended_subaccount_cannot_authenticate_until_resumed(inventory: Inventory) -> None:
    inventory.accounts.authenticate("sub00001", "SubSecret0000001")
    modify = SubaccountChanges(suspended=True)
    inventory.apply(subaccounts.plan_modify(inventory, master(inventory), "sub00001", modify))

    with pytest.raises(AuthenticationFailed):
        inventory.accounts.authenticate("sub00001", "SubSecret0000001")
    resume = SubaccountChanges(suspended=False)
    inventory.apply(subaccounts.plan_modify(inventory, master(inventory), "sub00001", resume))
    assert inventory.accounts.authenticate("sub00001", "SubSecret0000001").api_key == "sub00001"


def test_only_the_primarys_own_subaccounts_can_be_read_or_modified(inventory: Inventory) -> None:
    for key in ("other001", "master01", "nobody"):
        with pytest.raises(AccountNotFound):
            subaccounts.subaccount_of(inventory, master(inventory), key)
        with pytest.raises(AccountNotFound):
            subaccounts.plan_modify(inventory, master(inventory), key, SubaccountChanges(True))


def test_a_subaccount_sharing_the_primary_balance_is_charged_there(inventory: Inventory) -> None:
    sub = account(inventory, "sub00001")
    share = SubaccountChanges(use_primary_balance=True)
    inventory.apply(subaccounts.plan_modify(inventory, master(inventory), "sub00001", share))

    inventory.buy(sub, NumberRef("GB", "447700900001"))

    assert master(inventory).balance == Decimal("98.75")
    assert sub.balance == Decimal("10.00")
    owner = inventory.owner_of("447700900001")
    assert owner is not None
    assert owner[0] == "sub00001"


def test_a_shared_balance_that_cannot_pay_refuses_the_buy(inventory: Inventory) -> None:
    share = SubaccountChanges(use_primary_balance=True)
    inventory.apply(subaccounts.plan_modify(inventory, master(inventory), "sub00001", share))
    master(inventory).balance = Decimal("1.00")  # below the 1.25 the number costs

    with pytest.raises(MethodFailed):
        inventory.buy(account(inventory, "sub00001"), NumberRef("GB", "447700900001"))


def test_a_balance_transfer_moves_money_and_is_listed(inventory: Inventory) -> None:
    request = FundsTransfer(BALANCE, "master01", "sub00001", Decimal("12.50"), "Q1")
    change = subaccounts.plan_transfer(inventory, master(inventory), request)
    inventory.apply(change)

    assert master(inventory).balance == Decimal("87.50")
    assert account(inventory, "sub00001").balance == Decimal("22.50")
    family = frozenset({"master01", "sub00001"})
    start = parse_timestamp("2000-01-01T00:00:00Z")
    assert inventory.transfers.select(TransferQuery(BALANCE, family, start)) == [change.transfer]
    assert inventory.transfers.select(TransferQuery(CREDIT, family, start)) == []
    later = parse_timestamp("2999-01-01T00:00:00Z")
    assert inventory.transfers.select(TransferQuery(BALANCE, family, later)) == []
    elsewhere = frozenset({"nobody"})
    assert inventory.transfers.select(TransferQuery(BALANCE, family, start, None, elsewhere)) == []


def test_credit_moves_only_as_far_as_the_sender_has_it(inventory: Inventory) -> None:
    master(inventory).credit_limit = Decimal("50.00")
    request = FundsTransfer(CREDIT, "master01", "sub00001", Decimal("20.00"))
    inventory.apply(subaccounts.plan_transfer(inventory, master(inventory), request))

    assert master(inventory).credit_limit == Decimal("30.00")
    assert account(inventory, "sub00001").credit_limit == Decimal("20.00")
    too_much = FundsTransfer(CREDIT, "master01", "sub00001", Decimal("30.01"))
    with pytest.raises(ValidationFailed) as refused:
        subaccounts.plan_transfer(inventory, master(inventory), too_much)
    assert refused.value.invalid_parameters == {
        "amount": messages.REASON_INSUFFICIENT_CREDIT.format(api_key="master01", credit="30.00")
    }


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        pytest.param(FundsTransfer(BALANCE, "stranger", "sub00001", Decimal(1)), "from", id="from"),
        pytest.param(FundsTransfer(BALANCE, "master01", "other001", Decimal(1)), "to", id="to"),
        pytest.param(FundsTransfer(BALANCE, "master01", "master01", Decimal(1)), "to", id="same"),
        pytest.param(FundsTransfer(BALANCE, "master01", "sub00001", Decimal(0)), "amount", id="0"),
        pytest.param(
            FundsTransfer(BALANCE, "master01", "sub00001", Decimal("-5")), "amount", id="negative"
        ),
        pytest.param(
            FundsTransfer(BALANCE, "master01", "sub00001", Decimal("0.001")),
            "amount",
            id="three-decimals",
        ),
        pytest.param(
            FundsTransfer(BALANCE, "master01", "sub00001", Decimal("1.479606670586253e+207")),
            "amount",
            id="beyond-any-balance",
        ),
        pytest.param(
            FundsTransfer(BALANCE, "master01", "sub00001", Decimal("1E-900")),
            "amount",
            id="tiny-exponent",
        ),
        pytest.param(
            FundsTransfer(BALANCE, "sub00001", "master01", Decimal("10.01")),
            "amount",
            id="more-than-the-balance",
        ),
        pytest.param(
            FundsTransfer(CREDIT, "master01", "sub00001", Decimal("1")), "amount", id="no-credit"
        ),
    ],
)
def test_a_refused_transfer_names_the_field_and_changes_nothing(
    inventory: Inventory, request_: FundsTransfer, field: str
) -> None:
    before = state_document(inventory)
    with pytest.raises(ValidationFailed) as refused:
        subaccounts.plan_transfer(inventory, master(inventory), request_)
    assert list(refused.value.invalid_parameters) == [field]
    assert state_document(inventory) == before


def test_no_balance_moves_to_or_from_a_subaccount_that_shares_the_primarys(
    inventory: Inventory,
) -> None:
    share = SubaccountChanges(use_primary_balance=True)
    inventory.apply(subaccounts.plan_modify(inventory, master(inventory), "sub00001", share))
    request = FundsTransfer(BALANCE, "master01", "sub00001", Decimal(1))

    with pytest.raises(ValidationFailed) as refused:
        subaccounts.plan_transfer(inventory, master(inventory), request)
    assert refused.value.invalid_parameters == {
        "to": messages.REASON_SHARED_BALANCE.format(api_key="sub00001")
    }


def test_two_subaccounts_cannot_transfer_between_themselves(inventory: Inventory) -> None:
    second = subaccounts.plan_create(inventory, master(inventory), NewSubaccount("B"))
    inventory.apply(second)
    request = FundsTransfer(BALANCE, "sub00001", second.account.api_key, Decimal(1))

    with pytest.raises(ValidationFailed) as refused:
        subaccounts.plan_transfer(inventory, master(inventory), request)
    assert refused.value.invalid_parameters == {"to": messages.REASON_NOT_PARENT_CHILD}


def test_a_number_moves_with_its_configuration(inventory: Inventory) -> None:
    before = inventory.owner_of(OWNED_BY_MASTER)
    request = NumberTransfer("master01", "sub00001", OWNED_BY_MASTER, "GB")
    inventory.apply(subaccounts.plan_transfer_number(inventory, master(inventory), request))

    after = inventory.owner_of(OWNED_BY_MASTER)
    assert before is not None
    assert after is not None
    assert after[0] == "sub00001"
    assert after[1] == before[1]  # the same attributes and configuration
    assert after[1].config.app_id is not None
    assert OWNED_BY_MASTER in {n.msisdn for n in inventory.owned_by("sub00001")}
    assert OWNED_BY_MASTER not in {n.msisdn for n in inventory.owned_by("master01")}


@pytest.mark.parametrize(
    ("request_", "problem"),
    [
        pytest.param(
            NumberTransfer("master01", "other001", OWNED_BY_MASTER),
            InvalidNumberTransfer,
            id="to-another-family",
        ),
        pytest.param(
            NumberTransfer("master01", "master01", OWNED_BY_MASTER),
            InvalidNumberTransfer,
            id="to-itself",
        ),
        pytest.param(
            NumberTransfer("nobody", "master01", OWNED_BY_MASTER),
            InvalidNumberTransfer,
            id="from-unknown",
        ),
        pytest.param(
            NumberTransfer("master01", "sub00001", OWNED_BY_STRANGER),
            NumberNotFound,
            id="someone-elses-number",
        ),
        pytest.param(
            NumberTransfer("master01", "sub00001", "447700900001"),
            NumberNotFound,
            id="a-number-on-sale",
        ),
        pytest.param(
            NumberTransfer("master01", "sub00001", OWNED_BY_MASTER, "US"),
            NumberNotFound,
            id="wrong-country",
        ),
        pytest.param(
            NumberTransfer("master01", "sub00001", OWNED_BY_SUB),
            TransferConflict,
            id="already-the-receivers",
        ),
    ],
)
def test_a_refused_number_transfer_changes_nothing(
    inventory: Inventory, request_: NumberTransfer, problem: type[ApiProblem]
) -> None:
    before = state_document(inventory)
    with pytest.raises(problem) as refused:
        subaccounts.plan_transfer_number(inventory, master(inventory), request_)
    assert request_.number in refused.value.detail
    assert state_document(inventory) == before


def test_settings_and_transfers_round_trip_through_the_state_document(
    inventory: Inventory,
) -> None:
    rename = SubaccountChanges(suspended=True, name="Renamed")
    inventory.apply(subaccounts.plan_modify(inventory, master(inventory), "sub00001", rename))
    request = FundsTransfer(BALANCE, "master01", "sub00001", Decimal("2.50"), "ref")
    inventory.apply(subaccounts.plan_transfer(inventory, master(inventory), request))
    document = state_document(inventory)

    rebuilt = build_inventory(parse_fixtures(document))

    assert state_document(rebuilt) == document
    sub = account(rebuilt, "sub00001")
    assert (sub.suspended, sub.name, sub.balance) == (True, "Renamed", Decimal("12.50"))
    assert [t.reference for t in rebuilt.transfers] == ["ref"]
