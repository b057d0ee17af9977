"""With --state-file, a write the disk refuses is not made: a 503, the state and file unchanged."""

import errno
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from support.accounts import MASTER
from support.data import IN_PROCESS_URL, make_settings

from mock_server.domain import messages
from mock_server.serving.app import create_app
from mock_server.state.export import state_document
from mock_server.state.state_file import StateFile

NOT_SAVED = {"error-code": "503", "error-code-label": messages.STATE_NOT_SAVED}
NEW_ACCOUNT = {"api_key": "newacct1", "api_secret": "NewSecret0000001", "balance": "5.00"}
NEW_NUMBER = {"country": "GB", "type": "landline", "features": ["VOICE"], "cost": "0.50",
              "msisdn": "442079469999"}  # fmt: skip


class FullDisk:
    """Makes every fsync fail as a full disk does, until `heal()`: the bytes of a record may be
    in the file already, as after a write that the disk could not make durable."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def fail(self) -> None:
        def no_space(descriptor: int) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        self.monkeypatch.setattr(os, "fsync", no_space)

    def heal(self) -> None:
        self.monkeypatch.undo()


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch) -> FullDisk:
    return FullDisk(monkeypatch)


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    (tmp_path / "state").mkdir()
    return tmp_path / "state" / "state.json"


@pytest.fixture
def open_client(tmp_path: Path, state_path: Path) -> Iterator[Callable[[], TestClient]]:
    """Apps on one state file, as the restarts of one server are. Their answers are not checked
    against the vendor's schemas: a storage failure is outside the emulated API, and so is 503."""
    clients: list[TestClient] = []

    def build() -> TestClient:
        settings = make_settings(tmp_path, state_file=state_path)
        client = TestClient(create_app(settings), base_url=IN_PROCESS_URL).__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


def on_disk(path: Path) -> dict[str, Any]:
    state = StateFile(path)
    inventory = state.load()
    assert inventory is not None
    return state_document(inventory)


Write = Callable[[TestClient], httpx.Response]
BOUGHT = "447700900007"  # bought before each control write, so that a reset shows


def vonage(op: str, **data: str) -> Write:
    return lambda client: client.post(f"/number/{op}", data=data, auth=MASTER)


def add_account(client: TestClient) -> httpx.Response:
    return client.post("/_mock/accounts", json=NEW_ACCOUNT)


def add_numbers(client: TestClient) -> httpx.Response:
    return client.post("/_mock/numbers", json=NEW_NUMBER)


def reset(client: TestClient) -> httpx.Response:
    return client.post("/_mock/reset")


def import_state(client: TestClient) -> httpx.Response:
    # The state as it is, less the number bought before: an import that changes something.
    document = client.get("/_mock/state").json()
    document["owned"] = [o for o in document["owned"] if o["msisdn"] != BOUGHT]
    return client.put("/_mock/state", json=document)


VONAGE_WRITES = [
    pytest.param(vonage("buy", country="GB", msisdn="447700900003"), 420, id="buy"),
    pytest.param(vonage("cancel", country="GB", msisdn="447700900500"), 420, id="cancel"),
    pytest.param(
        vonage("update", country="GB", msisdn="447700900500", moHttpUrl="https://x.example/n"),
        None,
        id="update",
    ),
]
CONTROL_WRITES = [
    pytest.param(add_account, 409, id="add-account"),
    pytest.param(add_numbers, 409, id="add-numbers"),
    pytest.param(reset, None, id="reset"),
    pytest.param(import_state, None, id="import-state"),
]


@pytest.mark.parametrize(("write", "repeated_status"), VONAGE_WRITES)
def test_a_vonage_write_the_disk_refuses_is_not_made(
    open_client: Callable[[], TestClient],
    state_path: Path,
    disk: FullDisk,
    write: Write,
    repeated_status: int | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = open_client()
    before, file_before = client.get("/_mock/state").json(), state_path.read_bytes()

    disk.fail()
    with caplog.at_level(logging.ERROR, logger="uvicorn.error"):
        refused = [write(client), write(client)]
    disk.heal()

    for response in refused:
        assert (response.status_code, response.json()) == (503, NOT_SAVED)
    assert client.get("/_mock/state").json() == before  # nothing changed in memory
    assert state_path.read_bytes() == file_before  # nor on disk
    # The cause, once for both refusals, naming the file.
    (logged,) = [r.getMessage() for r in caplog.records if "cannot save" in r.getMessage()]
    assert str(state_path) in logged
    assert os.strerror(errno.ENOSPC) in logged
    # The disk healed, the same call succeeds: it had not been made.
    assert write(client).status_code == 200
    after = client.get("/_mock/state").json()
    assert after != before
    if repeated_status is not None:  # and it is now made: repeating it fails as Vonage does
        assert write(client).status_code == repeated_status
    assert on_disk(state_path) == after == open_client().get("/_mock/state").json()


@pytest.mark.parametrize(("write", "repeated_status"), CONTROL_WRITES)
def test_a_control_write_the_disk_refuses_is_not_made(
    open_client: Callable[[], TestClient],
    state_path: Path,
    disk: FullDisk,
    write: Write,
    repeated_status: int | None,
) -> None:
    client = open_client()
    bought = client.post("/number/buy", data={"country": "GB", "msisdn": BOUGHT}, auth=MASTER)
    assert bought.status_code == 200
    before, file_before = client.get("/_mock/state").json(), state_path.read_bytes()

    disk.fail()
    response = write(client)
    disk.heal()

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["status"], problem["title"], problem["detail"]) == (
        503,
        messages.STATE_NOT_SAVED_TITLE,
        messages.STATE_NOT_SAVED,
    )
    assert client.get("/_mock/state").json() == before
    assert state_path.read_bytes() == file_before

    assert write(client).status_code in (200, 201)
    after = client.get("/_mock/state").json()
    assert after != before
    if repeated_status is not None:
        assert write(client).status_code == repeated_status
    assert on_disk(state_path) == after == open_client().get("/_mock/state").json()
