"""Conformance fixtures: one real server process per module, reset on demand, and the count of
requests each test sent, by operation, printed at the end of the run."""

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from support.servers import MockServer, start_mock_server, stop_mock_server

SMALL = Path(__file__).resolve().parents[1] / "data" / "small.json"
# Every request sent through `counted_session`, by "test: METHOD /path" (a session hook counts).
REQUESTS_SENT: Counter[str] = Counter()
STATUSES: dict[str, Counter[int]] = {}
_CURRENT_TEST = ["(no test)"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if REQUESTS_SENT:
        terminalreporter.section("conformance: requests sent")
        for label, count in sorted(REQUESTS_SENT.items()):
            statuses = ", ".join(f"{s}: {n}" for s, n in sorted(STATUSES[label].items()))
            terminalreporter.write_line(f"{count:6d}  {label}  ({statuses})")
        terminalreporter.write_line(f"{sum(REQUESTS_SENT.values()):6d}  in all")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    """A `python -m mock_server` process on 127.0.0.1 with tests/data/small.json, HTTP only."""
    server = start_mock_server(
        tmp_path_factory.mktemp("conformance"),
        fixtures=SMALL,
        https=False,
    )
    try:
        yield server
    finally:
        stop_mock_server(server)


def _count(response: requests.Response, *args: object, **kwargs: object) -> None:
    request = response.request
    path = (request.path_url or "/").split("?", 1)[0]
    label = f"{_CURRENT_TEST[0]}: {request.method} {path}"
    REQUESTS_SENT[label] += 1
    STATUSES.setdefault(label, Counter())[response.status_code] += 1


@pytest.fixture(autouse=True)
def _name_the_counts(request: pytest.FixtureRequest) -> None:
    _CURRENT_TEST[0] = request.node.originalname


@pytest.fixture(scope="module")
def counted_session() -> Iterator[requests.Session]:
    """A session that counts every request it sends into REQUESTS_SENT."""
    with requests.Session() as session:
        session.trust_env = False  # no proxy between the tests and 127.0.0.1
        # requests' default `Accept: */*` would win over the case's own Accept (schemathesis
        # merges the session's headers over the case's): send only what the case says.
        session.headers.clear()
        session.hooks["response"].append(_count)
        yield session


@pytest.fixture
def fresh_state(live_server: MockServer) -> MockServer:
    """The server back at its fixtures (and its journal empty) before the test."""
    reset = requests.post(f"{live_server.http_url}/_mock/reset", timeout=10)
    assert reset.status_code == 200, reset.text
    return live_server
