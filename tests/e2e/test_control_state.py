"""The state through the control plane and on disk, against real server processes: export, reset
and import give back exactly what was saved, and a `kill -9` in the middle of a stream of buys
loses none that was acknowledged (`--state-file`)."""

import json
import os
import random
import signal
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from support.accounts import Account
from support.data import E2E_FIXTURES, E2EData
from support.sdks import SdkClients, run_node_calls
from support.servers import (
    MockServer,
    mock_client,
    run_server_cli,
    start_mock_server,
    stop_mock_server,
)
from vonage import Vonage
from vonage_numbers import (
    ListOwnedNumbersFilter,
    NumberParams,
    SearchAvailableNumbersFilter,
    UpdateNumberParams,
)

from mock_server import __version__
from mock_server.state.state_file import StateFile

pytestmark = pytest.mark.e2e

APP_ID = "4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b"
MO_HTTP_URL = "https://example.com/e2e/state/inbound-sms"
LATE_ACCOUNT = Account("1a7e0001", "LateSecret000001", "20.00", None)


def owned(vonage: Vonage) -> dict[str, Any]:
    numbers, _, _ = vonage.numbers.list_owned_numbers(ListOwnedNumbersFilter(size=100))
    return {n.msisdn: n for n in numbers}


# -- 5. export, reset, import ------------------------------------------------------------------


def test_state_export_reset_import_round_trip(
    mock_server: MockServer, sdks: SdkClients, e2e_data: E2EData
) -> None:
    primary, sub = e2e_data.primary, e2e_data.subaccount
    mock = mock_client(mock_server)
    start = mock.reset()
    assert mock.health() == start
    assert mock.state()["owned"] == [
        {**e2e_data.preowned, "limitations": [], "initialPrice": "0.00"}
    ]

    # Changes through every client and the control API.
    vonage = sdks.vonage(mock_server, primary)
    gb, us, late = e2e_data.gb_available[8], e2e_data.us_available[8], e2e_data.gb_available[9]
    assert vonage.numbers.buy_number(NumberParams(country="GB", msisdn=gb)).error_code == "200"
    vonage.numbers.update_number(
        UpdateNumberParams(country="GB", msisdn=gb, app_id=APP_ID, mo_http_url=MO_HTTP_URL)
    )
    vonage.numbers.buy_number(
        NumberParams(country="US", msisdn=us, target_api_key=sub.api_key)
    )  # for the subaccount
    nx = sdks.legacy(mock_server, sub)
    nx.update_number({"country": "US", "msisdn": us, "moHttpUrl": MO_HTTP_URL})
    mock.add_account(LATE_ACCOUNT.api_key, LATE_ACCOUNT.api_secret, LATE_ACCOUNT.balance)
    mock.add_numbers(
        {"country": "FR", "type": "landline", "features": ["VOICE"], "cost": "3.00",
         "msisdn": "33972100100"}
    )  # fmt: skip
    (bought,) = run_node_calls(
        mock_server, LATE_ACCOUNT, [{"op": "buy", "params": {"country": "GB", "msisdn": late}}]
    )
    assert bought["ok"], bought

    saved = mock.state()
    changed = mock.health()
    assert changed == {
        "status": "ok",
        "version": __version__,
        "accounts": start["accounts"] + 1,
        "available": start["available"] + 1 - 3,
        "owned": start["owned"] + 3,
        "worlds": 0,
    }
    assert {a["api_key"]: a["balance"] for a in saved["accounts"]} == {
        primary.api_key: "998.75",  # its own GB number
        sub.api_key: "99.10",  # the US number bought for it is charged to it
        LATE_ACCOUNT.api_key: "18.75",
    }

    # Reset: back to the fixtures as loaded at start.
    assert mock.reset() == start
    assert mock.health() == start
    assert mock.state() != saved
    assert gb not in owned(vonage)

    # Import: exactly the saved document again.
    assert mock.load_state(saved) == changed
    assert mock.state() == saved
    assert mock.health() == changed

    # The clients see the restored numbers and configuration.
    restored = owned(vonage)[gb]
    assert (restored.app_id, restored.mo_http_url) == (APP_ID, MO_HTTP_URL)
    assert us not in owned(vonage)
    sub_numbers = {n["msisdn"]: n for n in nx.get_account_numbers(size=100)["numbers"]}
    assert sub_numbers[us]["moHttpUrl"] == MO_HTTP_URL
    (late_owned,) = run_node_calls(mock_server, LATE_ACCOUNT, [{"op": "owned", "params": {}}])
    assert [n["msisdn"] for n in late_owned["result"]["numbers"]] == [late]
    found, _, _ = vonage.numbers.search_available_numbers(
        SearchAvailableNumbersFilter(country="FR", pattern="33972100100", search_pattern=0)
    )
    assert [n.msisdn for n in found] == ["33972100100"]


# -- 6. kill -9 in the middle of a stream of buys ----------------------------------------------

KILL_SEED = 20240611
KILL_ROUNDS = 3
STREAM_THREADS = 2
STREAM_FIRST, STREAM_SIZE = 447700930000, 1200
STREAM_COST, STREAM_SETUP = Decimal("1.00"), Decimal("0.50")


def stream_fixtures(path: Path) -> Path:
    """tests/data/e2e.json and a range of numbers to buy, priced so the balance tells how many."""
    raw = json.loads(E2E_FIXTURES.read_text(encoding="utf-8"))
    raw["available"].append(
        {
            "range": {"start": str(STREAM_FIRST), "end": str(STREAM_FIRST + STREAM_SIZE - 1)},
            "country": "GB",
            "type": "mobile-lvn",
            "features": ["VOICE", "SMS"],
            "cost": str(STREAM_COST),
            "initialPrice": str(STREAM_SETUP),
        }
    )
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


@dataclass
class BuyStream:
    """Threads buying numbers over HTTP, back to back, until the server goes away."""

    url: str
    account: Account
    acknowledged: list[str] = field(default_factory=list)
    """Answered 200: the buy succeeded, as far as the client knows."""
    unanswered: list[str] = field(default_factory=list)
    """Sent, but the connection failed before an answer: may or may not have happened."""
    refused: list[str] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def start(self, numbers: Sequence[Sequence[str]]) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._buy, args=(part,)) for part in numbers]
        for thread in threads:
            thread.start()
        return threads

    def wait_for(self, acknowledged: int, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(
                lambda: len(self.acknowledged) >= acknowledged or self.refused, timeout
            )

    def _buy(self, numbers: Sequence[str]) -> None:
        auth = (self.account.api_key, self.account.api_secret)
        with requests.Session() as session:
            for msisdn in numbers:
                try:
                    answer = session.post(
                        f"{self.url}/number/buy",
                        data={"country": "GB", "msisdn": msisdn},
                        auth=auth,
                        timeout=10,
                    )
                except requests.RequestException:
                    with self._changed:
                        self.unanswered.append(msisdn)
                        self._changed.notify_all()
                    return
                with self._changed:
                    if answer.status_code == 200:
                        self.acknowledged.append(msisdn)
                    else:
                        self.refused.append(f"{msisdn}: {answer.status_code} {answer.text}")
                    self._changed.notify_all()
                if answer.status_code != 200:
                    return


def test_kill_9_during_a_stream_of_buys_loses_no_acknowledged_buy(
    tmp_path: Path, e2e_data: E2EData
) -> None:
    fixtures = stream_fixtures(tmp_path / "stream-fixtures.json")
    state_file = tmp_path / "state.json"
    args = ["--state-file", str(state_file)]
    workdir = tmp_path / "server"  # the same tls dir on every restart
    workdir.mkdir()
    account = e2e_data.primary
    start_balance = Decimal(account.balance)

    rng = random.Random(KILL_SEED)
    kill_points = [rng.randint(3, 60) for _ in range(KILL_ROUNDS)]
    numbers = [str(STREAM_FIRST + i) for i in range(STREAM_SIZE)]
    rng.shuffle(numbers)  # buy all over the range, so that the saved pool is fragmented
    per_round = STREAM_SIZE // KILL_ROUNDS

    acknowledged: set[str] = set()
    unanswered: set[str] = set()
    server = start_mock_server(workdir, fixtures=fixtures, extra_args=args)
    ca = server.ca_file.read_bytes()
    try:
        for round_number, kill_point in enumerate(kill_points):
            batch = numbers[round_number * per_round : (round_number + 1) * per_round]
            stream = BuyStream(server.http_url, account)
            threads = stream.start([batch[i::STREAM_THREADS] for i in range(STREAM_THREADS)])
            # Liveness only: the buys take milliseconds each.
            assert stream.wait_for(kill_point, timeout=60), "the stream of buys did not progress"
            assert not stream.refused, stream.refused
            os.kill(server.process.pid, signal.SIGKILL)
            assert server.process.wait(timeout=10) == -signal.SIGKILL
            for thread in threads:
                thread.join(timeout=30)
                assert not thread.is_alive()
            # Every thread was still sending when the server died.
            assert len(stream.unanswered) == STREAM_THREADS, stream.unanswered
            assert len(stream.acknowledged) >= kill_point
            acknowledged.update(stream.acknowledged)
            unanswered.update(stream.unanswered)

            # The state file loads, whenever the kill came (a torn last record is left out).
            assert StateFile(state_file).load() is not None

            server = start_mock_server(workdir, fixtures=fixtures, extra_args=args)
            assert server.ca_file.read_bytes() == ca
            state = mock_client(server).state()
            mine = {
                o["msisdn"]
                for o in state["owned"]
                if o["api_key"] == account.api_key and int(o["msisdn"]) >= STREAM_FIRST
            }
            lost = acknowledged - mine
            assert not lost, f"round {round_number}: acknowledged buys lost: {sorted(lost)}"
            # Nothing appears that was not at least sent when the server died.
            assert mine - acknowledged <= unanswered
            # The balance agrees with the numbers owned: the file is one consistent state.
            (me,) = [a for a in state["accounts"] if a["api_key"] == account.api_key]
            price = STREAM_COST + STREAM_SETUP
            assert Decimal(me["balance"]) == start_balance - len(mine) * price
            # And the Vonage API serves it.
            listed = requests.get(
                f"{server.http_url}/account/numbers",
                params={"pattern": str(STREAM_FIRST)[:8], "search_pattern": 0},
                auth=(account.api_key, account.api_secret),
                timeout=10,
            ).json()
            assert listed["count"] == len(mine)
    finally:
        stop_mock_server(server)


@pytest.mark.parametrize(
    ("content", "location"),
    [
        pytest.param('{"accounts": [{"api_key": "k", "api_secret"', "file", id="truncated"),
        pytest.param('{"accounts": []}', "accounts", id="invalid"),
    ],
)
def test_a_broken_state_file_stops_the_start_naming_it_and_is_kept(
    tmp_path: Path, content: str, location: str
) -> None:
    """As a broken --fixtures or --faults file does: exit status 2, one line, no traceback."""
    state_file = tmp_path / "state.json"
    state_file.write_text(content, encoding="utf-8")
    result = run_server_cli("--fixtures", str(E2E_FIXTURES), "--state-file", str(state_file))
    assert state_file.read_text(encoding="utf-8") == content  # never replaced
    assert f"{state_file}: {location}: " in result.stderr
    assert (result.returncode, "Traceback" in result.stderr) == (2, False), result.stderr[-900:]
