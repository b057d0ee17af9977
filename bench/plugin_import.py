"""What the pytest plugin costs a test run that never asks for a mock.

    .venv/bin/python bench/plugin_import.py            # 5 collections each way
    .venv/bin/python bench/plugin_import.py --runs 10

Writes one trivial test in a temporary directory and times `python -m pytest --co -q` on it
with the plugin loaded (as installed, through its pytest11 entry point) and disabled
(`-p no:numbers_mock`); a conftest there records which heavy packages are in `sys.modules`
once collection ends. It also reports `python -X importtime` of the plugin module alone, in an
interpreter that has already imported pytest. (`-X importtime -m pytest` itself loses its lines
once pytest takes over stderr, before it loads plugins, so it cannot show the plugin.)
Progress goes to stderr, the report to stdout.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAVY = ("fastapi", "starlette", "uvicorn", "pydantic", "pydantic_settings", "vonage", "trustme")
PLUGIN = "mock_server.testing.pytest_plugin"
PROBE = f"""
import json, os, sys

def pytest_collection_finish(session):
    heavy = sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))
    with open(os.environ["PLUGIN_BENCH_REPORT"], "w") as report:
        json.dump({{"heavy": heavy, "plugin": {PLUGIN!r} in sys.modules}}, report)
"""
# -X importtime: "import time: self [us] | cumulative | imported package"
_IMPORT_LINE = re.compile(r"import time:\s+\d+ \|\s+(\d+) \|\s*(\S+)")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "NUMBERS_MOCK_"))}
    return env | extra


def collect(test_dir: Path, *extra: str) -> tuple[float, dict[str, object]]:
    """Wall seconds of one `pytest --co`, and what the probe saw."""
    report = test_dir / "probe.json"
    command = [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider", *extra]
    started = time.perf_counter()
    subprocess.run(command, cwd=test_dir, env=_env(PLUGIN_BENCH_REPORT=str(report)),  # noqa: S603
                   capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    elapsed = time.perf_counter() - started
    seen: dict[str, object] = json.loads(report.read_text())
    return elapsed, seen


def plugin_import_ms() -> float:
    """Cumulative -X importtime of the plugin module, pytest already imported."""
    command = [sys.executable, "-X", "importtime", "-c", f"import pytest; import {PLUGIN}"]
    result = subprocess.run(command, env=_env(), capture_output=True, text=True,  # noqa: S603
                            timeout=60, check=True)  # fmt: skip
    times = {name: int(us) for us, name in _IMPORT_LINE.findall(result.stderr)}
    return times[PLUGIN] / 1000


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--runs", type=int, default=5)
    runs = options.parse_args().runs
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        test_dir = Path(scratch)
        (test_dir / "test_trivial.py").write_text("def test_nothing():\n    assert True\n")
        (test_dir / "conftest.py").write_text(PROBE)
        for label, extra in (("plugin loaded", ()), ("plugin disabled", ("-p", "no:numbers_mock"))):
            times, seen = [], {}
            for index in range(runs):
                print(f"{label}: collection {index + 1}/{runs}", file=sys.stderr)
                elapsed, seen = collect(test_dir, *extra)
                times.append(elapsed)
            rows.append((label, statistics.median(times), seen))
    imports = [plugin_import_ms() for _ in range(runs)]
    print(f"{'pytest --co -q':<18}{'median s':>10}  {'plugin in sys.modules':<23}heavy packages")
    for label, median, seen in rows:
        heavy = ", ".join(seen["heavy"]) or "none"  # type: ignore[arg-type]
        print(f"{label:<18}{median:>10.3f}  {seen['plugin']!s:<23}{heavy}")
    print(f"import of {PLUGIN} after pytest: median {statistics.median(imports):.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
