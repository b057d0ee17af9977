"""What the bench scripts share: servers started and stopped, RSS, tables.

Every server is started in a session of its own on a free 127.0.0.1 port, checked to be the
process that actually listens there (another engineer's server on the same port must never be
measured or changed), and stopped by its process group id when the benchmark ends, fails or is
interrupted. On Linux the children also get SIGTERM if the harness itself dies.
"""

import base64
import contextlib
import ctypes
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = ROOT / ".venv" / "bin" / "python"
HOST = "127.0.0.1"

API_KEY = "1a2b3c4d"
API_SECRET = "MockSecret123456"  # noqa: S105 - default.json's documented test account
BASIC_AUTH = "Basic " + base64.b64encode(f"{API_KEY}:{API_SECRET}".encode()).decode()

MB = 1024 * 1024
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
_PR_SET_PDEATHSIG = 1


class BenchError(RuntimeError):
    """A benchmark that cannot go on (a server that did not start, a tool that is missing)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def mock_command(port: int, fixtures: Path | None = None) -> list[str]:
    """The mock as a user runs it: one uvicorn worker, HTTP only, warnings only, no rate limit."""
    command = [str(PYTHON), "-m", "mock_server", "--host", HOST, "--port", str(port)]
    command += ["--no-https", "--log-level", "warning", "--rate-limit", "off"]
    if fixtures is not None:
        command += ["--fixtures", str(fixtures)]
    return command


def mock_source(root: Path) -> str:
    """Which mock `python -m mock_server` runs from `root`: its commit, and whether it is dirty."""
    if not (root / "mock_server" / "__init__.py").exists():
        raise BenchError(f"{root} has no mock_server package")
    try:
        commit = _git(root, "rev-parse", "--short", "HEAD")
        dirty = _git(root, "status", "--porcelain", "--", "mock_server")
    except (OSError, subprocess.CalledProcessError):
        return f"{root} (not a git checkout)"
    changes = f", {len(dirty.splitlines())} uncommitted changes in mock_server/" if dirty else ""
    return f"{root} at {commit}{changes}"


def _git(root: Path, *args: str) -> str:
    """A read-only git command (no optional locks: not even an index refresh)."""
    command = ["git", "--no-optional-locks", "-C", str(root), *args]
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    return done.stdout.strip()


def clean_env() -> dict[str, str]:
    """This environment without NUMBERS_MOCK_ settings (a stray one would change the mock)."""
    env = {
        name: value for name, value in os.environ.items() if not name.startswith("NUMBERS_MOCK_")
    }
    env["PYTHONUNBUFFERED"] = "1"
    env["SCARF_ANALYTICS"] = "false"  # a dependency of Prism reports installs otherwise
    return env


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the harness dies (Linux), then its own session."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Server:
    """A server process the harness started; `stop()` ends its whole process group."""

    name: str
    command: list[str]
    port: int
    log_path: Path
    process: subprocess.Popen[bytes]
    spawned_at: float
    ready_after_s: float | None = None

    @classmethod
    def spawn(
        cls, name: str, command: list[str], port: int, log_path: Path, cwd: Path = ROOT
    ) -> "Server":
        """Start `command` in `cwd` (for `python -m mock_server`, where the package is found)."""
        log = log_path.open("ab")
        try:
            spawned_at = time.perf_counter()
            process = subprocess.Popen(  # noqa: S603 - commands built here
                command,
                cwd=cwd,
                env=clean_env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        finally:
            log.close()
        _LIVE.add(process)
        return cls(name, command, port, log_path, process, spawned_at)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, path: str, headers: dict[str, str] | None = None) -> float:
        """Seconds from spawn until `GET path` answers 200 from this very process."""
        deadline = self.spawned_at + READY_TIMEOUT_S
        while time.perf_counter() < deadline:
            if not self.alive:
                raise BenchError(f"{self.name} exited with {self.process.returncode}{self.tail()}")
            if _answers_200(self.port, path, headers or {}):
                ready = time.perf_counter() - self.spawned_at
                if not listens_on(self.pid, self.port):
                    raise BenchError(
                        f"port {self.port} is served by another process, not {self.name}"
                    )
                self.ready_after_s = ready
                return ready
            time.sleep(0.005)
        raise BenchError(f"{self.name} not ready after {READY_TIMEOUT_S:.0f} s{self.tail()}")

    def tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return ""
        return (
            ("\n--- last lines of " + str(self.log_path) + " ---\n" + "\n".join(text))
            if text
            else ""
        )

    def stop(self) -> None:
        """SIGTERM to the process group, SIGKILL if it lingers."""
        _LIVE.discard(self.process)
        _stop_group(self.process)


_LIVE: set[subprocess.Popen[bytes]] = set()


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_S)


def stop_all() -> None:
    """Stop every server still running (the last line of defence on failure or Ctrl-C)."""
    for process in list(_LIVE):
        _LIVE.discard(process)
        _stop_group(process)


@contextlib.contextmanager
def servers_stopped_on_exit() -> Iterator[None]:
    """SIGTERM is handled like Ctrl-C; on any way out, every server started is stopped."""

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, terminate)
    # Started in the background by a shell, SIGINT is ignored: make Ctrl-C (kill -INT) count.
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        # A second Ctrl-C while stopping must not leave a server behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            stop_all()
        finally:
            signal.signal(signal.SIGINT, previous_int)
            signal.signal(signal.SIGTERM, previous)


def _answers_200(port: int, path: str, headers: dict[str, str]) -> bool:
    connection = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status == 200
    except OSError:
        return False
    finally:
        connection.close()


def listens_on(pid: int, port: int) -> bool:
    """True when `pid` or one of its descendants holds the socket listening on HOST:port."""
    inodes = _listening_inodes(port)
    if not inodes:
        return False
    for member in process_tree(pid):
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{member}/fd"):
                with contextlib.suppress(OSError):
                    link = os.readlink(f"/proc/{member}/fd/{fd}")
                    if link.startswith("socket:[") and link[8:-1] in inodes:
                        return True
    return False


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as lines:
            next(lines, None)
            for line in lines:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                    inodes.add(inode)
    return inodes


def sequential_p50_ms(port: int, path: str, headers: dict[str, str], count: int = 50) -> float:
    """p50 of `count` GETs one after the other on one keep-alive connection, after 5 unmeasured.

    Unloaded, a small answer takes well under a millisecond here; ~40 ms is the stall of Nagle's
    algorithm meeting delayed ACKs, on a server whose sockets lack TCP_NODELAY.
    """
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    samples: list[float] = []
    try:
        for turn in range(count + 5):
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise BenchError(f"GET {path} answered {response.status}")
            if turn >= 5:
                samples.append((time.perf_counter() - started) * 1000)
    finally:
        connection.close()
    return median(samples)


# -- memory ------------------------------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (Prism's node may fork; the mock does not)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            with open(f"/proc/{entry}/stat") as stat:
                # The command name may hold spaces and parentheses: split after the last ')'.
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        member = todo.pop()
        tree.append(member)
        todo.extend(children.get(member, []))
    return tree


def status_kb(pid: int, field_name: str) -> int:
    """A `kB` field of /proc/<pid>/status (VmRSS, VmHWM), 0 when the process is gone."""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    return 0


def tree_rss_bytes(pids: Sequence[int]) -> int:
    return sum(status_kb(pid, "VmRSS") for pid in pids) * 1024


def tree_hwm_bytes(pid: int) -> int:
    """The kernel's peak RSS (VmHWM) of each process of the tree, added up."""
    return sum(status_kb(member, "VmHWM") for member in process_tree(pid)) * 1024


@dataclass
class RssSampler:
    """Samples the VmRSS of a process tree every `interval` s in a thread; `peak` is the max."""

    pid: int
    interval: float = 0.05
    peak: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> "RssSampler":
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample(process_tree(self.pid))

    def _sample(self, pids: Sequence[int]) -> None:
        self.peak = max(self.peak, tree_rss_bytes(pids))

    def _run(self) -> None:
        pids, refreshed = process_tree(self.pid), time.monotonic()
        while not self._stop.is_set():
            if time.monotonic() - refreshed > 1.0:
                pids, refreshed = process_tree(self.pid), time.monotonic()
            self._sample(pids)
            self._stop.wait(self.interval)


# -- output ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    title: str
    width: int
    align: str = ">"


def table(columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> str:
    """A fixed-width text table: a header, a rule, the rows (an empty row prints a blank line)."""

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            f"{cell:{column.align}{column.width}}"
            for column, cell in zip(columns, cells, strict=True)
        ).rstrip()

    header = line([column.title for column in columns])
    rule = "  ".join("-" * column.width for column in columns)
    body = [line(row) if row else "" for row in rows]
    return "\n".join([header, rule, *body])


def ratio_text(value: float | None, reference: float | None) -> str:
    if value is None or not reference:
        return "-"
    return f"{value / reference:.2f}x"


def number_text(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of `values` (`fraction` 0.5 is the median's upper neighbour)."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


@dataclass(frozen=True)
class Goal:
    """One performance goal, judged on one figure."""

    name: str
    value: float | None
    op: str  # ">=", "<" or "<=": how `value` must compare with `target`
    target: float
    unit: str  # "x" for ratios, otherwise a unit printed after the figure

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        if self.op == ">=":
            return self.value >= self.target
        return self.value < self.target if self.op == "<" else self.value <= self.target

    def verdict(self) -> str:
        if self.value is None:
            return "NOT MEASURED"
        return "MET" if self.met else "MISSED"

    def _figure(self, value: float) -> str:
        if self.unit == "x":
            return f"{value:.2f}x"
        return f"{value:.2f} {self.unit}" if value < 100 else f"{value:,.0f} {self.unit}"

    def margin(self) -> str:
        """How far above or below the target, as a share of the target."""
        if self.value is None:
            return ""
        share = self.value / self.target - 1
        if self.op == ">=":
            word = "above by" if share >= 0 else "short by"
        else:
            word = "over by" if share > 0 else "under by"
        return f"{word} {abs(share):.0%}"

    def row(self) -> list[str]:
        value = "-" if self.value is None else self._figure(self.value)
        target = f"{self.op} {self._figure(self.target)}"
        return [self.name, value, target, self.verdict(), self.margin()]


GOAL_COLUMNS = (
    Column("goal", 50, "<"),
    Column("measured", 12),
    Column("target", 12),
    Column("verdict", 12, "<"),
    Column("margin", 16, "<"),
)


def say(message: str = "") -> None:
    """Progress on stderr, so stdout carries only the report."""
    print(message, file=sys.stderr, flush=True)
