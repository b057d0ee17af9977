"""The command line as a user runs it: --help, settings by flag and variable, start-up failures,
the shipped fixtures, and the CA kept across restarts."""

import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
from support.data import REPO_ROOT
from support.servers import (
    STARTUP_TIMEOUT,
    server_env,
    start_mock_server,
    stop_mock_server,
    stop_process,
)

from mock_server import __version__
from mock_server.domain import messages
from mock_server.settings import Settings

SCRIPT = Path(sys.executable).parent / "vonage-numbers-mock"
PRIMARY = ("1a2b3c4d", "MockSecret123456")


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mock_server", *args],
        cwd=REPO_ROOT, env=server_env(env), capture_output=True, text=True, timeout=30,
    )  # fmt: skip


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    """The `vonage-numbers-mock` console script, as a user runs it."""
    return subprocess.run([str(SCRIPT), *args], cwd=REPO_ROOT, env=server_env(),
                          capture_output=True, text=True, timeout=30, check=False)  # fmt: skip


@pytest.mark.parametrize(
    "command",
    [
        pytest.param([str(SCRIPT), "--help"], id="console-script"),
        pytest.param([sys.executable, "-m", "mock_server", "--help"], id="python-m"),
    ],
)
def test_help_lists_every_setting(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True)
    words = " ".join(result.stdout.split())
    for name, field in Settings.model_fields.items():
        assert f"--{name.replace('_', '-')}" in result.stdout
        assert f"NUMBERS_MOCK_{name.upper()}; default: " in words
        assert " ".join(str(field.description).split()) in words
    assert "usage: vonage-numbers-mock" in result.stdout
    for internal in ("{Path,null}", "list[str]", "default factory"):
        assert internal not in result.stdout
    assert result.stderr == ""


def test_version() -> None:
    result = subprocess.run([str(SCRIPT), "--version"], capture_output=True, text=True,
                            timeout=30, check=False)  # fmt: skip
    assert (result.returncode, result.stdout, result.stderr) == (
        0, f"vonage-numbers-mock {__version__}\n", "",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        pytest.param(["--bogus"], "unrecognized arguments: --bogus", id="unknown-flag"),
        pytest.param(["--port"], "argument --port: expected one argument", id="missing-value"),
    ],
)
def test_a_command_line_it_cannot_read_is_one_line_and_a_pointer_to_help(
    args: list[str], problem: str
) -> None:
    result = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=30,
                            check=False)  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == f"vonage-numbers-mock: {problem}; {messages.SEE_HELP}\n"
    assert result.stdout == ""


def test_a_broken_fixture_file_stops_the_start_naming_file_entry_and_field(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(
        '{"accounts": [{"api_key": "k", "api_secret": "s"}], "available": [{"country": "GB",'
        ' "type": "landline", "features": ["VOICE"], "cost": "cheap", "msisdn": "442079460001"}]}'
    )
    result = run_cli("--fixtures", str(broken), "--https-port", "0")
    assert result.returncode == 2
    assert f"{broken}: available[0].cost:" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        pytest.param(
            [],
            {"NUMBERS_MOCK_PORT": "eighty"},
            "invalid setting --port (NUMBERS_MOCK_PORT)",
            id="bad-variable",
        ),
        pytest.param(
            ["--method-failed-status", "418"], {}, "--method-failed-status", id="bad-flag"
        ),
        pytest.param(
            ["--tls-cert", "/nowhere.pem"],
            {},
            "--tls-cert and --tls-key go together",
            id="half-a-pair",
        ),
        pytest.param(
            ["--fixtures", "/nowhere/fixtures.json"],
            {},
            "/nowhere/fixtures.json: file: No such file",
            id="missing-fixtures",
        ),
        pytest.param(
            [],
            {"NUMBERS_MOCK_STATE_FILE": "/nowhere/state.json"},
            "invalid setting --state-file (NUMBERS_MOCK_STATE_FILE): "
            + messages.STATE_FILE_NO_DIRECTORY.format(directory="/nowhere"),
            id="state-file-directory-by-variable",
        ),
    ],
)
def test_bad_settings_stop_the_start_with_one_clear_line(
    args: list[str], env: dict[str, str], expected: str
) -> None:
    result = run_cli(*args, env=env)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_a_state_file_in_a_missing_directory_is_refused_and_nothing_created(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no" / "such"
    result = run_script("--state-file", str(missing / "state.json"), "--no-https")
    assert result.returncode == 2
    assert result.stderr == (
        "vonage-numbers-mock: invalid setting --state-file (NUMBERS_MOCK_STATE_FILE): "
        f"{messages.STATE_FILE_NO_DIRECTORY.format(directory=missing)}\n"
    )
    assert not (tmp_path / "no").exists()


def test_a_state_file_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    result = run_script("--state-file", str(tmp_path), "--no-https")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "vonage-numbers-mock: invalid setting --state-file (NUMBERS_MOCK_STATE_FILE): "
        + messages.STATE_FILE_IS_DIRECTORY
    ]


def test_the_shipped_fixtures_and_default_credentials(tmp_path: Path) -> None:
    server = start_mock_server(tmp_path, fixtures=None, https=False)
    try:
        health = requests.get(f"{server.http_url}/_mock/health", timeout=5).json()
        assert (health["accounts"], health["owned"]) == (3, 7)
        found = requests.get(
            f"{server.http_url}/number/search",
            params={"country": "GB", "type": "mobile-lvn", "pattern": "447700900"},
            auth=PRIMARY, timeout=5,
        ).json()  # fmt: skip
        assert found["count"] > 100
        assert all(n["msisdn"].startswith("447700900") for n in found["numbers"])
    finally:
        stop_mock_server(server)


def test_settings_from_variables_and_flags_winning_over_them(tmp_path: Path) -> None:
    env = {"NUMBERS_MOCK_METHOD_FAILED_STATUS": "400", "NUMBERS_MOCK_EMPTY_NUMBERS": "list"}
    server = start_mock_server(tmp_path, extra_args=["--empty-numbers", "omit"], env=env,
                               https=False)  # fmt: skip
    try:
        auth = PRIMARY
        failed = requests.post(f"{server.http_url}/number/buy", auth=auth, timeout=5,
                               data={"country": "GB", "msisdn": "447799999999"})  # fmt: skip
        assert (failed.status_code, failed.json()["error-code-label"]) == (
            400, messages.METHOD_FAILED,
        )  # fmt: skip
        empty = requests.get(f"{server.http_url}/account/numbers", auth=auth, timeout=5,
                             params={"country": "FR"})  # fmt: skip
        assert empty.json() == {"count": 0}
    finally:
        stop_mock_server(server)


def test_https_off(tmp_path: Path) -> None:
    server = start_mock_server(tmp_path, https=False)
    try:
        assert requests.get(f"{server.http_url}/_mock/health", timeout=5).status_code == 200
        assert not (server.tls_dir / "ca.pem").exists()
    finally:
        stop_mock_server(server)


def test_the_ca_survives_a_restart(tmp_path: Path) -> None:
    first = start_mock_server(tmp_path)
    ca_before = first.ca_file.read_bytes()
    stop_mock_server(first)
    second = start_mock_server(tmp_path)
    try:
        assert second.ca_file.read_bytes() == ca_before
        served = requests.get(f"{second.http_url}/_mock/tls/ca.pem", timeout=5).content
        assert served == ca_before
        answer = requests.get(f"{second.https_url}/account/numbers", auth=PRIMARY,
                              verify=str(second.ca_file), timeout=5)  # fmt: skip
        assert answer.json()["count"] == 1
    finally:
        stop_mock_server(second)


@pytest.mark.parametrize("flag", ["--port", "--https-port"])
def test_a_taken_port_stops_the_start_with_one_clear_line(flag: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        others = ["--port", "0"] if flag == "--https-port" else ["--https-port", "0"]
        result = run_cli(flag, str(port), *others, "--tls-dir", str(Path(tempfile.mkdtemp())))
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


# The start block's lines: "HTTP       http://127.0.0.1:41234" (and "HTTPS ...").
SERVING = re.compile(r"^INFO: +(HTTPS?) +https?://127\.0\.0\.1:(\d+)$", re.MULTILINE)


def _served_ports(process: subprocess.Popen[bytes], log: Path, expected: int) -> dict[str, int]:
    """The ports the start log reports, once it reports `expected` of them."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        ports = {kind: int(port) for kind, port in SERVING.findall(log.read_text())}
        if len(ports) == expected:
            return ports
        time.sleep(0.05)
    raise AssertionError(f"no ports logged; the log:\n{log.read_text()}")


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        pytest.param(["--https-port", "0"], {}, {"HTTP", "HTTPS"}, id="both"),
        pytest.param(["--no-https"], {}, {"HTTP"}, id="no-https-flag"),
        pytest.param([], {"NUMBERS_MOCK_HTTPS": "false"}, {"HTTP"}, id="https-variable-off"),
    ],
)
def test_port_zero_listens_on_a_port_the_system_picks_and_logs_it(
    tmp_path: Path, args: list[str], env: dict[str, str], expected: set[str]
) -> None:
    command = [sys.executable, "-m", "mock_server", "--port", "0", "--log-level", "info",
               "--tls-dir", str(tmp_path / "tls"), *args]  # fmt: skip
    log = tmp_path / "stderr.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=server_env(env), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip
    try:
        ports = _served_ports(process, log, len(expected))
        assert set(ports) == expected
        assert 0 not in ports.values()
        health = requests.get(f"http://127.0.0.1:{ports['HTTP']}/_mock/health", timeout=5)
        assert health.json()["status"] == "ok"
        if "HTTPS" in expected:
            ca = str(tmp_path / "tls" / "ca.pem")
            url = f"https://127.0.0.1:{ports['HTTPS']}/_mock/health"
            assert requests.get(url, verify=ca, timeout=5).json()["status"] == "ok"
        else:
            assert not (tmp_path / "tls" / "ca.pem").exists()
    finally:
        stop_process(process)
