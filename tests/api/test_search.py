"""GET /number/search through the app: filters, patterns, paging, count."""

import pytest
from fastapi.testclient import TestClient
from support.accounts import MASTER

from mock_server.domain import messages


def search(client: TestClient, **params: str | int) -> dict:
    response = client.get("/number/search", params=params, auth=MASTER)
    assert response.status_code == 200, response.text
    return response.json()


def test_search_returns_the_country_pool_in_order_with_vonage_types(client: TestClient) -> None:
    body = search(client, country="US")
    assert body["count"] == 5
    assert [n["msisdn"] for n in body["numbers"]] == [f"1201555010{i}" for i in range(5)]
    first = body["numbers"][0]
    assert first == {
        "country": "US",
        "msisdn": "12015550100",
        "type": "mobile-lvn",
        "features": ["VOICE", "SMS", "MMS"],
        "limitations": [{"feature": "MMS", "type": "OUTBOUND", "reach": "INTERNATIONAL"}],
        "cost": "0.90",
        "initialPrice": "0.00",
    }


@pytest.mark.parametrize(
    ("params", "expected_count", "first"),
    [
        pytest.param(
            {"pattern": "44770090000", "search_pattern": 0}, 10, "447700900000", id="starts"
        ),
        pytest.param({"pattern": "44770090000"}, 10, "447700900000", id="starts-by-default"),
        # 442079460001, 447700900001, 447700900011-019 and 448081570001 contain 0001.
        pytest.param({"pattern": "0001", "search_pattern": 1}, 12, "442079460001", id="contains"),
        pytest.param({"pattern": "19", "search_pattern": 2}, 1, "447700900019", id="ends"),
        pytest.param({"pattern": "99999", "search_pattern": 1}, 0, None, id="no-match"),
        pytest.param({"type": "landline"}, 1, "442079460001", id="type"),
        pytest.param({"type": "landline-toll-free"}, 1, "448081570001", id="toll-free"),
        pytest.param({"features": "SMS"}, 19, "447700900000", id="feature"),
        pytest.param({"features": "SMS,VOICE"}, 19, "447700900000", id="features-set"),
        pytest.param({"features": "VOICE,SMS"}, 19, "447700900000", id="features-any-order"),
        pytest.param({"features": "MMS"}, 0, None, id="feature-absent"),
        pytest.param({"pattern": "", "type": "", "features": ""}, 21, "442079460001", id="empties"),
    ],
)
def test_search_filters(
    client: TestClient, params: dict[str, str | int], expected_count: int, first: str | None
) -> None:
    body = search(client, country="GB", **params)
    assert body["count"] == expected_count
    assert (body["numbers"][0]["msisdn"] if body["numbers"] else None) == first


def test_features_match_as_a_set_in_any_order(client: TestClient) -> None:
    orders = ["SMS,VOICE,MMS", "SMS,MMS,VOICE", "MMS,VOICE,SMS"]
    counts = {search(client, country="US", features=order)["count"] for order in orders}
    assert counts == {5}


@pytest.mark.parametrize(
    ("index", "size", "msisdns"),
    [
        pytest.param(1, 3, ["442079460001", "447700900000", "447700900001"], id="first"),
        pytest.param(2, 3, ["447700900002", "447700900003", "447700900004"], id="second"),
        pytest.param(7, 3, ["447700900018", "447700900019", "448081570001"], id="last-full"),
        pytest.param(3, 10, ["448081570001"], id="last-partial"),
        pytest.param(50, 10, [], id="past-the-end"),
    ],
)
def test_paging_keeps_count_as_the_total(
    client: TestClient, index: int, size: int, msisdns: list[str]
) -> None:
    body = search(client, country="GB", index=index, size=size)
    assert body["count"] == 21
    assert [n["msisdn"] for n in body["numbers"]] == msisdns


def test_default_page_is_ten_and_size_100_is_accepted(client: TestClient) -> None:
    assert len(search(client, country="GB")["numbers"]) == 10
    assert len(search(client, country="GB", size=100)["numbers"]) == 21


def test_a_bought_number_leaves_the_search(client: TestClient) -> None:
    bought = client.post(
        "/number/buy", data={"country": "US", "msisdn": "12015550102"}, auth=MASTER
    )
    assert bought.status_code == 200
    body = search(client, country="US")
    assert body["count"] == 4
    assert "12015550102" not in [n["msisdn"] for n in body["numbers"]]


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        pytest.param({}, {"country": messages.FIELD_REQUIRED}, id="no-country"),
        pytest.param({"country": "gb"}, {"country": messages.FIELD_INVALID}, id="lowercase"),
        pytest.param({"country": "GBR"}, {"country": messages.FIELD_INVALID}, id="three-letters"),
        pytest.param({"country": "GB", "size": "101"}, {"size": messages.FIELD_INVALID}, id="size"),
        pytest.param(
            {"country": "GB", "index": "0"}, {"index": messages.FIELD_INVALID}, id="index"
        ),
        pytest.param({"country": "GB", "type": "fax"}, {"type": messages.FIELD_INVALID}, id="type"),
        pytest.param(
            {"country": "GB", "features": "SMS,FAX"},
            {"features": messages.FIELD_INVALID},
            id="feat",
        ),
        pytest.param(
            {"country": "GB", "pattern": "1", "search_pattern": "3"},
            {"search_pattern": messages.FIELD_INVALID},
            id="search-pattern",
        ),
        pytest.param(
            {"country": "GB", "pattern": "44#"}, {"pattern": messages.FIELD_INVALID}, id="pattern"
        ),
    ],
)
def test_bad_parameters_get_vonage_400(
    client: TestClient, params: dict[str, str], fields: dict[str, str]
) -> None:
    response = client.get("/number/search", params=params, auth=MASTER)
    assert response.status_code == 400
    assert response.json() == fields


def msisdns_of(body: dict) -> list[str]:
    return [n["msisdn"] for n in body.get("numbers", [])]


@pytest.mark.parametrize(
    ("wildcard", "plain"),
    [
        # nexmo-cli's README: `number:search NL --pattern *007` sends search_pattern=2.
        pytest.param(("*17", 2), ("17", 2), id="nexmo-cli-ends-with"),
        pytest.param(("4477*", 0), ("4477", 0), id="kotlin-sdk-starts-with"),
        pytest.param(("*0001*", 1), ("0001", 1), id="java-sdk-contains"),
        pytest.param(("*0001", 0), ("0001", 1), id="leading-star-lifts-starts-with"),
        pytest.param(("9000*", 2), ("9000", 1), id="trailing-star-lifts-ends-with"),
    ],
)
def test_a_wildcard_at_an_end_means_what_it_says(
    client: TestClient, wildcard: tuple[str, int], plain: tuple[str, int]
) -> None:
    (pattern, mode), (same, same_mode) = wildcard, plain
    found = search(client, country="GB", pattern=pattern, search_pattern=mode, size=100)
    assert found["count"] > 0
    assert found == search(client, country="GB", pattern=same, search_pattern=same_mode, size=100)


@pytest.mark.parametrize(
    ("pattern", "mode", "expected"),
    [
        # Starts with 44, then a 1 somewhere after: the end floats.
        pytest.param(
            "4477*1*9",
            0,
            ["447700900019"],
            id="starts",
        ),
        pytest.param("2*1", 2, ["442079460001"], id="ends-with-1-after-a-2"),
        pytest.param("8*5*1", 1, ["448081570001"], id="contains"),
        pytest.param("7*7*7", 1, ["447700900007", "447700900017"], id="repeated-run"),
        pytest.param("7*7*7*7", 1, [], id="none"),
    ],
)
def test_an_interior_wildcard_matches_any_run_of_digits(
    client: TestClient, pattern: str, mode: int, expected: list[str]
) -> None:
    found = search(client, country="GB", pattern=pattern, search_pattern=mode, size=100)
    assert (found["count"], msisdns_of(found)) == (len(expected), expected)


def test_a_wildcard_alone_filters_nothing(client: TestClient) -> None:
    assert search(client, country="GB", pattern="*", size=100) == search(
        client, country="GB", size=100
    )
