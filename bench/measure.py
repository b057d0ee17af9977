"""One run of the load benchmark: start times, each server warmed up and loaded with wrk, the
figures gathered into a Report (bench/report.py renders it, bench/run.py is the command)."""

import base64
import contextlib
import http.client
import json
import os
import platform
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness import (
    BASIC_AUTH,
    HOST,
    PYTHON,
    ROOT,
    BenchError,
    RssSampler,
    Server,
    free_port,
    mock_command,
    mock_source,
    say,
    sequential_p50_ms,
)
from scenarios import (
    BENCH_RANGE_ATTRIBUTES,
    BENCH_RANGE_COST,
    BENCH_RANGE_START,
    MOCK,
    NUMBERS_PER_THREAD,
    PRISM,
    PRISM_CREDENTIALS,
    REFERENCE,
    REFERENCE_POST_SCENARIO,
    REFERENCE_SCENARIO,
    SCENARIOS,
    SEARCH10_PATH,
    WIREMOCK,
    Scenario,
)
from tools import (
    ensure_prism,
    ensure_wiremock,
    prism_command,
    reference_command,
    tool_version,
    wiremock_command,
)

# After a warm-up, for requests cut off by wrk's stop to be done before the state is reset.
QUIESCE_S = 0.5


@dataclass
class Result:
    scenario: str
    target: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    non_2xx: int
    socket_errors: int
    peak_rss_bytes: int
    notes: list[str] = field(default_factory=list)


@dataclass
class Config:
    duration: float
    warmup: float
    server_warmup: float
    connections: int
    threads: int
    starts: int
    prism: bool
    wiremock: bool
    json_path: Path | None
    mock_root: Path


def run_wrk(port: int, script: Path, seconds: float, config: Config) -> dict[str, float]:
    command = [
        "wrk",
        f"-t{config.threads}",
        f"-c{config.connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
        f"http://{HOST}:{port}",
    ]
    done = subprocess.run(  # noqa: S603 - a fixed command line
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            figures: dict[str, float] = json.loads(line.removeprefix("BENCH_JSON "))
            return figures
    raise BenchError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def warm_up(server: Server, scenario: Scenario, config: Config, workdir: Path) -> None:
    """Load a server just started for a while (the JIT of node, caches), measuring nothing."""
    if config.server_warmup > 0:
        script = workdir / f"warm-{server.name}.lua"
        script.write_text(scenario.script(server.name, config.connections, config.threads))
        run_wrk(server.port, script, config.server_warmup, config)
        time.sleep(QUIESCE_S)


def measure(
    server: Server,
    scenario: Scenario,
    config: Config,
    workdir: Path,
    prepare: Callable[[], None] = lambda: None,
) -> Result:
    script = workdir / f"{scenario.key}-{server.name}.lua"
    script.write_text(scenario.script(server.name, config.connections, config.threads))
    if config.warmup > 0:
        prepare()
        run_wrk(server.port, script, config.warmup, config)
        time.sleep(QUIESCE_S)
    prepare()
    with RssSampler(server.pid) as rss:
        figures = run_wrk(server.port, script, config.duration, config)
    if not server.alive:
        raise BenchError(f"{server.name} died during {scenario.title}{server.tail()}")
    seconds = figures["duration_us"] / 1e6
    return Result(
        scenario=scenario.key,
        target=server.name,
        requests=int(figures["requests"]),
        seconds=seconds,
        rps=figures["requests"] / seconds,
        p50_ms=figures["p50_us"] / 1000,
        p90_ms=figures["p90_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        max_ms=figures["max_us"] / 1000,
        non_2xx=int(figures["status"]),
        socket_errors=int(
            figures["connect"] + figures["read"] + figures["write"] + figures["timeout"]
        ),
        peak_rss_bytes=rss.peak,
    )


def call(port: int, method: str, path: str, body: object = None) -> tuple[int, Any]:
    """A control API call: JSON in, JSON out."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        payload = None if body is None else json.dumps(body)
        headers = {"Content-Type": "application/json"} if payload else {}
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None
    finally:
        connection.close()


def bench_range(config: Config) -> dict[str, object]:
    last = BENCH_RANGE_START + config.threads * NUMBERS_PER_THREAD - 1
    return {
        "range": {"start": str(BENCH_RANGE_START), "end": str(last)},
        **BENCH_RANGE_ATTRIBUTES,
        "cost": BENCH_RANGE_COST,
    }


def mock_preparer(port: int, config: Config, stateful: bool) -> Callable[[], None]:
    def prepare() -> None:
        status, answer = call(port, "POST", "/_mock/reset")
        if status != 200:
            raise BenchError(f"POST /_mock/reset answered {status}: {answer}")
        if stateful:
            status, answer = call(port, "POST", "/_mock/numbers", bench_range(config))
            if status != 201:
                raise BenchError(f"POST /_mock/numbers answered {status}: {answer}")

    return prepare


def fetch(port: int, path: str) -> tuple[str, bytes]:
    """The content type and body of the mock's answer to `GET path` (as the default account)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request("GET", path, headers={"Authorization": BASIC_AUTH})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise BenchError(f"GET {path} answered {response.status}: {body[:200]!r}")
        return response.getheader("Content-Type") or "application/json", body
    finally:
        connection.close()


def wiremock_stub(root: Path, path: str, answer: tuple[str, bytes]) -> None:
    """A WireMock root whose one stub answers `GET path` with `answer`, byte for byte."""
    url_path, _, query = path.partition("?")
    parameters = dict(pair.split("=", 1) for pair in query.split("&") if pair)
    content_type, body = answer
    stub = {
        "request": {
            "method": "GET",
            "urlPath": url_path,
            "queryParameters": {name: {"equalTo": value} for name, value in parameters.items()},
        },
        "response": {
            "status": 200,
            "headers": {"Content-Type": content_type},
            "base64Body": base64.b64encode(body).decode(),
        },
    }
    (root / "mappings").mkdir(parents=True, exist_ok=True)
    (root / "mappings" / "search10.json").write_text(json.dumps(stub, indent=2))


def run_wiremock(report: "Report", search10: tuple[str, bytes], workdir: Path) -> None:
    """WireMock serving the mock's own size-10 search answer as a static stub, under the same
    search-size-10 load as the mock."""
    assert report.wiremock_version is not None
    root = workdir / "wiremock"
    wiremock_stub(root, SEARCH10_PATH, search10)
    port = free_port()
    command = wiremock_command(report.wiremock_version, root)
    wiremock = Server.spawn(WIREMOCK, command(port), port, workdir / "wiremock.log")
    try:
        report.wiremock_start = wiremock.wait_ready(SEARCH10_PATH)
        warm_up(wiremock, SCENARIOS[0], report.config, workdir)
        probe(wiremock, report)
        for scenario in SCENARIOS:
            if WIREMOCK in scenario.targets:
                say(f"wiremock: {scenario.title}")
                report.results.append(measure(wiremock, scenario, report.config, workdir))
    finally:
        wiremock.stop()


def failure_samples(port: int) -> list[str]:
    """Up to 3 failed calls among the last ones the mock's journal kept, to explain errors."""
    status, answer = call(port, "GET", "/_mock/requests")
    if status != 200 or not isinstance(answer, dict):
        return []
    failed = [entry for entry in answer.get("requests", []) if (entry.get("status") or 0) >= 300]
    return [
        f"{entry['operation']} {entry['params'].get('msisdn', '')} -> {entry['status']} "
        f"{(entry.get('response') or '')[:80]}"
        for entry in failed[-3:]
    ]


def start_times(
    name: str,
    command: Callable[[int], list[str]],
    path: str,
    config: Config,
    workdir: Path,
    cwd: Path = ROOT,
) -> list[float]:
    """Seconds from process start to `GET path` answering 200, for `config.starts` starts."""
    times = []
    for attempt in range(config.starts):
        port = free_port()
        log = workdir / f"{name}-start-{attempt}.log"
        server = Server.spawn(name, command(port), port, log, cwd)
        try:
            times.append(server.wait_ready(path))
        finally:
            server.stop()
    return times


# What each server is asked one request at a time, unloaded (see `sequential_p50_ms`).
PROBES = {
    REFERENCE: "/number/search",
    MOCK: "/number/search?country=GB&size=10",
    PRISM: f"/number/search?country=GB&size=10&{PRISM_CREDENTIALS}",
    WIREMOCK: SEARCH10_PATH,
}
NAGLE_MS = 35.0  # unloaded p50s above this (and the reference's far below) are Nagle stalls


def probe(server: Server, report: "Report") -> None:
    path = PROBES[server.name]
    headers = {"Authorization": BASIC_AUTH}
    report.unloaded_p50_ms[server.name] = sequential_p50_ms(server.port, path, headers)


@dataclass
class Report:
    config: Config
    started: str
    machine: dict[str, str]
    load_before: str = ""
    load_after: str = ""
    mock_starts: list[float] = field(default_factory=list)
    reference_starts: list[float] = field(default_factory=list)
    prism_start: float | None = None
    wiremock_start: float | None = None
    wiremock_version: str | None = None
    reference_runs: list[Result] = field(default_factory=list)
    reference_post_runs: list[Result] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    prism_version: str | None = None
    mock_source: str = ""
    unloaded_p50_ms: dict[str, float] = field(default_factory=dict)

    def result(self, scenario: str, target: str) -> Result | None:
        for result in self.results:
            if result.scenario == scenario and result.target == target:
                return result
        return None

    def reference(self, runs: list[Result] | None = None) -> Result:
        """The reference's runs (one before the others, one after) averaged; peak RSS the max."""
        runs = self.reference_runs if runs is None else runs
        count = len(runs)
        return Result(
            scenario="reference",
            target=REFERENCE,
            requests=sum(run.requests for run in runs),
            seconds=sum(run.seconds for run in runs),
            rps=sum(run.rps for run in runs) / count,
            p50_ms=sum(run.p50_ms for run in runs) / count,
            p90_ms=sum(run.p90_ms for run in runs) / count,
            p99_ms=sum(run.p99_ms for run in runs) / count,
            max_ms=max(run.max_ms for run in runs),
            non_2xx=sum(run.non_2xx for run in runs),
            socket_errors=sum(run.socket_errors for run in runs),
            peak_rss_bytes=max(run.peak_rss_bytes for run in runs),
        )


def machine_facts() -> dict[str, str]:
    cpu = "?"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "uvicorn": tool_version([str(PYTHON), "-c", "import uvicorn; print(uvicorn.__version__)"]),
        "fastapi": tool_version([str(PYTHON), "-c", "import fastapi; print(fastapi.__version__)"]),
        "node": tool_version(["node", "--version"]),
        "java": tool_version(["java", "-version"]),
        "wrk": tool_version(["wrk", "--version"]).split(" [")[0],
    }


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def run(config: Config, workdir: Path) -> Report:
    report = Report(
        config=config,
        started=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        machine=machine_facts(),
        mock_source=mock_source(config.mock_root),
    )
    report.load_before = load_average()
    if config.prism:
        report.prism_version = ensure_prism()
    if config.wiremock:
        report.wiremock_version = ensure_wiremock()

    say(f"start to healthy: {config.starts} starts of the mock, then of the reference")
    report.mock_starts = start_times(
        MOCK, mock_command, "/_mock/health", config, workdir, config.mock_root
    )
    report.reference_starts = start_times(
        REFERENCE, reference_command, "/number/search", config, workdir
    )

    reference_port = free_port()
    reference = Server.spawn(
        REFERENCE, reference_command(reference_port), reference_port, workdir / "reference.log"
    )
    reference.wait_ready("/number/search")
    warm_up(reference, REFERENCE_SCENARIO, config, workdir)
    probe(reference, report)
    say(f"reference: {REFERENCE_SCENARIO.title} (first run)")
    report.reference_runs.append(measure(reference, REFERENCE_SCENARIO, config, workdir))
    say(f"reference: {REFERENCE_POST_SCENARIO.title} (first run)")
    report.reference_post_runs.append(measure(reference, REFERENCE_POST_SCENARIO, config, workdir))

    mock_port = free_port()
    mock = Server.spawn(
        MOCK, mock_command(mock_port), mock_port, workdir / "mock.log", config.mock_root
    )
    mock.wait_ready("/_mock/health")
    search10 = fetch(mock.port, SEARCH10_PATH)
    warm_up(mock, SCENARIOS[0], config, workdir)
    probe(mock, report)
    for scenario in SCENARIOS:
        if MOCK not in scenario.targets:
            continue
        say(f"mock: {scenario.title}")
        prepare = mock_preparer(mock.port, config, scenario.stateful)
        result = measure(mock, scenario, config, workdir, prepare)
        if scenario.stateful and result.non_2xx:
            result.notes = failure_samples(mock.port)
        report.results.append(result)
    mock.stop()

    if config.prism:
        prism_port = free_port()
        prism = Server.spawn(PRISM, prism_command(prism_port), prism_port, workdir / "prism.log")
        report.prism_start = prism.wait_ready(f"/number/search?country=GB&{PRISM_CREDENTIALS}")
        warm_up(prism, SCENARIOS[0], config, workdir)
        probe(prism, report)
        for scenario in SCENARIOS:
            if PRISM not in scenario.targets:
                continue
            say(f"prism: {scenario.title}")
            report.results.append(measure(prism, scenario, config, workdir))
        prism.stop()

    if report.wiremock_version is not None:
        run_wiremock(report, search10, workdir)

    say(f"reference: {REFERENCE_SCENARIO.title} (last run)")
    report.reference_runs.append(measure(reference, REFERENCE_SCENARIO, config, workdir))
    say(f"reference: {REFERENCE_POST_SCENARIO.title} (last run)")
    report.reference_post_runs.append(measure(reference, REFERENCE_POST_SCENARIO, config, workdir))
    reference.stop()
    report.load_after = load_average()
    return report
