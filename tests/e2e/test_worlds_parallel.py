"""Sixteen workers share one real server, each in a world of its own: twelve drive the official
Python SDK (`vonage`) over HTTPS in threads, four the official Node SDK in processes, all at
once. Every worker buys the same number, sets its own webhook, lists, cancels, resets its world
and has faults injected into it; no worker may ever see another's numbers, webhooks, faults,
journal entries or balance changes, and the base world must end as it began.
"""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from support.accounts import Account
from support.data import E2EData
from support.sdks import SdkClients, run_node_calls
from support.servers import MockServer, mock_client, start_mock_server, stop_mock_server
from vonage_http_client import HttpRequestError
from vonage_numbers import (
    ListOwnedNumbersFilter,
    NumberParams,
    SearchAvailableNumbersFilter,
    UpdateNumberParams,
)

from mock_server.testing.client import MockClient, World

pytestmark = pytest.mark.e2e

PYTHON_WORKERS = 12
NODE_WORKERS = 4
CYCLES = 3
COST = Decimal("1.25")  # of a GB mobile number in tests/data/e2e.json


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    server = start_mock_server(tmp_path_factory.mktemp("worlds-parallel"))
    try:
        yield server
    finally:
        stop_mock_server(server)


def primary_of(world: World) -> Account:
    found = next(a for a in world["accounts"] if a["role"] == "primary")
    return Account(found["api_key"], found["api_secret"], Decimal(0))


def webhook(worker: int) -> str:
    return f"https://example.com/worker/{worker}"


def python_worker(
    server: MockServer, control: MockClient, e2e: E2EData, worker: int, start: threading.Barrier
) -> dict[str, Any]:
    """Cycles through the Python SDK in a world of its own; returns what it saw."""
    world = control.create_world(name=f"python {worker}")
    mine, me = control.in_world(world["id"]), primary_of(world)
    sdks = SdkClients()
    client = sdks.vonage(server, me)
    msisdn = e2e.gb_available[0]  # the same number for every worker
    number = NumberParams(country="GB", msisdn=msisdn)
    preowned = {e2e.preowned["msisdn"]}
    start.wait(timeout=60)
    bought_since_reset = 0
    try:
        for cycle in range(CYCLES):
            found, _, _ = client.numbers.search_available_numbers(
                SearchAvailableNumbersFilter(country="GB", pattern=e2e.gb_pattern, search_pattern=0)
            )
            assert msisdn in [n.msisdn for n in found]
            if cycle % 2 == 0:
                rule = mine.add_fault("buy", status=420, times=1, label=f"worker {worker}")
                with pytest.raises(HttpRequestError) as refused:
                    client.numbers.buy_number(number)
                assert refused.value.response.status_code == 420
                # This worker's own rule, and spent now.
                assert refused.value.response.json()["error-code-label"] == f"worker {worker}"
                assert rule["id"] not in [f["id"] for f in mine.faults()]
            client.numbers.buy_number(number)
            bought_since_reset += 1
            client.numbers.update_number(
                UpdateNumberParams(country="GB", msisdn=msisdn, mo_http_url=webhook(worker))
            )
            owned, _, _ = client.numbers.list_owned_numbers(ListOwnedNumbersFilter(size=100))
            assert {n.msisdn for n in owned} == preowned | {msisdn}
            assert next(n for n in owned if n.msisdn == msisdn).mo_http_url == webhook(worker)
            balance = Decimal(str(client.account.get_balance().value))
            assert balance == e2e.primary.balance - COST * bought_since_reset
            client.numbers.cancel_number(number)
            owned, _, _ = client.numbers.list_owned_numbers(ListOwnedNumbersFilter(size=100))
            assert {n.msisdn for n in owned} == preowned
            if cycle == 1:
                mine.reset()
                bought_since_reset = 0
                assert mine.requests() == []
                assert mine.faults() == []
        return {"world": world, "journal": mine.requests(), "key": me.api_key}
    finally:
        sdks.close()


def node_worker(
    server: MockServer, control: MockClient, e2e: E2EData, worker: int, start: threading.Barrier
) -> dict[str, Any]:
    """The same cycles through the Node SDK, one node process per worker."""
    world = control.create_world(name=f"node {worker}")
    mine, me = control.in_world(world["id"]), primary_of(world)
    owned = {"op": "owned", "params": {"size": 100}}
    calls = []
    # Cycle c buys the c-th number (the same ones as every other Node worker); a rule of this
    # world refuses the first try at each.
    for msisdn in e2e.gb_available[:CYCLES]:
        number = {"country": "GB", "msisdn": msisdn}
        mine.add_fault("buy", match={"msisdn": msisdn}, status=420, times=1)
        calls += [
            {"op": "buy", "params": number},
            {"op": "buy", "params": number},
            {"op": "update", "params": {**number, "moHttpUrl": webhook(worker)}},
            owned,
            {"op": "balance", "params": {}},
            {"op": "cancel", "params": number},
            owned,
        ]
    start.wait(timeout=60)
    results = run_node_calls(server, me, calls)
    preowned = {e2e.preowned["msisdn"]}
    steps = len(calls) // CYCLES
    for index, msisdn in enumerate(e2e.gb_available[:CYCLES]):
        refused, bought, updated, listed, balance, cancelled, after = results[
            index * steps : (index + 1) * steps
        ]
        assert not refused["ok"]
        assert refused["error"]["status"] == 420
        assert bought["ok"], bought
        assert updated["ok"], updated
        numbers = {n["msisdn"]: n for n in listed["result"]["numbers"]}
        assert set(numbers) == preowned | {msisdn}
        assert numbers[msisdn]["moHttpUrl"] == webhook(worker)
        assert Decimal(str(balance["result"]["value"])) == e2e.primary.balance - COST * (index + 1)
        assert cancelled["ok"], cancelled
        assert {n["msisdn"] for n in after["result"]["numbers"]} == preowned
    return {"world": world, "journal": mine.requests(), "key": me.api_key}


def test_sixteen_workers_in_their_own_worlds_never_see_each_other(
    shared: MockServer, e2e_data: E2EData
) -> None:
    control = mock_client(shared)
    base_before = control.state()
    workers = PYTHON_WORKERS + NODE_WORKERS
    start = threading.Barrier(workers)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(python_worker, shared, control, e2e_data, i, start)
            for i in range(PYTHON_WORKERS)
        ] + [
            pool.submit(node_worker, shared, control, e2e_data, PYTHON_WORKERS + i, start)
            for i in range(NODE_WORKERS)
        ]
        seen = [future.result(timeout=240) for future in futures]

    keys = {outcome["key"] for outcome in seen}
    assert len(keys) == workers
    for outcome in seen:
        journal = outcome["journal"]
        # A world's journal holds its own calls, and only those.
        assert journal
        assert {entry["api_key"] for entry in journal} == {outcome["key"]}
    # The Node workers' worlds recorded every call, three refused buys among them.
    for outcome in seen[PYTHON_WORKERS:]:
        refused = [e for e in outcome["journal"] if e["operation"] == "buy" and e["status"] == 420]
        assert len(refused) == CYCLES
    # The base world is as it began: no purchase, no fault, no call from any worker.
    assert control.state() == base_before
    assert control.faults() == []
    assert not {entry["api_key"] for entry in control.requests()} & keys
    listed = control.worlds()
    assert len(listed) == workers + 1
    for world in listed[1:]:
        control.delete_world(world["id"])
    assert [world["id"] for world in control.worlds()] == ["base"]
