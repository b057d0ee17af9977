"""mock_server.state.state_file: the state on disk, atomically replaced, loud when damaged."""

import json
import os
import random
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from mock_server.state.document import FixtureError, parse_fixtures
from mock_server.state.state_file import StateFile

ROOT = Path(__file__).resolve().parents[2]

Doc = dict[str, Any]


def document(counter: int = 0, numbers: int = 3) -> Doc:
    """A valid state whose master account's name carries `counter`."""
    return {
        "accounts": [
            {"api_key": "master01", "api_secret": "MasterSecret0001", "name": f"Zoë {counter}"},
            {"api_key": "sub00001", "api_secret": "SubSecret0000001", "parent": "master01"},
        ],
        "available": [
            {
                "msisdn": str(447700900000 + n),
                "country": "GB",
                "type": "mobile-lvn",
                "features": ["SMS"],
                "cost": "1.25",
            }
            for n in range(numbers)
        ],
    }


def counter_in(state: StateFile) -> int:
    loaded = state.load()
    assert loaded is not None
    name = loaded.accounts[0].name
    assert name is not None
    return int(name.split()[-1])


def leftovers(directory: Path, keep: str = "state.json") -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != keep)


def test_a_missing_file_loads_as_nothing(tmp_path: Path) -> None:
    assert StateFile(tmp_path / "state.json").load() is None
    assert StateFile(tmp_path / "no" / "such" / "dir" / "state.json").load() is None


def test_a_saved_document_loads_back(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "state.json")

    state.save(document(7))

    assert state.load() == parse_fixtures(document(7))
    assert counter_in(state) == 7


def test_the_file_is_compact_utf8_json_ending_in_a_newline(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "state.json")

    state.save(document())

    raw = state.path.read_bytes()
    assert raw.endswith(b"}\n")
    assert raw.count(b"\n") == 1
    assert b'"name":"Zo\xc3\xab 0"' in raw  # UTF-8, not \u00eb
    assert b", " not in raw
    assert b": " not in raw
    assert json.loads(raw) == document()


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_the_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    # It holds every account's api_secret.
    state = StateFile(tmp_path / "state.json")

    state.save(document())

    assert stat.S_IMODE(state.path.stat().st_mode) == 0o600


def test_saving_creates_the_directory(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "deep" / "er" / "state.json")

    state.save(document(3))

    assert counter_in(state) == 3


def test_saving_replaces_the_file_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "state.json")

    state.save(document(1, numbers=50))
    state.save(document(2, numbers=1))

    assert counter_in(state) == 2
    assert state.path.read_bytes() == encoded(document(2, numbers=1))
    assert leftovers(tmp_path) == []


def encoded(doc: Doc) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


@pytest.mark.parametrize(
    "fraction", [pytest.param(f, id=f"{f:.0%}") for f in (0.0, 0.01, 0.5, 0.99)]
)
def test_a_truncated_file_is_an_error_naming_it(tmp_path: Path, fraction: float) -> None:
    state = StateFile(tmp_path / "state.json")
    state.save(document(numbers=20))
    whole = state.path.read_bytes()
    state.path.write_bytes(whole[: int(len(whole) * fraction)])

    with pytest.raises(FixtureError) as raised:
        state.load()

    assert str(state.path) in str(raised.value)
    assert raised.value.location == "file"


@pytest.mark.parametrize(
    ("content", "location"),
    [
        pytest.param(b"not json", "file", id="not-json"),
        pytest.param(b"\xff\xfe{}", "file", id="not-utf8"),
        pytest.param(b"[]", "document", id="not-an-object"),
        pytest.param(b'{"accounts":[]}', "accounts", id="no-accounts"),
        pytest.param(
            encoded(document() | {"owned": [{"msisdn": "447700900000"}]}),
            "owned[0].country",
            id="owned-without-attributes",
        ),
        pytest.param(
            encoded(document() | {"available": document()["available"] * 2}),
            "available[3].msisdn",
            id="overlapping-numbers",
        ),
        pytest.param(
            encoded(document() | {"extra": 1}),
            "extra",
            id="unknown-key",
        ),
    ],
)
def test_an_invalid_file_is_an_error_naming_file_and_entry(
    tmp_path: Path, content: bytes, location: str
) -> None:
    state = StateFile(tmp_path / "state.json")
    state.path.write_bytes(content)

    with pytest.raises(FixtureError) as raised:
        state.load()

    assert raised.value.path == str(state.path)
    assert raised.value.location == location
    assert str(raised.value).startswith(f"{state.path}: {location}: ")
    assert state.path.read_bytes() == content  # never replaced


def fail(*args: object) -> None:
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("broken", [pytest.param(name, id=name) for name in ("fsync", "replace")])
def test_a_failed_save_keeps_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    state = StateFile(tmp_path / "state.json")
    state.save(document(1))
    before = state.path.read_bytes()
    monkeypatch.setattr(os, broken, fail)

    with pytest.raises(OSError, match="No space left"):
        state.save(document(2))

    monkeypatch.undo()
    assert state.path.read_bytes() == before
    assert counter_in(state) == 1
    assert leftovers(tmp_path) == []


def test_a_document_that_is_not_json_leaves_the_old_file(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "state.json")
    state.save(document(1))

    with pytest.raises(TypeError):
        state.save(document(2) | {"accounts": [object()]})

    assert counter_in(state) == 1
    assert leftovers(tmp_path) == []


def test_concurrent_writers_never_share_a_temporary_file(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "state.json")
    errors: list[BaseException] = []

    def write(first: int) -> None:
        try:
            for counter in range(first, first + 30):
                StateFile(state.path).save(document(counter, numbers=200))
        except BaseException as error:
            errors.append(error)

    writers = [threading.Thread(target=write, args=(n * 100,)) for n in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()

    assert errors == []
    assert counter_in(state) in {29, 129, 229, 329}  # some writer's last save, whole
    assert leftovers(tmp_path) == []


# The child saves documents in a loop and prints each counter once its save has returned.
CHILD = """
import sys
from pathlib import Path
from mock_server.state.state_file import StateFile

state, counter = StateFile(Path(sys.argv[1])), int(sys.argv[2])
numbers = [
    {"msisdn": str(447700000000 + n), "country": "GB", "type": "mobile-lvn",
     "features": ["SMS"], "cost": "1.00"}
    for n in range(2000)
]
print("ready", flush=True)
while True:
    counter += 1
    account = {"api_key": "k", "api_secret": "s", "name": f"save {counter}"}
    state.save({"accounts": [account], "available": numbers})
    print(counter, flush=True)
"""
KILLS = 8

# The child kills itself halfway through writing the bytes of a save: the moment that tears the
# file of a writer that writes in place. A random kill rarely lands there, the write is so short.
TEARING_CHILD = """
import builtins, os, signal, sys
from pathlib import Path
from mock_server.state.state_file import StateFile

class Tearing:
    def __init__(self, stream):
        self.stream = stream
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self.stream.close()
    def fileno(self):
        return self.stream.fileno()
    def flush(self):
        self.stream.flush()
    def write(self, data):
        self.stream.write(data[: len(data) // 2])
        self.stream.flush()
        os.kill(os.getpid(), signal.SIGKILL)

real_open = builtins.open
builtins.open = lambda file, mode="r", *a, **k: (
    Tearing(real_open(file, mode, *a, **k)) if "w" in mode else real_open(file, mode, *a, **k)
)
name = "torn " + "x" * 100_000
StateFile(Path(sys.argv[1])).save({"accounts": [{"api_key": "k", "api_secret": "s", "name": name}]})
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_a_writer_killed_halfway_through_the_bytes_leaves_the_old_file_whole(
    tmp_path: Path,
) -> None:
    state = StateFile(tmp_path / "state.json")
    state.save(document(1))
    before = state.path.read_bytes()

    child = subprocess.run(
        [sys.executable, "-c", TEARING_CHILD, str(state.path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=60,
    )

    assert child.returncode == -signal.SIGKILL, child.stderr  # killed inside save
    assert state.path.read_bytes() == before
    (torn,) = leftovers(tmp_path)  # the half-written temporary file, never the target
    assert torn.startswith(".state.json.")
    assert counter_in(state) == 1
    assert leftovers(tmp_path) == []  # loading (as a start does) removes what the kill left


def run_until_killed(path: Path, counter: int, delay: float) -> list[int]:
    """Run the child from `counter`, SIGKILL it after `delay`; the counters it acknowledged."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(counter)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert child.stdout is not None
        ready = child.stdout.readline()
        time.sleep(delay)
    finally:
        child.send_signal(signal.SIGKILL)
        output, errors = child.communicate(timeout=30)
    assert ready == "ready\n", errors
    assert child.returncode == -signal.SIGKILL, errors
    # A line cut short by the kill was never acknowledged.
    return [int(line) for line in output.splitlines(keepends=True) if line.endswith("\n")]


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_a_writer_killed_at_any_moment_leaves_a_whole_file_with_every_acknowledged_save(
    tmp_path: Path,
) -> None:
    state = StateFile(tmp_path / "state.json")
    delays = random.Random(20240611)
    state.save(document(0))
    acknowledged_in_all = 0

    for _ in range(KILLS):
        before = counter_in(state)
        acknowledged = run_until_killed(state.path, before, delays.uniform(0.0, 0.25))

        on_disk = counter_in(state)  # loads: never truncated nor corrupt
        last = acknowledged[-1] if acknowledged else before
        # Every acknowledged save is there. One more save may have landed after the last
        # acknowledgement, killed between its rename and its print: never more than one.
        assert last <= on_disk <= last + 1
        acknowledged_in_all += len(acknowledged)

    assert acknowledged_in_all > KILLS  # the kills landed among saves, not before them
    # A kill mid-save leaves its temporary file behind (never the target): at most one each.
    assert len(leftovers(tmp_path)) <= KILLS
