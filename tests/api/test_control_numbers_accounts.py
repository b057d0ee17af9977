"""Numbers put on sale and accounts opened at run time through /_mock/, then used via Vonage."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from support.accounts import MASTER

from mock_server.domain import messages
from mock_server.vonage.rendering import PROBLEM_JSON

SUCCESS = {"error-code": "200", "error-code-label": messages.SUCCESS}
UNAUTHORIZED = {"error-code": "401", "error-code-label": messages.AUTHENTICATION_FAILED}


def landline(country: str = "GB", **where: Any) -> dict[str, Any]:
    return {"country": country, "type": "landline", "features": ["VOICE"], "cost": "0.40"} | where


def searchable(client: TestClient, country: str, auth: tuple[str, str] = MASTER) -> list[str]:
    response = client.get("/number/search", params={"country": country, "size": 100}, auth=auth)
    return [number["msisdn"] for number in response.json()["numbers"]]


def owned(client: TestClient, auth: tuple[str, str] = MASTER) -> list[str]:
    response = client.get("/account/numbers", params={"size": 100}, auth=auth)
    return [number["msisdn"] for number in response.json()["numbers"]]


def buy(client: TestClient, country: str, msisdn: str, auth: tuple[str, str] = MASTER, **more: str):
    return client.post("/number/buy", data={"country": country, "msisdn": msisdn} | more, auth=auth)


def state(client: TestClient) -> dict[str, Any]:
    return client.get("/_mock/state").json()


# -- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "added", "new_numbers"),
    [
        pytest.param(landline(msisdn="442079460050"), 1, [("GB", "442079460050")], id="one"),
        pytest.param(
            [landline(msisdn="442079460050"), landline("DE", msisdn="4930123456")],
            2,
            [("GB", "442079460050"), ("DE", "4930123456")],
            id="list",
        ),
        pytest.param(
            landline(range={"start": "442079460100", "end": "442079460109"}),
            10,
            [("GB", f"4420794601{i:02}") for i in range(10)],
            id="range",
        ),
        pytest.param(
            [
                landline("FR", range={"start": "33123456700", "end": "33123456702"}),
                landline("FR", msisdn="33123456703"),
            ],
            4,
            [("FR", f"3312345670{i}") for i in range(4)],
            id="range-and-neighbour",
        ),
    ],
)
def test_numbers_put_on_sale_are_searchable_and_buyable(
    client: TestClient, body: Any, added: int, new_numbers: list[tuple[str, str]]
) -> None:
    response = client.post("/_mock/numbers", json=body)

    assert (response.status_code, response.json()) == (201, {"added": added})
    health = client.get("/_mock/health").json()
    assert health["available"] == 27 + added
    for country, msisdn in new_numbers:
        assert msisdn in searchable(client, country)
    country, msisdn = new_numbers[-1]
    assert buy(client, country, msisdn).json() == SUCCESS
    assert msisdn in owned(client)
    assert msisdn not in searchable(client, country)


def test_added_numbers_carry_their_attributes_into_search(client: TestClient) -> None:
    entry = {
        "country": "NL",
        "type": "mobile-lvn",
        "features": ["SMS", "VOICE"],
        "cost": "2.50",
        "initialPrice": "1.00",
        "msisdn": "31612345678",
    }
    client.post("/_mock/numbers", json=entry)
    found = client.get("/number/search", params={"country": "NL"}, auth=MASTER).json()
    assert found == {
        "count": 1,
        "numbers": [
            {
                "country": "NL",
                "msisdn": "31612345678",
                "type": "mobile-lvn",
                "features": ["VOICE", "SMS"],
                "cost": "2.50",
                "initialPrice": "1.00",
            }
        ],
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(landline(msisdn="447700900005"), "[0]", id="in-a-pool-range"),
        pytest.param(landline(msisdn="442079460001"), "[0]", id="a-pool-number"),
        pytest.param(
            landline(range={"start": "447700900015", "end": "447700900025"}),
            "[0]",
            id="range-overlapping-a-range",
        ),
        pytest.param(landline(msisdn="447700900500"), "[0]", id="an-owned-number"),
        pytest.param(
            landline(range={"start": "447700900490", "end": "447700900510"}),
            "[0]",
            id="range-around-an-owned-number",
        ),
        pytest.param(
            [landline(msisdn="442079460050"), landline(msisdn="447700900600")],
            "[1]",
            id="second-entry-owned",
        ),
        pytest.param(
            [
                landline(range={"start": "442079460050", "end": "442079460059"}),
                landline(msisdn="442079460055"),
            ],
            "[1]",
            id="entries-overlap-each-other",
        ),
    ],
)
def test_numbers_overlapping_the_pool_or_owned_ones_are_a_conflict(
    client: TestClient, body: Any, field: str
) -> None:
    before = state(client)

    response = client.post("/_mock/numbers", json=body)

    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_JSON
    assert (response.json()["status"], response.json()["field"]) == (409, field)
    assert state(client) == before
    assert "442079460050" not in searchable(client, "GB")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(landline(msisdn="442079460050", cost="-1"), "cost", id="negative-cost"),
        pytest.param(landline("gb", msisdn="442079460050"), "country", id="lower-case-country"),
        pytest.param(landline(msisdn="0442079460050"), "msisdn", id="leading-zero"),
        pytest.param(
            [landline(msisdn="442079460050"), landline(msisdn="442079460051", cost="x")],
            "[1].cost",
            id="second-entry-of-a-list",
        ),
    ],
)
def test_an_invalid_number_entry_is_refused_naming_the_field(
    client: TestClient, body: Any, field: str
) -> None:
    before = state(client)

    response = client.post("/_mock/numbers", json=body)

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["field"] == field
    assert state(client) == before


# -- accounts ----------------------------------------------------------------------------------

NEW = ("new00001", "NewSecret0000001")


def test_an_opened_account_authenticates_on_the_vonage_routes(client: TestClient) -> None:
    assert client.get("/account/numbers", auth=NEW).json() == UNAUTHORIZED

    response = client.post(
        "/_mock/accounts",
        json={"api_key": NEW[0], "api_secret": NEW[1], "balance": "5.00", "name": "New"},
    )

    assert response.status_code == 201
    assert response.json()["api_key"] == NEW[0]
    assert client.get("/account/numbers", auth=NEW).json() == {"count": 0, "numbers": []}
    assert buy(client, "GB", "442079460001", auth=NEW).json() == SUCCESS
    assert owned(client, NEW) == ["442079460001"]
    accounts = {a["api_key"]: a for a in state(client)["accounts"]}
    assert accounts[NEW[0]] == {
        "api_key": NEW[0],
        "api_secret": NEW[1],
        "balance": "4.60",
        "name": "New",
    }


def test_a_subaccount_is_targeted_by_its_master(client: TestClient) -> None:
    body = {"api_key": NEW[0], "api_secret": NEW[1], "balance": "3.00", "parent": "master01"}
    assert client.post("/_mock/accounts", json=body).status_code == 201

    response = buy(client, "US", "12015550103", target_api_key=NEW[0])

    assert response.json() == SUCCESS
    assert owned(client, NEW) == ["12015550103"]
    assert "12015550103" not in owned(client)
    accounts = {a["api_key"]: a for a in state(client)["accounts"]}
    assert (accounts[NEW[0]]["balance"], accounts[NEW[0]]["parent"]) == ("2.10", "master01")
    # Another master cannot.
    stranger = ("stranger", "Stranger00000001")
    refused = buy(client, "US", "12015550104", auth=stranger, target_api_key=NEW[0])
    assert refused.json()["error-code"] == "420"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        pytest.param({"api_key": "master01", "api_secret": "x"}, 409, "api_key", id="duplicate"),
        pytest.param(
            {"api_key": NEW[0], "api_secret": NEW[1], "parent": "nobody"},
            409,
            "parent",
            id="unknown-parent",
        ),
        pytest.param(
            {"api_key": NEW[0], "api_secret": NEW[1], "parent": "sub00001"},
            409,
            "parent",
            id="parent-is-a-subaccount",
        ),
        pytest.param({"api_key": "", "api_secret": NEW[1]}, 400, "api_key", id="empty-key"),
        pytest.param({"api_key": NEW[0]}, 400, "api_secret", id="no-secret"),
        pytest.param(
            {"api_key": NEW[0], "api_secret": NEW[1], "balance": "-3"},
            400,
            "balance",
            id="negative-balance",
        ),
        pytest.param(
            {"api_key": NEW[0], "api_secret": NEW[1], "role": "admin"}, 400, "role", id="unknown"
        ),
    ],
)
def test_a_refused_account_names_the_field_and_changes_nothing(
    client: TestClient, body: dict[str, Any], status: int, field: str
) -> None:
    before = state(client)

    response = client.post("/_mock/accounts", json=body)

    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    assert (response.json()["status"], response.json()["field"]) == (status, field)
    assert state(client) == before
    assert client.get("/account/numbers", auth=MASTER).json()["count"] == 3
