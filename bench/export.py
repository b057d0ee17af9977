"""Time of exporting the state when it holds a ten-million-number range (no server involved).

A range is one entry of the state document whatever its size: exporting it should cost what a
single number costs (about 0.1 ms), never time that grows with the range. The unit tests check
that the range comes back as one entry (tests/unit/test_snapshot.py); this script prints how long
the export takes.

    .venv/bin/python bench/export.py [--runs N]
"""

import argparse
import copy
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mock_server.state.document import build_inventory, parse_fixtures  # noqa: E402
from mock_server.state.export import state_document  # noqa: E402

DEFAULT = ROOT / "fixtures" / "default.json"
FIRST, LAST = "447000000000", "447009999999"


def document_with_a_big_range() -> dict[str, Any]:
    """The shipped fixtures plus one range of ten million GB numbers."""
    document: dict[str, Any] = json.loads(DEFAULT.read_text(encoding="utf-8"))
    template = next(e for e in document["available"] if "range" in e)
    big = copy.deepcopy(template) | {"range": {"start": FIRST, "end": LAST}}
    document["available"].append(big)
    return document


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="exports timed (default 200)")
    args = parser.parse_args(argv)
    inventory = build_inventory(parse_fixtures(document_with_a_big_range()))
    times_ms = []
    for _ in range(args.runs):
        started = time.perf_counter()
        state_document(inventory)
        times_ms.append((time.perf_counter() - started) * 1000)
    print(f"export with a 10,000,000-number range, {args.runs} runs:")
    print(f"  median {statistics.median(times_ms):.3f} ms, max {max(times_ms):.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
