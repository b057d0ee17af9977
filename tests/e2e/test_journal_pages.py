"""A journal longer than a page, read through a real server (issue 15, item 8): the MockClient
pages through it whole, each answer is one page, and the count route counts it all."""

from collections.abc import Iterator

import pytest
import requests
from support.accounts import MASTER
from support.data import SMALL
from support.servers import MockServer, mock_client, start_mock_server, stop_mock_server

from mock_server.simulation.journal import PAGE_LIMIT

pytestmark = pytest.mark.e2e

CALLS = PAGE_LIMIT + 150


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    started = start_mock_server(
        tmp_path_factory.mktemp("pages"), fixtures=SMALL, https=False,
        extra_args=["--journal-size", str(CALLS + 10)],
    )  # fmt: skip
    try:
        with requests.Session() as session:
            for _ in range(CALLS):
                answer = session.get(
                    f"{started.http_url}/account/numbers", params={"size": 1}, auth=MASTER,
                    timeout=10,
                )  # fmt: skip
                assert answer.status_code == 200
        yield started
    finally:
        stop_mock_server(started)


def test_one_answer_is_one_page(server: MockServer) -> None:
    page = requests.get(f"{server.http_url}/_mock/requests", timeout=10).json()
    assert len(page["requests"]) == PAGE_LIMIT
    assert page["more"] is True
    rest = requests.get(
        f"{server.http_url}/_mock/requests", params={"after": page["next"]}, timeout=10
    ).json()
    assert len(rest["requests"]) == CALLS - PAGE_LIMIT
    assert rest["more"] is False
    assert rest["requests"][0]["id"] == page["requests"][-1]["id"] + 1


def test_the_client_reads_every_page(server: MockServer) -> None:
    mock = mock_client(server)
    calls = mock.requests(operation="list")
    assert len(calls) == CALLS
    ids = [call["id"] for call in calls]
    assert ids == sorted(set(ids))
    assert mock.count_requests(operation="list") == CALLS
    assert [c["id"] for c in mock.requests(limit=3)] == ids[-3:]
