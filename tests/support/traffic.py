"""Traffic of the reliability tests: a logged HTTP client of the Vonage routes, a full sweep of
the numbers for sale, and worker threads that record problems instead of raising."""

import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from .accounts import Account

HTTP_TIMEOUT = 15.0


@dataclass
class Call:
    """One call to a Vonage route, as the client saw it."""

    worker: str
    seq: int
    op: str
    caller: str
    charged: str
    """The account the call acts on: `target_api_key` when given, else the caller."""
    msisdn: str | None
    params: dict[str, str]
    sent: float
    answered: float
    status: int | None
    body: Any
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200


class VonageHttp:
    """The five Vonage routes over one keep-alive session, every call logged with its times."""

    PATHS: Mapping[str, tuple[str, str]] = {
        "buy": ("POST", "/number/buy"),
        "cancel": ("POST", "/number/cancel"),
        "update": ("POST", "/number/update"),
        "search": ("GET", "/number/search"),
        "list": ("GET", "/account/numbers"),
    }

    def __init__(self, url: str, worker: str) -> None:
        self.url = url
        self.worker = worker
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies from the environment: 127.0.0.1 only
        self.calls: list[Call] = []

    def close(self) -> None:
        self.session.close()

    def warm_up(self) -> None:
        """Open the keep-alive connection now, so that a later call goes out at once."""
        self.session.get(f"{self.url}/_mock/health", timeout=HTTP_TIMEOUT).raise_for_status()

    def call(
        self,
        op: str,
        account: Account,
        params: Mapping[str, str],
        target: str | None = None,
    ) -> Call:
        method, path = self.PATHS[op]
        sent_params = dict(params)
        if target is not None:
            sent_params["target_api_key"] = target
        data = sent_params if method == "POST" else None
        query = sent_params if method == "GET" else None
        sent = time.monotonic()
        status: int | None = None
        body: Any = None
        error: str | None = None
        try:
            answer = self.session.request(
                method,
                f"{self.url}{path}",
                data=data,
                params=query,
                auth=account.auth,
                timeout=HTTP_TIMEOUT,
            )
            status = answer.status_code
            try:
                body = answer.json()
            except ValueError:
                body = answer.text
        except requests.RequestException as exc:
            error = repr(exc)
        call = Call(
            worker=self.worker,
            seq=len(self.calls),
            op=op,
            caller=account.api_key,
            charged=target or account.api_key,
            msisdn=params.get("msisdn"),
            params=sent_params,
            sent=sent,
            answered=time.monotonic(),
            status=status,
            body=body,
            error=error,
        )
        self.calls.append(call)
        return call


def numbers_for_sale(url: str, account: Account, countries: list[str]) -> list[str]:
    """Every number `GET /number/search` offers, page by page, country by country."""
    found: list[str] = []
    with requests.Session() as session:
        session.trust_env = False
        for country in countries:
            index, count = 1, None
            while count is None or (index - 1) * 100 < count:
                answer = session.get(
                    f"{url}/number/search",
                    params={"country": country, "size": "100", "index": str(index)},
                    auth=account.auth,
                    timeout=HTTP_TIMEOUT,
                )
                assert answer.status_code == 200, answer.text
                page = answer.json()
                assert count is None or page["count"] == count, "count changed between pages"
                count = page["count"]
                found.extend(n["msisdn"] for n in page.get("numbers", []))
                index += 1
    return found


@dataclass
class Failures:
    """Problems seen in worker threads: a thread never raises, it records, and the test asserts."""

    items: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, problem: str) -> None:
        with self._lock:
            self.items.append(problem)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.items))

    def __bool__(self) -> bool:
        return bool(self.items)


def run_threads(threads: list[threading.Thread], timeout: float) -> None:
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(timeout=max(0.1, deadline - time.monotonic()))
    stuck = [t.name for t in threads if t.is_alive()]
    assert not stuck, f"threads still running after {timeout:.0f} s: {stuck}"
