"""The request log's line: every field a person needs, the client's text escaped, no secret."""

from datetime import UTC, datetime

import pytest

from mock_server.simulation.journal import REDACTED, JournalEntry, redact
from mock_server.simulation.request_log import MAX_PARAMS_CHARS, MAX_VALUE_CHARS, request_line


def entry(**changes: object) -> JournalEntry:
    values: dict[str, object] = {
        "time": datetime(2026, 1, 2, tzinfo=UTC),
        "method": "POST",
        "path": "/number/buy",
        "operation": "buy",
        "api_key": "1a2b3c4d",
        "params": {"country": "GB", "msisdn": "447700900001"},
        "status": 200,
        "response": '{"error-code":"200"}',
        "duration_ms": 1.25,
        "fault": None,
    }
    return JournalEntry(**(values | changes))  # type: ignore[arg-type]


def test_a_line_names_every_field_in_order() -> None:
    assert request_line(entry()) == (
        "POST /number/buy operation=buy api_key=1a2b3c4d status=200 fault=- duration_ms=1.25"
        ' params={"country":"GB","msisdn":"447700900001"}'
    )


@pytest.mark.parametrize(
    ("changes", "shown"),
    [
        pytest.param({"status": None}, " status=- ", id="dropped-no-status"),
        pytest.param({"api_key": None}, " api_key=- ", id="no-credentials"),
        pytest.param({"fault": "r1: 420 x1"}, ' fault="r1: 420 x1" ', id="fault-quoted"),
        pytest.param(
            {"api_key": "a b\nINFO: forged"}, r' api_key="a b\nINFO: forged" ', id="newline-escaped"
        ),
        pytest.param({"params": {}}, " params={}", id="no-params"),
        pytest.param(
            {"path": "/x\nINFO: forged", "operation": "unmatched"},
            'POST "/x\\nINFO: forged" operation=unmatched',
            id="unmatched-path-escaped",
        ),
    ],
)
def test_values(changes: dict[str, object], shown: str) -> None:
    line = request_line(entry(**changes))
    assert shown in line + " "
    assert "\n" not in line


def test_the_secret_is_masked_as_the_journal_masks_it() -> None:
    params = redact({"api_key": "1a2b3c4d", "api_secret": "MockSecret123456", "country": "GB"})
    line = request_line(entry(params=params))
    assert "MockSecret123456" not in line
    assert f'"api_secret":"{REDACTED}"' in line


def test_a_line_is_one_line_and_bounded_whatever_the_client_sends() -> None:
    params = {f"p{i}": "x\n" * 10_000 for i in range(100)}
    line = request_line(entry(params=params, api_key="k" * 10_000))
    assert "\n" not in line
    assert len(line) < MAX_PARAMS_CHARS + 4 * MAX_VALUE_CHARS
