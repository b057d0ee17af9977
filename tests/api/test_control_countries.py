"""`POST /_mock/numbers` and `PUT /_mock/state` refuse a country that is no country, and a number
filed under a country whose calling code it does not have (issue 15, item 12): a 400 problem
naming the field, and nothing changes."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from mock_server.domain import messages
from mock_server.vonage.rendering import PROBLEM_JSON

NUMBER = {"type": "mobile-lvn", "features": ["SMS"], "cost": "1.00"}


def assert_refused(client: TestClient, response: Any, before: Any, field: str, detail: str) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["field"] == field
    assert body["detail"] == detail
    assert client.get("/_mock/state").json() == before


@pytest.mark.parametrize(
    ("entry", "field", "detail"),
    [
        pytest.param(
            {"country": "ZZ", "msisdn": "447700900990"}, "country",
            messages.COUNTRY_UNKNOWN.format(country="ZZ"), id="country-zz",
        ),
        pytest.param(
            {"country": "US", "msisdn": "447700900990"}, "msisdn",
            messages.NUMBER_NOT_OF_COUNTRY.format(msisdn="447700900990", country="US", code="1"),
            id="a-44-number-filed-as-us",
        ),
        pytest.param(
            {"country": "GB", "range": {"start": "12015550900", "end": "12015550999"}}, "range",
            messages.NUMBER_NOT_OF_COUNTRY.format(msisdn="12015550900", country="GB", code="44"),
            id="a-us-range-filed-as-gb",
        ),
    ],
)  # fmt: skip
def test_a_number_of_no_country_or_another_is_refused(
    client: TestClient, entry: dict[str, Any], field: str, detail: str
) -> None:
    before = client.get("/_mock/state").json()
    response = client.post("/_mock/numbers", json=NUMBER | entry)
    assert_refused(client, response, before, field, detail)


def test_a_list_names_the_entry_at_fault(client: TestClient) -> None:
    before = client.get("/_mock/state").json()
    good = NUMBER | {"country": "GB", "msisdn": "447700900991"}
    bad = NUMBER | {"country": "US", "msisdn": "447700900992"}
    response = client.post("/_mock/numbers", json=[good, bad])
    detail = messages.NUMBER_NOT_OF_COUNTRY.format(msisdn="447700900992", country="US", code="1")
    assert_refused(client, response, before, "[1].msisdn", detail)


def test_a_number_that_fits_its_country_is_added(client: TestClient) -> None:
    response = client.post(
        "/_mock/numbers", json=NUMBER | {"country": "GB", "msisdn": "447700900993"}
    )
    assert response.status_code == 201, response.text
    assert response.json() == {"added": 1}


def test_a_state_with_an_owned_number_of_another_country_is_refused(client: TestClient) -> None:
    before = client.get("/_mock/state").json()
    [index] = [i for i, n in enumerate(before["owned"]) if n["msisdn"] == "447700900500"]
    owned = [*before["owned"]]
    owned[index] = owned[index] | {"country": "US"}
    response = client.put("/_mock/state", json=before | {"owned": owned})
    detail = messages.NUMBER_NOT_OF_COUNTRY.format(msisdn="447700900500", country="US", code="1")
    assert_refused(client, response, before, f"owned[{index}].msisdn", detail)
