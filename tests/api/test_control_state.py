"""The control plane's state routes: export, reset, and replacing the whole state."""

import copy
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support.accounts import MASTER, STRANGER, SUB

from mock_server import __version__
from mock_server.domain import messages
from mock_server.state.document import parse_fixtures
from mock_server.vonage.rendering import PROBLEM_JSON

SUCCESS = {"error-code": "200", "error-code-label": messages.SUCCESS}
START_SUMMARY = {
    "status": "ok", "version": __version__, "accounts": 4, "available": 27, "owned": 5, "worlds": 0,
}  # fmt: skip
START_BALANCES = {
    "master01": "100.00",
    "sub00001": "10.00",
    "other001": "0.50",
    "stranger": "50.00",
}

Document = dict[str, Any]


def state(client: TestClient) -> Document:
    response = client.get("/_mock/state")
    assert response.status_code == 200
    return response.json()


def balances(document: Document) -> dict[str, str]:
    return {account["api_key"]: account["balance"] for account in document["accounts"]}


def owned(document: Document) -> dict[str, Document]:
    return {entry["msisdn"]: entry for entry in document["owned"]}


def vonage(client: TestClient, op: str, auth: tuple[str, str] = MASTER, **data: str) -> Any:
    response = client.post(f"/number/{op}", data=data, auth=auth)
    assert response.json() == SUCCESS, response.text
    return response


def change_everything(client: TestClient) -> None:
    """Buys (a whole price, a range member, for a subaccount), an update, a cancel, new numbers
    and a new subaccount that buys: every kind of change the state document must carry."""
    vonage(client, "buy", country="GB", msisdn="448081570001")
    vonage(client, "buy", country="GB", msisdn="447700900003")
    vonage(client, "buy", country="US", msisdn="12015550102", target_api_key=SUB[0])
    vonage(
        client,
        "update",
        country="GB",
        msisdn="447700900003",
        app_id="cccccccc-dddd-eeee-ffff-0123456789ab",
        moHttpUrl="https://example.com/mo",
        voiceCallbackType="sip",
        voiceCallbackValue="sip:me@example.com",
    )
    vonage(client, "cancel", country="US", msisdn="12015550150")
    vonage(client, "cancel", auth=STRANGER, country="GB", msisdn="447700900700")
    added = client.post(
        "/_mock/numbers",
        json={
            "country": "FR",
            "type": "mobile-lvn",
            "features": ["SMS"],
            "cost": "3.10",
            "range": {"start": "33612345600", "end": "33612345609"},
        },
    )
    assert added.status_code == 201
    opened = client.post(
        "/_mock/accounts",
        json={
            "api_key": "late0001",
            "api_secret": "LateSecret000001",
            "balance": "20.00",
            "parent": "master01",
        },
    )
    assert opened.status_code == 201
    vonage(client, "buy", country="FR", msisdn="33612345605", target_api_key="late0001")
    client.post("/_mock/faults", json={"operation": "search", "status": 429})


# -- export ------------------------------------------------------------------------------------


def test_state_is_a_fixture_document_of_the_start_state(client: TestClient) -> None:
    document = state(client)
    fixtures = parse_fixtures(document, "GET /_mock/state")
    assert balances(document) == START_BALANCES
    assert {(entry.api_key, entry.msisdn) for entry in fixtures.owned} == {
        ("master01", "447700900500"),
        ("master01", "12015550150"),
        ("master01", "447700900010"),
        ("sub00001", "447700900600"),
        ("stranger", "447700900700"),
    }
    assert document["address_required_countries"] == ["IT"]
    assert owned(document)["447700900500"]["moHttpUrl"] == (
        "https://example.com/webhooks/inbound-sms"
    )


def test_state_reflects_buys_updates_and_cancels(client: TestClient) -> None:
    vonage(client, "buy", country="GB", msisdn="448081570001")  # 5.00 rent + 2.00 set-up
    vonage(client, "buy", country="US", msisdn="12015550101", target_api_key=SUB[0])  # 0.90
    vonage(
        client,
        "update",
        country="GB",
        msisdn="448081570001",
        app_id="cccccccc-dddd-eeee-ffff-0123456789ab",
        voiceCallbackType="tel",
        voiceCallbackValue="447700900999",
    )
    vonage(client, "update", country="GB", msisdn="447700900500", moHttpUrl="")
    vonage(client, "cancel", country="US", msisdn="12015550150")

    document = state(client)
    parse_fixtures(document, "GET /_mock/state")
    assert balances(document) == START_BALANCES | {"master01": "93.00", "sub00001": "9.10"}
    numbers = owned(document)
    bought = numbers["448081570001"]
    assert bought["api_key"] == "master01"
    assert bought["app_id"] == "cccccccc-dddd-eeee-ffff-0123456789ab"
    assert (bought["voiceCallbackType"], bought["voiceCallbackValue"]) == ("tel", "447700900999")
    assert (bought["cost"], bought["initialPrice"]) == ("5.00", "2.00")
    assert numbers["12015550101"]["api_key"] == "sub00001"
    assert "moHttpUrl" not in numbers["447700900500"]
    assert "12015550150" not in numbers
    # A cancelled number outside every range comes back as an entry of its own.
    assert "12015550150" in {entry.get("msisdn") for entry in document["available"]}


# -- reset -------------------------------------------------------------------------------------


def test_reset_restores_the_start_state_and_clears_journal_and_faults(client: TestClient) -> None:
    start = state(client)
    change_everything(client)
    assert state(client) != start
    assert client.get("/_mock/requests").json()["requests"]

    response = client.post("/_mock/reset")

    assert (response.status_code, response.json()) == (200, START_SUMMARY)
    assert state(client) == start
    assert client.get("/_mock/requests").json()["requests"] == []
    assert client.get("/_mock/faults").json()["faults"] == []
    # The account opened at run time is gone with the rest.
    assert client.get("/account/numbers", auth=("late0001", "LateSecret000001")).status_code == 401


@pytest.mark.parametrize(
    ("params", "faults_kept", "journal_kept"),
    [
        pytest.param({}, False, False, id="neither"),
        pytest.param({"keep_faults": "true"}, True, False, id="keep-faults"),
        pytest.param({"keep_journal": "true"}, False, True, id="keep-journal"),
        pytest.param({"keep_faults": "true", "keep_journal": "true"}, True, True, id="both"),
    ],
)
def test_reset_keeps_faults_and_journal_when_asked(
    client: TestClient, params: dict[str, str], faults_kept: bool, journal_kept: bool
) -> None:
    start = state(client)
    vonage(client, "buy", country="GB", msisdn="447700900001")
    rule = client.post("/_mock/faults", json={"operation": "cancel", "status": 420}).json()
    journal = client.get("/_mock/requests").json()["requests"]

    assert client.post("/_mock/reset", params=params).status_code == 200

    assert state(client) == start
    faults = client.get("/_mock/faults").json()["faults"]
    assert faults == ([rule] if faults_kept else [])
    assert client.get("/_mock/requests").json()["requests"] == (journal if journal_kept else [])


def test_reset_after_a_put_goes_back_to_the_fixtures_loaded_at_start(client: TestClient) -> None:
    start = state(client)
    replaced = copy.deepcopy(start)
    replaced["accounts"][0]["balance"] = "1.00"
    replaced["owned"] = []
    assert client.put("/_mock/state", json=replaced).status_code == 200
    assert state(client) == replaced

    client.post("/_mock/reset")

    assert state(client) == start


# -- replace -----------------------------------------------------------------------------------


def test_export_reset_put_export_round_trips_exactly(client: TestClient) -> None:
    change_everything(client)
    exported = state(client)

    client.post("/_mock/reset")
    assert state(client) != exported
    put = client.put("/_mock/state", json=exported)

    assert put.status_code == 200
    assert put.json() == {
        "status": "ok", "version": __version__, "accounts": 5, "available": 35, "owned": 7,
        "worlds": 0,
    }  # fmt: skip
    assert state(client) == exported


def test_a_put_state_is_what_the_vonage_routes_then_see(client: TestClient) -> None:
    document = state(client)
    document["accounts"].append(
        {"api_key": "fresh001", "api_secret": "FreshSecret00001", "balance": "2.00"}
    )
    document["owned"] = [e for e in document["owned"] if e["msisdn"] != "447700900010"]
    assert client.put("/_mock/state", json=document).status_code == 200

    fresh = ("fresh001", "FreshSecret00001")
    assert client.get("/account/numbers", auth=fresh).json() == {"count": 0, "numbers": []}
    vonage(client, "buy", auth=fresh, country="GB", msisdn="447700900010")  # back in its range
    assert balances(state(client))["fresh001"] == "0.75"


def _set(path: str, value: Any) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        *parents, last = path.split(".")
        target: Any = document
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return change


def _append(key: str, entry: Callable[[Document], Document]) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        document[key].append(entry(document))

    return change


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param(_set("accounts.0.balance", "-1"), "accounts[0].balance", id="negative"),
        pytest.param(_set("accounts.1.balance", "1.001"), "accounts[1].balance", id="3-decimals"),
        pytest.param(_set("accounts", []), "accounts", id="no-accounts"),
        pytest.param(_set("available.0.country", "us"), "available[0].country", id="country"),
        pytest.param(_set("owned.2.msisdn", "0447"), "owned[2].msisdn", id="msisdn"),
        pytest.param(_set("unexpected", 1), "unexpected", id="unknown-key"),
        pytest.param(
            _append("accounts", lambda d: dict(d["accounts"][0], balance="5.00")),
            "accounts[4].api_key",
            id="duplicate-api-key",
        ),
        pytest.param(_set("accounts.2.parent", "nobody"), "accounts[2].parent", id="no-parent"),
        pytest.param(
            _set("accounts.2.parent", "sub00001"), "accounts[2].parent", id="sub-of-a-sub"
        ),
        pytest.param(
            _append(
                "available",
                lambda d: (
                    d["available"][0] | {"range": {"start": "12015550104", "end": "12015550110"}}
                ),
            ),
            "available[5].range",
            id="overlapping-ranges",
        ),
        pytest.param(
            _append("available", lambda d: d["available"][0]),
            "available[5].range",
            id="same-range-twice",
        ),
        pytest.param(
            _append("owned", lambda d: d["owned"][0] | {"api_key": "stranger"}),
            "owned[6].msisdn",
            id="owned-twice",
        ),
        pytest.param(_set("owned.0.api_key", "nobody"), "owned[0].api_key", id="unknown-owner"),
    ],
)
def test_a_bad_state_document_is_refused_and_changes_nothing(
    client: TestClient, change: Callable[[Document], None], field: str
) -> None:
    vonage(client, "buy", country="GB", msisdn="447700900001")
    before = state(client)
    document = copy.deepcopy(before)
    change(document)

    response = client.put("/_mock/state", json=document)

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["field"] == field
    assert response.json()["status"] == 400
    assert state(client) == before
