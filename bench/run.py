"""The mock under load, next to a minimal FastAPI app and Prism, in one run on one machine.

    .venv/bin/python bench/run.py             # full run: 10 s per scenario, a few minutes
    .venv/bin/python bench/run.py --quick     # smoke run: 2 s per scenario
    .venv/bin/python bench/run.py --duration 30 --json results.json

Starts, on 127.0.0.1 and one at a time under load:
- the mock (shipped fixtures, `--no-https --log-level warning`, one uvicorn worker),
- the reference, bench/reference_app.py: one `async def` route on the same stack,
- Prism (the version pinned in bench/package.json) mocking tests/spec/numbers-1.0.20.json,
loads each with wrk (64 connections, 2 threads) and prints requests/s, p50, p99 and peak RSS,
each also as a ratio to the reference measured in the same run, then the issue's goals. All
servers are stopped at the end, on failure and on Ctrl-C. Progress goes to stderr, the report
to stdout. See bench/README.md for how to read it.
"""

import argparse
import contextlib
import http.client
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness import (
    API_KEY,
    API_SECRET,
    BASIC_AUTH,
    BENCH,
    GOAL_COLUMNS,
    HOST,
    MB,
    PYTHON,
    ROOT,
    BenchError,
    Column,
    Goal,
    RssSampler,
    Server,
    free_port,
    median,
    mock_command,
    mock_source,
    number_text,
    ratio_text,
    say,
    sequential_p50_ms,
    servers_stopped_on_exit,
    table,
)

SPEC = ROOT / "tests" / "spec" / "numbers-1.0.20.json"
PRISM_PACKAGE = "@stoplight/prism-cli"
PRISM_BIN = BENCH / "node_modules" / ".bin" / "prism"

MOCK, REFERENCE, PRISM = "mock", "reference", "prism"
FORM = "application/x-www-form-urlencoded"

# The buy/cancel numbers: a GB range added with POST /_mock/numbers before each such run. Each
# wrk thread cycles through a slice of NUMBERS_PER_THREAD of them, far more than it has
# numbers bought and not yet cancelled (LAG_PER_CONNECTION per connection), so a buy always
# finds its number free and a cancel always finds it bought.
BENCH_RANGE_START = 447400000000
NUMBERS_PER_THREAD = 50_000
LAG_PER_CONNECTION = 2
# cost 0.00: the account's balance does not run out however long the run.
BENCH_RANGE_ATTRIBUTES = {"country": "GB", "type": "mobile-lvn", "features": ["VOICE", "SMS"]}
BENCH_RANGE_COST = "0.00"

# After a warm-up, for requests cut off by wrk's stop to be done before the state is reset.
QUIESCE_S = 0.5

# Prism checks the spec's security scheme: api_key and api_secret in the query string.
PRISM_CREDENTIALS = f"api_key={API_KEY}&api_secret={API_SECRET}"


# -- wrk scripts -------------------------------------------------------------------------------

LUA_DONE = r"""
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"max_us":%.0f,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""

# Per-thread state for buys and cancels: `id` is set by setup() in each thread's Lua state.
LUA_BUY_CANCEL_STATE = r"""
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

local auth = "{auth}"
local form = {{["Authorization"] = auth, ["Content-Type"] = "{form}"}}
local base, slice, lag = {base}, {slice}, {lag}
local bought, cancelled = 0, 0

-- wrk calls request() once in the first thread before it connects, to check the request, and
-- never sends that one: a buy lost there would fail its cancel. So each thread's first request
-- is a harmless list.
local primed = false
local function primer()
  if primed then
    return nil
  end
  primed = true
  return wrk.format("GET", "/account/numbers?size=1", {{["Authorization"] = auth}})
end

local function msisdn(k)
  return string.format("%.0f", base + id * slice + (k % slice))
end

-- Buy a fresh number, or cancel the oldest one bought once more than `lag` are held: a
-- cancel goes out long after its buy was answered, whatever the connection it went on.
local function buy_or_cancel(want_cancel)
  if want_cancel and bought - cancelled > lag then
    cancelled = cancelled + 1
    return wrk.format("POST", "/number/cancel", form, "country=GB&msisdn=" .. msisdn(cancelled - 1))
  end
  bought = bought + 1
  return wrk.format("POST", "/number/buy", form, "country=GB&msisdn=" .. msisdn(bought - 1))
end
"""

LUA_BUY_CANCEL = r"""
local turn = 0
function request()
  local first = primer()
  if first then
    return first
  end
  turn = turn + 1
  return buy_or_cancel(turn % 2 == 0)
end
"""

# 20 slots: 10 searches (GB, US, FR, DE in turn), 4 lists, 3 buys, 3 cancels.
LUA_MIXED = r"""
local plan = {{"s", "s", "l", "b", "s", "c", "s", "s", "l", "b",
              "s", "c", "s", "l", "s", "b", "s", "c", "l", "s"}}
local countries = {{"GB", "US", "FR", "DE"}}
local get = {{["Authorization"] = auth}}
local step, searches = 0, 0
function request()
  local first = primer()
  if first then
    return first
  end
  step = step + 1
  local op = plan[(step - 1) % #plan + 1]
  if op == "s" then
    searches = searches + 1
    local country = countries[(searches - 1) % #countries + 1]
    return wrk.format("GET", "/number/search?country=" .. country .. "&size=10", get)
  elseif op == "l" then
    return wrk.format("GET", "/account/numbers", get)
  end
  return buy_or_cancel(op == "c")
end
"""


def static_script(path: str, headers: dict[str, str]) -> str:
    lines = ['wrk.method = "GET"', f"wrk.path = {json.dumps(path)}"]
    lines += [
        f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}" for name, value in headers.items()
    ]
    return "\n".join(lines) + "\n" + LUA_DONE


def stateful_script(body: str, connections: int, threads: int) -> str:
    lag = max(8, LAG_PER_CONNECTION * -(-connections // threads))
    state = LUA_BUY_CANCEL_STATE.format(
        auth=BASIC_AUTH, form=FORM, base=BENCH_RANGE_START, slice=NUMBERS_PER_THREAD, lag=lag
    )
    return state + body.format() + LUA_DONE


# -- scenarios ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    targets: tuple[str, ...]
    # The script for a target, given (target, connections, threads).
    script: Callable[[str, int, int], str]
    stateful: bool = False  # buys and cancels: the bench range is added before each run


def _get(path: str, accept: str | None = None) -> Callable[[str, int, int], str]:
    def script(target: str, connections: int, threads: int) -> str:
        headers = {"Authorization": BASIC_AUTH}
        if accept:
            headers["Accept"] = accept
        full = path
        if target == PRISM:
            full += ("&" if "?" in path else "?") + PRISM_CREDENTIALS
        return static_script(full, headers)

    return script


def _stateful(body: str) -> Callable[[str, int, int], str]:
    def script(target: str, connections: int, threads: int) -> str:
        return stateful_script(body, connections, threads)

    return script


REFERENCE_SCENARIO = Scenario(
    "reference", "reference: GET /number/search (1 number)", (REFERENCE,), _get("/number/search")
)
SCENARIOS = (
    Scenario(
        "search10", "search size 10 JSON", (MOCK, PRISM), _get("/number/search?country=GB&size=10")
    ),
    Scenario(
        "search100",
        "search size 100 JSON",
        (MOCK, PRISM),
        _get("/number/search?country=GB&size=100"),
    ),
    Scenario(
        "search100xml",
        "search size 100 XML",
        (MOCK,),
        _get("/number/search?country=GB&size=100", accept="text/xml"),
    ),
    Scenario("list", "list owned", (MOCK, PRISM), _get("/account/numbers")),
    Scenario("buycancel", "buy-then-cancel cycle", (MOCK,), _stateful(LUA_BUY_CANCEL), True),
    Scenario(
        "mixed",
        "mixed: 50% search, 20% list, 30% buy+cancel",
        (MOCK,),
        _stateful(LUA_MIXED),
        True,
    ),
)


# -- measurements ------------------------------------------------------------------------------


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


# -- tools -------------------------------------------------------------------------------------


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    say("wrk is missing: installing Debian's package (apt-get install wrk)")
    if os.geteuid() != 0:
        raise BenchError("wrk is missing and this is not root: run `sudo apt-get install wrk`")
    install = ["apt-get", "install", "-y", "--no-install-recommends", "wrk"]
    if subprocess.run(install, check=False).returncode != 0:  # noqa: S603
        subprocess.run(["apt-get", "update"], check=True)  # noqa: S607
        subprocess.run(install, check=True)  # noqa: S603
    if not shutil.which("wrk"):
        raise BenchError("wrk could not be installed")


def pinned_prism_version() -> str:
    package = json.loads((BENCH / "package.json").read_text())
    version: str = package["devDependencies"][PRISM_PACKAGE]
    return version


def installed_prism_version() -> str | None:
    manifest = BENCH / "node_modules" / PRISM_PACKAGE / "package.json"
    if not manifest.exists() or not PRISM_BIN.exists():
        return None
    version: str = json.loads(manifest.read_text())["version"]
    return version


def ensure_prism() -> str:
    pinned = pinned_prism_version()
    if installed_prism_version() != pinned:
        npm = shutil.which("npm")
        if npm is None:
            raise BenchError("npm is missing: install Node 20 and npm, or pass --no-prism")
        say(f"installing {PRISM_PACKAGE} {pinned}: npm ci --prefix bench")
        # No install scripts: Prism needs none, and one dependency's only phones home.
        command = [npm, "ci", "--prefix", str(BENCH), "--ignore-scripts", "--no-audit", "--no-fund"]
        # npm's own output goes to stderr with the progress: stdout carries only the report.
        subprocess.run(command, check=True, cwd=ROOT, stdout=sys.stderr)  # noqa: S603
    if installed_prism_version() != pinned:
        raise BenchError(f"{PRISM_PACKAGE} {pinned} is not installed in bench/node_modules")
    return pinned


def reference_command(port: int) -> list[str]:
    return [str(PYTHON), str(BENCH / "reference_app.py"), "--port", str(port)]


def prism_command(port: int) -> list[str]:
    # -v warn: Prism logs ~10 lines per request at its default level; the mock and the
    # reference run with warnings only, so Prism does too.
    return [str(PRISM_BIN), "mock", str(SPEC), "-p", str(port), "-h", HOST, "-v", "warn"]


def tool_version(command: Sequence[str]) -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
        text = (done.stdout or done.stderr).strip().splitlines()
        return text[0] if text else "?"
    return "?"


# What each server is asked one request at a time, unloaded (see `sequential_p50_ms`).
PROBES = {
    REFERENCE: "/number/search",
    MOCK: "/number/search?country=GB&size=10",
    PRISM: f"/number/search?country=GB&size=10&{PRISM_CREDENTIALS}",
}
NAGLE_MS = 35.0  # unloaded p50s above this (and the reference's far below) are Nagle stalls


def probe(server: Server, report: "Report") -> None:
    path = PROBES[server.name]
    headers = {"Authorization": BASIC_AUTH}
    report.unloaded_p50_ms[server.name] = sequential_p50_ms(server.port, path, headers)


# -- the run -----------------------------------------------------------------------------------


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
    reference_runs: list[Result] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    prism_version: str | None = None
    mock_source: str = ""
    unloaded_p50_ms: dict[str, float] = field(default_factory=dict)

    def result(self, scenario: str, target: str) -> Result | None:
        for result in self.results:
            if result.scenario == scenario and result.target == target:
                return result
        return None

    def reference(self) -> Result:
        """The reference's runs (one before the others, one after) averaged; peak RSS the max."""
        runs = self.reference_runs
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

    mock_port = free_port()
    mock = Server.spawn(
        MOCK, mock_command(mock_port), mock_port, workdir / "mock.log", config.mock_root
    )
    mock.wait_ready("/_mock/health")
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

    say(f"reference: {REFERENCE_SCENARIO.title} (last run)")
    report.reference_runs.append(measure(reference, REFERENCE_SCENARIO, config, workdir))
    reference.stop()
    report.load_after = load_average()
    return report


# -- the report --------------------------------------------------------------------------------

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
    search10 = report.result("search10", MOCK)
    prism10 = report.result("search10", PRISM)
    json100 = report.result("search100", MOCK)
    xml100 = report.result("search100xml", MOCK)
    buycancel = report.result("buycancel", MOCK)

    def ratio(a: Result | None, b: Result | None) -> float | None:
        return a.rps / b.rps if a and b and b.rps else None

    return [
        Goal("search size 10 JSON vs reference (req/s)", ratio(search10, ref), ">=", 1.0, "x"),
        Goal("search size 10 JSON vs Prism (req/s)", ratio(search10, prism10), ">=", 3.0, "x"),
        Goal(
            f"search size 10 JSON p99 at {report.config.connections} connections",
            search10.p99_ms if search10 else None,
            "<",
            15.0,
            "ms",
        ),
        Goal("search size 100: XML vs JSON (req/s)", ratio(xml100, json100), ">=", 0.5, "x"),
        Goal("buy-then-cancel vs reference (req/s)", ratio(buycancel, ref), ">=", 0.8, "x"),
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
        f"{facts['fastapi']}; Prism {report.prism_version or 'skipped'} on node {facts['node']}",
        f"  mock     {report.mock_source}",
        f"  load     {facts['wrk']}: {config.connections} connections, {config.threads} threads, "
        f"{config.duration:g} s per scenario after {config.warmup:g} s warm-up "
        f"({config.server_warmup:g} s for a server just started)",
        "",
    ]
    rows: list[list[str]] = [result_row(REFERENCE_SCENARIO.title, ref, ref), []]
    for scenario in SCENARIOS:
        first = True
        for target in (MOCK, PRISM):
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
    failing = [r for r in [*report.reference_runs, *report.results] if r.non_2xx or r.socket_errors]
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
        },
        "unloaded_p50_ms": report.unloaded_p50_ms,
        "reference_runs": [asdict(run) for run in report.reference_runs],
        "results": [asdict(result) for result in report.results],
        "goals": [
            {**asdict(goal), "met": goal.met, "verdict": goal.verdict()} for goal in goals(report)
        ],
    }


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
