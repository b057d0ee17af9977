"""A bounded soak: a mixed load of readers and buyers against a real server for a while; every
call is answered, never with a 5xx, the request journal fills to its bound and stays there, and
the state keeps its size. (bench/soak.py runs the same load and reports the memory under it.)"""

import pytest
from support.figures import record_figures
from support.servers import Servers
from support.soak import JOURNAL_SIZE, add_buyers, start_load
from support.traffic import Failures, run_threads

from mock_server.testing.client import MockClient

pytestmark = pytest.mark.e2e

SOAK_SECONDS = 20.0


def test_a_long_mixed_load_is_answered_and_keeps_the_state_and_journal_bounded(
    servers: Servers,
) -> None:
    server = servers.start()
    control = MockClient(server.http_url)
    add_buyers(control)
    start_health = control.health()

    failures = Failures()
    load, threads = start_load(server.http_url, SOAK_SECONDS, failures)
    run_threads(threads, timeout=SOAK_SECONDS + 60)
    assert not failures, list(failures)

    journal = control.requests()
    end_health = control.health()
    record_figures(
        "soak",
        seconds=SOAK_SECONDS,
        requests=sum(load.statuses.values()),
        statuses=dict(sorted(load.statuses.items())),
        journal_entries=len(journal),
    )

    # The load was the load intended: every kind of call answered, never a 5xx.
    assert not [s for s in load.statuses if s >= 500], load.statuses
    assert set(load.statuses) <= {200, 400, 401, 420}, load.statuses
    assert len(journal) == JOURNAL_SIZE, "the journal did not fill up to its bound"
    assert load.journal_full_at is not None, "no reader saw the journal full"
    assert end_health["available"] + end_health["owned"] == (
        start_health["available"] + start_health["owned"]
    )
