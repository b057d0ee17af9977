"""The cost of a write with --state-file when 100,000 numbers are owned (a 19 MB state).

    .venv/bin/python bench/state_file.py              # about a minute
    .venv/bin/python bench/state_file.py --buys 200   # fewer buys

Writes a fixture with a range of a million GB numbers of which 100,000 are owned by the default
account, starts the mock with `--state-file` (`--https-port 0 --log-level warning`) and buys
numbers one after another on a keep-alive connection, timing each buy (its record fsynced before
the answer), first alone, then while a second connection lists owned numbers back to back, to
show whether reads wait for the writes' disk; and, for comparison, what a bare append and fsync
of the same size costs on the same disk. Then it times, in this process, what a compaction
costs: the whole state written as a new base (which the server does in a worker thread, while
it goes on serving).
Progress goes to stderr, the report to stdout.
"""

import argparse
import http.client
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness import (
    API_KEY,
    BASIC_AUTH,
    HOST,
    MB,
    ROOT,
    Server,
    free_port,
    mock_command,
    mock_source,
    percentile,
    say,
    servers_stopped_on_exit,
)

OWNED = 100_000
RANGE_START = 447400000000
RANGE_SIZE = 1_000_000
OWNED_STRIDE = RANGE_SIZE // OWNED  # every 10th number of the range is owned
ATTRIBUTES = {"country": "GB", "type": "mobile-lvn", "features": ["VOICE", "SMS"], "cost": "1.25"}
GOAL_MS = 5.0
WARMUP = 20


def fixture() -> dict[str, Any]:
    owned = [
        {"api_key": API_KEY, "msisdn": str(RANGE_START + i * OWNED_STRIDE), **ATTRIBUTES}
        for i in range(OWNED)
    ]
    last = RANGE_START + RANGE_SIZE - 1
    return {
        "accounts": [
            {"api_key": API_KEY, "api_secret": "MockSecret123456", "balance": "10000000.00"}
        ],
        "available": [{**ATTRIBUTES, "range": {"start": str(RANGE_START), "end": str(last)}}],
        "owned": owned,
    }


class Reader(threading.Thread):
    """Lists one owned number back to back until stopped, timing each request."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.times_ms: list[float] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        path = "/account/numbers?size=1&country=GB"
        # The first listing by country builds the account's index (once): not timed.
        connection.request("GET", path, headers={"Authorization": BASIC_AUTH})
        connection.getresponse().read()
        while not self.stopping.is_set():
            started = time.perf_counter()
            connection.request("GET", path, headers={"Authorization": BASIC_AUTH})
            answer = connection.getresponse()
            answer.read()
            if answer.status != 200:
                raise RuntimeError(f"listing answered {answer.status}")
            self.times_ms.append((time.perf_counter() - started) * 1000)
        connection.close()


def time_buys(port: int, first: int, count: int) -> list[float]:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Authorization": BASIC_AUTH, "Content-Type": "application/x-www-form-urlencoded"}
    times_ms = []
    for i in range(first, first + count):
        msisdn = RANGE_START + i * OWNED_STRIDE + 1  # never an owned one
        started = time.perf_counter()
        connection.request("POST", "/number/buy", f"country=GB&msisdn={msisdn}", headers)
        answer = connection.getresponse()
        body = answer.read()
        if answer.status != 200:
            raise RuntimeError(f"buy {msisdn} answered {answer.status}: {body!r}")
        times_ms.append((time.perf_counter() - started) * 1000)
    connection.close()
    return times_ms


def time_compaction(state_file: Path) -> float:
    """Seconds to write the saved state again as a new base, as a compaction does."""
    sys.path.insert(0, str(ROOT))
    from mock_server.state.export import state_document
    from mock_server.state.state_file import StateFile, encode_document

    state = StateFile(state_file)
    inventory = state.load()
    assert inventory is not None
    started = time.perf_counter()
    base = encode_document(state_document(inventory.snapshot()))
    temporary = state.write_base(base)
    since, _ = state.compaction_start()
    state.finish_compaction(temporary, len(base), since)
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buys", type=int, default=500, help="buys to time (default 500)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-state-") as work, servers_stopped_on_exit():
        workdir = Path(work)
        fixtures, state_file = workdir / "fixtures.json", workdir / "state.json"
        fixtures.write_text(json.dumps(fixture()), encoding="utf-8")
        port = free_port()
        command = [*mock_command(port, fixtures), "--state-file", str(state_file)]
        say(f"starting the mock with {OWNED:,} owned numbers and --state-file")
        server = Server.spawn("mock", command, port, workdir / "mock.log")
        try:
            ready = server.wait_ready("/_mock/health")
            base_mb = state_file.stat().st_size / MB
            say(f"ready after {ready:.1f} s; state file {base_mb:.1f} MB; timing buys")
            time_buys(port, 0, WARMUP)
            alone = time_buys(port, WARMUP, args.buys)
            reader = Reader(port)
            reader.start()
            try:
                buys = time_buys(port, WARMUP + args.buys, args.buys)
            finally:
                reader.stopping.set()
                reader.join()
        finally:
            server.stop()
        say("timing a compaction and fsyncs in this process")
        compaction_s = time_compaction(state_file)
        fsyncs = time_fsyncs(workdir / "probe", args.buys)
        print(f"mock: {mock_source(ROOT)}")
        print(f"state: {OWNED:,} owned numbers, a {base_mb:.1f} MB base")
        print(f"the disk: an append of 100 bytes and its fsync, {summary(fsyncs)}")
        print(f"buys, one after another, each fsynced before its answer: {summary(alone)}")
        verdict = "met" if percentile(alone, 0.5) < GOAL_MS else "missed"
        print(f"  goal p50 < {GOAL_MS:g} ms: {verdict}")
        print(f"buys again, with a second connection listing meanwhile: {summary(buys)}")
        print(f"  the listings ({len(reader.times_ms)}): {summary(reader.times_ms)}")
        print(f"compaction (a new base, written in a worker thread): {compaction_s:.2f} s")
    return 0


def time_fsyncs(path: Path, count: int) -> list[float]:
    """What the disk alone costs a buy: a record-sized append and its fsync."""
    times_ms = []
    with path.open("ab") as stream:
        for _ in range(count):
            started = time.perf_counter()
            stream.write(b"x" * 99 + b"\n")
            stream.flush()
            os.fsync(stream.fileno())
            times_ms.append((time.perf_counter() - started) * 1000)
    return times_ms


def summary(times_ms: list[float]) -> str:
    p50, p99 = percentile(times_ms, 0.5), percentile(times_ms, 0.99)
    return f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {max(times_ms):.2f} ms"


if __name__ == "__main__":
    sys.exit(main())
