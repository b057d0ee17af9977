"""Figures the reliability tests report (requests made, crashes survived, RSS), printed at the
end of the run by tests/reliability/conftest.py so that they can be quoted."""

import json
from pathlib import Path
from typing import Any

FIGURES: dict[str, dict[str, Any]] = {}


def record_figures(test: str, **figures: Any) -> None:
    FIGURES.setdefault(test, {}).update(figures)
    print(f"[reliability] {test}: {json.dumps(figures, default=str)}")


def rss_kib(pid: int) -> int | None:
    """VmRSS of a process in KiB, None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None
