"""The request journal: a bounded record of every Vonage call, webhook probe and delivery."""

import itertools
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

# Never kept, whatever the client sends: a journal is for reading, and is read by people.
SECRET_PARAMETERS = frozenset({"api_secret"})
REDACTED = "***"
# How much of each answer an entry keeps: enough to read any Numbers API answer of a normal page,
# bounded so that a journal of `capacity` entries stays small.
RESPONSE_EXCERPT_BYTES = 8 * 1024
TRUNCATED = "… [truncated]"
# The most entries one read of the journal returns: a page is built, never the whole journal.
PAGE_LIMIT = 1000


def redact(params: Mapping[str, str]) -> dict[str, str]:
    """The parameters with every secret replaced."""
    return {k: (REDACTED if k in SECRET_PARAMETERS else v) for k, v in params.items()}


def response_excerpt(body: bytes, secrets: Iterable[str | None] = ()) -> str:
    """The first RESPONSE_EXCERPT_BYTES of an answer as text, with the secrets the request sent
    replaced (an answer that echoed one must not keep it in the journal)."""
    text = body[:RESPONSE_EXCERPT_BYTES].decode("utf-8", "ignore")
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text + TRUNCATED if len(body) > RESPONSE_EXCERPT_BYTES else text


@dataclass(slots=True)
class JournalEntry:
    """One call as the journal keeps it. Numbered by `Journal.record` (in place: a copy would
    cost a request a few microseconds), never changed after."""

    time: datetime
    method: str
    path: str
    operation: str
    api_key: str | None
    params: dict[str, str]
    status: int | None
    response: str | None
    duration_ms: float
    fault: str | None = None
    # For an unmatched request: the closest route the mock knows ("GET /number/search").
    hint: str | None = None
    id: int = 0


@dataclass(frozen=True, slots=True)
class JournalQuery:
    """Filters of GET /_mock/requests; every one optional."""

    operation: str | None = None
    api_key: str | None = None
    msisdn: str | None = None
    status: int | None = None
    since: datetime | None = None
    limit: int | None = None
    country: str | None = None
    path: str | None = None
    after: int | None = None
    """A cursor: only entries with a greater id, oldest first."""

    def admits(self, entry: JournalEntry) -> bool:
        return (
            (self.operation is None or entry.operation == self.operation)
            and (self.api_key is None or entry.api_key == self.api_key)
            and (self.msisdn is None or entry.params.get("msisdn") == self.msisdn)
            and (self.country is None or entry.params.get("country") == self.country)
            and (self.path is None or entry.path == self.path)
            and (self.status is None or entry.status == self.status)
            and (self.since is None or entry.time >= self.since)
        )


@dataclass(frozen=True, slots=True)
class JournalPage:
    entries: list[JournalEntry]
    more: bool
    """Matching entries follow this page: ask again with `after=next`."""
    next: int
    """The id of the page's last entry: the `after` of the next page."""


@dataclass
class Journal:
    """A ring buffer: the oldest entries go once `capacity` is reached."""

    capacity: int = 1000
    _entries: deque[JournalEntry] = field(init=False)
    _next_id: int = field(init=False, default=1)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._entries = deque(maxlen=self.capacity)

    def record(self, entry: JournalEntry) -> JournalEntry:
        """Add an entry; its id is assigned here, in arrival order."""
        with self._lock:
            entry.id = self._next_id
            self._next_id += 1
            self._entries.append(entry)
            return entry

    def entries(self, query: JournalQuery | None = None) -> list[JournalEntry]:
        """Matching entries, oldest first: one page (see `page`)."""
        return self.page(query or JournalQuery()).entries

    def page(self, query: JournalQuery) -> "JournalPage":
        """At most `limit` (and PAGE_LIMIT) matching entries, oldest first.

        With `after`, the first ones after that id; without it, `limit` keeps the most recent
        ones, and no `limit` means the first page from the oldest entry. `more` says whether
        matching entries follow the page; `next` is the `after` of the page that follows.
        """
        size = min(query.limit or PAGE_LIMIT, PAGE_LIMIT)
        with self._lock:
            if query.after is None and query.limit is not None:
                newest = (e for e in reversed(self._entries) if query.admits(e))
                found = list(itertools.islice(newest, size))[::-1]
                return JournalPage(found, False, found[-1].id if found else self._next_id - 1)
            after = query.after or 0
            following = (e for e in self._after(after) if query.admits(e))
            found = list(itertools.islice(following, size + 1))
        more = len(found) > size
        found = found[:size]
        return JournalPage(found, more, found[-1].id if found else after)

    def _after(self, after: int) -> "itertools.islice[JournalEntry]":
        # Ids are consecutive in the deque (one per record, the oldest dropped first): the entry
        # after `after` is found by arithmetic, and islice skips to it without a Python loop.
        first = self._entries[0].id if self._entries else self._next_id
        return itertools.islice(self._entries, max(0, after + 1 - first), None)

    def count(self, query: JournalQuery) -> int:
        """How many entries the query admits (its `limit` aside)."""
        with self._lock:
            return sum(1 for e in self._entries if query.admits(e))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
