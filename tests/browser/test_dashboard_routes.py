"""The dashboard's routes over HTTP: its files with their content types, and its two data routes."""

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from support.browser import UI_PATH
from support.servers import MockServer, health
from vonage import Vonage
from vonage_numbers import SearchAvailableNumbersFilter

from mock_server.testing.client import MockClient

pytestmark = pytest.mark.e2e


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()


def fetch_json(url: str) -> tuple[int, Any]:
    status, _, body = fetch(url)
    return status, json.loads(body)


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        pytest.param("", "text/html; charset=utf-8", id="page"),
        pytest.param("/", "text/html; charset=utf-8", id="page-slash"),
        pytest.param("/dashboard.js", "text/javascript; charset=utf-8", id="script"),
        pytest.param("/dashboard.css", "text/css; charset=utf-8", id="style"),
        pytest.param("/favicon.svg", "image/svg+xml", id="icon"),
    ],
)
def test_files_are_served_with_their_types(server: MockServer, path: str, media_type: str) -> None:
    status, headers, body = fetch(f"{server.http_url}{UI_PATH}{path}")
    assert status == 200
    assert headers["content-type"] == media_type
    assert headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in headers["content-security-policy"]
    assert body


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/missing.js", id="unknown"),
        pytest.param("/..%2Fcontrol_api.py", id="encoded-traversal"),
        pytest.param("/dashboard.py", id="not-an-asset-type"),
        pytest.param("/Index.html", id="not-lower-case"),
    ],
)
def test_nothing_else_is_served(server: MockServer, path: str) -> None:
    status, headers, _ = fetch(f"{server.http_url}{UI_PATH}{path}")
    assert status == 404
    assert headers["content-type"] == "application/problem+json"


def test_the_page_loads_nothing_from_elsewhere(server: MockServer) -> None:
    _, _, body = fetch(f"{server.http_url}{UI_PATH}")
    page = body.decode()
    assert "http://" not in page
    assert "https://" not in page
    assert "<script>" not in page  # no inline script: the policy forbids it


def test_the_summary_counts_match_the_vonage_search(
    server: MockServer, control: MockClient, sdk: Vonage
) -> None:
    status, summary = fetch_json(f"{server.http_url}/_mock/inventory/summary")
    assert status == 200
    assert summary["total"] == health(server)["available"]
    by_country = {entry["country"]: entry for entry in summary["countries"]}
    assert sorted(by_country) == ["AU", "CA", "DE", "ES", "FR", "GB", "IT", "NL", "US"]
    for number_type, counted in by_country["GB"]["types"].items():
        _, count, _ = sdk.numbers.search_available_numbers(
            SearchAvailableNumbersFilter(country="GB", type=number_type)
        )
        assert counted == count, number_type
    assert by_country["GB"]["total"] == sum(by_country["GB"]["types"].values())
    assert "landline-toll-free" not in by_country["IT"]["types"]


def test_the_summary_counts_huge_ranges_exactly(server: MockServer, control: MockClient) -> None:
    control.add_numbers({
        "country": "NL", "type": "landline", "features": ["VOICE"], "cost": "1.00",
        "range": {"start": "319990000000", "end": "319999999999"},
    })  # fmt: skip
    _, summary = fetch_json(f"{server.http_url}/_mock/inventory/summary")
    (nl,) = [entry for entry in summary["countries"] if entry["country"] == "NL"]
    assert nl["types"]["landline"] == 200 + 10_000_000


def test_search_pages_like_the_vonage_search(
    server: MockServer, control: MockClient, sdk: Vonage
) -> None:
    query = "country=GB&type=mobile-lvn&pattern=4477009003&search_pattern=0&size=7&index=2"
    status, page = fetch_json(f"{server.http_url}/_mock/inventory/search?{query}")
    numbers, count, _ = sdk.numbers.search_available_numbers(
        SearchAvailableNumbersFilter(
            country="GB", type="mobile-lvn", pattern="4477009003", search_pattern=0, size=7, index=2
        )
    )
    assert status == 200
    assert (page["count"], page["index"], page["size"]) == (count, 2, 7)
    assert [n["msisdn"] for n in page["numbers"]] == [n.msisdn for n in numbers]
    assert set(page["numbers"][0]) >= {"country", "msisdn", "type", "features", "cost"}


@pytest.mark.parametrize(
    ("query", "field", "detail"),
    [
        pytest.param("", "country", "Is required.", id="no-country"),
        pytest.param("country=GB&size=101", "size", "Is invalid.", id="size-too-big"),
        pytest.param("country=GB&type=satellite", "type", "Is invalid.", id="unknown-type"),
    ],
)
def test_search_problems_name_the_field(
    server: MockServer, query: str, field: str, detail: str
) -> None:
    status, problem = fetch_json(f"{server.http_url}/_mock/inventory/search?{query}")
    assert status == 400
    assert (problem["field"], problem["detail"]) == (field, detail)
