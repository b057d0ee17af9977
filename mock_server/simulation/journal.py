"""The request journal: a bounded record of every Vonage call, webhook probe and delivery."""

import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

# Never kept, whatever the client sends: a journal is for reading, and is read by people.
SECRET_PARAMETERS = frozenset({"api_secret"})
REDACTED = "***"
# How much of each answer an entry keeps: enough to read any Numbers API answer of a normal page,
# bounded so that a journal of `capacity` entries stays small.
RESPONSE_EXCERPT_BYTES = 8 * 1024
TRUNCATED = "… [truncated]"


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


@dataclass(frozen=True, slots=True)
class JournalEntry:
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
            entry = replace(entry, id=self._next_id)
            self._next_id += 1
            self._entries.append(entry)
            return entry

    def entries(self, query: JournalQuery | None = None) -> list[JournalEntry]:
        """Matching entries, oldest first; `limit` keeps the most recent ones."""
        query = query or JournalQuery()
        with self._lock:
            found = [e for e in self._entries if query.admits(e)]
        return found[-query.limit :] if query.limit else found

    def count(self, query: JournalQuery) -> int:
        """How many entries the query admits (its `limit` aside)."""
        with self._lock:
            return sum(1 for e in self._entries if query.admits(e))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
