"""A real server on a real full or read-only file system, or a damaged CA: writes refused whole,
starts refused with one line.

The small file systems are tmpfs mounts, which need mount privileges (root, as in CI); where
mounting is not allowed the tests say so and skip. A read-only directory is a read-only mount
rather than `chmod 0555`, which does not stop root.
"""

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from support.data import E2E_FIXTURES, E2EData
from support.servers import (
    MockServer,
    free_port,
    mock_client,
    run_server_cli,
    start_mock_server,
    stop_mock_server,
)

from mock_server.domain import messages
from mock_server.state.export import state_document
from mock_server.state.state_file import StateFile

SMALL_DISK = "300k"
NOT_SAVED = {"error-code": "503", "error-code-label": messages.STATE_NOT_SAVED}


def _mount(path: Path, *options: str) -> None:
    command = ["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip() or result.returncode}")


@contextlib.contextmanager
def small_disk(path: Path, *options: str) -> Iterator[Path]:
    """A 300 KiB tmpfs mounted at `path` for the duration."""
    path.mkdir()
    _mount(path, f"size={SMALL_DISK}", "mode=0700", *options)
    try:
        yield path
    finally:
        subprocess.run(["umount", "--lazy", str(path)], check=True)


def remount(path: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(path)], check=True)


def fill(directory: Path) -> Path:
    """Write a file until the file system is full; returns it (delete it to free the space)."""
    filler = directory / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    full = False
    try:
        while not full:
            try:
                os.write(descriptor, b"\0" * 4096)
            except OSError as error:
                full = error.errno == errno.ENOSPC
                if not full:
                    raise
    finally:
        os.close(descriptor)
    return filler


def buy(server: MockServer, data: E2EData, msisdn: str) -> requests.Response:
    account = data.primary
    return requests.post(
        f"{server.http_url}/number/buy",
        data={"country": "GB", "msisdn": msisdn},
        auth=(account.api_key, account.api_secret),
        timeout=10,
    )


def update(server: MockServer, data: E2EData, text: str) -> requests.Response:
    account, number = data.primary, data.preowned
    return requests.post(
        f"{server.http_url}/number/update",
        data={
            "country": number["country"],
            "msisdn": number["msisdn"],
            "moHttpUrl": f"https://example.com/{text}",
            "voiceStatusCallback": f"https://example.com/status/{text}",
        },
        auth=(account.api_key, account.api_secret),
        timeout=10,
    )


def exhaust(server: MockServer, data: E2EData) -> None:
    """Updates of shrinking sizes until each is refused: little room is left after them."""
    for size in (1800, 900, 450, 220, 110):
        refused = False
        for _ in range(20):
            refused = update(server, data, "x" * size).status_code == 503
            if refused:
                break
        assert refused, f"updates of {size} characters were never refused"


def buy_until_refused(server: MockServer, data: E2EData) -> tuple[list[str], str]:
    """Buy numbers until one is refused: those bought, and the refused one."""
    accepted = []
    for number in data.gb_available:
        answer = buy(server, data, number)
        if answer.status_code == 503:
            return accepted, number
        assert answer.status_code == 200, answer.text
        accepted.append(number)
    raise AssertionError("every buy succeeded on a full disk")


def saved(path: Path) -> object:
    inventory = StateFile(path).load()
    assert inventory is not None
    return state_document(inventory)


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    with small_disk(tmp_path / "disk") as path:
        yield path


def test_on_a_full_disk_a_write_is_refused_whole_and_made_once_there_is_room(
    tmp_path: Path, disk: Path, e2e_data: E2EData
) -> None:
    state_path = disk / "state.json"
    workdir = tmp_path / "server"
    workdir.mkdir()
    server = start_mock_server(workdir, extra_args=["--state-file", str(state_path)])
    try:
        control = mock_client(server)
        filler = fill(disk)
        # Records still fit in the room left in the state file's last page: writes succeed
        # (and are on disk) until it is used up, then every one is refused.
        exhaust(server, e2e_data)
        bought, number = buy_until_refused(server, e2e_data)
        before, file_before = control.state(), state_path.read_bytes()
        log_before = server.stderr()

        refused = [buy(server, e2e_data, number) for _ in range(2)]
        account = requests.post(
            f"{server.http_url}/_mock/accounts",
            json={"api_key": "disk0001", "api_secret": "DiskSecret000001"},
            timeout=10,
        )

        for response in refused:
            assert (response.status_code, response.json()) == (503, NOT_SAVED)
        assert account.status_code == 503
        assert account.json()["detail"] == messages.STATE_NOT_SAVED
        assert control.state() == before  # not owned, not charged, no account
        assert state_path.read_bytes() == file_before
        # The cause, naming the file, logged once for a run of refusals; no traceback.
        (cause,) = [line for line in log_before.splitlines() if "cannot save" in line][-1:]
        assert str(state_path) in cause
        assert os.strerror(errno.ENOSPC) in cause
        assert "cannot save" not in server.stderr()[len(log_before) :]
        assert "Traceback" not in server.stderr()

        filler.unlink()
        assert buy(server, e2e_data, number).status_code == 200
        assert buy(server, e2e_data, number).status_code == 420  # bought once, not twice
        after = control.state()
        assert after != before
        owned = {o["msisdn"] for o in after["owned"]}
        assert owned >= {*bought, number}  # those bought on the full disk, then the refused one
    finally:
        stop_mock_server(server)
    assert saved(state_path) == after
    restarted = start_mock_server(workdir, extra_args=["--state-file", str(state_path)])
    try:
        assert mock_client(restarted).state() == after
    finally:
        stop_mock_server(restarted)


def test_on_a_disk_turned_read_only_a_write_is_refused_whole(
    tmp_path: Path, disk: Path, e2e_data: E2EData
) -> None:
    state_path = disk / "state.json"
    workdir = tmp_path / "server"
    workdir.mkdir()
    server = start_mock_server(workdir, extra_args=["--state-file", str(state_path)])
    number = e2e_data.gb_available[1]
    try:
        control = mock_client(server)
        before = control.state()
        remount(disk, "ro")
        try:
            refused = buy(server, e2e_data, number)
            reset = requests.post(f"{server.http_url}/_mock/reset", timeout=10)
        finally:
            remount(disk, "rw")

        assert (refused.status_code, refused.json()) == (503, NOT_SAVED)
        assert reset.status_code == 503
        assert control.state() == before
        assert os.strerror(errno.EROFS) in server.stderr()
        assert buy(server, e2e_data, number).status_code == 200
        after = control.state()
    finally:
        stop_mock_server(server)
    assert saved(state_path) == after


def test_a_read_only_state_directory_stops_the_start_with_one_line(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "ro") as directory:
        state_path = directory / "state.json"

        result = run_server_cli("--fixtures", str(E2E_FIXTURES), "--state-file", str(state_path))

    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert lines == [
        f"vonage-numbers-mock: {state_path}: cannot write: {os.strerror(errno.EROFS)}"
    ], result.stderr


# -- the local CA ------------------------------------------------------------------------------


def start_with_tls(tls_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A start with HTTPS on (run_server_cli turns it off) that must fail."""
    return run_server_cli(
        "--fixtures", str(E2E_FIXTURES), "--https-port", str(free_port()),
        "--tls-dir", str(tls_dir), *args,
    )  # fmt: skip


def test_a_read_only_empty_tls_directory_stops_the_start_with_one_line(tmp_path: Path) -> None:
    with small_disk(tmp_path / "tls", "ro") as tls_dir:
        result = start_with_tls(tls_dir)

    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"vonage-numbers-mock: {tls_dir}: cannot write the TLS files: {os.strerror(errno.EROFS)}"
    ]


@pytest.mark.parametrize(
    ("name", "cut"),
    [
        pytest.param("ca.pem", 0.5, id="ca-cert-truncated"),
        pytest.param("ca-key.pem", 0.9, id="ca-key-truncated"),
        pytest.param("ca.pem", 0.0, id="ca-cert-empty"),
    ],
)
def test_a_damaged_ca_stops_the_start_and_regenerate_ca_replaces_it(
    tmp_path: Path, name: str, cut: float
) -> None:
    workdir = tmp_path / "server"
    workdir.mkdir()
    server = start_mock_server(workdir)
    stop_mock_server(server)
    damaged = server.tls_dir / name
    damaged.write_bytes(damaged.read_bytes()[: int(damaged.stat().st_size * cut)])
    before = {p.name: p.read_bytes() for p in server.tls_dir.iterdir()}

    refused = start_with_tls(server.tls_dir)

    assert refused.returncode == 2, refused.stderr
    (line,) = refused.stderr.splitlines()
    assert line.startswith(f"vonage-numbers-mock: {damaged}: ")
    assert "--regenerate-ca" in line
    assert {p.name: p.read_bytes() for p in server.tls_dir.iterdir()} == before

    replaced = start_mock_server(workdir, extra_args=["--regenerate-ca"])
    try:
        assert replaced.ca_file.read_bytes() != before["ca.pem"]
        served = requests.get(f"{replaced.http_url}/_mock/tls/ca.pem", timeout=10).content
        assert served == replaced.ca_file.read_bytes()
        # The new CA signs what the HTTPS listener serves.
        health = requests.get(
            f"{replaced.https_url}/_mock/health", verify=str(replaced.ca_file), timeout=10
        )
        assert health.status_code == 200
        assert str(damaged) in replaced.stderr()
    finally:
        stop_mock_server(replaced)
