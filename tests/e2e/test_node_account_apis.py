"""The official Node SDK against a real mock server over HTTPS: `vonage.accounts.getBalance()`
(@vonage/server-sdk) and `@vonage/subaccounts` (its apiHost the mock's https URL), driven by
tests/node/numbers_cycle.mjs. Every refusal reaches the SDK as a rejection carrying the status and
the problem body."""

from typing import Any

import pytest
from support.data import E2EData
from support.sdks import run_node_calls
from support.servers import MockServer

from mock_server.testing.client import MockClient

pytestmark = pytest.mark.e2e

SINCE = {"startDate": "2000-01-01T00:00:00Z"}


def ok(outcome: dict[str, Any]) -> Any:
    assert outcome["ok"], outcome
    return outcome["result"]


def refused(outcome: dict[str, Any], status: int) -> dict[str, Any]:
    assert not outcome["ok"], outcome
    error = outcome["error"]
    assert error["status"] == status, error
    assert {"type", "title", "detail", "instance"} <= set(error["body"])
    body: dict[str, Any] = error["body"]
    return body


def test_the_balance_follows_a_buy(
    mock: MockClient, mock_server: MockServer, e2e_data: E2EData
) -> None:
    before, bought, after = run_node_calls(
        mock_server,
        e2e_data.primary,
        [
            {"op": "balance"},
            {"op": "buy", "params": {"country": "GB", "msisdn": e2e_data.gb_available[0]}},
            {"op": "balance"},
        ],
    )
    assert ok(before) == {"value": float(e2e_data.primary.balance), "autoReload": False}
    assert ok(bought)["errorCode"] == "200"
    assert ok(after)["value"] == pytest.approx(float(e2e_data.primary.balance) - 1.25)


def test_subaccounts_are_opened_suspended_and_funded(
    mock: MockClient, mock_server: MockServer, e2e_data: E2EData
) -> None:
    primary, sub = e2e_data.primary.api_key, e2e_data.subaccount.api_key
    listed, head, created = run_node_calls(
        mock_server,
        e2e_data.primary,
        [
            {"op": "listSubAccounts"},
            {"op": "primaryAccount"},
            {
                "op": "createSubAccount",
                "params": {"name": "Node dept", "usePrimaryAccountBalance": False},
            },
        ],
    )
    assert [s["apiKey"] for s in ok(listed)] == [sub]
    assert ok(listed)[0]["primaryAccountApiKey"] == primary
    assert ok(head)["apiKey"] == primary
    new = ok(created)
    assert (new["name"], new["usePrimaryAccountBalance"], new["balance"]) == ("Node dept", False, 0)
    assert new["secret"]

    fetched, suspended, sent, balances, credit = run_node_calls(
        mock_server,
        e2e_data.primary,
        [
            {"op": "getSubAccount", "params": {"apiKey": new["apiKey"]}},
            {
                "op": "updateSubAccount",
                "params": {"apiKey": new["apiKey"], "changes": {"suspended": True}},
            },
            {
                "op": "transferBalance",
                "params": {"from": primary, "to": new["apiKey"], "amount": 7.5},
            },
            {"op": "listBalanceTransfers", "params": SINCE},
            {"op": "transferCredit", "params": {"from": primary, "to": sub, "amount": 1}},
        ],
    )
    assert ok(fetched)["name"] == "Node dept"
    assert ok(suspended)["suspended"] is True
    assert ok(sent)["amount"] == 7.5
    assert [t["balanceTransferId"] for t in ok(balances)] == [ok(sent)["balanceTransferId"]]
    assert refused(credit, 422)["invalid_parameters"][0]["name"] == "amount"

    (balance,) = run_node_calls(mock_server, e2e_data.primary, [{"op": "balance"}])
    assert ok(balance)["value"] == pytest.approx(float(e2e_data.primary.balance) - 7.5)


def test_a_number_moves_and_the_refusals_carry_problem_bodies(
    mock: MockClient, mock_server: MockServer, e2e_data: E2EData
) -> None:
    primary, sub = e2e_data.primary.api_key, e2e_data.subaccount.api_key
    number = e2e_data.preowned["msisdn"]
    moved, again, missing, unknown = run_node_calls(
        mock_server,
        e2e_data.primary,
        [
            {"op": "transferNumber", "params": {"from": primary, "to": sub, "number": number}},
            {"op": "transferNumber", "params": {"from": primary, "to": sub, "number": number}},
            {
                "op": "transferNumber",
                "params": {"from": primary, "to": sub, "number": e2e_data.not_for_sale},
            },
            {"op": "getSubAccount", "params": {"apiKey": "00000000"}},
        ],
    )
    assert ok(moved) == {"number": number, "country": "GB", "from": primary, "to": sub}
    assert refused(again, 409)["title"] == "Transfer Conflict"
    assert refused(missing, 404)["title"] == "Invalid Number Transfer"
    assert refused(unknown, 404)["title"] == "Invalid API Key"
    (owned,) = run_node_calls(mock_server, e2e_data.subaccount, [{"op": "owned"}])
    listed = next(n for n in ok(owned)["numbers"] if n["msisdn"] == number)
    # The Node SDK resolves a GET to Vonage's body as it is: snake_case app_id, moHttpUrl.
    assert listed["app_id"] == e2e_data.preowned["app_id"]
    assert listed["moHttpUrl"] == e2e_data.preowned["moHttpUrl"]


def test_wrong_credentials_and_subaccount_callers_are_refused(
    mock: MockClient, mock_server: MockServer, e2e_data: E2EData
) -> None:
    balance, listed = run_node_calls(
        mock_server,
        e2e_data.primary,
        [{"op": "balance"}, {"op": "listSubAccounts"}],
        api_secret="WrongSecret0000",
    )
    assert refused(balance, 401)["title"] == "Invalid credentials supplied"
    assert refused(listed, 401)["title"] == "Invalid credentials supplied"
    (forbidden,) = run_node_calls(mock_server, e2e_data.subaccount, [{"op": "listSubAccounts"}])
    assert refused(forbidden, 403)["title"] == "Authorisation error"
