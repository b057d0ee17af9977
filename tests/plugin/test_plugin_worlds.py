"""The pytest plugin on a shared server: `--numbers-mock-url` uses a server already running (as a
compose sidecar or a CI service would be), `--numbers-mock-worlds` gives each test a world."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.servers import MockServer, mock_client, start_mock_server, stop_mock_server

# Buys a number, says so, waits until the other job has bought the very same number, then checks
# that its own world still has it and was charged once: with a shared state (or a reset of it)
# one of the two jobs would fail.
A_JOB = """
import time
from pathlib import Path

import requests
from vonage_numbers import ListOwnedNumbersFilter, NumberParams

SIGNALS = Path({signals!r})


def test_buy_while_another_job_buys_the_same(vonage_client, numbers_mock):
    assert numbers_mock.world is not None
    assert numbers_mock.api_key != "1a2b3c4d"
    before = vonage_client.account.get_balance().value
    vonage_client.numbers.buy_number(NumberParams(country="GB", msisdn="447700900000"))
    (SIGNALS / {job!r}).write_text(numbers_mock.world)
    deadline = time.monotonic() + 60
    while len(list(SIGNALS.iterdir())) < 2:
        assert time.monotonic() < deadline, "the other job never bought"
        time.sleep(0.05)
    owned, _, _ = vonage_client.numbers.list_owned_numbers(ListOwnedNumbersFilter())
    assert "447700900000" in [n.msisdn for n in owned]
    assert vonage_client.account.get_balance().value == before - 1.25
    numbers_mock.control.assert_called("buy", msisdn="447700900000", times=1)
"""


@pytest.fixture
def sidecar(tmp_path: Path) -> Iterator[MockServer]:
    workdir = tmp_path / "sidecar"
    workdir.mkdir()
    server = start_mock_server(workdir, fixtures=None)
    try:
        yield server
    finally:
        stop_mock_server(server)


def test_two_jobs_on_one_server_each_in_their_worlds(
    pytester: pytest.Pytester, sidecar: MockServer, tmp_path: Path
) -> None:
    signals = tmp_path / "signals"
    signals.mkdir()
    for job in ("a", "b"):
        pytester.makepyfile(**{f"test_job_{job}": A_JOB.format(signals=str(signals), job=job)})
    options = [
        "-p", "no:cacheprovider",
        f"--numbers-mock-url={sidecar.http_url}",
        f"--numbers-mock-https-url={sidecar.https_url}",
        "--numbers-mock-worlds",
    ]  # fmt: skip
    logs = [tmp_path / f"job-{job}.log" for job in ("a", "b")]
    jobs = []
    for job, log in zip(("a", "b"), logs, strict=True):
        with log.open("wb") as output:
            command = [sys.executable, "-m", "pytest", *options, f"test_job_{job}.py"]
            jobs.append(pytester.popen(command, stdout=output, stderr=subprocess.STDOUT))
    try:
        for job, log in zip(jobs, logs, strict=True):
            assert job.wait(timeout=120) == 0, log.read_text()
            assert "1 passed" in log.read_text()
    finally:
        for job in jobs:
            job.kill()
            job.wait()
    # Each job's world is gone after its test; the base world never saw the purchases.
    control = mock_client(sidecar)
    assert [world["id"] for world in control.worlds()] == ["base"]
    assert control.count_requests(operation="buy") == 0
    assert {path.name for path in signals.iterdir()} == {"a", "b"}
    assert len({path.read_text() for path in signals.iterdir()}) == 2


def test_worlds_on_the_plugin_s_own_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_user="""
import requests

seen = []

def test_first(numbers_mock):
    seen.append(numbers_mock.world)
    auth = (numbers_mock.api_key, numbers_mock.api_secret)
    bought = requests.post(numbers_mock.url + "/number/buy", auth=auth,
                           data={"country": "GB", "msisdn": "447700900001"})
    assert bought.status_code == 200
    numbers_mock.control.add_fault("search", status=503)

def test_second_has_a_world_of_its_own(numbers_mock):
    assert numbers_mock.world not in seen
    worlds = requests.get(numbers_mock.url + "/_mock/worlds").json()["worlds"]
    assert [w["id"] for w in worlds] == ["base", numbers_mock.world]
    auth = (numbers_mock.api_key, numbers_mock.api_secret)
    bought = requests.post(numbers_mock.url + "/number/buy", auth=auth,
                           data={"country": "GB", "msisdn": "447700900001"})
    assert bought.status_code == 200
    assert numbers_mock.control.faults() == []
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--numbers-mock-worlds")
    result.assert_outcomes(passed=2)


def test_vonage_client_needs_an_https_address_on_a_plain_http_url(
    pytester: pytest.Pytester, sidecar: MockServer
) -> None:
    pytester.makepyfile(test_user="def test_x(vonage_client):\n    pass\n")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--numbers-mock-url={sidecar.http_url}"
    )
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*give --numbers-mock-https-url*"])


def test_an_https_url_alone_is_enough(pytester: pytest.Pytester, sidecar: MockServer) -> None:
    pytester.makepyfile(
        test_user="""
from vonage_numbers import ListOwnedNumbersFilter

def test_x(vonage_client, numbers_mock):
    assert numbers_mock.url.startswith("https://")
    owned, count, _ = vonage_client.numbers.list_owned_numbers(ListOwnedNumbersFilter())
    assert count == len(owned) > 0
    numbers_mock.control.assert_called("list", times=1)
"""
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--numbers-mock-url={sidecar.https_url}"
    )
    result.assert_outcomes(passed=1)
