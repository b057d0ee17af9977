"""A small typed client of the control API (/_mock/), for tests and the pytest plugin.

Standard library only, so that using it adds no dependency:

    mock = MockClient("http://127.0.0.1:8080")
    mock.reset()
    rule = mock.add_fault("buy", status=420, times=1)
    ...
    mock.assert_called("buy", msisdn="447700900001", status=420, times=1)

A client made with `world=` (or by `in_world`) acts on that world only; `create_world` makes one:

    world = mock.create_world(name="worker 3")
    key, secret = world["accounts"][0]["api_key"], world["accounts"][0]["api_secret"]
    mine = mock.in_world(world["id"])       # reset, faults, journal, state: that world's
"""

import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

from mock_server.domain import messages
from mock_server.domain.operations import FaultOperation, JournalOperation

# How many of the closest calls an assertion's failure lists.
SHOWN_CALLS = 5


class FaultMatch(TypedDict, total=False):
    msisdn: str
    country: str
    api_key: str


class Fault(TypedDict):
    id: str
    operation: str
    match: FaultMatch
    status: int | None
    label: str | None
    latency_ms: float | list[float]
    drop: bool
    times: int | None
    after: int
    probability: float
    fired: int


class JournalEntry(TypedDict):
    id: int
    time: str
    method: str
    path: str
    operation: str
    api_key: str | None
    params: dict[str, str]
    status: int | None
    response: str | None
    duration_ms: float
    fault: str | None
    hint: str | None


class Health(TypedDict):
    status: str
    version: str
    accounts: int
    available: int
    owned: int
    worlds: int


class WorldAccount(TypedDict):
    api_key: str
    api_secret: str
    role: str
    parent: str | None
    name: str | None


class World(TypedDict):
    """A world as `create_world` and `world` answer it; `accounts` lists its credentials."""

    id: str
    name: str | None
    created_at: str
    idle_seconds: float
    available: int
    owned: int
    accounts: list[WorldAccount]


class WorldSummary(TypedDict):
    """A world as `worlds()` lists it: `accounts` is how many it has."""

    id: str
    name: str | None
    created_at: str
    idle_seconds: float
    accounts: int
    available: int
    owned: int


class Problem(TypedDict):
    type: str
    title: str
    status: int
    detail: str
    field: NotRequired[str]


class MockApiError(Exception):
    """The control API answered an error: `status` and the RFC 7807 `problem`."""

    def __init__(self, status: int, problem: Problem) -> None:
        self.status, self.problem = status, problem
        field = f" ({problem['field']})" if "field" in problem else ""
        super().__init__(f"{status} {problem.get('title')}: {problem.get('detail')}{field}")


class MockClient:
    """Drives a running vonage-numbers-mock through /_mock/: its base world, or with `world`
    the world of that id."""

    def __init__(
        self,
        base_url: str,
        admin_token: str | None = None,
        timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
        world: str | None = None,
    ) -> None:
        if urllib.parse.urlsplit(base_url).scheme not in ("http", "https"):
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.admin_token = admin_token
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.world = world

    # -- worlds ------------------------------------------------------------------------------

    def create_world(
        self, name: str | None = None, fixtures: Mapping[str, Any] | None = None
    ) -> World:
        """A new world: a copy of the loaded state (or of `fixtures`, a fixture-format
        document) with fresh credentials for each account, listed in `accounts`."""
        body = {k: v for k, v in (("name", name), ("fixtures", fixtures)) if v is not None}
        result: World = self._call("POST", "/worlds", body=body, scoped=False)
        return result

    def worlds(self) -> list[WorldSummary]:
        """Every world, the base world (`id` "base") first."""
        result: list[WorldSummary] = self._call("GET", "/worlds", scoped=False)["worlds"]
        return result

    def world_info(self, world_id: str) -> World:
        result: World = self._call("GET", f"/worlds/{_segment(world_id)}", scoped=False)
        return result

    def delete_world(self, world_id: str) -> None:
        """Drop a world: its credentials stop working at once."""
        self._call("DELETE", f"/worlds/{_segment(world_id)}", scoped=False)

    def in_world(self, world_id: str) -> "MockClient":
        """A client like this one acting on the world `world_id`."""
        return MockClient(
            self.base_url, self.admin_token, self.timeout, self.ssl_context, world=world_id
        )

    # -- state -----------------------------------------------------------------------------

    def health(self) -> Health:
        result: Health = self._call("GET", "/health", scoped=False)
        return result

    def reset(self, *, keep_faults: bool = False, keep_journal: bool = False) -> Health:
        query = {"keep_faults": keep_faults, "keep_journal": keep_journal}
        result: Health = self._call("POST", "/reset", query=query)
        return result

    def state(self) -> dict[str, Any]:
        """The whole state in the fixture format."""
        result: dict[str, Any] = self._call("GET", "/state")
        return result

    def load_state(self, document: Mapping[str, Any]) -> Health:
        """Replace the whole state with a fixture-format document."""
        result: Health = self._call("PUT", "/state", body=document)
        return result

    def add_numbers(self, *entries: Mapping[str, Any]) -> int:
        """Put numbers on sale (entries as in a fixture's `available`); how many were added."""
        result: dict[str, int] = self._call("POST", "/numbers", body=list(entries))
        return result["added"]

    def add_account(
        self,
        api_key: str,
        api_secret: str,
        balance: str = "0.00",
        parent: str | None = None,
        name: str | None = None,
    ) -> dict[str, Any]:
        body = {"api_key": api_key, "api_secret": api_secret, "balance": balance}
        body |= {k: v for k, v in (("parent", parent), ("name", name)) if v is not None}
        result: dict[str, Any] = self._call("POST", "/accounts", body=body)
        return result

    # -- faults ------------------------------------------------------------------------------

    def add_fault(
        self,
        operation: FaultOperation = "*",
        *,
        match: FaultMatch | None = None,
        status: int | None = None,
        label: str | None = None,
        latency_ms: float | Sequence[float] = 0,
        drop: bool = False,
        times: int | None = None,
        after: int = 0,
        probability: float = 1.0,
    ) -> Fault:
        """Add a fault rule; returns it with its `id`."""
        rule = {
            "operation": operation,
            "match": match or {},
            "status": status,
            "label": label,
            "latency_ms": latency_ms if isinstance(latency_ms, int | float) else list(latency_ms),
            "drop": drop,
            "times": times,
            "after": after,
            "probability": probability,
        }
        result: Fault = self._call("POST", "/faults", body=rule)
        return result

    def faults(self) -> list[Fault]:
        result: list[Fault] = self._call("GET", "/faults")["faults"]
        return result

    def remove_fault(self, rule_id: str) -> None:
        self._call("DELETE", f"/faults/{_segment(rule_id)}")

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    # -- journal -----------------------------------------------------------------------------

    def requests(
        self,
        *,
        operation: JournalOperation | None = None,
        api_key: str | None = None,
        msisdn: str | None = None,
        status: int | None = None,
        since: str | None = None,
        limit: int | None = None,
        country: str | None = None,
        path: str | None = None,
    ) -> list[JournalEntry]:
        """Recorded calls to the Vonage endpoints, oldest first, filtered; `limit` keeps the most
        recent ones. Without it, every match, read a page at a time."""
        query = {"operation": operation, "api_key": api_key, "msisdn": msisdn, "status": status,
                 "since": since, "limit": limit, "country": country, "path": path}  # fmt: skip
        page = self._call("GET", "/requests", query=query)
        result: list[JournalEntry] = page["requests"]
        while limit is None and page.get("more"):
            page = self._call("GET", "/requests", query=query | {"after": page["next"]})
            result.extend(page["requests"])
        return result

    def count_requests(
        self,
        *,
        operation: JournalOperation | None = None,
        api_key: str | None = None,
        msisdn: str | None = None,
        country: str | None = None,
        path: str | None = None,
        status: int | None = None,
        since: str | None = None,
    ) -> int:
        """How many recorded calls match the filters (GET /_mock/requests/count)."""
        query = {"operation": operation, "api_key": api_key, "msisdn": msisdn, "country": country,
                 "path": path, "status": status, "since": since}  # fmt: skip
        result: int = self._call("GET", "/requests/count", query=query)["count"]
        return result

    def assert_called(
        self,
        operation: JournalOperation,
        *,
        times: int | None = None,
        api_key: str | None = None,
        status: int | None = None,
        **params: str,
    ) -> None:
        """Fail (AssertionError) unless `operation` was called with these request parameters
        (`msisdn="..."`, `country="GB"`), `times` times exactly or, without `times`, at least once.

        The failure lists the calls of that operation that came closest.
        """
        calls = self.requests(operation=operation)
        wanted = _criteria(api_key, status, params)
        matching = [call for call in calls if not _differences(call, wanted)]
        if (len(matching) == times) if times is not None else bool(matching):
            return
        expected = f"{times} call{'' if times == 1 else 's'}" if times is not None else "a call"
        raise AssertionError(_failure(expected, operation, wanted, matching, calls))

    def assert_not_called(
        self,
        operation: JournalOperation,
        *,
        api_key: str | None = None,
        status: int | None = None,
        **params: str,
    ) -> None:
        """Fail (AssertionError, listing them) if `operation` was called with these parameters."""
        self.assert_called(operation, times=0, api_key=api_key, status=status, **params)

    def clear_requests(self) -> None:
        self._call("DELETE", "/requests")

    def ca_certificate(self) -> bytes:
        """The local CA certificate (PEM) to trust for the mock's HTTPS."""
        with self._open(self._request("GET", "/tls/ca.pem")) as response:
            body: bytes = response.read()
            return body

    # -- plumbing ----------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        query: Mapping[str, object] | None = None,
        body: object = None,
        scoped: bool = True,
    ) -> Any:
        if scoped and self.world is not None:
            query = {**(query or {}), "world": self.world}
        request = self._request(method, path, query, body)
        with self._open(request) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def _request(
        self,
        method: str,
        path: str,
        query: Mapping[str, object] | None = None,
        body: object = None,
    ) -> urllib.request.Request:
        url = f"{self.base_url}/_mock{path}"
        given = {k: _query_value(v) for k, v in (query or {}).items() if v is not None}
        if given:
            url += "?" + urllib.parse.urlencode(given)
        headers = {"Accept": "application/json"}
        if self.admin_token is not None:
            headers["Authorization"] = f"Bearer {self.admin_token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        return urllib.request.Request(url, data, headers, method=method)  # noqa: S310

    def _open(self, request: urllib.request.Request) -> Any:
        try:
            # The scheme was checked in __init__: http or https only.
            return urllib.request.urlopen(  # noqa: S310
                request, timeout=self.timeout, context=self.ssl_context
            )
        except urllib.error.HTTPError as error:
            payload = error.read()
            try:
                problem = json.loads(payload)
            except ValueError:
                problem = {"title": error.reason, "detail": payload.decode("utf-8", "replace")}
            raise MockApiError(error.code, problem) from None


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


# -- verification ------------------------------------------------------------------------------


def _criteria(api_key: str | None, status: int | None, params: Mapping[str, str]) -> dict[str, Any]:
    """What a call must have: request parameters by name, and `api_key` and `status` as set."""
    given = {"api_key": api_key, "status": status}
    return dict(params) | {name: value for name, value in given.items() if value is not None}


def _value(call: JournalEntry, name: str) -> object:
    if name in ("api_key", "status"):
        return call[name]  # type: ignore[literal-required]
    return call["params"].get(name)


def _differences(call: JournalEntry, wanted: Mapping[str, Any]) -> list[str]:
    return [name for name, value in wanted.items() if _value(call, name) != value]


def _failure(
    expected: str,
    operation: str,
    wanted: Mapping[str, Any],
    matching: Sequence[JournalEntry],
    calls: Sequence[JournalEntry],
) -> str:
    what = operation + (f" with {_pairs(wanted)}" if wanted else "")
    lines = [messages.VERIFY_EXPECTED.format(expected=expected, what=what, found=len(matching))]
    if matching:
        lines += [messages.VERIFY_MATCHING, *(_line(call, []) for call in matching[:SHOWN_CALLS])]
    else:
        # The closest first: fewest differing criteria, then the latest.
        ranked = sorted(reversed(calls), key=lambda call: len(_differences(call, wanted)))
        shown = [_line(call, _differences(call, wanted)) for call in ranked[:SHOWN_CALLS]]
        lines += [messages.VERIFY_CLOSEST, *shown] if shown else [messages.VERIFY_NONE_CLOSE]
    return "\n".join(lines)


def _line(call: JournalEntry, differing: Sequence[str]) -> str:
    status = call["status"] if call["status"] is not None else "dropped"
    params = {k: v for k, v in call["params"].items() if k not in ("api_key", "api_secret")}
    line = f"  #{call['id']} {call['method']} {call['path']} {_pairs(params)} -> {status}"
    return line + (f" (differs: {', '.join(differing)})" if differing else "")


def _pairs(values: Mapping[str, object]) -> str:
    return " ".join(f"{name}={value!r}" for name, value in values.items())


def _query_value(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
