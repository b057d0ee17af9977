"""The transport's pure parts: absolute-form targets, the head size estimate, the log rate limit,
the connection limit held under the open-files limit, and the choice of HTTP parser."""

import logging
import resource
import sys

import h11
import pytest

from mock_server import settings as settings_module
from mock_server.serving import logs
from mock_server.serving.logs import RateLimitFilter
from mock_server.serving.protocols import (
    GuardedConnection,
    ParserUnavailable,
    TransportLimits,
    guarded,
    limits,
)
from mock_server.serving.protocols.guards import head_size, origin_form
from mock_server.settings import HttpParser, Settings


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        pytest.param(b"http://127.0.0.1:8080/account/numbers", b"/account/numbers", id="port"),
        pytest.param(b"http://h/number/search?country=GB", b"/number/search?country=GB", id="q"),
        pytest.param(b"https://rest.nexmo.com", b"/", id="no path"),
        pytest.param(b"http://h?size=1", b"/?size=1", id="query, no path"),
        pytest.param(b"http://h/a%20b?x=%2F", b"/a%20b?x=%2F", id="encoded stays encoded"),
    ],
)
def test_origin_form(target: bytes, expected: bytes) -> None:
    assert origin_form(target) == expected


def test_head_size_counts_the_request_line_and_headers() -> None:
    raw = b"GET /a?b=c HTTP/1.1\r\nHost: x\r\nAccept: text/xml\r\n\r\n"
    connection = h11.Connection(h11.SERVER)
    connection.receive_data(raw)
    event = connection.next_event()
    assert isinstance(event, h11.Request)
    assert head_size(event.method, event.target, event.headers) == len(raw)


def _record(message: str) -> logging.LogRecord:
    return logging.LogRecord("uvicorn.error", logging.WARNING, __file__, 1, message, None, None)


def test_one_record_of_a_kind_per_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr(logs.time, "monotonic", lambda: now[0])
    limit = RateLimitFilter(interval=10)
    passed = [limit.filter(_record("Refused a connection\ndetails")) for _ in range(50)]
    assert passed == [True] + [False] * 49
    assert limit.filter(_record("Another kind"))  # its own count
    now[0] += 10
    later = _record("Refused a connection\nmore details")
    assert limit.filter(later)
    assert "49 more like this in the last 10 s" in later.getMessage()
    assert not limit.filter(_record("Refused a connection"))


def test_the_connection_limit_stays_under_the_open_files_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(resource, "getrlimit", lambda which: (256, 4096))
    assert TransportLimits(Settings(max_connections=100)).max_connections == 100
    fitted = TransportLimits(Settings(max_connections=500)).max_connections
    assert fitted == 256 - limits.FILES_KEPT_FREE


def test_the_default_parser_is_httptools_where_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().http_parser == "httptools"
    monkeypatch.setattr(settings_module, "find_spec", lambda name: None)
    assert Settings().http_parser == "h11"


@pytest.mark.parametrize("parser", ["httptools", "h11"])
def test_each_parser_has_its_guarded_protocol(parser: HttpParser) -> None:
    limits = TransportLimits(Settings())
    protocol = guarded(limits, parser)
    assert issubclass(protocol, GuardedConnection)
    assert protocol.limits is limits  # type: ignore[attr-defined]
    assert parser.lower() in protocol.__name__.lower()


def test_httptools_chosen_where_it_is_missing_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "mock_server.serving.protocols.httptools_guarded", None)
    with pytest.raises(ParserUnavailable, match="--http-parser h11"):
        guarded(TransportLimits(Settings()), "httptools")
