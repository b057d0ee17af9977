"""Real `python -m mock_server` processes on free ports of 127.0.0.1, started and always stopped."""

import json
import os
import resource
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mock_server.testing.client import MockClient

from .data import E2E_FIXTURES, REPO_ROOT

STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 3.0
"""Grace after SIGTERM before SIGKILL (a healthy server stops in well under a second)."""


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


def server_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    # Settings read NUMBERS_MOCK_* variables: a developer's own must not change what tests see.
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBERS_MOCK_")}
    env.update(extra or {})
    env["PYTHONUNBUFFERED"] = "1"
    # Run the working tree's mock_server, even when another copy is installed.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    return env


def stop_process(process: subprocess.Popen[bytes]) -> bool:
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
    open_files: int | None = None,
) -> MockServer:
    """Start a server on free ports of 127.0.0.1 and wait until both listeners answer.

    `fixtures=None` starts it with the shipped default fixtures; `https=False` with HTTPS off;
    `open_files` lowers the process's open-files limit (`ulimit -n`).

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
            env=server_env(env),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            preexec_fn=None if open_files is None else lambda: _limit_open_files(open_files),
        )
    server = MockServer(process, host, http_port, https_port, tls_dir, stdout_path, stderr_path)
    try:
        _wait_until_ready(server)
    except BaseException as error:
        stop_process(process)
        if not isinstance(error, Exception):  # KeyboardInterrupt and the like
            raise
        pytest.fail(
            f"the mock server did not start ({error}).\ncommand: {' '.join(command)}\n"
            f"--- server stderr ---\n{server.stderr()}\n--- server stdout ---\n{server.stdout()}",
            pytrace=False,
        )
    return server


def _limit_open_files(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))


def stop_mock_server(server: MockServer) -> bool:
    """SIGTERM, then SIGKILL after STOP_TIMEOUT: the process is gone on return, whatever it does.

    True when SIGTERM alone stopped it. (test_server_process checks that it does; here a slow stop
    only costs time, so it is not an error of the tests that used the server.)
    """
    return stop_process(server.process)


def health(server: MockServer) -> dict[str, Any]:
    """The server's /_mock/health document (over plain HTTP)."""
    result: dict[str, Any] = _get_json(f"{server.http_url}/_mock/health")
    return result


def mock_client(server: MockServer, admin_token: str | None = None) -> MockClient:
    """A MockClient of `server`'s control API, over plain HTTP."""
    return MockClient(server.http_url, admin_token=admin_token)


def run_server_cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """`python -m mock_server --port 0 --https-port 0 ARGS...`, for starts that must fail.

    A server that starts instead is killed after `timeout` seconds, and the test fails.
    """
    command = [sys.executable, "-m", "mock_server", "--port", "0", "--https-port", "0", *args]
    try:
        return subprocess.run(
            command,
            cwd=REPO_ROOT,
            env=server_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {timeout:.0f} s instead of refusing to start: {command}")


class Servers:
    """Starts real server processes and stops every one of them at the end of the test."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._started: list[MockServer] = []

    def start(
        self,
        name: str = "server",
        fixtures: Path | None = None,
        extra_args: tuple[str, ...] = (),
    ) -> MockServer:
        """A server on free ports of 127.0.0.1, HTTP only; `fixtures=None`: the shipped ones."""
        workdir = self.workdir / name
        workdir.mkdir(parents=True, exist_ok=True)
        server = start_mock_server(workdir, fixtures=fixtures, extra_args=extra_args, https=False)
        self._started.append(server)
        return server

    def stop_all(self) -> None:
        for server in self._started:
            stop_mock_server(server)
        self._started.clear()
