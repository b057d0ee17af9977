"""A long mixed load against a real server: searches, lists, errors and the journal read by three
shipped accounts while two buyers buy, update and cancel their own numbers (the soak test, and
bench/soak.py which measures the memory under it)."""

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import requests

from mock_server.testing.client import MockClient

from .accounts import Account
from .data import shipped_accounts
from .traffic import HTTP_TIMEOUT, Failures

SOAK_SEED = 777
JOURNAL_SIZE = 1000  # the default: the server is started without --journal-size

SHIPPED = shipped_accounts()
BUYERS = (
    Account("soak0001", "SoakSecret000001", Decimal("100000.00")),
    Account("soak0002", "SoakSecret000002", Decimal("100000.00")),
)
# Each buyer buys and cancels its own numbers: the state stays the same size throughout.
BUYER_NUMBERS = {
    "soak0001": [str(n) for n in range(442079460000, 442079460040)],
    "soak0002": [str(n) for n in range(12125550100, 12125550140)],
}
BUYER_COUNTRY = {"soak0001": "GB", "soak0002": "US"}
READERS = (
    ("primary", SHIPPED["1a2b3c4d"]),
    ("sub", SHIPPED["5e6f7a8b"]),
    ("low", SHIPPED["9c0d1e2f"]),
)
SEARCH_COUNTRIES = ("GB", "US", "CA", "AU", "DE", "FR", "ES", "NL", "IT")


@dataclass
class Load:
    """Readers and buyers that call the server until `until` (a time.monotonic() value)."""

    url: str
    started: float
    until: float
    failures: Failures
    statuses: Counter[int] = field(default_factory=Counter)
    journal_full_at: float | None = None
    """Seconds into the load when a reader first saw JOURNAL_SIZE entries."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, status: int) -> None:
        with self.lock:
            self.statuses[status] += 1

    def reader(self, name: str, account: Account) -> None:
        """Searches with every kind of pattern and page, lists, the odd error, the journal."""
        rng = random.Random(f"{SOAK_SEED}-{name}")
        try:
            with requests.Session() as session:
                session.trust_env = False
                while time.monotonic() < self.until:
                    roll = rng.random()
                    if roll < 0.55:
                        params = {
                            "country": rng.choice(SEARCH_COUNTRIES),
                            "size": str(rng.choice([10, 50, 100])),
                            "index": str(rng.randint(1, 4)),
                        }
                        if rng.random() < 0.7:
                            # Random digits: the pool's per-pattern caches must stay bounded.
                            params["pattern"] = str(rng.randint(0, 99999))
                            params["search_pattern"] = str(rng.randint(0, 2))
                        answer = session.get(
                            f"{self.url}/number/search",
                            params=params,
                            auth=account.auth,
                            timeout=HTTP_TIMEOUT,
                        )
                    elif roll < 0.8:
                        params = {"size": "100"}
                        if rng.random() < 0.5:
                            params["pattern"] = str(rng.randint(0, 999))
                            params["search_pattern"] = str(rng.randint(0, 2))
                        answer = session.get(
                            f"{self.url}/account/numbers",
                            params=params,
                            auth=account.auth,
                            timeout=HTTP_TIMEOUT,
                        )
                    elif roll < 0.86:
                        # Errors go through the same renderer and journal: 401, 400, an injected
                        # 420, XML.
                        answer = session.get(
                            f"{self.url}/number/search",
                            params={"country": "GB", "size": rng.choice(["0", "100"])},
                            auth=(account.api_key, rng.choice([account.api_secret, "wrong"])),
                            headers={"Accept": "text/xml", "X-Mock-Fault": "420"}
                            if rng.random() < 0.3
                            else {"Accept": "application/xml"},
                            timeout=HTTP_TIMEOUT,
                        )
                    elif roll < 0.95:
                        # Now and then the whole journal: some 15 MB of JSON once it is full.
                        limit = rng.choice([10, 100, 100, 100, 1000])
                        answer = session.get(
                            f"{self.url}/_mock/requests",
                            params={"limit": str(limit)},
                            timeout=HTTP_TIMEOUT,
                        )
                        full = len(answer.json()["requests"]) == JOURNAL_SIZE == limit
                        if full and self.journal_full_at is None:
                            self.journal_full_at = time.monotonic() - self.started
                    else:
                        answer = session.get(f"{self.url}/_mock/state", timeout=HTTP_TIMEOUT)
                    self.count(answer.status_code)
        except Exception as error:
            self.failures.add(f"reader {name}: {error!r}")

    def buyer(self, account: Account) -> None:
        """Buys, updates (fresh values every time) and cancels its own numbers."""
        rng = random.Random(f"{SOAK_SEED}-{account.api_key}")
        country = BUYER_COUNTRY[account.api_key]
        numbers = BUYER_NUMBERS[account.api_key]
        owned: set[str] = set()
        seq = 0
        try:
            with requests.Session() as session:
                session.trust_env = False
                while time.monotonic() < self.until:
                    seq += 1
                    free = sorted(set(numbers) - owned)
                    roll = rng.random()
                    if free and (roll < 0.4 or not owned):
                        op, msisdn, fields = "buy", rng.choice(free), {}
                    elif roll < 0.75:
                        op, msisdn = "update", rng.choice(sorted(owned))
                        fields = {
                            "moHttpUrl": f"https://example.com/soak/{msisdn}/{seq}",
                            "app_id": f"50a50a50-0000-4000-8000-{seq:012d}",
                        }
                    else:
                        op, msisdn, fields = "cancel", rng.choice(sorted(owned)), {}
                    answer = session.post(
                        f"{self.url}/number/{op}",
                        data={"country": country, "msisdn": msisdn, **fields},
                        auth=account.auth,
                        timeout=HTTP_TIMEOUT,
                    )
                    self.count(answer.status_code)
                    if answer.status_code != 200:
                        self.failures.add(f"{op} {msisdn}: {answer.status_code} {answer.text}")
                        return
                    if op == "buy":
                        owned.add(msisdn)
                    elif op == "cancel":
                        owned.discard(msisdn)
        except Exception as error:
            self.failures.add(f"buyer {account.api_key}: {error!r}")


def start_load(url: str, seconds: float, failures: Failures) -> tuple[Load, list[threading.Thread]]:
    """The load and its threads (not started): three readers of the shipped accounts, two buyers.

    The buyers' accounts must exist first: `add_buyers`.
    """
    now = time.monotonic()
    load = Load(url, now, now + seconds, failures)
    threads = [
        *(threading.Thread(target=load.reader, args=reader) for reader in READERS),
        *(threading.Thread(target=load.buyer, args=(buyer,)) for buyer in BUYERS),
    ]
    return load, threads


def add_buyers(control: MockClient) -> None:
    for buyer in BUYERS:
        control.add_account(buyer.api_key, buyer.api_secret, str(buyer.balance))
