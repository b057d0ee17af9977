"""Rendered answers of the Numbers API reads, kept until the state changes.

A search or a listing is answered from here when the same question (operation, the parsed and
so normalised query, the caller, the format) was answered on the same state: the same inventory
object (its `serial`) at the same `version`. Every change to the state goes through `Inventory.
apply` or one of its bulk loads, which advance the version; a reset or a state import installs a
new inventory, with a new serial. So a kept answer is never found after the first write after
it, and is never served stale. The settings that shape an answer (`--empty-numbers`,
`--xml-names`) are the renderer's, fixed for the app's life, and each app has its own cache,
which all its worlds share.

Only the rendering is saved: credentials, rate limits and fault rules run before the handler,
and the journal records every call, from here or not.
"""

import threading
from collections.abc import Callable, Hashable
from functools import lru_cache

from starlette.responses import Response

from mock_server.domain.inventory import Inventory
from mock_server.simulation.journal import response_excerpt


class CachedAnswer(Response):
    """A kept answer served again: the same body object, its headers copied (a middleware may
    add to them), and none of `Response.__init__`'s work."""

    def __init__(self, status: int, raw_headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status_code = status
        self.raw_headers = list(raw_headers)
        self.body = body
        self.background = None


class AnswerCache:
    """At most `capacity` answers, of any worlds' states; `capacity` 0 keeps none.

    An answer is kept under its state's `serial` and `version` as well as its question, so one
    of another state, or of this one before a change, can never be found again; such answers
    are the oldest, and go first when room is needed.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.hits = 0
        self.misses = 0
        self._answers: dict[Hashable, tuple[int, list[tuple[bytes, bytes]], bytes]] = {}
        self._lock = threading.Lock()

    def answer(
        self, inventory: Inventory, key: Hashable, render: Callable[[Inventory], Response]
    ) -> Response:
        """The answer to `key` on `inventory` as it is now: kept, or `render(inventory)`.

        Read and rendered under the inventory's lock, so no write can come between the version
        read and the answer kept for it.
        """
        if self.capacity == 0:
            return inventory.read(render)
        return inventory.read(lambda now: self._answer(now, key, render))

    def _answer(
        self, inventory: Inventory, key: Hashable, render: Callable[[Inventory], Response]
    ) -> Response:
        full_key = (inventory.serial, inventory.version, key)
        with self._lock:
            kept = self._answers.get(full_key)
        if kept is not None:
            self.hits += 1
            return CachedAnswer(*kept)
        self.misses += 1
        response = render(inventory)
        with self._lock:
            if len(self._answers) >= self.capacity:
                # The oldest question goes first (dicts keep insertion order).
                del self._answers[next(iter(self._answers))]
            self._answers[full_key] = (
                response.status_code,
                response.raw_headers,
                bytes(response.body),
            )
        return response

    def __len__(self) -> int:
        return len(self._answers)


@lru_cache(maxsize=64)
def journal_excerpt(body: bytes, secret: str | None) -> str:
    """`response_excerpt` of an answer, remembered: a kept answer is the same bytes object on
    every call, whose hash Python keeps, so its excerpt is decoded once, not once per call."""
    return response_excerpt(body, [secret])
