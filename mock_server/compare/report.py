"""The comparison's report: a table of differences per request, or one JSON document."""

import json
from collections.abc import Sequence
from dataclasses import dataclass

from mock_server.compare.plan import PlannedRequest
from mock_server.compare.structure import Captured, Difference

SAME = "same structure"
HEADINGS = ("aspect", "where", "mock", "against")


@dataclass(frozen=True)
class Outcome:
    """One request of the plan, both answers and what differs between them."""

    request: PlannedRequest
    mock: Captured
    against: Captured
    differences: list[Difference]


def summary(outcomes: Sequence[Outcome]) -> str:
    differing = [o for o in outcomes if o.differences]
    if not differing:
        return f"No structural difference in {_counted(len(outcomes), 'request')}."
    found = _counted(sum(len(o.differences) for o in differing), "difference")
    return f"{len(differing)} of {_counted(len(outcomes), 'request')} differ ({found})."


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def text(mock_url: str, against_url: str, outcomes: Sequence[Outcome]) -> str:
    """The readable report: one heading per request, then its differences as a table."""
    lines = [f"mock:    {mock_url}", f"against: {against_url}", ""]
    for outcome in outcomes:
        request = outcome.request
        lines.append(f"{request.name}: GET {request.target}")
        if outcome.differences:
            lines.extend(_table(outcome.differences))
        else:
            status = outcome.mock.status
            lines.append(f"  {SAME} ({status} {outcome.mock.media_type} on both sides)")
        lines.append("")
    lines.append(summary(outcomes))
    return "\n".join(lines) + "\n"


def _table(found: Sequence[Difference]) -> list[str]:
    rows = [HEADINGS, *((str(d.aspect), d.where or "-", d.mock, d.against) for d in found)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADINGS))]
    return ["  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in rows]  # fmt: skip


def as_json(mock_url: str, against_url: str, outcomes: Sequence[Outcome]) -> str:
    """The same report for machines."""
    document = {
        "mock": mock_url,
        "against": against_url,
        "differing": sum(1 for o in outcomes if o.differences),
        "requests": [_outcome_json(o) for o in outcomes],
    }
    return json.dumps(document, indent=2) + "\n"


def _outcome_json(outcome: Outcome) -> dict[str, object]:
    return {
        "name": outcome.request.name,
        "method": "GET",
        "target": outcome.request.target,
        "format": outcome.request.format,
        "mock": {"status": outcome.mock.status, "content_type": outcome.mock.media_type},
        "against": {"status": outcome.against.status, "content_type": outcome.against.media_type},
        "differences": [
            {"aspect": str(d.aspect), "where": d.where, "mock": d.mock, "against": d.against}
            for d in outcome.differences
        ],
    }
