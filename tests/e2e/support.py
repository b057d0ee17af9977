"""Helpers of the e2e tests: start and stop a real `python -m mock_server` process; the e2e data."""

import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nexmo
import pytest
import requests
from vonage import Auth, HttpClientOptions, Vonage

from mock_server.testing.client import MockClient

REPO_ROOT = Path(__file__).resolve().parents[2]
E2E_FIXTURES = REPO_ROOT / "tests" / "data" / "e2e.json"
STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 3.0
"""Grace after SIGTERM before SIGKILL (a healthy server stops in well under a second)."""


@dataclass(frozen=True)
class Account:
    api_key: str
    api_secret: str
    balance: str
    parent: str | None


@dataclass(frozen=True)
class E2EData:
    """What tests/data/e2e.json holds, by role, so tests name values instead of indexing JSON."""

    primary: Account
    subaccount: Account
    gb_pattern: str
    """Prefix (search_pattern 0) of the GB mobile-lvn numbers for sale."""
    gb_available: tuple[str, ...]
    us_pattern: str
    us_available: tuple[str, ...]
    preowned: dict[str, Any]
    """The number the primary account owns from the start, as written in the fixture file."""
    not_for_sale: str
    """A GB number in the fictional Ofcom range that nobody owns and that is not for sale."""
    raw: dict[str, Any] = field(repr=False)


def _expand(entry: dict[str, Any]) -> tuple[str, ...]:
    if "msisdn" in entry:
        return (entry["msisdn"],)
    start, end = entry["range"]["start"], entry["range"]["end"]
    return tuple(str(n) for n in range(int(start), int(end) + 1))


def load_e2e_data(path: Path = E2E_FIXTURES) -> E2EData:
    raw = json.loads(path.read_text(encoding="utf-8"))
    accounts = {a["api_key"]: a for a in raw["accounts"]}

    def account(api_key: str) -> Account:
        a = accounts[api_key]
        return Account(a["api_key"], a["api_secret"], a["balance"], a.get("parent"))

    gb = tuple(n for e in raw["available"] if e["country"] == "GB" for n in _expand(e))
    us = tuple(n for e in raw["available"] if e["country"] == "US" for n in _expand(e))
    (preowned,) = [o for o in raw["owned"] if o["api_key"] == "1a2b3c4d"]
    data = E2EData(
        primary=account("1a2b3c4d"),
        subaccount=account("5e6f7a8b"),
        gb_pattern="447700900",
        gb_available=gb,
        us_pattern="1201555",
        us_available=us,
        preowned=preowned,
        not_for_sale="447700900500",
        raw=raw,
    )
    # The tests rely on these facts of the data file: fail loudly if someone edits it away.
    assert data.subaccount.parent == data.primary.api_key
    assert gb
    assert all(n.startswith(data.gb_pattern) for n in gb)
    assert us
    assert all(n.startswith(data.us_pattern) for n in us)
    assert preowned["msisdn"].startswith(data.gb_pattern)
    assert preowned["msisdn"] not in gb
    assert data.not_for_sale not in gb
    assert data.not_for_sale != preowned["msisdn"]
    return data


@dataclass
class MockServer:
    """A running `python -m mock_server` process."""

    process: subprocess.Popen[bytes]
    host: str
    http_port: int
    https_port: int
    tls_dir: Path
    stdout_path: Path
    stderr_path: Path

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    @property
    def https_url(self) -> str:
        return f"https://{self.host}:{self.https_port}"

    @property
    def https_hostport(self) -> str:
        """`127.0.0.1:PORT`: what SDKs that hard-code the https scheme take as their host."""
        return f"{self.host}:{self.https_port}"

    @property
    def ca_file(self) -> Path:
        return self.tls_dir / "ca.pem"

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the OS picks it for a socket bound to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _get_json(url: str, context: ssl.SSLContext | None = None) -> Any:
    with urllib.request.urlopen(url, timeout=2, context=context) as response:
        if response.status != 200:
            raise OSError(f"{url} answered {response.status}")
        return json.loads(response.read())


def _server_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    # Settings read NUMBERS_MOCK_* variables: a developer's own must not change what tests see.
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBERS_MOCK_")}
    env.update(extra or {})
    env["PYTHONUNBUFFERED"] = "1"
    # Run the working tree's mock_server, even when another copy is installed.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    return env


def _stop(process: subprocess.Popen[bytes]) -> bool:
    """SIGTERM, then SIGKILL after STOP_TIMEOUT; True when SIGTERM was enough."""
    if process.poll() is not None:
        return True
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
        return True
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)
        return False


def _wait_until_ready(server: MockServer) -> dict[str, Any]:
    """Poll /_mock/health over HTTP, then over HTTPS trusting the generated CA."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last_error: Exception | None = None
    health: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"exited with status {server.process.returncode}")
        try:
            if health is None:
                health = _get_json(f"{server.http_url}/_mock/health")
            if not server.https_port:
                return health
            context = ssl.create_default_context(cafile=str(server.ca_file))
            _get_json(f"{server.https_url}/_mock/health", context)
            return health
        except (OSError, ssl.SSLError, ValueError) as error:  # not up yet (URLError is an OSError)
            last_error = error
        time.sleep(0.1)
    raise RuntimeError(f"not ready after {STARTUP_TIMEOUT:.0f} s; last error: {last_error!r}")


def start_mock_server(
    workdir: Path,
    fixtures: Path | None = E2E_FIXTURES,
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    https: bool = True,
) -> MockServer:
    """Start a server on free ports of 127.0.0.1 and wait until both listeners answer.

    `fixtures=None` starts it with the shipped default fixtures; `https=False` with HTTPS off.

    The caller must stop it (`stop_mock_server`); on a failed start it is stopped here, and the
    error shows the server's stderr.
    """
    host = "127.0.0.1"
    http_port = free_port(host)
    https_port = free_port(host) if https else 0
    while https and https_port == http_port:
        https_port = free_port(host)
    tls_dir = workdir / "tls"
    stdout_path, stderr_path = workdir / "server.stdout.log", workdir / "server.stderr.log"
    command = [
        sys.executable, "-m", "mock_server",
        "--host", host,
        "--port", str(http_port),
        *(["--https-port", str(https_port)] if https else ["--no-https"]),
        "--tls-dir", str(tls_dir),
        "--log-level", "warning",
        *(["--fixtures", str(fixtures)] if fixtures is not None else []),
        *extra_args,
    ]  # fmt: skip
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=_server_env(env),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
        )
    server = MockServer(process, host, http_port, https_port, tls_dir, stdout_path, stderr_path)
    try:
        _wait_until_ready(server)
    except BaseException as error:
        _stop(process)
        if not isinstance(error, Exception):  # KeyboardInterrupt and the like
            raise
        pytest.fail(
            f"the mock server did not start ({error}).\ncommand: {' '.join(command)}\n"
            f"--- server stderr ---\n{server.stderr()}\n--- server stdout ---\n{server.stdout()}",
            pytrace=False,
        )
    return server


def stop_mock_server(server: MockServer) -> bool:
    """SIGTERM, then SIGKILL after STOP_TIMEOUT: the process is gone on return, whatever it does.

    True when SIGTERM alone stopped it. (test_server_process checks that it does; here a slow stop
    only costs time, so it is not an error of the tests that used the server.)
    """
    return _stop(server.process)


def health(server: MockServer) -> dict[str, Any]:
    """The server's /_mock/health document (over plain HTTP)."""
    result: dict[str, Any] = _get_json(f"{server.http_url}/_mock/health")
    return result


# -- Helpers of the control-plane tests (test_control_*.py) ------------------------------------
# Appended to this module; their imports are kept beside them.


NODE_DIR = REPO_ROOT / "tests" / "node"
NODE_DRIVER = NODE_DIR / "numbers_cycle.mjs"


def mock_client(server: MockServer, admin_token: str | None = None) -> MockClient:
    """A MockClient of `server`'s control API, over plain HTTP."""
    return MockClient(server.http_url, admin_token=admin_token)


def _trust_only(session: requests.Session, server: MockServer) -> None:
    # trust_env off: the environment's REQUESTS_CA_BUNDLE (which would win over `verify`) and
    # proxies play no part, so clients of several servers, each with its own CA, can coexist.
    session.trust_env = False
    session.verify = str(server.ca_file)


class SdkClients:
    """Official Python clients pointed at mock servers over HTTPS; `close()` closes them all.

    The vonage SDK takes `rest_host="127.0.0.1:PORT"` (it hard-codes https); nexmo's host is set
    through the attribute its setter guards (test_nexmo_legacy explains why). Each client trusts
    its own server's CA only.
    """

    def __init__(self) -> None:
        self._sessions: list[requests.Session] = []

    def vonage(self, server: MockServer, account: Account, api_secret: str | None = None) -> Vonage:
        client = Vonage(
            Auth(api_key=account.api_key, api_secret=api_secret or account.api_secret),
            HttpClientOptions(rest_host=server.https_hostport, timeout=10),
        )
        session = client.http_client._session  # the SDK offers no public access or close()
        _trust_only(session, server)
        self._sessions.append(session)
        return client

    def legacy(
        self, server: MockServer, account: Account, secret: str | None = None
    ) -> nexmo.Client:
        """A `nexmo` 2.5 client."""
        client = nexmo.Client(key=account.api_key, secret=secret or account.api_secret)
        client._Client__host = server.https_hostport  # type: ignore[attr-defined]
        _trust_only(client.session, server)
        self._sessions.append(client.session)
        return client

    def close(self) -> None:
        """Close every client's keep-alive connections (before its server stops, ideally)."""
        for session in self._sessions:
            session.close()
        self._sessions.clear()


def run_node_calls(
    server: MockServer,
    account: Account,
    calls: Sequence[Mapping[str, Any]],
    api_secret: str | None = None,
) -> list[dict[str, Any]]:
    """Runs `calls` through the Node SDK (tests/node/numbers_cycle.mjs) in one node process.

    One outcome per call: {"ok": true, "result"} or {"ok": false, "error": {"status", "body",
    "code", ...}}. Fails (never skips) when node or the npm packages are missing.
    """
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js (node, version 20 or later) is not on PATH", pytrace=False)
    if not (NODE_DIR / "node_modules" / "@vonage" / "server-sdk" / "package.json").exists():
        pytest.fail("run `npm ci --prefix tests/node` first", pytrace=False)
    command = {
        "restHost": server.https_url,
        "apiKey": account.api_key,
        "apiSecret": api_secret or account.api_secret,
        "calls": list(calls),
    }
    completed = subprocess.run(
        [node, str(NODE_DRIVER)],
        input=json.dumps(command),
        capture_output=True,
        text=True,
        cwd=NODE_DIR,
        env=dict(os.environ, NODE_EXTRA_CA_CERTS=str(server.ca_file)),
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, (
        f"the Node driver failed (exit {completed.returncode})\n"
        f"stdout: {completed.stdout}\nstderr: {completed.stderr}"
    )
    results: list[dict[str, Any]] = json.loads(completed.stdout)["results"]
    assert len(results) == len(calls), results
    return results


def run_server_cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """`python -m mock_server --port 0 --https-port 0 ARGS...`, for starts that must fail.

    A server that starts instead is killed after `timeout` seconds, and the test fails.
    """
    command = [sys.executable, "-m", "mock_server", "--port", "0", "--https-port", "0", *args]
    try:
        return subprocess.run(
            command,
            cwd=REPO_ROOT,
            env=_server_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {timeout:.0f} s instead of refusing to start: {command}")
