"""A bounded soak: most of a minute of mixed load against a real server while its resident memory
is sampled every second; the memory must stay flat once warmed up (the request journal, at its
default bound of 1000 entries, fills within the first seconds)."""

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
import requests
from support.accounts import Account
from support.data import shipped_accounts
from support.figures import record_figures, rss_kib
from support.servers import Servers
from support.traffic import HTTP_TIMEOUT, Failures, run_threads

from mock_server.testing.client import MockClient

pytestmark = pytest.mark.e2e

SOAK_SECONDS = 48.0
SOAK_SEED = 777
JOURNAL_SIZE = 1000  # the default: the server is started without --journal-size
MARGIN_KIB = 15 * 1024
MARGIN_SHARE = 0.20

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
SEARCH_COUNTRIES = ("GB", "US", "CA", "AU", "DE", "FR", "ES", "NL", "IT")


@dataclass
class Load:
    url: str
    until: float
    failures: Failures
    statuses: Counter[int] = field(default_factory=Counter)
    journal_full_at: float | None = None
    """Seconds into the soak when a reader first saw JOURNAL_SIZE entries."""
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
                            self.journal_full_at = SOAK_SECONDS - (self.until - time.monotonic())
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


def sample_rss(
    pid: int, until: float, samples: list[tuple[float, int]], failures: Failures
) -> None:
    started = time.monotonic()
    while (now := time.monotonic()) < until:
        rss = rss_kib(pid)
        if rss is None:
            failures.add("the server process is gone")
            return
        samples.append((now - started, rss))
        time.sleep(max(0.0, 1.0 - (time.monotonic() - now)))


def test_memory_stays_flat_under_a_minute_of_mixed_load(servers: Servers) -> None:
    server = servers.start()
    control = MockClient(server.http_url)
    for buyer in BUYERS:
        control.add_account(buyer.api_key, buyer.api_secret, str(buyer.balance))
    start_health = control.health()

    failures = Failures()
    samples: list[tuple[float, int]] = []
    load = Load(server.http_url, time.monotonic() + SOAK_SECONDS, failures)
    readers = [
        ("primary", SHIPPED["1a2b3c4d"]),
        ("sub", SHIPPED["5e6f7a8b"]),
        ("low", SHIPPED["9c0d1e2f"]),
    ]
    pid = server.process.pid
    threads = [
        threading.Thread(target=sample_rss, args=(pid, load.until, samples, failures)),
        *(threading.Thread(target=load.reader, args=reader) for reader in readers),
        *(threading.Thread(target=load.buyer, args=(buyer,)) for buyer in BUYERS),
    ]
    run_threads(threads, timeout=SOAK_SECONDS + 60)
    assert not failures, list(failures)

    journal = control.requests()
    end_health = control.health()
    requests_made = sum(load.statuses.values())
    quarter = SOAK_SECONDS / 4
    first = [rss for t, rss in samples if t < quarter]
    last = [rss for t, rss in samples if t >= SOAK_SECONDS - quarter]
    warm = max(first)
    figures = {
        "seconds": SOAK_SECONDS,
        "requests": requests_made,
        "statuses": dict(sorted(load.statuses.items())),
        "rss_samples": len(samples),
        "rss_start_mib": round(samples[0][1] / 1024, 1),
        "rss_warm_mib": round(warm / 1024, 1),
        "rss_end_mib": round(samples[-1][1] / 1024, 1),
        "rss_last_quarter_max_mib": round(max(last) / 1024, 1),
        "rss_peak_mib": round(max(rss for _, rss in samples) / 1024, 1),
        "journal_entries": len(journal),
        "journal_full_after_s": load.journal_full_at and round(load.journal_full_at, 1),
    }
    record_figures("soak", **figures)

    # The load was the load intended: every kind of call answered, never a 5xx.
    assert not [s for s in load.statuses if s >= 500], load.statuses
    assert set(load.statuses) <= {200, 400, 401, 420}, load.statuses
    assert len(journal) == JOURNAL_SIZE, "the journal did not fill up to its bound"
    full_at = load.journal_full_at
    assert full_at is not None, "no reader saw the journal full"
    assert full_at < quarter, f"the journal was full only after {full_at} s"
    assert end_health["available"] + end_health["owned"] == (
        start_health["available"] + start_health["owned"]
    )
    # Memory: flat once warm. The last quarter stays within a generous margin of the first.
    assert len(first) >= 5, samples
    assert len(last) >= 5, samples
    margin = max(MARGIN_KIB, int(warm * MARGIN_SHARE))
    assert max(last) <= warm + margin, (
        f"RSS grew from {warm} KiB (first quarter) to {max(last)} KiB (last quarter); "
        f"samples (s, KiB): {samples}"
    )
