"""Resident memory of the mock under a long mixed load: flat once warm, or not.

    .venv/bin/python bench/soak.py                 # 48 s of load, as the README quotes
    .venv/bin/python bench/soak.py --seconds 10    # a short look

Starts the mock with the shipped fixtures, runs the soak test's load against it (three readers
of the shipped accounts, two buyers of their own numbers: tests/support/soak.py), samples the
server's VmRSS every second, and prints the figures: requests made, statuses, when the request
journal (1000 entries by default) was full, and the RSS at the start, after the first quarter
(warm), at the end, in the last quarter and at its peak. The test asserts the behaviour under
this load; the memory is a figure to read here, not a threshold in a test.
"""

import argparse
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from harness import (
    HOST,
    ROOT,
    BenchError,
    Server,
    free_port,
    mock_command,
    say,
    servers_stopped_on_exit,
    status_kb,
)

sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from support.soak import JOURNAL_SIZE, add_buyers, start_load  # noqa: E402
from support.traffic import Failures, run_threads  # noqa: E402

from mock_server.testing.client import MockClient  # noqa: E402

Samples = list[tuple[float, int]]


def sample_rss(pid: int, until: float, samples: Samples) -> None:
    """VmRSS in KiB every second until `until`, as (seconds since start, KiB)."""
    started = time.monotonic()
    while (now := time.monotonic()) < until:
        rss = status_kb(pid, "VmRSS")
        if rss == 0:
            return  # the server is gone: the load threads report it
        samples.append((now - started, rss))
        time.sleep(max(0.0, 1.0 - (time.monotonic() - now)))


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def report(
    seconds: float, samples: Samples, statuses: dict[int, int], full_at: float | None
) -> str:
    quarter = seconds / 4
    first = [rss for t, rss in samples if t < quarter] or [samples[0][1]]
    last = [rss for t, rss in samples if t >= seconds - quarter] or [samples[-1][1]]
    full = f"after {full_at:.1f} s" if full_at is not None else "never seen"
    return "\n".join(
        (
            f"soak: {seconds:.0f} s of mixed load, {sum(statuses.values())} requests",
            f"  statuses            {dict(sorted(statuses.items()))}",
            f"  journal full ({JOURNAL_SIZE})  {full}",
            f"  RSS samples         {len(samples)}, one a second",
            f"  RSS at start        {mib(samples[0][1])}",
            f"  RSS warm            {mib(max(first))} (peak of the first quarter)",
            f"  RSS last quarter    {mib(max(last))} (peak)",
            f"  RSS at end          {mib(samples[-1][1])}",
            f"  RSS peak            {mib(max(rss for _, rss in samples))}",
            f"  growth after warm   {mib(max(last) - max(first))}",
        )
    )


def soak(seconds: float, workdir: Path) -> str:
    port = free_port()
    server = Server.spawn("mock", mock_command(port), port, workdir / "mock.log")
    server.wait_ready("/_mock/health")
    url = f"http://{HOST}:{port}"
    add_buyers(MockClient(url))
    failures = Failures()
    load, threads = start_load(url, seconds, failures)
    samples: Samples = []
    sampler = threading.Thread(target=sample_rss, args=(server.pid, load.until, samples))
    say(f"soak: {seconds:.0f} s of load on {url}")
    run_threads([sampler, *threads], timeout=seconds + 60)
    server.stop()
    if failures or not samples:
        raise BenchError(f"the load failed: {list(failures)[:5]}{server.tail()}")
    return report(seconds, samples, dict(load.statuses), load.journal_full_at)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=48.0, help="load duration (default 48)")
    args = parser.parse_args(argv)
    with servers_stopped_on_exit(), tempfile.TemporaryDirectory(prefix="soak-") as workdir:
        try:
            print(soak(args.seconds, Path(workdir)))
        except BenchError as error:
            say(f"soak: {error}")
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
