"""Fault rules of the control plane, against real server processes, seen through the official
clients: a one-shot 420, seeded probabilities, dropped connections, rules given at start.

What each client makes of a dropped connection (no answer at all):
- vonage 4.x raises `requests.exceptions.ConnectionError` (RemoteDisconnected), but only after its
  own loop has retried the call `pool_maxsize` times (10), and urllib3 has retried each GET of
  them `max_retries` times (3): a `times=1` drop is absorbed and the call succeeds.
- nexmo 2.5 raises `requests.exceptions.ConnectionError` at once (a plain Session, no retries).
- the Node SDK rejects with a network error that carries no HTTP status, and does not retry.
"""

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
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
from vonage_http_client import HttpRequestError
from vonage_numbers import (
    ListOwnedNumbersFilter,
    NumberParams,
    NumbersStatus,
    SearchAvailableNumbersFilter,
)

from mock_server.testing.client import MockClient

pytestmark = pytest.mark.e2e

SUCCESS = NumbersStatus(**{"error-code": "200", "error-code-label": "success"})
NODE_SUCCESS = {"errorCode": "200", "errorCodeLabel": "success"}
METHOD_FAILED_BODY = {"error-code": "420", "error-code-label": "method failed"}
UNAVAILABLE_BODY = {"error-code": "503", "error-code-label": "service unavailable"}

SEED = 4242
OTHER_SEED = 2424  # fixed: its first 20 draws at p=0.5 differ from those of 4242
SEARCHES = 20


def gb_search(pattern: str = "447700900") -> SearchAvailableNumbersFilter:
    return SearchAvailableNumbersFilter(country="GB", pattern=pattern, search_pattern=0)


def owned_msisdns(vonage: Vonage) -> set[str]:
    numbers, _, _ = vonage.numbers.list_owned_numbers(ListOwnedNumbersFilter(size=100))
    return {n.msisdn for n in numbers if n.msisdn is not None}


def for_sale(vonage: Vonage, msisdn: str) -> bool:
    found, _, _ = vonage.numbers.search_available_numbers(gb_search(msisdn))
    return [n.msisdn for n in found] == [msisdn]


def journal(mock: MockClient, **query: Any) -> list[tuple[int | None, str | None]]:
    return [(entry["status"], entry["fault"]) for entry in mock.requests(**query)]


# -- 1. a one-shot 420 -------------------------------------------------------------------------


def test_one_shot_420_fails_the_next_python_buy_only(
    mock_server: MockServer, mock: MockClient, sdks: SdkClients, e2e_data: E2EData
) -> None:
    vonage = sdks.vonage(mock_server, e2e_data.primary)
    msisdn = e2e_data.gb_available[0]
    params = NumberParams(country="GB", msisdn=msisdn)

    rule = mock.add_fault("buy", status=420, times=1)
    assert (rule["operation"], rule["status"], rule["times"], rule["fired"]) == ("buy", 420, 1, 0)
    assert mock.faults() == [rule]

    with pytest.raises(HttpRequestError) as first:
        vonage.numbers.buy_number(params)
    assert type(first.value) is HttpRequestError  # the SDK has no subclass for 420
    assert first.value.response.status_code == 420
    assert first.value.response.json() == METHOD_FAILED_BODY
    assert msisdn not in owned_msisdns(vonage)
    assert for_sale(vonage, msisdn)
    assert mock.faults() == []  # spent after one firing

    assert vonage.numbers.buy_number(params) == SUCCESS
    assert msisdn in owned_msisdns(vonage)
    assert not for_sale(vonage, msisdn)

    buys = mock.requests(operation="buy")
    assert [(b["status"], b["fault"]) for b in buys] == [
        (420, f"{rule['id']}: 420 method failed"),
        (200, None),
    ]
    assert all(b["params"]["msisdn"] == msisdn for b in buys)


def test_one_shot_420_fails_the_next_node_buy_only(
    mock_server: MockServer, mock: MockClient, e2e_data: E2EData
) -> None:
    msisdn = e2e_data.gb_available[1]
    buy = {"op": "buy", "params": {"country": "GB", "msisdn": msisdn}}
    owned = {"op": "owned", "params": {"size": 100}}

    rule = mock.add_fault("buy", status=420, times=1)
    owned_start, refused, owned_refused, bought, owned_bought = run_node_calls(
        mock_server, e2e_data.primary, [owned, buy, owned, buy, owned]
    )

    assert not refused["ok"], refused
    assert refused["error"]["status"] == 420
    assert refused["error"]["message"] == "Request failed with status code 420"
    assert refused["error"]["body"] == METHOD_FAILED_BODY
    assert bought["ok"], bought
    assert bought["result"] == NODE_SUCCESS

    def numbers(outcome: dict[str, Any]) -> set[str]:
        assert outcome["ok"], outcome
        return {n["msisdn"] for n in outcome["result"].get("numbers", [])}

    assert msisdn not in numbers(owned_start)
    assert numbers(owned_refused) == numbers(owned_start)
    assert numbers(owned_bought) == numbers(owned_start) | {msisdn}
    assert journal(mock, operation="buy") == [
        (420, f"{rule['id']}: 420 method failed"),
        (200, None),
    ]


# -- 2. seeded probability ---------------------------------------------------------------------


def search_outcome(vonage: Vonage, e2e_data: E2EData) -> str:
    """One SDK search: "ok", or "503" when it raised the injected 503."""
    failure: HttpRequestError | None = None
    try:
        _, count, _ = vonage.numbers.search_available_numbers(gb_search())
    except HttpRequestError as error:
        failure = error
    if failure is None:
        assert count == len(e2e_data.gb_available)
        return "ok"
    assert type(failure) is HttpRequestError, failure  # no subclass for 503
    assert failure.response.status_code == 503, failure
    assert failure.response.json() == UNAVAILABLE_BODY
    return "503"


def searches_under_a_coin_flip(workdir: Path, seed: int, e2e_data: E2EData) -> list[str]:
    """A new server with `--seed seed`, a 503 rule of probability 0.5 on search, and 20 SDK
    searches: their outcomes, "ok" or "503" (checked against the journal). The server is then
    reset, the same rule added again, and the 20 searches repeated: the same outcomes."""
    workdir.mkdir()
    server = start_mock_server(workdir, extra_args=["--seed", str(seed)])
    clients = SdkClients()
    try:
        vonage = clients.vonage(server, e2e_data.primary)
        mock = mock_client(server)
        assert requests.get(f"{server.http_url}/_mock/faults", timeout=10).json()["seed"] == seed

        def run() -> list[str]:
            rule = mock.add_fault("search", status=503, probability=0.5)
            outcomes = [search_outcome(vonage, e2e_data) for _ in range(SEARCHES)]
            assert journal(mock, operation="search") == [
                (200, None) if outcome == "ok" else (503, f"{rule['id']}: 503 service unavailable")
                for outcome in outcomes
            ]
            (spent,) = mock.faults()
            assert spent["fired"] == outcomes.count("503")
            return outcomes

        first = run()
        mock.reset()  # a new plan, its generator back at the seed
        assert run() == first
        return first
    finally:
        clients.close()
        stop_mock_server(server)


def test_the_same_seed_gives_the_same_outcomes_in_two_processes(
    tmp_path: Path, e2e_data: E2EData
) -> None:
    runs = {"first": SEED, "second": SEED, "other": OTHER_SEED}
    with ThreadPoolExecutor(len(runs)) as pool:  # three processes at once, only to save time
        futures = {
            name: pool.submit(searches_under_a_coin_flip, tmp_path / name, seed, e2e_data)
            for name, seed in runs.items()
        }
        first, second, other = (futures[name].result() for name in runs)

    assert len(first) == SEARCHES
    assert {"ok", "503"} == set(first), first
    assert second == first
    assert other != first


# -- 3. drop -----------------------------------------------------------------------------------


def test_drop_raises_connection_error_in_python_sdk_and_the_server_goes_on(
    mock_server: MockServer, mock: MockClient, sdks: SdkClients, e2e_data: E2EData
) -> None:
    vonage = sdks.vonage(mock_server, e2e_data.primary)
    msisdn = e2e_data.gb_available[2]
    params = NumberParams(country="GB", msisdn=msisdn)

    rule = mock.add_fault("buy", drop=True)
    with pytest.raises(requests.exceptions.ConnectionError) as dropped:
        vonage.numbers.buy_number(params)
    assert type(dropped.value) is requests.exceptions.ConnectionError
    assert "RemoteDisconnected" in str(dropped.value.args)
    assert dropped.value.response is None

    # The SDK's own loop retried the call on RemoteDisconnected, pool_maxsize times in all; every
    # attempt was dropped, with no status and no answer, and nothing was bought.
    attempts = vonage.http_client.http_client_options.pool_maxsize
    assert journal(mock, operation="buy") == [(None, f"{rule['id']}: drop")] * attempts
    assert all(entry["response"] is None for entry in mock.requests(operation="buy"))
    assert for_sale(vonage, msisdn)
    assert msisdn not in owned_msisdns(vonage)

    mock.remove_fault(rule["id"])
    assert vonage.numbers.buy_number(params) == SUCCESS
    assert msisdn in owned_msisdns(vonage)


def test_a_one_shot_drop_is_absorbed_by_the_python_sdks_retries(
    mock_server: MockServer, mock: MockClient, sdks: SdkClients, e2e_data: E2EData
) -> None:
    vonage = sdks.vonage(mock_server, e2e_data.primary)
    msisdn = e2e_data.gb_available[3]

    rule = mock.add_fault("buy", drop=True, times=1)
    assert vonage.numbers.buy_number(NumberParams(country="GB", msisdn=msisdn)) == SUCCESS
    assert journal(mock, operation="buy") == [(None, f"{rule['id']}: drop"), (200, None)]
    assert msisdn in owned_msisdns(vonage)


def test_drop_raises_connection_error_in_nexmo_and_the_server_goes_on(
    mock_server: MockServer, mock: MockClient, sdks: SdkClients, e2e_data: E2EData
) -> None:
    nx = sdks.legacy(mock_server, e2e_data.primary)
    number = {"country": "GB", "msisdn": e2e_data.gb_available[4]}

    rule = mock.add_fault("buy", drop=True)
    with pytest.raises(requests.exceptions.ConnectionError) as dropped:
        nx.buy_number(number)
    assert type(dropped.value) is requests.exceptions.ConnectionError
    assert dropped.value.response is None
    assert journal(mock, operation="buy") == [(None, f"{rule['id']}: drop")]  # no retry

    mock.remove_fault(rule["id"])
    assert nx.buy_number(number) == {"error-code": "200", "error-code-label": "success"}
    owned = nx.get_account_numbers(size=100)
    assert number["msisdn"] in [n["msisdn"] for n in owned["numbers"]]


def test_drop_rejects_the_node_sdk_with_a_network_error_and_the_server_goes_on(
    mock_server: MockServer, mock: MockClient, e2e_data: E2EData
) -> None:
    msisdn = e2e_data.gb_available[5]
    buy = {"op": "buy", "params": {"country": "GB", "msisdn": msisdn}}
    search = {"op": "search", "params": {"country": "GB", "pattern": msisdn, "searchPattern": 0}}
    owned = {"op": "owned", "params": {"size": 100}}

    rule = mock.add_fault("*", drop=True, times=3)
    outcomes = run_node_calls(mock_server, e2e_data.primary, [buy, search, owned, buy, owned])
    *dropped, bought, owned_after = outcomes

    for outcome in dropped:
        assert not outcome["ok"], outcome
        error = outcome["error"]
        assert error["status"] is None, error  # no HTTP answer at all
        assert error["body"] is None, error
        assert isinstance(error["code"], str), error  # a network error code, e.g. ECONNRESET
        assert error["code"], error
    assert bought["ok"], bought
    assert bought["result"] == NODE_SUCCESS
    assert owned_after["ok"], owned_after
    assert msisdn in [n["msisdn"] for n in owned_after["result"]["numbers"]]

    # The Node SDK did not retry: one journal entry per call.
    drop = (None, f"{rule['id']}: drop")
    assert journal(mock) == [drop, drop, drop, (200, None), (200, None)]
    assert mock.faults() == []


# -- 9. rules given at start -------------------------------------------------------------------


def test_rules_of_a_faults_file_are_active_from_the_first_call(
    tmp_path: Path, sdks: SdkClients, e2e_data: E2EData
) -> None:
    refused = e2e_data.gb_available[6]
    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps(
            [
                {"operation": "search", "status": 503, "times": 1},
                {"operation": "buy", "match": {"msisdn": refused}, "status": 420},
            ]
        ),
        encoding="utf-8",
    )
    server = start_mock_server(tmp_path, extra_args=["--faults", str(rules)])
    try:
        mock = mock_client(server)
        installed = [(r["operation"], r["status"], r["times"], r["fired"]) for r in mock.faults()]
        assert installed == [("search", 503, 1, 0), ("buy", 420, None, 0)]
        assert mock.requests() == []

        vonage = sdks.vonage(server, e2e_data.primary)
        for _ in range(2):  # the start rules come back after a reset
            with pytest.raises(HttpRequestError) as first_call:
                vonage.numbers.search_available_numbers(gb_search())
            assert first_call.value.response.status_code == 503
            _, count, _ = vonage.numbers.search_available_numbers(gb_search())
            assert count == len(e2e_data.gb_available)

            with pytest.raises(HttpRequestError) as buy:
                vonage.numbers.buy_number(NumberParams(country="GB", msisdn=refused))
            assert buy.value.response.status_code == 420
            other = NumberParams(country="GB", msisdn=e2e_data.gb_available[7])
            assert vonage.numbers.buy_number(other) == SUCCESS

            entries = mock.requests()
            assert entries[0]["id"] == min(entry["id"] for entry in entries)
            assert [(e["operation"], e["status"]) for e in entries] == [
                ("search", 503),
                ("search", 200),
                ("buy", 420),
                ("buy", 200),
            ]
            assert [e["fault"] is not None for e in entries] == [True, False, True, False]
            mock.reset()
    finally:
        sdks.close()
        stop_mock_server(server)


@pytest.mark.parametrize(
    ("rules", "location"),
    [
        pytest.param([{"operation": "buy", "status": 418}], "[0].status", id="unknown-status"),
        pytest.param(
            [
                {"operation": "buy", "status": 420},
                {"operation": "search", "probability": 1.5, "status": 503},
            ],
            "[1].probability",
            id="probability-above-1",
        ),
        pytest.param(
            [{"operation": "buy", "drop": True, "status": 420}], "[0].status", id="drop-and-status"
        ),
    ],
)
def test_a_broken_faults_file_stops_the_start_naming_file_and_field(
    tmp_path: Path, rules: list[dict[str, Any]], location: str
) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(rules), encoding="utf-8")
    result = run_server_cli("--fixtures", str(E2E_FIXTURES), "--faults", str(path))
    assert result.returncode == 2, result.stderr
    assert f"{path}: {location}: " in result.stderr
    assert "Traceback" not in result.stderr
