"""The mock under load, next to a minimal FastAPI app and Prism, in one run on one machine.

    .venv/bin/python bench/run.py             # full run: 10 s per scenario, a few minutes
    .venv/bin/python bench/run.py --quick     # smoke run: 2 s per scenario
    .venv/bin/python bench/run.py --duration 30 --json results.json

Starts, on 127.0.0.1 and one at a time under load:
- the mock (shipped fixtures, `--no-https --log-level warning`, one uvicorn worker),
- the reference, bench/reference_app.py: one `async def` route on the same stack,
- Prism (the version pinned in bench/package.json) mocking tests/spec/numbers-1.0.20.json,
loads each with wrk (64 connections, 2 threads) and prints requests/s, p50, p99 and peak RSS,
each also as a ratio to the reference measured in the same run, then the performance goals. All
servers are stopped at the end, on failure and on Ctrl-C. Progress goes to stderr, the report
to stdout. See bench/README.md for how to read it.
"""

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from harness import ROOT, BenchError, say, servers_stopped_on_exit
from measure import Config, run
from report import render, to_json
from tools import ensure_wrk


def parse_args(argv: Sequence[str] | None) -> Config:
    parser = argparse.ArgumentParser(
        prog="bench/run.py", description="Load the mock, a minimal FastAPI app and Prism with wrk."
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 s per scenario, 1 start")
    parser.add_argument("--duration", type=float, help="seconds per scenario (default 10)")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up per scenario (default 2)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (64)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--starts", type=int, help="starts timed per server (default 5)")
    parser.add_argument("--no-prism", action="store_true", help="skip Prism (no npm needed)")
    parser.add_argument(
        "--no-wiremock", action="store_true", help="skip WireMock (no npm or Java needed)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--mock-root",
        type=Path,
        default=ROOT,
        help="run `python -m mock_server` from this checkout (default: this one), e.g. a "
        "worktree of another branch, to compare two versions with the same harness",
    )
    args = parser.parse_args(argv)
    quick = bool(args.quick)
    warmup = args.warmup if args.warmup is not None else (1.0 if quick else 2.0)
    return Config(
        duration=args.duration or (2.0 if quick else 10.0),
        warmup=warmup,
        server_warmup=2.5 * warmup,
        connections=args.connections,
        threads=args.threads,
        starts=args.starts or (1 if quick else 5),
        prism=not args.no_prism,
        wiremock=not args.no_wiremock,
        json_path=args.json,
        mock_root=args.mock_root.resolve(),
    )


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_args(argv)
    started = time.monotonic()
    try:
        ensure_wrk()
        with servers_stopped_on_exit(), tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            report = run(config, Path(tmp))
    except BenchError as error:
        say(f"bench/run.py: {error}")
        return 1
    except KeyboardInterrupt:
        say("bench/run.py: interrupted; every server it started is stopped")
        return 130
    print(render(report))
    print(f"\n(whole run: {time.monotonic() - started:.0f} s)")
    if config.json_path is not None:
        config.json_path.write_text(json.dumps(to_json(report), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
