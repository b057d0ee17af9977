"""`running_mock()`: fresh state, real listeners on 127.0.0.1, stopped on exit even on error."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from mock_server.settings import Settings
from mock_server.testing import NumbersMock, running_mock

TESTS = Path(__file__).resolve().parents[1]
SMALL = TESTS / "data" / "small.json"


def refused(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_a_unittest_run_without_pytest() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBERS_MOCK_")}
    result = subprocess.run(
        [sys.executable, "-m", "unittest", "-v", "plugin.test_unittest_user"],
        cwd=TESTS, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Ran 3 tests" in result.stderr
    assert result.stderr.rstrip().endswith("OK")


def fail_inside(seen: list[tuple[NumbersMock, int, int | None]]) -> None:
    with running_mock() as mock:
        seen.append((mock, mock.server.http_port, mock.server.https_port))
        assert requests.get(f"{mock.url}/_mock/health", timeout=5).json()["status"] == "ok"
        raise LookupError("the test failed")


def test_stopped_on_exit_even_when_the_block_raises() -> None:
    seen: list[tuple[NumbersMock, int, int | None]] = []
    with pytest.raises(LookupError):
        fail_inside(seen)
    ((mock, http_port, https_port),) = seen
    assert https_port
    assert refused(http_port)
    assert refused(https_port)
    assert not mock.ca_file.parent.exists()


def test_two_mocks_each_with_their_own_state() -> None:
    with running_mock() as first, running_mock() as second:
        auth = (first.api_key, first.api_secret)
        bought = requests.post(f"{first.url}/number/buy", auth=auth, timeout=5,
                               data={"country": "GB", "msisdn": "447700900001"})  # fmt: skip
        assert bought.status_code == 200
        assert first.control.health()["owned"] == second.control.health()["owned"] + 1
        assert first.url != second.url
        assert first.ca_file.read_bytes() != second.ca_file.read_bytes()


def test_settings_are_used_but_the_listeners_are_the_tests(tmp_path: Path) -> None:
    settings = Settings(fixtures=SMALL, method_failed_status=400, host="0.0.0.0", port=8080,
                        tls_dir=tmp_path / "tls")  # fmt: skip
    with running_mock(settings) as mock:
        assert mock.url.startswith("http://127.0.0.1:")
        assert mock.url != "http://127.0.0.1:8080"
        assert (mock.api_key, mock.ca_file) == ("master01", tmp_path / "tls" / "ca.pem")
        failed = requests.post(f"{mock.https_url}/number/buy", verify=str(mock.ca_file),
                               auth=(mock.api_key, mock.api_secret), timeout=5,
                               data={"country": "GB", "msisdn": "447799999999"})  # fmt: skip
        assert (failed.status_code, failed.json()["error-code"]) == (400, "420")
    assert (tmp_path / "tls" / "ca.pem").exists()  # the caller's directory is the caller's


def test_a_start_that_fails_leaves_nothing_running(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(Exception, match=r"broken\.json"), running_mock(Settings(fixtures=broken)):
        pytest.fail("never reached")
