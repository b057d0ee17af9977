"""Crashes and restarts with `--state-file`: `kill -9` at seeded moments of a storm of buys, updates
and cancels loses no acknowledged change and always leaves a file that loads; a broken state file
stops the start with one clear line and is never touched."""

import json
import os
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from support.accounts import Account
from support.data import DEFAULT_FIXTURES, shipped_accounts
from support.documents import balances_in, prices_of
from support.figures import record_figures
from support.servers import MockServer, Servers, run_server_cli
from support.traffic import HTTP_TIMEOUT

from mock_server.domain.inventory import NumberRef
from mock_server.state.document import build_inventory, load_fixture_file, parse_fixtures
from mock_server.state.export import state_document
from mock_server.state.state_file import StateFile
from mock_server.testing.client import MockClient

pytestmark = pytest.mark.e2e

KILL_SEED = 424242
ROUNDS = 6
MAX_OPS_PER_ROUND = 3000
"""Only a bound: each round's writers are stopped by the kill long before."""

PRIMARY = shipped_accounts()["1a2b3c4d"]
CRASH_MASTER = Account("crash001", "CrashSecret00001", Decimal("400.00"))
CRASH_SUB = Account("crash002", "CrashSecret00002", Decimal("300.00"), parent="crash001")
APP_ID = "c0ffee00-0000-4000-8000-{:012d}"


def block(first: int, count: int) -> list[str]:
    return [str(first + i) for i in range(count)]


@dataclass
class Writer:
    """One account's writer: what the server acknowledged, and the call left without an answer."""

    name: str
    account: Account
    country: str
    numbers: list[str]
    prices: dict[str, Decimal] = field(default_factory=dict)
    owned: dict[str, dict[str, str]] = field(default_factory=dict)
    """Acknowledged: msisdn -> configuration (wire names), as the server must have it."""
    balance: Decimal = Decimal(0)
    pending: tuple[str, str, dict[str, str]] | None = None
    """(operation, msisdn, fields) sent when the server died: it may or may not have happened."""
    acknowledged: int = 0
    refused: list[str] = field(default_factory=list)

    def next_call(self, rng: random.Random, seq: int) -> tuple[str, str, dict[str, str]]:
        free = [m for m in self.numbers if m not in self.owned]
        roll = rng.random()
        affordable = [m for m in free if self.prices[m] <= self.balance]
        if affordable and (roll < 0.45 or not self.owned):
            return "buy", rng.choice(affordable), {}
        msisdn = rng.choice(sorted(self.owned))
        if roll < 0.8 or not affordable:
            fields = {"moHttpUrl": f"https://example.com/{self.name}/{msisdn}/{seq}"}
            app = rng.random()
            if app < 0.3:
                fields["app_id"] = APP_ID.format(seq)
            elif app < 0.4:
                fields["app_id"] = ""  # clears it
            return "update", msisdn, fields
        return "cancel", msisdn, {}

    def applied(self, call: tuple[str, str, dict[str, str]]) -> tuple[dict[str, Any], Decimal]:
        """What owned numbers and balance are once `call` took effect."""
        op, msisdn, fields = call
        owned = {m: dict(config) for m, config in self.owned.items()}
        balance = self.balance
        if op == "buy":
            owned[msisdn] = {}
            balance -= self.prices[msisdn]
        elif op == "cancel":
            del owned[msisdn]
        else:
            for name, value in fields.items():
                if value:
                    owned[msisdn][name] = value
                else:
                    owned[msisdn].pop(name, None)
        return owned, balance


class Storm:
    """Writer threads calling back to back until the server dies."""

    def __init__(self, url: str, writers: list[Writer], seed: str) -> None:
        self.url = url
        self.writers = writers
        self.seed = seed
        self.changed = threading.Condition()
        self.errors: list[str] = []

    @property
    def acknowledged(self) -> int:
        return sum(w.acknowledged for w in self.writers)

    def start(self) -> list[threading.Thread]:
        threads = [
            threading.Thread(target=self._write, args=(w,), name=f"writer-{w.name}")
            for w in self.writers
        ]
        for thread in threads:
            thread.start()
        return threads

    def wait_for(self, acknowledged: int, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(
                lambda: self.acknowledged >= acknowledged or bool(self.errors), timeout
            )

    def _write(self, writer: Writer) -> None:
        rng = random.Random(f"{self.seed}-{writer.name}")
        try:
            with requests.Session() as session:
                session.trust_env = False
                for seq in range(MAX_OPS_PER_ROUND):
                    if not self._call(session, writer, writer.next_call(rng, seq)):
                        return
        except Exception as error:
            with self.changed:
                self.errors.append(f"{writer.name}: {error!r}")
                self.changed.notify_all()

    def _call(
        self, session: requests.Session, writer: Writer, call: tuple[str, str, dict[str, str]]
    ) -> bool:
        op, msisdn, fields = call
        writer.pending = call
        try:
            answer = session.post(
                f"{self.url}/number/{op}",
                data={"country": writer.country, "msisdn": msisdn, **fields},
                auth=writer.account.auth,
                timeout=HTTP_TIMEOUT,
            )
        except requests.RequestException:
            return False  # the server died: `pending` may or may not have happened
        with self.changed:
            if answer.status_code != 200:
                writer.refused.append(f"{op} {msisdn} {fields}: {answer.status_code} {answer.text}")
                self.errors.append(writer.refused[-1])
            else:
                writer.owned, writer.balance = writer.applied(call)
                writer.acknowledged += 1
            writer.pending = None
            self.changed.notify_all()
        return answer.status_code == 200


def held_by(document: dict[str, Any], writer: Writer) -> dict[str, dict[str, str]]:
    """The writer's numbers the document says its account owns, with their configuration."""
    mine = set(writer.numbers)
    return {
        entry["msisdn"]: {k: entry[k] for k in ("moHttpUrl", "app_id") if k in entry}
        for entry in document["owned"]
        if entry["api_key"] == writer.account.api_key and entry["msisdn"] in mine
    }


def check_nothing_acknowledged_was_lost(document: dict[str, Any], writer: Writer) -> str:
    """Compare the restarted state with what the writer was told; adopt it. Says how the call
    left without an answer, if any, turned out."""
    held = held_by(document, writer)
    balance = balances_in(document)[writer.account.api_key]
    before = (writer.owned, writer.balance)
    outcomes = {"not applied": before}
    if writer.pending is not None:
        outcomes["applied"] = writer.applied(writer.pending)
    matching = [name for name, outcome in outcomes.items() if outcome == (held, balance)]
    assert matching, (
        f"{writer.name}: the state after the restart is neither the acknowledged one nor the "
        f"acknowledged one plus the unanswered call {writer.pending}\n"
        f"acknowledged: {before}\nrestarted: {(held, balance)}"
    )
    writer.owned, writer.balance, writer.pending = held, balance, None
    return "nothing pending" if len(outcomes) == 1 else matching[-1]


def test_kill_9_during_a_write_storm_loses_no_acknowledged_change(servers: Servers) -> None:
    state_file = servers.workdir / "state" / "state.json"
    state_file.parent.mkdir()  # the mock refuses a state file in a missing directory
    # The storm's model of the state merges update fields; durability, not update semantics, is
    # what this test pins.
    args = ("--state-file", str(state_file), "--update-mode", "merge")
    server = servers.start(extra_args=args)
    control = MockClient(server.http_url)
    for account in (CRASH_MASTER, CRASH_SUB):
        control.add_account(
            account.api_key, account.api_secret, str(account.balance), account.parent
        )
    start = control.state()
    writers = [
        Writer("primary", PRIMARY, "GB", block(442079460000, 60)),  # 1.15 each
        Writer("master", CRASH_MASTER, "FR", block(33199000000, 60)),  # 1.00
        Writer("sub", CRASH_SUB, "ES", block(34915550000, 60)),  # 1.00
    ]
    for writer in writers:
        writer.prices = prices_of(start, writer.numbers)
        writer.balance = balances_in(start)[writer.account.api_key]

    rng = random.Random(KILL_SEED)
    outcomes: dict[str, int] = {}
    for round_number in range(ROUNDS):
        storm = Storm(server.http_url, writers, f"{KILL_SEED}-{round_number}")
        kill_after = storm.acknowledged + rng.randint(10, 150)
        threads = storm.start()
        # Liveness only: the calls take milliseconds each.
        assert storm.wait_for(kill_after, timeout=60), "the writers made no progress"
        assert not storm.errors, storm.errors
        # A seeded moment within the next call or so.
        time.sleep(rng.uniform(0, 0.01))
        os.kill(server.process.pid, signal.SIGKILL)
        assert server.process.wait(timeout=10) == -signal.SIGKILL
        for thread in threads:
            thread.join(timeout=30)
            assert not thread.is_alive()
        assert not storm.errors, storm.errors

        # The file loads, whenever the kill came: its base and every whole record (a record
        # torn by the kill was never acknowledged, and is left out).
        loaded = StateFile(state_file).load()
        assert loaded is not None
        saved = state_document(loaded)

        server = servers.start(extra_args=args)
        restarted = MockClient(server.http_url).state()
        # The server serves exactly what the file holds: it loaded it, and did not replace it.
        assert restarted == saved
        assert {a["api_key"] for a in restarted["accounts"]} >= {"crash001", "crash002"}
        for writer in writers:
            outcome = check_nothing_acknowledged_was_lost(restarted, writer)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        check_vonage_view(server, writers)
    stray = sorted(p.name for p in state_file.parent.iterdir() if p.name != state_file.name)
    record_figures(
        "crash.kill_9",
        crashes_survived=ROUNDS,
        writers=len(writers),
        acknowledged_changes=sum(w.acknowledged for w in writers),
        unanswered_calls=outcomes,
        stray_files_in_state_dir=stray,
    )


def check_vonage_view(server: MockServer, writers: list[Writer]) -> None:
    """The restarted server answers each account's list with what it was acknowledged."""
    with requests.Session() as session:
        session.trust_env = False
        for writer in writers:
            listed = session.get(
                f"{server.http_url}/account/numbers",
                params={"country": writer.country, "size": "100"},
                auth=writer.account.auth,
                timeout=HTTP_TIMEOUT,
            ).json()
            numbers = {
                n["msisdn"]: {k: n[k] for k in ("moHttpUrl", "app_id") if k in n}
                for n in listed.get("numbers", [])
                if n["msisdn"] in set(writer.numbers)
            }
            assert numbers == writer.owned, writer.name


# -- a broken state file at start --------------------------------------------------------------


def saved_state() -> bytes:
    """A real state file: the shipped fixtures after a few changes, as the server writes it."""
    inventory = build_inventory(load_fixture_file(DEFAULT_FIXTURES))
    primary = inventory.accounts.get(PRIMARY.api_key)
    assert primary is not None
    for n in range(5):
        inventory.buy(primary, NumberRef("GB", f"44207946000{n}"))
    inventory.update(primary, NumberRef("GB", "442079460001"), {"app_id": APP_ID.format(1)})
    document = state_document(inventory)
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"
    parse_fixtures(json.loads(text))  # sound before it is broken on purpose
    return text.encode()


def edited(change: Callable[[dict[str, Any]], object]) -> bytes:
    document = json.loads(TEXT)
    change(document)
    return json.dumps(document).encode()


def set_in(path: tuple[str | int, ...], value: object) -> Callable[[dict[str, Any]], object]:
    def change(document: dict[str, Any]) -> None:
        target: Any = document
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return change


def drop(path: tuple[str | int, ...]) -> Callable[[dict[str, Any]], object]:
    def change(document: dict[str, Any]) -> None:
        target: Any = document
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]

    return change


TEXT = saved_state()
CUT_RNG = random.Random(KILL_SEED)
BROKEN = [
    *(
        pytest.param(TEXT[:cut], "file", "not valid JSON", id=f"truncated-at-{cut}")
        for cut in sorted(CUT_RNG.sample(range(1, len(TEXT) - 1), 3))
    ),
    pytest.param(b"", "file", "not valid JSON", id="empty"),
    pytest.param(b"\xff\xfe{\x00", "file", "not valid JSON", id="not-utf-8"),
    pytest.param(b'{"accounts": [}', "file", "not valid JSON", id="invalid-json"),
    pytest.param(b"[]", "document", "", id="not-an-object"),
    pytest.param(
        edited(set_in(("available", 3, "cost"), "abc")), "available[3].cost", "", id="bad-cost"
    ),
    pytest.param(
        edited(set_in(("accounts", 1, "balance"), "-5.00")),
        "accounts[1].balance",
        "",
        id="negative-balance",
    ),
    pytest.param(edited(drop(("owned", 0, "msisdn"))), "owned[0].msisdn", "", id="no-msisdn"),
    pytest.param(
        edited(set_in(("owned", 2, "api_key"), "nobody00")),
        "owned[2].api_key",
        "nobody00",
        id="unknown-owner",
    ),
]


@pytest.mark.parametrize(("content", "location", "problem"), BROKEN)
def test_a_broken_state_file_stops_the_start_clearly_and_is_left_untouched(
    tmp_path: Path, content: bytes, location: str, problem: str
) -> None:
    state_file = tmp_path / "state.json"
    state_file.write_bytes(content)
    os.utime(state_file, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before = state_file.stat()

    result = run_server_cli(
        "--fixtures", str(DEFAULT_FIXTURES), "--state-file", str(state_file), "--log-level", "info"
    )

    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    prefix = f"vonage-numbers-mock: {state_file}: {location}: "
    assert lines[0].startswith(prefix), lines[0]
    assert problem in lines[0][len(prefix) :], lines[0]
    assert result.stdout == ""
    # Never replaced, rewritten or touched, and nothing written beside it.
    assert state_file.read_bytes() == content
    after = state_file.stat()
    assert (after.st_mtime_ns, after.st_ino, after.st_size) == (
        before.st_mtime_ns,
        before.st_ino,
        before.st_size,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]
