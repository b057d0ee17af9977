"""The official Python SDK (`vonage` 4.x: `vonage_account`, `vonage_subaccounts`) against a real
mock server over HTTPS: the balance follows every buy, subaccounts are listed, opened, read,
suspended and resumed, balance and credit move, numbers move with their configuration, and every
refusal reaches the SDK as the exception it maps the status to."""

from decimal import Decimal
from pathlib import Path

import pytest
from support.accounts import Account
from support.data import E2EData
from support.sdks import SdkClients
from support.servers import MockServer, mock_client, start_mock_server, stop_mock_server
from vonage import Vonage
from vonage_account import Balance
from vonage_http_client import (
    AuthenticationError,
    ForbiddenError,
    HttpRequestError,
    NotFoundError,
)
from vonage_numbers import ListOwnedNumbersFilter, NumberParams
from vonage_subaccounts import (
    ListTransfersFilter,
    ModifySubaccountOptions,
    SubaccountOptions,
    TransferNumberRequest,
    TransferRequest,
)

from mock_server.testing.client import MockClient

pytestmark = pytest.mark.e2e

SINCE = ListTransfersFilter(start_date="2000-01-01T00:00:00Z")
NEW_SECRET = "NewSub1Secret"


@pytest.fixture
def primary(
    mock: MockClient, mock_server: MockServer, sdks: SdkClients, e2e_data: E2EData
) -> Vonage:
    """The e2e primary account's client, on a freshly reset server."""
    return sdks.vonage(mock_server, e2e_data.primary)


def owned_msisdns(client: Vonage) -> set[str]:
    numbers, _, _ = client.numbers.list_owned_numbers(ListOwnedNumbersFilter(size=100))
    return {n.msisdn for n in numbers if n.msisdn is not None}


def test_the_balance_follows_every_buy(primary: Vonage, e2e_data: E2EData) -> None:
    before = primary.account.get_balance()
    assert before == Balance(value=float(e2e_data.primary.balance), autoReload=False)

    primary.numbers.buy_number(NumberParams(country="GB", msisdn=e2e_data.gb_available[0]))

    assert primary.account.get_balance().value == pytest.approx(before.value - 1.25)


def test_a_wrong_secret_is_an_authentication_error_on_both_apis(
    mock: MockClient, mock_server: MockServer, sdks: SdkClients, e2e_data: E2EData
) -> None:
    client = sdks.vonage(mock_server, e2e_data.primary, api_secret="WrongSecret0000")
    with pytest.raises(AuthenticationError):
        client.account.get_balance()
    with pytest.raises(AuthenticationError) as refused:
        client.subaccounts.list_subaccounts()
    assert refused.value.response.json()["title"] == "Invalid credentials supplied"


def test_the_list_shows_the_primary_its_subaccount_and_totals(
    primary: Vonage, e2e_data: E2EData
) -> None:
    listed = primary.subaccounts.list_subaccounts()

    assert listed.primary_account.api_key == e2e_data.primary.api_key
    assert listed.primary_account.balance == float(e2e_data.primary.balance)
    assert [s.api_key for s in listed.subaccounts] == [e2e_data.subaccount.api_key]
    assert listed.subaccounts[0].primary_account_api_key == e2e_data.primary.api_key
    expected = float(e2e_data.primary.balance + e2e_data.subaccount.balance)
    assert listed.total_balance == expected


def test_a_new_subaccount_works_until_suspended_and_again_once_resumed(
    primary: Vonage, mock_server: MockServer, sdks: SdkClients
) -> None:
    created = primary.subaccounts.create_subaccount(
        SubaccountOptions(name="Dept A", secret=NEW_SECRET, use_primary_account_balance=False)
    )
    assert (created.name, created.secret, created.balance) == ("Dept A", NEW_SECRET, 0.0)
    assert primary.subaccounts.get_subaccount(created.api_key).name == "Dept A"
    own = sdks.vonage(mock_server, Account(created.api_key, NEW_SECRET, created.balance))
    assert owned_msisdns(own) == set()

    suspended = primary.subaccounts.modify_subaccount(
        created.api_key, ModifySubaccountOptions(suspended=True, name="Dept A (held)")
    )
    assert (suspended.suspended, suspended.name) == (True, "Dept A (held)")
    with pytest.raises(AuthenticationError):
        own.numbers.list_owned_numbers(ListOwnedNumbersFilter())
    with pytest.raises(AuthenticationError):
        own.account.get_balance()

    primary.subaccounts.modify_subaccount(created.api_key, ModifySubaccountOptions(suspended=False))
    assert own.account.get_balance().value == 0.0


def test_a_subaccount_sharing_the_primary_balance_is_charged_there(
    primary: Vonage, mock_server: MockServer, sdks: SdkClients, e2e_data: E2EData
) -> None:
    shared = primary.subaccounts.create_subaccount(SubaccountOptions(name="Shared"))
    assert shared.use_primary_account_balance is True
    assert shared.balance is None
    own = sdks.vonage(mock_server, Account(shared.api_key, shared.secret, shared.balance or 0))
    before = primary.account.get_balance().value

    own.numbers.buy_number(NumberParams(country="US", msisdn=e2e_data.us_available[0]))

    assert primary.account.get_balance().value == pytest.approx(before - 0.90)
    assert own.account.get_balance().value == pytest.approx(before - 0.90)
    assert owned_msisdns(own) == {e2e_data.us_available[0]}


def test_balance_moves_and_is_listed_credit_refused_beyond_the_limit(
    primary: Vonage, e2e_data: E2EData
) -> None:
    sub = e2e_data.subaccount.api_key
    sent = primary.subaccounts.transfer_balance(
        TransferRequest(from_=e2e_data.primary.api_key, to=sub, amount=25.5, reference="Q1")
    )
    assert (sent.amount, sent.to, sent.reference) == (25.5, sub, "Q1")
    assert (
        primary.subaccounts.get_subaccount(sub).balance == float(e2e_data.subaccount.balance) + 25.5
    )
    assert [t.id for t in primary.subaccounts.list_balance_transfers(SINCE)] == [sent.id]

    with pytest.raises(HttpRequestError) as refused:
        primary.subaccounts.transfer_credit(
            TransferRequest(from_=e2e_data.primary.api_key, to=sub, amount=1)
        )
    assert refused.value.response.status_code == 422
    assert refused.value.response.json()["invalid_parameters"][0]["name"] == "amount"
    assert primary.subaccounts.list_credit_transfers(SINCE) == []


def test_a_number_moves_with_its_configuration_and_refusals_map_to_sdk_errors(
    primary: Vonage, mock_server: MockServer, sdks: SdkClients, e2e_data: E2EData
) -> None:
    number, sub = e2e_data.preowned["msisdn"], e2e_data.subaccount
    moved = primary.subaccounts.transfer_number(
        TransferNumberRequest(
            from_=e2e_data.primary.api_key, to=sub.api_key, number=number, country="GB"
        )
    )
    assert (moved.number, moved.country, moved.to) == (number, "GB", sub.api_key)
    sub_client = sdks.vonage(mock_server, sub)
    numbers, _, _ = sub_client.numbers.list_owned_numbers(ListOwnedNumbersFilter())
    listed = next(n for n in numbers if n.msisdn == number)
    assert listed.app_id == e2e_data.preowned.get("app_id")
    assert listed.mo_http_url == e2e_data.preowned.get("moHttpUrl")
    assert number not in owned_msisdns(primary)

    again = TransferNumberRequest(from_=e2e_data.primary.api_key, to=sub.api_key, number=number)
    with pytest.raises(HttpRequestError) as conflict:
        primary.subaccounts.transfer_number(again)
    assert conflict.value.response.status_code == 409
    missing = TransferNumberRequest(
        from_=e2e_data.primary.api_key, to=sub.api_key, number=e2e_data.not_for_sale
    )
    with pytest.raises(NotFoundError):
        primary.subaccounts.transfer_number(missing)
    outside = TransferNumberRequest(from_=sub.api_key, to="00000000", number=number)
    with pytest.raises(ForbiddenError):
        primary.subaccounts.transfer_number(outside)


def test_unknown_subaccounts_and_subaccount_callers_are_refused(
    primary: Vonage, mock_server: MockServer, sdks: SdkClients, e2e_data: E2EData
) -> None:
    with pytest.raises(NotFoundError):
        primary.subaccounts.get_subaccount("00000000")
    with pytest.raises(ForbiddenError):
        sdks.vonage(mock_server, e2e_data.subaccount).subaccounts.list_subaccounts()


def test_subaccounts_transfers_and_moved_numbers_survive_a_restart_with_a_state_file(
    tmp_path: Path, sdks: SdkClients, e2e_data: E2EData
) -> None:
    """A real server with --state-file, stopped and started again: every kind of write the
    Subaccounts API makes is replayed from the state file's log of changes."""
    args = ["--state-file", str(tmp_path / "state.json")]
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    server = start_mock_server(tmp_path / "first", extra_args=args)
    try:
        client = sdks.vonage(server, e2e_data.primary)
        created = client.subaccounts.create_subaccount(
            SubaccountOptions(name="Kept", secret=NEW_SECRET, use_primary_account_balance=False)
        )
        primary = e2e_data.primary.api_key
        client.subaccounts.transfer_balance(
            TransferRequest(from_=primary, to=created.api_key, amount=4.25)
        )
        number = e2e_data.preowned["msisdn"]
        client.subaccounts.transfer_number(
            TransferNumberRequest(from_=primary, to=created.api_key, number=number)
        )
        client.subaccounts.modify_subaccount(
            created.api_key, ModifySubaccountOptions(name="Kept and renamed")
        )
        before = mock_client(server).state()
    finally:
        sdks.close()
        stop_mock_server(server)

    restarted = start_mock_server(tmp_path / "second", extra_args=args)
    try:
        assert mock_client(restarted).state() == before
        again = sdks.vonage(restarted, e2e_data.primary)
        kept = again.subaccounts.get_subaccount(created.api_key)
        assert (kept.name, kept.balance) == ("Kept and renamed", 4.25)
        assert [t.amount for t in again.subaccounts.list_balance_transfers(SINCE)] == [4.25]
        own = sdks.vonage(restarted, Account(created.api_key, NEW_SECRET, Decimal("4.25")))
        assert owned_msisdns(own) == {number}
    finally:
        sdks.close()
        stop_mock_server(restarted)
