"""Query parameters as the Vonage routes read them: remembered per query string, never shared."""

import asyncio

import pytest
from starlette.requests import Request

from mock_server.vonage.request import REMEMBERED_QUERY_BYTES, request_params


def _params(query: bytes) -> dict[str, str]:
    scope = {"type": "http", "method": "GET", "path": "/number/search", "query_string": query}
    return asyncio.run(request_params(Request(scope)))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param(b"country=GB&size=10", {"country": "GB", "size": "10"}, id="plain"),
        pytest.param(b"country=GB&country=US", {"country": "GB"}, id="first-value-wins"),
        pytest.param(b"pattern=&size=1", {"pattern": "", "size": "1"}, id="blank-kept"),
        pytest.param(b"features=SMS%2CVOICE", {"features": "SMS,VOICE"}, id="decoded"),
        pytest.param(
            b"size=1&x=" + b"a" * REMEMBERED_QUERY_BYTES,
            {"size": "1", "x": "a" * REMEMBERED_QUERY_BYTES},
            id="long-not-remembered",
        ),
    ],
)
def test_parameters_are_the_same_on_every_read(query: bytes, expected: dict[str, str]) -> None:
    assert _params(query) == expected
    assert _params(query) == expected


def test_a_caller_changing_its_parameters_changes_nobody_elses() -> None:
    first = _params(b"country=GB&size=10")
    first["country"] = "changed"

    assert _params(b"country=GB&size=10") == {"country": "GB", "size": "10"}
