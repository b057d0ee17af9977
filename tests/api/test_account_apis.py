"""The Account API's balance and the Subaccounts API, in process: Vonage's bodies, problem bodies
for every refusal (which changes nothing), and writes that survive a restart or are refused
whole (503) when the state file cannot record them."""

import errno
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from support.accounts import MASTER, POOR, SUB
from support.data import make_settings

from mock_server.domain import messages
from mock_server.serving.app import create_app

ACCOUNTS = "/accounts/master01"
SUBACCOUNTS = f"{ACCOUNTS}/subaccounts"
BALANCE = "/account/get-balance"
PROBLEM_KEYS = {"type", "title", "detail", "instance"}
# tests/data/small.json: master01 owns 447700900500 (GB); 447700900001 is for sale at 1.25.
OWNED, FOR_SALE = "447700900500", "447700900001"


def problem(response: httpx.Response, status: int, media_type: str = "application/json") -> Any:
    """The problem body of a refusal, its shape asserted."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == media_type
    body = response.json()
    assert set(body) >= PROBLEM_KEYS, body
    assert all(isinstance(body[key], str) and body[key] for key in PROBLEM_KEYS)
    return body


def invalid(response: httpx.Response) -> dict[str, str]:
    body = problem(response, 422)
    return {entry["name"]: entry["reason"] for entry in body["invalid_parameters"]}


def new_subaccount(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post(SUBACCOUNTS, auth=MASTER, json={"name": "Dept", **fields})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# -- the balance ------------------------------------------------------------------------------


def test_the_balance_is_vonages_body_and_follows_every_buy(client: TestClient) -> None:
    before = client.get(BALANCE, auth=MASTER)
    assert before.headers["content-type"] == "application/json"
    assert before.json() == {"value": 100.0, "autoReload": False}

    bought = client.post("/number/buy", auth=MASTER, data={"country": "GB", "msisdn": FOR_SALE})
    assert bought.status_code == 200

    assert client.get(BALANCE, auth=MASTER).json() == {"value": 98.75, "autoReload": False}


def test_a_subaccount_sharing_the_primary_balance_sees_and_spends_the_primarys(
    client: TestClient,
) -> None:
    shared = client.patch(
        f"{SUBACCOUNTS}/sub00001", auth=MASTER, json={"use_primary_account_balance": True}
    )
    assert shared.json()["balance"] is None
    assert shared.json()["credit_limit"] is None

    assert client.get(BALANCE, auth=SUB).json()["value"] == 100.0
    client.post("/number/buy", auth=SUB, data={"country": "GB", "msisdn": FOR_SALE})
    assert client.get(BALANCE, auth=MASTER).json()["value"] == 98.75
    owned = client.get("/account/numbers", auth=SUB).json()
    assert FOR_SALE in [n["msisdn"] for n in owned["numbers"]]


def test_a_wrong_secret_gets_the_account_apis_problem_body(client: TestClient) -> None:
    body = problem(client.get(BALANCE, auth=("master01", "wrong")), 401, "application/problem+json")
    assert body["title"] == messages.UNAUTHORIZED_TITLE


def test_top_up_is_not_served_and_says_so_as_an_unmatched_route(client: TestClient) -> None:
    response = client.post("/account/top-up", auth=MASTER, data={"trx": "8ef2447e69604f64"})
    assert response.status_code == 404
    assert client.get(BALANCE, auth=MASTER).json()["value"] == 100.0


# -- subaccounts ------------------------------------------------------------------------------


def test_the_list_shows_the_primary_and_its_subaccounts_with_totals(client: TestClient) -> None:
    body = client.get(SUBACCOUNTS, auth=MASTER).json()

    assert body["total_balance"] == 110.0
    assert body["total_credit_limit"] == 0.0
    primary = body["_embedded"]["primary_account"]
    assert (primary["api_key"], primary["name"], primary["balance"]) == (
        "master01",
        "Master",
        100.0,
    )
    assert [s["api_key"] for s in body["_embedded"]["subaccounts"]] == ["sub00001"]
    sub = body["_embedded"]["subaccounts"][0]
    assert sub["primary_account_api_key"] == "master01"
    assert sub["use_primary_account_balance"] is False
    assert sub["suspended"] is False


def test_a_new_subaccount_shows_its_secret_once_and_can_call_the_numbers_api(
    client: TestClient,
) -> None:
    created = new_subaccount(client, secret="Secret123Abc", use_primary_account_balance=False)

    assert created["secret"] == "Secret123Abc"
    assert created["balance"] == 0.0
    assert created["use_primary_account_balance"] is False
    fetched = client.get(f"{SUBACCOUNTS}/{created['api_key']}", auth=MASTER).json()
    assert "secret" not in fetched
    assert fetched == {k: v for k, v in created.items() if k != "secret"}
    numbers = client.get("/account/numbers", auth=(created["api_key"], "Secret123Abc"))
    assert numbers.status_code == 200
    assert numbers.json()["count"] == 0


def test_a_suspended_subaccount_is_refused_on_every_api_until_resumed(client: TestClient) -> None:
    suspended = client.patch(f"{SUBACCOUNTS}/sub00001", auth=MASTER, json={"suspended": True})
    assert suspended.json()["suspended"] is True

    assert client.get("/account/numbers", auth=SUB).status_code == 401
    assert client.get(BALANCE, auth=SUB).status_code == 401
    problem(client.get("/accounts/sub00001/subaccounts", auth=SUB), 401)

    client.patch(f"{SUBACCOUNTS}/sub00001", auth=MASTER, json={"suspended": False})
    assert client.get("/account/numbers", auth=SUB).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "auth", "status", "title"),
    [
        pytest.param("GET", SUBACCOUNTS, ("master01", "x"), 401, "Invalid credentials supplied",
                     id="wrong-secret"),
        pytest.param("GET", "/accounts/other001/subaccounts", MASTER, 404, "Invalid API Key",
                     id="another-primarys-key"),
        pytest.param("GET", "/accounts/sub00001/subaccounts", SUB, 403, "Authorisation error",
                     id="a-subaccount-calling"),
        pytest.param("GET", f"{SUBACCOUNTS}/other001", MASTER, 404, "Invalid API Key",
                     id="not-a-subaccount-of-the-primary"),
        pytest.param("PATCH", f"{SUBACCOUNTS}/nobody", MASTER, 404, "Invalid API Key",
                     id="modify-unknown"),
        pytest.param("POST", f"{ACCOUNTS}/transfer-number", POOR, 404, "Invalid API Key",
                     id="transfer-for-another"),
    ],
)  # fmt: skip
def test_who_may_call_what(
    client: TestClient,
    method: str,
    path: str,
    auth: tuple[str, str],
    status: int,
    title: str,
) -> None:
    before = client.get("/_mock/state").json()
    body = problem(client.request(method, path, auth=auth, json={"suspended": True}), status)
    assert body["title"] == title
    assert client.get("/_mock/state").json() == before


@pytest.mark.parametrize(
    ("method", "path", "body", "fields"),
    [
        pytest.param("POST", SUBACCOUNTS, {}, {"name"}, id="create-no-name"),
        pytest.param("POST", SUBACCOUNTS, {"name": 5}, {"name"}, id="create-name-not-text"),
        pytest.param("POST", SUBACCOUNTS, {"name": "A", "secret": "weak"}, {"secret"},
                     id="create-weak-secret"),
        pytest.param("POST", SUBACCOUNTS, {"name": "A", "use_primary_account_balance": "no"},
                     {"use_primary_account_balance"}, id="create-not-boolean"),
        pytest.param("POST", SUBACCOUNTS, [1, 2], {"body"}, id="create-array"),
        pytest.param("POST", SUBACCOUNTS, '{"name": "\\ud800"}', {"name"},
                     id="create-lone-surrogate"),
        pytest.param("POST", SUBACCOUNTS, "", {"body"}, id="create-no-body"),
        pytest.param("POST", SUBACCOUNTS, {"name": None}, {"name"}, id="create-null-name"),
        pytest.param("POST", SUBACCOUNTS, "{not json", {"body"}, id="create-not-json"),
        pytest.param("PATCH", f"{SUBACCOUNTS}/sub00001", {"suspended": 1}, {"suspended"},
                     id="modify-not-boolean"),
        pytest.param("PATCH", f"{SUBACCOUNTS}/sub00001", {"name": ""}, {"name"},
                     id="modify-empty-name"),
        pytest.param("POST", f"{ACCOUNTS}/balance-transfers", {"to": "sub00001", "amount": 1},
                     {"from"}, id="transfer-no-from"),
        pytest.param("POST", f"{ACCOUNTS}/balance-transfers",
                     {"from": "master01", "to": "sub00001", "amount": "lots"}, {"amount"},
                     id="transfer-amount-not-a-number"),
        pytest.param("POST", f"{ACCOUNTS}/balance-transfers",
                     {"from": "master01", "to": "sub00001", "amount": True}, {"amount"},
                     id="transfer-amount-boolean"),
        pytest.param("POST", f"{ACCOUNTS}/credit-transfers",
                     {"from": "master01", "to": "sub00001", "amount": "NaN"}, {"amount"},
                     id="credit-amount-nan"),
        pytest.param("POST", f"{ACCOUNTS}/balance-transfers",
                     {"from": "master01", "to": "other001", "amount": 1}, {"to"},
                     id="transfer-outside-the-family"),
        pytest.param("POST", f"{ACCOUNTS}/transfer-number",
                     {"from": "master01", "to": "sub00001", "number": "+44 7700"}, {"number"},
                     id="number-malformed"),
        pytest.param("POST", f"{ACCOUNTS}/transfer-number",
                     {"from": "master01", "to": "sub00001", "number": OWNED, "country": "gb"},
                     {"country"}, id="country-malformed"),
    ],
)  # fmt: skip
def test_a_bad_body_is_a_422_naming_the_field_and_changes_nothing(
    client: TestClient, method: str, path: str, body: Any, fields: set[str]
) -> None:
    before = client.get("/_mock/state").json()
    content = body if isinstance(body, str) else None
    payload = None if isinstance(body, str) else body
    response = client.request(
        method,
        path,
        auth=MASTER,
        json=payload,
        content=content,
        headers={"content-type": "application/json"},
    )
    assert set(invalid(response)) == fields
    assert client.get("/_mock/state").json() == before


@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param({}, "start_date", id="no-start"),
        pytest.param({"start_date": "yesterday"}, "start_date", id="start-not-a-date"),
        pytest.param({"start_date": "2020-01-01T00:00:00"}, "start_date", id="start-no-zone"),
        pytest.param(
            {"start_date": "2020-01-01T00:00:00Z", "end_date": "soon"}, "end_date", id="end"
        ),
    ],
)
def test_a_transfer_listing_needs_a_start_date(
    client: TestClient, query: dict[str, str], field: str
) -> None:
    assert set(invalid(client.get(f"{ACCOUNTS}/credit-transfers", auth=MASTER, params=query))) == {
        field
    }


def test_transfers_move_money_and_are_listed_by_kind_date_and_subaccount(
    client: TestClient,
) -> None:
    sent = client.post(
        f"{ACCOUNTS}/balance-transfers",
        auth=MASTER,
        json={"from": "master01", "to": "sub00001", "amount": 12.5, "reference": "Q1"},
    ).json()
    assert sent["amount"] == 12.5
    assert sent["reference"] == "Q1"
    assert sent["id"] == sent["balance_transfer_id"]

    accounts = client.get(SUBACCOUNTS, auth=MASTER).json()
    assert accounts["_embedded"]["primary_account"]["balance"] == 87.5
    assert accounts["_embedded"]["subaccounts"][0]["balance"] == 22.5
    since = {"start_date": "2000-01-01T00:00:00Z"}
    listed = client.get(f"{ACCOUNTS}/balance-transfers", auth=MASTER, params=since).json()
    assert listed == {"_embedded": {"balance_transfers": [sent]}}
    credits = client.get(f"{ACCOUNTS}/credit-transfers", auth=MASTER, params=since).json()
    assert credits["_embedded"]["credit_transfers"] == []
    future = {"start_date": "2999-01-01T00:00:00Z"}
    later = client.get(f"{ACCOUNTS}/balance-transfers", auth=MASTER, params=future).json()
    assert later["_embedded"]["balance_transfers"] == []
    other = client.get(
        f"{ACCOUNTS}/balance-transfers", auth=MASTER, params={**since, "subaccount": "nobody"}
    ).json()
    assert other["_embedded"]["balance_transfers"] == []


def test_a_number_moves_with_its_configuration_and_back(client: TestClient) -> None:
    before = next(
        n for n in client.get("/account/numbers", auth=MASTER).json()["numbers"]
        if n["msisdn"] == OWNED
    )  # fmt: skip
    moved = client.post(
        f"{ACCOUNTS}/transfer-number",
        auth=MASTER,
        json={"from": "master01", "to": "sub00001", "number": OWNED, "country": "GB"},
    )
    assert moved.json() == {"number": OWNED, "country": "GB", "from": "master01", "to": "sub00001"}

    sub_numbers = client.get("/account/numbers", auth=SUB).json()["numbers"]
    assert next(n for n in sub_numbers if n["msisdn"] == OWNED) == before
    master_numbers = client.get("/account/numbers", auth=MASTER).json()["numbers"]
    assert OWNED not in [n["msisdn"] for n in master_numbers]

    again = client.post(
        f"{ACCOUNTS}/transfer-number",
        auth=MASTER,
        json={"from": "master01", "to": "sub00001", "number": OWNED},
    )
    assert problem(again, 409)["title"] == "Transfer Conflict"
    back = client.post(
        f"{ACCOUNTS}/transfer-number",
        auth=MASTER,
        json={"from": "sub00001", "to": "master01", "number": int(OWNED)},
    )
    assert back.status_code == 200


def test_a_number_not_owned_by_from_is_a_404_and_another_family_a_403(client: TestClient) -> None:
    missing = client.post(
        f"{ACCOUNTS}/transfer-number",
        auth=MASTER,
        json={"from": "master01", "to": "sub00001", "number": FOR_SALE},
    )
    assert problem(missing, 404)["detail"] == messages.NUMBER_TRANSFER_MISSING.format(
        number=FOR_SALE, from_key="master01", to_key="sub00001"
    )
    outside = client.post(
        f"{ACCOUNTS}/transfer-number",
        auth=MASTER,
        json={"from": "master01", "to": "other001", "number": OWNED},
    )
    assert problem(outside, 403)["title"] == "Invalid Number Transfer"


def test_an_injected_fault_is_answered_as_a_problem(client: TestClient) -> None:
    response = client.get(SUBACCOUNTS, auth=MASTER, headers={"X-Mock-Fault": "503"})
    assert problem(response, 503)["title"] == messages.SERVICE_UNAVAILABLE
    journal = client.get("/_mock/requests", params={"operation": "list-subaccounts"}).json()
    assert [(r["path"], r["status"]) for r in journal["requests"]] == [
        ("/accounts/master01/subaccounts", 503)
    ]


# -- durability -------------------------------------------------------------------------------


@pytest.fixture
def open_client(tmp_path: Path) -> Iterator[Callable[[], TestClient]]:
    """Apps on one state file, as the restarts of one server are."""
    state = tmp_path / "state" / "state.json"
    state.parent.mkdir()
    clients: list[TestClient] = []

    def build() -> TestClient:
        client = TestClient(
            create_app(make_settings(tmp_path, state_file=state)), base_url="http://localhost"
        )
        clients.append(client.__enter__())
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


def every_kind_of_write(client: TestClient) -> str:
    created = new_subaccount(client, use_primary_account_balance=False)
    key = created["api_key"]
    client.patch(f"{SUBACCOUNTS}/{key}", auth=MASTER, json={"name": "Renamed"})
    client.post(
        f"{ACCOUNTS}/balance-transfers",
        auth=MASTER,
        json={"from": "master01", "to": key, "amount": 3},
    )
    client.post(
        f"{ACCOUNTS}/transfer-number",
        auth=MASTER,
        json={"from": "master01", "to": key, "number": OWNED},
    )
    client.patch(f"{SUBACCOUNTS}/{key}", auth=MASTER, json={"suspended": True})
    return key


def test_every_write_survives_a_restart_from_the_state_file(
    open_client: Callable[[], TestClient],
) -> None:
    first = open_client()
    key = every_kind_of_write(first)
    document = first.get("/_mock/state").json()
    first.__exit__(None, None, None)

    restarted = open_client()

    assert restarted.get("/_mock/state").json() == document
    account = next(a for a in document["accounts"] if a["api_key"] == key)
    assert (account["name"], account["balance"], account["suspended"]) == ("Renamed", "3.00", True)
    assert [t["kind"] for t in document["transfers"]] == ["balance"]
    assert next(o for o in document["owned"] if o["msisdn"] == OWNED)["api_key"] == key


def test_a_write_the_disk_refuses_is_a_503_and_changes_nothing(
    open_client: Callable[[], TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = open_client()
    before = client.get("/_mock/state").json()

    def no_space(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    writes = [
        client.post(SUBACCOUNTS, auth=MASTER, json={"name": "Dept"}),
        client.patch(f"{SUBACCOUNTS}/sub00001", auth=MASTER, json={"suspended": True}),
        client.post(
            f"{ACCOUNTS}/balance-transfers",
            auth=MASTER,
            json={"from": "master01", "to": "sub00001", "amount": 1},
        ),
        client.post(
            f"{ACCOUNTS}/transfer-number",
            auth=MASTER,
            json={"from": "master01", "to": "sub00001", "number": OWNED},
        ),
    ]
    monkeypatch.undo()

    for response in writes:
        assert problem(response, 503)["detail"] == messages.STATE_NOT_SAVED
    assert client.get("/_mock/state").json() == before


@pytest.mark.parametrize(
    ("method", "path", "status", "media_type"),
    [
        pytest.param("DELETE", f"{SUBACCOUNTS}/sub00001", 405, "application/json", id="delete"),
        pytest.param("PUT", f"{ACCOUNTS}/transfer-number", 405, "application/json", id="put"),
        pytest.param("GET", f"{ACCOUNTS}/secrets", 404, "application/json", id="secrets"),
        pytest.param("POST", BALANCE, 405, "application/problem+json", id="post-balance"),
    ],
)
def test_a_route_these_apis_do_not_serve_is_answered_in_their_problem_shape(
    client: TestClient, method: str, path: str, status: int, media_type: str
) -> None:
    response = client.request(method, path, auth=MASTER)
    problem(response, status, media_type)
    if status == 405:
        assert response.headers["allow"]
    journal = client.get("/_mock/requests", params={"operation": "unmatched"}).json()
    assert [(r["method"], r["path"]) for r in journal["requests"]] == [(method, path)]
