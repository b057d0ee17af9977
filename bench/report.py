"""The load benchmark's report: the table of figures and ratios, the goals, and the JSON file."""

import textwrap
from collections.abc import Sequence
from dataclasses import asdict

from harness import GOAL_COLUMNS, MB, Column, Goal, median, number_text, ratio_text, table
from measure import NAGLE_MS, PROBES, Report, Result
from scenarios import (
    MOCK,
    PRISM,
    REFERENCE,
    REFERENCE_POST_SCENARIO,
    REFERENCE_SCENARIO,
    SCENARIOS,
    WIREMOCK,
)

COLUMNS = (
    Column("scenario", 44, "<"),
    Column("target", 9, "<"),
    Column("req/s", 9),
    Column("x ref", 6),
    Column("p50 ms", 8),
    Column("x ref", 6),
    Column("p99 ms", 8),
    Column("x ref", 6),
    Column("RSS MB", 7),
    Column("x ref", 6),
    Column("non-2xx", 7),
    Column("sock err", 8),
)


def result_row(title: str, result: Result, ref: Result) -> list[str]:
    rss = result.peak_rss_bytes / MB
    return [
        title,
        result.target,
        number_text(result.rps, 0),
        ratio_text(result.rps, ref.rps),
        number_text(result.p50_ms, 2),
        ratio_text(result.p50_ms, ref.p50_ms),
        number_text(result.p99_ms, 2),
        ratio_text(result.p99_ms, ref.p99_ms),
        number_text(rss, 0),
        ratio_text(rss, ref.peak_rss_bytes / MB),
        str(result.non_2xx),
        str(result.socket_errors),
    ]


def goals(report: Report) -> list[Goal]:
    ref = report.reference()
    post_ref = report.reference(report.reference_post_runs)
    search10 = report.result("search10", MOCK)
    prism10 = report.result("search10", PRISM)
    wiremock10 = report.result("search10", WIREMOCK)
    json100 = report.result("search100", MOCK)
    xml100 = report.result("search100xml", MOCK)
    buycancel = report.result("buycancel", MOCK)

    def ratio(a: Result | None, b: Result | None) -> float | None:
        return a.rps / b.rps if a and b and b.rps else None

    return [
        Goal("search size 10 JSON vs reference (req/s)", ratio(search10, ref), ">=", 1.0, "x"),
        Goal("search size 10 JSON vs Prism (req/s)", ratio(search10, prism10), ">=", 3.0, "x"),
        Goal(
            "search size 10 JSON vs WireMock (req/s)", ratio(search10, wiremock10), ">=", 1.5, "x"
        ),
        Goal(
            f"search size 10 JSON p99 at {report.config.connections} connections",
            search10.p99_ms if search10 else None,
            "<",
            15.0,
            "ms",
        ),
        Goal("search size 100: XML vs JSON (req/s)", ratio(xml100, json100), ">=", 0.5, "x"),
        Goal(
            "buy-then-cancel vs POST reference (req/s)", ratio(buycancel, post_ref), ">=", 0.8, "x"
        ),
        Goal(
            "start to healthy, default fixtures (median)",
            median(report.mock_starts) if report.mock_starts else None,
            "<",
            1.0,
            "s",
        ),
    ]


def render(report: Report) -> str:
    config = report.config
    ref = report.reference()
    facts = report.machine
    out = [
        "vonage-numbers-mock benchmark (bench/run.py)",
        f"  when     {report.started}",
        f"  machine  {facts['cores']} cores, {facts['cpu']}; load average {report.load_before} "
        f"before, {report.load_after} after",
        f"  stack    Python {facts['python']}, uvicorn {facts['uvicorn']}, FastAPI "
        f"{facts['fastapi']}; Prism {report.prism_version or 'skipped'} on node {facts['node']}; "
        f"WireMock {report.wiremock_version or 'skipped'} on {facts.get('java', '?')}",
        f"  mock     {report.mock_source}",
        f"  load     {facts['wrk']}: {config.connections} connections, {config.threads} threads, "
        f"{config.duration:g} s per scenario after {config.warmup:g} s warm-up "
        f"({config.server_warmup:g} s for a server just started)",
        "",
    ]
    post_ref = report.reference(report.reference_post_runs)
    rows: list[list[str]] = [
        result_row(REFERENCE_SCENARIO.title, ref, ref),
        result_row(REFERENCE_POST_SCENARIO.title, post_ref, ref),
        [],
    ]
    for scenario in SCENARIOS:
        first = True
        for target in (MOCK, PRISM, WIREMOCK):
            result = report.result(scenario.key, target)
            if result is not None:
                rows.append(result_row(scenario.title if first else "", result, ref))
                first = False
    out.append(table(COLUMNS, rows))
    out.append("")
    runs = report.reference_runs
    drift = (runs[-1].rps / runs[0].rps - 1) if len(runs) > 1 and runs[0].rps else 0.0
    out.append(
        textwrap.fill(
            "x ref: the figure divided by the reference's (the mean of its runs before and "
            "after: " + ", ".join(f"{run.rps:,.0f}" for run in runs) + f" req/s, drift "
            f"{drift:+.0%}).",
            width=100,
        )
    )
    if abs(drift) > 0.15:
        out.append("  The reference drifted by more than 15%: the machine was busy; re-run.")
    if report.prism_version:
        out.append("Prism answers every search and list with the spec's one-number example.")
    if report.wiremock_version:
        out.append(
            "WireMock serves the mock's own size-10 search answer, fetched once, as a static stub."
        )
    measured = [*report.reference_runs, *report.reference_post_runs, *report.results]
    failing = [r for r in measured if r.non_2xx or r.socket_errors]
    if failing:
        names = ", ".join(sorted({f"{r.scenario} ({r.target})" for r in failing}))
        out.append(f"Errors in {names}: a correct run has none; those rows measure failures too.")
    for result in report.results:
        for note in result.notes:
            out.append(f"  {result.scenario} failure sample: {note}")
    out.append("")

    def starts(values: Sequence[float]) -> str:
        each = ", ".join(f"{value:.2f}" for value in values)
        return f"{median(values):.2f} s (median of {len(values)}: {each})"

    out.append("Start to ready (process start until the first 200)")
    out.append(f"  mock       GET /_mock/health   {starts(report.mock_starts)}")
    out.append(f"  reference  GET /number/search  {starts(report.reference_starts)}")
    if report.prism_start is not None:
        out.append(f"  prism      GET /number/search  {report.prism_start:.2f} s (1 start)")
    if report.wiremock_start is not None:
        out.append(f"  wiremock   GET /number/search  {report.wiremock_start:.2f} s (1 start)")
    out.append("")
    out.append("Unloaded latency (p50 of 50 GETs in a row on one keep-alive connection)")
    for name, path in PROBES.items():
        if name in report.unloaded_p50_ms:
            out.append(f"  {name:<9}  {report.unloaded_p50_ms[name]:7.2f} ms  GET {path}")
    unloaded = report.unloaded_p50_ms
    if unloaded.get(MOCK, 0) > NAGLE_MS > 10 * unloaded.get(REFERENCE, NAGLE_MS):
        out.append(
            textwrap.fill(
                "The mock needs ~40 ms for a request alone, the reference far less: the stall of "
                "Nagle's algorithm with delayed ACKs. Are the mock's sockets TCP_NODELAY (asyncio "
                "sets it only on sockets made with proto IPPROTO_TCP)? Its figures above are "
                "capped by it.",
                width=100,
                initial_indent="  ",
                subsequent_indent="  ",
            )
        )
    out.append("")
    out.append("Goals")
    out.append(table(GOAL_COLUMNS, [goal.row() for goal in goals(report)]))
    return "\n".join(out)


def to_json(report: Report) -> dict[str, object]:
    return {
        "started": report.started,
        "config": {
            **asdict(report.config),
            "json_path": str(report.config.json_path),
            "mock_root": str(report.config.mock_root),
        },
        "mock_source": report.mock_source,
        "machine": report.machine,
        "load_average": {"before": report.load_before, "after": report.load_after},
        "start_to_ready_s": {
            "mock": report.mock_starts,
            "reference": report.reference_starts,
            "prism": report.prism_start,
            "wiremock": report.wiremock_start,
        },
        "versions": {"prism": report.prism_version, "wiremock": report.wiremock_version},
        "mock_vs_wiremock": _ratios(report, WIREMOCK),
        "unloaded_p50_ms": report.unloaded_p50_ms,
        "reference_runs": [asdict(run) for run in report.reference_runs],
        "reference_post_runs": [asdict(run) for run in report.reference_post_runs],
        "results": [asdict(result) for result in report.results],
        "goals": [
            {**asdict(goal), "met": goal.met, "verdict": goal.verdict()} for goal in goals(report)
        ],
    }


def _ratios(report: Report, target: str) -> dict[str, float]:
    """The mock's req/s over `target`'s, for each scenario both ran."""
    ratios = {}
    for scenario in SCENARIOS:
        mock, other = report.result(scenario.key, MOCK), report.result(scenario.key, target)
        if mock is not None and other is not None and other.rps:
            ratios[scenario.key] = round(mock.rps / other.rps, 3)
    return ratios
