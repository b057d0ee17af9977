"""The request journal: a bounded record of every Vonage call, webhook probe and delivery."""

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

# Never kept, whatever the client sends: a journal is for reading, and is read by people.
SECRET_PARAMETERS = frozenset({"api_secret"})
REDACTED = "***"


def redact(params: Mapping[str, str]) -> dict[str, str]:
    """The parameters with every secret replaced."""
    return {k: (REDACTED if k in SECRET_PARAMETERS else v) for k, v in params.items()}


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

    def admits(self, entry: JournalEntry) -> bool:
        return (
            (self.operation is None or entry.operation == self.operation)
            and (self.api_key is None or entry.api_key == self.api_key)
            and (self.msisdn is None or entry.params.get("msisdn") == self.msisdn)
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

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
