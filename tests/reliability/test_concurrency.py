"""Many clients at once against a real server process: one winner per number, and a sustained mix
of every operation from several accounts that keeps the state consistent throughout."""

import random
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from support.accounts import Account
from support.data import shipped_accounts
from support.documents import balances_in, countries_in, owners_in, prices_of
from support.figures import record_figures
from support.servers import Servers
from support.traffic import Call, Failures, VonageHttp, numbers_for_sale, run_threads

from mock_server.domain import messages
from mock_server.testing.client import MockClient

pytestmark = pytest.mark.e2e

SHIPPED = shipped_accounts()
PRIMARY, SUB, LOW = SHIPPED["1a2b3c4d"], SHIPPED["5e6f7a8b"], SHIPPED["9c0d1e2f"]
assert SUB.parent == PRIMARY.api_key
METHOD_FAILED = {"error-code": "420", "error-code-label": messages.METHOD_FAILED}
ADDRESS_REQUIRED = {"error-code": "420", "error-code-label": messages.ADDRESS_REQUIRED}


def country_of(msisdn: str) -> str:
    prefixes = {"44": "GB", "49": "DE", "33": "FR", "34": "ES", "31": "NL", "39": "IT", "61": "AU"}
    if msisdn[:2] in prefixes:
        return prefixes[msisdn[:2]]
    # +1: the shipped fixtures' Canadian numbers are in 403, 416, 514, 604 and 877.
    return "CA" if msisdn[1:4] in {"403", "416", "514", "604", "877"} else "US"


def open_accounts(control: MockClient, accounts: Iterable[Account]) -> None:
    for account in accounts:
        parent = account.parent
        control.add_account(account.api_key, account.api_secret, str(account.balance), parent)


# -- 1a. many clients, one number --------------------------------------------------------------

CLIENTS = 32
RACE_NUMBERS = (
    "447700900321",  # GB mobile range, 1.25
    "447700900999",  # GB single, 5.00 + 1.25
    "12015550150",  # US range, 0.90
    "14035550142",  # CA single, 0.90
    "61491570156",  # AU single, 4.50
    "4915155500042",  # DE range of 13-digit numbers, 4.00
    "33199000123",  # FR range, 1.00
    "318005550007",  # NL toll-free range, 9.00
)
RACE_ACCOUNTS = (
    Account("race0001", "RaceSecret000001", Decimal("100.00")),
    Account("race0002", "RaceSecret000002", Decimal("100.00")),
    Account("race0003", "RaceSecret000003", Decimal("100.00"), parent="race0001"),
)


@dataclass(frozen=True)
class Racer:
    caller: Account
    target: str | None

    @property
    def charged(self) -> str:
        return self.target or self.caller.api_key


def racers() -> list[Racer]:
    """32 clients: each shipped and added account, and masters buying for their subaccounts."""
    kinds = [
        Racer(PRIMARY, None),
        Racer(SUB, None),
        Racer(LOW, None),  # cannot afford any of RACE_NUMBERS: always a 420
        Racer(PRIMARY, SUB.api_key),
        *(Racer(a, None) for a in RACE_ACCOUNTS),
        Racer(RACE_ACCOUNTS[0], RACE_ACCOUNTS[2].api_key),
    ]
    return [kinds[i % len(kinds)] for i in range(CLIENTS)]


class Race:
    """CLIENTS threads, each with a connected session, released together by a barrier."""

    def __init__(self, url: str, clients: list[Racer]) -> None:
        self.clients = clients
        self.http = [VonageHttp(url, f"racer-{i}") for i in range(len(clients))]
        self.barrier = threading.Barrier(len(clients))
        self.failures = Failures()
        self.in_flight: list[int] = []
        """Per round: how many calls had been sent when the first answer came."""

    def run(self, rounds: list[list[tuple[str, dict[str, str], bool]]]) -> list[list[Call]]:
        """Per round, each client i makes call rounds[r][i] = (op, params, use its target)."""
        results: list[list[Call | None]] = [[None] * len(self.clients) for _ in rounds]

        def client(i: int) -> None:
            try:
                self.http[i].warm_up()
                for r, calls in enumerate(rounds):
                    op, params, targeted = calls[i]
                    target = self.clients[i].target if targeted else None
                    self.barrier.wait(timeout=60)
                    results[r][i] = self.http[i].call(op, self.clients[i].caller, params, target)
            except Exception as error:
                self.failures.add(f"client {i}: {error!r}")
                self.barrier.abort()

        threads = [threading.Thread(target=client, args=(i,)) for i in range(len(self.clients))]
        try:
            run_threads(threads, timeout=120)
        finally:
            for http in self.http:
                http.close()
        assert not self.failures, list(self.failures)
        done = [[call for call in calls if call is not None] for calls in results]
        for calls in done:
            first_answer = min(call.answered for call in calls)
            self.in_flight.append(sum(call.sent < first_answer for call in calls))
        return done


def test_many_clients_buying_the_same_number_exactly_one_wins(servers: Servers) -> None:
    server = servers.start()
    control = MockClient(server.http_url)
    open_accounts(control, RACE_ACCOUNTS)
    start = control.state()
    start_health = control.health()
    prices = prices_of(start, list(RACE_NUMBERS))
    assert min(prices.values()) > LOW.balance  # the low-credit client is always refused
    clients = racers()
    race = Race(server.http_url, clients)

    # Buy: every client at once, for each number in turn.
    buys = [
        [("buy", {"country": country_of(m), "msisdn": m}, True) for _ in clients]
        for m in RACE_NUMBERS
    ]
    bought = race.run(buys)
    in_flight = list(race.in_flight)
    # Released together: in some race most clients had sent their call before the first answer.
    assert max(in_flight) >= CLIENTS // 4, in_flight

    after_buys = control.state()
    owners = owners_in(after_buys)
    charged: Counter[str] = Counter()
    winners: dict[str, Racer] = {}
    for msisdn, calls in zip(RACE_NUMBERS, bought, strict=True):
        assert len(calls) == CLIENTS
        statuses = Counter(call.status for call in calls)
        assert statuses == {200: 1, 420: CLIENTS - 1}, (msisdn, statuses)
        assert all(call.body == METHOD_FAILED for call in calls if not call.ok), msisdn
        (winner,) = [i for i, call in enumerate(calls) if call.ok]
        winners[msisdn] = clients[winner]
        # Owned by exactly one account: the one the winning call charged.
        assert owners.get(msisdn) == [clients[winner].charged], (msisdn, owners.get(msisdn))
        charged[clients[winner].charged] += 1
    assert sum(charged.values()) == len(RACE_NUMBERS)

    # Each account paid for exactly the numbers it won; nobody else paid anything.
    start_balances, balances = balances_in(start), balances_in(after_buys)
    for api_key, balance in start_balances.items():
        paid = sum((prices[m] for m, r in winners.items() if r.charged == api_key), Decimal(0))
        assert balances[api_key] == balance - paid, api_key
    health = control.health()
    assert health["available"] == start_health["available"] - len(RACE_NUMBERS)
    assert health["owned"] == start_health["owned"] + len(RACE_NUMBERS)

    # Update: every client at once, all acting as the owner; each succeeds, one value remains.
    def as_owner(msisdn: str) -> list[Racer]:
        owner = winners[msisdn]
        # The master of a subaccount cannot update for it (update has no target_api_key).
        account = next(a for a in [*SHIPPED.values(), *RACE_ACCOUNTS] if a.api_key == owner.charged)
        return [Racer(account, None)] * CLIENTS

    for msisdn in RACE_NUMBERS:
        owner_race = Race(server.http_url, as_owner(msisdn))
        urls = [f"https://example.com/race/{msisdn}/{i}" for i in range(CLIENTS)]
        country = country_of(msisdn)
        (updates,) = owner_race.run(
            [
                [
                    ("update", {"country": country, "msisdn": msisdn, "moHttpUrl": u}, False)
                    for u in urls
                ]
            ]
        )
        assert Counter(call.status for call in updates) == {200: CLIENTS}, msisdn
        (entry,) = [o for o in control.state()["owned"] if o["msisdn"] == msisdn]
        assert entry["moHttpUrl"] in urls

        # Cancel: every client at once; one succeeds, the number is on sale again, no refund.
        before = balances_in(control.state())
        (cancels,) = owner_race.run(
            [[("cancel", {"country": country, "msisdn": msisdn}, False)] * CLIENTS]
        )
        assert Counter(call.status for call in cancels) == {200: 1, 420: CLIENTS - 1}, msisdn
        assert all(call.body == METHOD_FAILED for call in cancels if not call.ok)
        state = control.state()
        assert msisdn not in owners_in(state)
        assert balances_in(state) == before
        in_flight += owner_race.in_flight
    assert control.health() == start_health
    for_sale = set(numbers_for_sale(server.http_url, PRIMARY, countries_in(start)))
    assert set(RACE_NUMBERS) <= for_sale
    record_figures(
        "concurrency.same_number",
        concurrent_clients=CLIENTS,
        numbers_raced=len(RACE_NUMBERS),
        requests=len(RACE_NUMBERS) * CLIENTS * 3,
        in_flight_at_first_answer=f"min {min(in_flight)}, max {max(in_flight)}",
    )


# -- 1b. a sustained mix -----------------------------------------------------------------------

MIX_SECONDS = 12.0
MIX_SEED = 20250601
SAMPLE_EVERY = 0.4
MIX_ACCOUNTS = (
    Account("mixa0001", "MixSecret0000001", Decimal("40.00")),
    Account("mixb0001", "MixSecret0000002", Decimal("15.00")),
    Account("mixc0001", "MixSecret0000003", Decimal("8.00"), parent="mixa0001"),
)
MIX_A, MIX_B, MIX_C = MIX_ACCOUNTS
# Numbers every worker competes for: in several blocks and prices, and one in Italy, which nobody
# may buy without a local address.
MIX_NUMBERS = (
    *(f"4416149600{n}" for n in range(10, 16)),  # GB landline, 0.45: the low-credit account's
    *(f"4477009000{n}" for n in range(10, 22)),  # GB mobile, 1.25
    *(f"120155501{n}" for n in range(10, 22)),  # US, 0.90
    "447700900999",  # GB, 6.25
    "17025550199",  # US, 1.90
    "14035550142",  # CA, 0.90
    "31655500999",  # NL, 6.40
    *(f"49151555000{n}" for n in range(10, 16)),  # DE, 4.00
)
ITALIAN = "390655500010"


@dataclass(frozen=True)
class Worker:
    name: str
    account: Account
    buys_for: str | None = None
    """A subaccount this worker's master also buys for (it never cancels for it)."""


MIX_WORKERS = (
    Worker("primary", PRIMARY, buys_for=SUB.api_key),
    Worker("sub", SUB),
    Worker("low", LOW),
    Worker("a", MIX_A, buys_for=MIX_C.api_key),
    Worker("b", MIX_B),
    Worker("c", MIX_C),
)


def mix_worker(
    worker: Worker,
    http: VonageHttp,
    rng: random.Random,
    until: float,
    failures: Failures,
) -> None:
    """Back-to-back calls until `until`: buys anywhere, cancels and updates of its own numbers
    (as it knows them from its calls and lists), searches and lists."""
    mine: set[str] = set()
    try:
        while time.monotonic() < until:
            roll = rng.random()
            if roll < 0.35:
                msisdn = rng.choice([*MIX_NUMBERS, ITALIAN])
                target = worker.buys_for if worker.buys_for and rng.random() < 0.25 else None
                params = {"country": country_of(msisdn), "msisdn": msisdn}
                call = http.call("buy", worker.account, params, target)
                if call.ok and target is None:
                    mine.add(msisdn)
            elif roll < 0.55 and mine:
                msisdn = rng.choice(sorted(mine))
                params = {"country": country_of(msisdn), "msisdn": msisdn}
                call = http.call("cancel", worker.account, params)
                mine.discard(msisdn)
            elif roll < 0.75 and mine:
                msisdn = rng.choice(sorted(mine))
                url = f"https://example.com/{worker.account.api_key}/{msisdn}/{len(http.calls)}"
                params = {"country": country_of(msisdn), "msisdn": msisdn, "moHttpUrl": url}
                if rng.random() < 0.2:
                    params["moHttpUrl"] = ""  # clears it
                http.call("update", worker.account, params)
            elif roll < 0.87:
                country, pattern = rng.choice(
                    [("GB", "4477009000"), ("GB", "44161496"), ("US", "1201555"), ("DE", "4915")]
                )
                params = {"country": country, "pattern": pattern, "size": str(rng.randint(1, 100))}
                params["index"] = str(rng.randint(1, 3))
                http.call("search", worker.account, params)
            else:
                call = http.call("list", worker.account, {"size": "100"})
                if call.ok:
                    mine = {n["msisdn"] for n in call.body.get("numbers", [])}
    except Exception as error:
        failures.add(f"worker {worker.name}: {error!r}")


@dataclass
class Sample:
    sent: float
    answered: float
    state: dict[str, Any]
    health: dict[str, Any]


def sampler(control: MockClient, until: float, samples: list[Sample], failures: Failures) -> None:
    try:
        while time.monotonic() < until:
            sent = time.monotonic()
            health = dict(control.health())
            state = control.state()
            samples.append(Sample(sent, time.monotonic(), state, health))
            time.sleep(SAMPLE_EVERY)
    except Exception as error:
        failures.add(f"sampler: {error!r}")


class History:
    """The successful buys and cancels, to bound what a snapshot taken at some moment holds.

    A call takes effect at one instant between its sending and its answer; a snapshot (a state
    document, an account's list) is taken at one instant between its own sending and answer.
    """

    def __init__(self, calls: list[Call], prices: dict[str, Decimal]) -> None:
        self.prices = prices
        self.changes = [c for c in calls if c.ok and c.op in ("buy", "cancel")]
        self._by_number: dict[tuple[str, str], list[Call]] = {}
        self._buys: dict[str, list[Call]] = {}
        for call in self.changes:
            self._by_number.setdefault((call.charged, call.msisdn or ""), []).append(call)
            if call.op == "buy":
                self._buys.setdefault(call.charged, []).append(call)

    def owned_bounds(self, api_key: str, msisdn: str, sent: float, answered: float) -> range:
        """How many times more `api_key` bought than cancelled `msisdn`, at the snapshot."""
        mine = self._by_number.get((api_key, msisdn), [])
        low = sum(c.answered < sent for c in mine if c.op == "buy") - sum(
            c.sent < answered for c in mine if c.op == "cancel"
        )
        high = sum(c.sent < answered for c in mine if c.op == "buy") - sum(
            c.answered < sent for c in mine if c.op == "cancel"
        )
        return range(low, high + 1)

    def paid_bounds(self, api_key: str, sent: float, answered: float) -> tuple[Decimal, Decimal]:
        """What `api_key` had surely paid, and at most paid, at the snapshot."""
        buys = self._buys.get(api_key, [])
        surely = sum((self.prices[c.msisdn or ""] for c in buys if c.answered < sent), Decimal(0))
        maybe = sum((self.prices[c.msisdn or ""] for c in buys if c.sent < answered), Decimal(0))
        return surely, maybe

    def surplus(self, api_key: str, msisdn: str) -> int:
        mine = self._by_number.get((api_key, msisdn), [])
        return sum(c.op == "buy" for c in mine) - sum(c.op == "cancel" for c in mine)


def expected_config(calls: list[Call], worker: Worker, msisdn: str) -> str | None:
    """moHttpUrl after the worker's own calls: its last update since it last cancelled it."""
    url: str | None = None
    for call in calls:
        if call.worker != worker.name or call.msisdn != msisdn or not call.ok:
            continue
        if call.op == "cancel":
            url = None
        elif call.op == "update":
            url = call.params["moHttpUrl"] or None
    return url


def test_sustained_mix_keeps_the_state_consistent_throughout(servers: Servers) -> None:
    server = servers.start()
    control = MockClient(server.http_url)
    open_accounts(control, MIX_ACCOUNTS)
    start = control.state()
    start_health = control.health()
    total = start_health["available"] + start_health["owned"]
    accounts = {a.api_key: a for a in [*SHIPPED.values(), *MIX_ACCOUNTS]}
    assert set(balances_in(start)) == set(accounts)
    assert not set(MIX_NUMBERS) & set(owners_in(start)), "the mix numbers must be for sale"
    prices = prices_of(start, list(MIX_NUMBERS))
    prices[ITALIAN] = Decimal(0)  # never bought

    failures = Failures()
    samples: list[Sample] = []
    https = {w.name: VonageHttp(server.http_url, w.name) for w in MIX_WORKERS}
    until = time.monotonic() + MIX_SECONDS
    threads = [
        threading.Thread(
            target=mix_worker,
            args=(w, https[w.name], random.Random(f"{MIX_SEED}-{w.name}"), until, failures),
            name=f"mix-{w.name}",
        )
        for w in MIX_WORKERS
    ]
    threads.append(
        threading.Thread(target=sampler, args=(control, until, samples, failures), name="sampler")
    )
    try:
        run_threads(threads, timeout=MIX_SECONDS + 60)
    finally:
        for http in https.values():
            http.close()
    assert not failures, list(failures)
    calls = sorted((c for h in https.values() for c in h.calls), key=lambda c: c.sent)
    end = control.state()
    end_health = control.health()

    # Every call answered, never a 5xx; refusals are the Vonage 420s and nothing else.
    assert [c for c in calls if c.error is not None] == []
    statuses = Counter(c.status for c in calls)
    assert set(statuses) <= {200, 420}, statuses
    for call in calls:
        if call.status == 420:
            expected = ADDRESS_REQUIRED if call.msisdn == ITALIAN else METHOD_FAILED
            assert call.body == expected, call
    assert not [c for c in calls if c.msisdn == ITALIAN and c.ok]
    for_sale_only = [c for c in calls if c.op in ("search", "list")]
    assert all(c.ok for c in for_sale_only), [c for c in for_sale_only if not c.ok][:3]
    ops = Counter(c.op for c in calls if c.ok)
    assert min(ops[op] for op in ("buy", "cancel", "update", "search", "list")) >= 5, ops
    lost_races = [c for c in calls if c.op == "buy" and c.status == 420 and c.msisdn != ITALIAN]
    assert lost_races, "no buy ever met a number that was taken: no contention was tested"

    history = History(calls, prices)
    check_samples(samples, history, accounts, start, total)
    check_lists(calls, history)
    check_searches(calls, history, accounts)

    # At the end: each number owned once at most, by the account the calls say; balances paid.
    owners = owners_in(end)
    assert all(len(keys) == 1 for keys in owners.values()), owners
    for api_key in accounts:
        for msisdn in MIX_NUMBERS:
            surplus = history.surplus(api_key, msisdn)
            assert surplus in (0, 1), (api_key, msisdn, surplus)
            assert (owners.get(msisdn) == [api_key]) == (surplus == 1), (api_key, msisdn)
    start_balances, end_balances = balances_in(start), balances_in(end)
    for api_key in accounts:
        paid = sum(
            (
                prices[c.msisdn or ""]
                for c in history.changes
                if c.op == "buy" and c.charged == api_key
            ),
            Decimal(0),
        )
        assert end_balances[api_key] == start_balances[api_key] - paid, api_key
        assert end_balances[api_key] >= 0
    # A number's configuration is what its owner last set since it had it (cancel clears it).
    for entry in end["owned"]:
        worker = next((w for w in MIX_WORKERS if w.account.api_key == entry["api_key"]), None)
        if worker is None or entry["msisdn"] not in MIX_NUMBERS:
            continue
        assert entry.get("moHttpUrl") == expected_config(calls, worker, entry["msisdn"]), entry

    # Counts add up, and nothing is both for sale and owned.
    assert end_health["available"] + end_health["owned"] == total
    for_sale = numbers_for_sale(server.http_url, PRIMARY, countries_in(start))
    assert len(for_sale) == len(set(for_sale)) == end_health["available"]
    assert not set(for_sale) & set(owners)
    assert set(MIX_NUMBERS) - set(owners) <= set(for_sale)
    record_figures(
        "concurrency.mix",
        seconds=MIX_SECONDS,
        workers=len(MIX_WORKERS),
        requests=len(calls) + 2 * len(samples),
        vonage_calls=dict(Counter(c.op for c in calls)),
        successes=dict(ops),
        lost_races=len(lost_races),
        state_samples=len(samples),
    )


def check_samples(
    samples: list[Sample],
    history: History,
    accounts: dict[str, Account],
    start: dict[str, Any],
    total: int,
) -> None:
    """Each snapshot taken during the mix agrees with the calls made around it."""
    assert len(samples) >= 5, f"only {len(samples)} state samples"
    start_balances = balances_in(start)
    previous = start_balances
    for i, sample in enumerate(samples):
        health = sample.health
        assert health["available"] + health["owned"] == total, (i, health)
        assert health["accounts"] == len(accounts)
        owners = owners_in(sample.state)
        doubles = {m: keys for m, keys in owners.items() if len(keys) > 1}
        assert not doubles, (i, doubles)
        balances = balances_in(sample.state)
        for api_key in accounts:
            # Balances only ever go down, by what acknowledged buys cost, and never below zero.
            surely, maybe = history.paid_bounds(api_key, sample.sent, sample.answered)
            balance = balances[api_key]
            assert start_balances[api_key] - maybe <= balance, (i, api_key)
            assert balance <= start_balances[api_key] - surely, (i, api_key)
            assert 0 <= balance <= previous[api_key], (i, api_key)
            for msisdn in MIX_NUMBERS:
                held = int(owners.get(msisdn) == [api_key])
                bounds = history.owned_bounds(api_key, msisdn, sample.sent, sample.answered)
                assert held in bounds, (i, api_key, msisdn, held, bounds)
        previous = balances


def check_lists(calls: list[Call], history: History) -> None:
    """An account's list is a snapshot too: of its own numbers only."""
    for call in calls:
        if call.op != "list" or not call.ok:
            continue
        listed = {n["msisdn"] for n in call.body.get("numbers", [])}
        assert call.body["count"] == len(listed)
        for msisdn in MIX_NUMBERS:
            bounds = history.owned_bounds(call.caller, msisdn, call.sent, call.answered)
            assert int(msisdn in listed) in bounds, (call, msisdn, bounds)


def check_searches(calls: list[Call], history: History, accounts: dict[str, Account]) -> None:
    """A search is a snapshot of the pool: a number it offers is owned by nobody at that moment,
    so no account can have surely owned it then."""
    for call in calls:
        if call.op != "search" or not call.ok:
            continue
        for number in call.body.get("numbers", []):
            msisdn = number["msisdn"]
            if msisdn not in MIX_NUMBERS:
                continue
            for api_key in accounts:
                bounds = history.owned_bounds(api_key, msisdn, call.sent, call.answered)
                assert 0 in bounds, (call, msisdn, api_key, bounds)
