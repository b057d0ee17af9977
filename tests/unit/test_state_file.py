"""mock_server.state.state_file: the state on disk, atomically replaced, loud when damaged."""

import json
import logging
import os
import random
import signal
import stat
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mock_server.domain.accounts import Account
from mock_server.domain.changes import AddAccount, AddNumbers, Buy, Cancel, Change, Update
from mock_server.domain.inventory import Inventory
from mock_server.domain.phone_number import Feature, NumberAttributes, NumberType
from mock_server.domain.pool import Block
from mock_server.state import change_log
from mock_server.state.document import FixtureError, build_inventory, parse_fixtures
from mock_server.state.export import state_document
from mock_server.state.state_file import StateFile, encode_document

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


def loaded(state: StateFile) -> Inventory:
    inventory = state.load()
    assert inventory is not None
    return inventory


def counter_in(state: StateFile) -> int:
    name = next(iter(loaded(state).accounts)).name
    assert name is not None
    return int(name.split()[-1])


def as_document(doc: Doc) -> Doc:
    """The document as the state it describes exports it."""
    return state_document(build_inventory(parse_fixtures(doc)))


def leftovers(directory: Path, keep: str = "state.json") -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != keep)


def test_a_missing_file_loads_as_nothing(tmp_path: Path) -> None:
    assert StateFile(tmp_path / "state.json").load() is None
    assert StateFile(tmp_path / "no" / "such" / "dir" / "state.json").load() is None


def test_a_saved_document_loads_back(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "state.json")

    state.save(document(7))

    assert state_document(loaded(state)) == as_document(document(7))
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


def run_until_killed(path: Path, counter: int, delay: float, child_code: str = CHILD) -> list[int]:
    """Run the child from `counter`, SIGKILL it after `delay`; the counters it acknowledged."""
    child = subprocess.Popen(
        [sys.executable, "-c", child_code, str(path), str(counter)],
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


# -- the log of changes after the base ----------------------------------------------------------

NUMBER_ATTRIBUTES = NumberAttributes(
    "GB", NumberType.MOBILE_LVN, frozenset({Feature.SMS}), Decimal("1.25")
)


def owning_document() -> Doc:
    """`document()` with credit, and one number owned by the master account."""
    doc = document()
    doc["accounts"][0]["balance"] = "100.00"
    owned = {**doc["available"][0], "api_key": "master01", "msisdn": "447700900100"}
    return doc | {"owned": [owned]}


CHANGES: list[Change] = [
    Buy("master01", "447700900000"),
    Update("master01", "447700900000", (("app_id", "app-1"), ("mo_http_url", "https://x.example"))),
    Buy("master01", "447700900001"),
    Cancel("master01", "447700900100"),
    AddAccount(Account("new00001", "NewSecret0000001", Decimal("3.50"), "master01", "Ann")),
    AddNumbers((Block.of_range("447700900200", "447700900299", NUMBER_ATTRIBUTES),)),
    Update("master01", "447700900000", (("app_id", None),)),
]


def with_changes(changes: list[Change]) -> Doc:
    """The state the changes make of `owning_document()`, made in memory."""
    inventory = build_inventory(parse_fixtures(owning_document()))
    for change in changes:
        inventory.apply(change)
    return state_document(inventory)


def saved_with_records(path: Path, changes: list[Change]) -> StateFile:
    state = StateFile(path)
    state.save(owning_document())
    for change in changes:
        state.append(change_log.encode(change))
    return StateFile(path)


def test_records_appended_after_the_base_are_replayed_at_load(tmp_path: Path) -> None:
    state = saved_with_records(tmp_path / "state.json", CHANGES)

    assert state_document(loaded(state)) == with_changes(CHANGES)
    assert with_changes(CHANGES) != with_changes([])
    assert state.torn_bytes == 0
    lines = state.path.read_bytes().splitlines()
    assert len(lines) == 1 + len(CHANGES)  # the base, then one line per change
    assert json.loads(lines[0]) == owning_document()


def last_record_cuts() -> list[Any]:
    record = change_log.encode(CHANGES[-1])
    return [
        pytest.param(cut, id=f"cut-at-{cut}") for cut in (1, 9, len(record) // 2, len(record) - 1)
    ]


@pytest.mark.parametrize("cut", last_record_cuts())
def test_a_torn_last_record_is_left_out_logged_and_cut_off(
    tmp_path: Path, cut: int, caplog: pytest.LogCaptureFixture
) -> None:
    state = saved_with_records(tmp_path / "state.json", CHANGES)
    whole = state.path.read_bytes()
    last = change_log.encode(CHANGES[-1])
    state.path.write_bytes(whole[: len(whole) - len(last) + cut])

    assert state_document(loaded(state)) == with_changes(CHANGES[:-1])
    assert state.torn_bytes == cut
    with caplog.at_level(logging.WARNING, logger="uvicorn.error"):
        state.open()
    (logged,) = [r.getMessage() for r in caplog.records]
    assert "torn last record" in logged
    assert str(state.path) in logged
    assert state.path.read_bytes() == whole[: len(whole) - len(last)]
    # The next record follows the whole ones.
    state.append(last)
    assert state_document(loaded(StateFile(state.path))) == with_changes(CHANGES)


def test_a_damaged_record_before_whole_ones_is_an_error_naming_its_line(tmp_path: Path) -> None:
    state = saved_with_records(tmp_path / "state.json", CHANGES)
    lines = state.path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"app-1", b"app-2")  # the checksum no longer matches
    damaged = b"\n".join(lines)
    state.path.write_bytes(damaged)

    with pytest.raises(FixtureError) as raised:
        state.load()

    assert str(raised.value).startswith(f"{state.path}: line 3: ")
    assert "checksum" in raised.value.problem
    assert state.path.read_bytes() == damaged  # never replaced


def test_a_record_that_cannot_be_replayed_is_an_error_naming_its_line(tmp_path: Path) -> None:
    # Buying the same number twice: the second cannot have been acknowledged on this base.
    state = saved_with_records(tmp_path / "state.json", [CHANGES[0], CHANGES[0]])

    with pytest.raises(FixtureError) as raised:
        state.load()

    assert raised.value.location == "line 3"
    assert "cannot be replayed" in raised.value.problem


def test_a_document_written_by_hand_loads_and_is_rewritten_as_one_line(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps(owning_document(), indent=2), encoding="utf-8")
    state = StateFile(path)

    assert state_document(loaded(state)) == with_changes([])
    assert state.needs_rewrite


@pytest.mark.parametrize("failing", [pytest.param(n, id=n) for n in ("write", "fsync")])
def test_a_failed_append_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    state = saved_with_records(tmp_path / "state.json", CHANGES[:2])
    loaded(state)
    state.open()
    before = state.path.read_bytes()
    record = change_log.encode(CHANGES[2])
    if failing == "write":
        # Part of the record reaches the file before the disk is full.
        real_pwrite = os.pwrite

        def half_write(descriptor: int, data: bytes, offset: int) -> int:
            real_pwrite(descriptor, data[:20], offset)
            fail()
            return 0

        monkeypatch.setattr(os, "pwrite", half_write)
    else:
        monkeypatch.setattr(os, "fsync", fail)

    with pytest.raises(OSError, match="No space left"):
        state.append(record)

    monkeypatch.undo()
    assert state.path.read_bytes() == before
    state.append(record)  # the next one follows the whole records
    assert state_document(loaded(StateFile(state.path))) == with_changes(CHANGES[:3])


def test_a_compaction_keeps_the_records_appended_while_it_ran(tmp_path: Path) -> None:
    state = saved_with_records(tmp_path / "state.json", CHANGES[:3])
    inventory = loaded(state)
    state.open()
    since, _ = state.compaction_start()
    base = encode_document(state_document(inventory.snapshot()))
    inventory.apply(CHANGES[3])  # a change made while the new base is written
    temporary = state.write_base(base)
    state.append(change_log.encode(CHANGES[3]))
    state.finish_compaction(temporary, len(base), since)
    state.append(change_log.encode(CHANGES[4]))

    lines = state.path.read_bytes().splitlines()
    assert len(lines) == 3  # the new base, and the two records made since it
    assert state.log_size == len(lines[1]) + len(lines[2]) + 2
    assert state_document(loaded(StateFile(state.path))) == with_changes(CHANGES[:5])
    assert leftovers(tmp_path) == []


# The child appends a record opening an account per counter, and prints each counter once its
# append has returned.
APPENDING_CHILD = """
import sys
from decimal import Decimal
from pathlib import Path
from mock_server.domain.accounts import Account
from mock_server.domain.changes import AddAccount
from mock_server.state import change_log
from mock_server.state.state_file import StateFile

state, counter = StateFile(Path(sys.argv[1])), int(sys.argv[2])
state.load()
state.open()
print("ready", flush=True)
while True:
    counter += 1
    account = Account(f"acct{counter:06d}", "Secret0000000001", Decimal("1.00"), None, "x" * 500)
    state.append(change_log.encode(AddAccount(account)))
    print(counter, flush=True)
"""


def accounts_opened(state: StateFile) -> int:
    return len(loaded(state).accounts) - len(document()["accounts"])


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_an_appender_killed_at_any_moment_leaves_every_acknowledged_record(
    tmp_path: Path,
) -> None:
    state = StateFile(tmp_path / "state.json")
    state.save(document())
    delays = random.Random(20261204)
    acknowledged_in_all = 0

    for _ in range(KILLS):
        before = accounts_opened(state)  # loads: a torn tail is left out, never an error
        state.open()  # cuts it off, as a start does
        acknowledged = run_until_killed(
            state.path, before, delays.uniform(0.0, 0.25), APPENDING_CHILD
        )

        on_disk = accounts_opened(state)
        last = acknowledged[-1] if acknowledged else before
        # Every acknowledged record is there; one more may have been written, unacknowledged.
        assert last <= on_disk <= last + 1, (before, acknowledged, state.path.stat().st_size)
        acknowledged_in_all += len(acknowledged)

    assert acknowledged_in_all > KILLS
