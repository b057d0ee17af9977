"""`pattern` + `search_pattern` matching of MSISDNs, as the Numbers API documents it."""

from collections.abc import Callable, ItemsView
from dataclasses import dataclass
from enum import IntEnum
from typing import Generic, TypeVar

Key = TypeVar("Key")


class SearchPattern(IntEnum):
    """Vonage's strategies; the pattern for STARTS_WITH includes the country code (`44...`)."""

    STARTS_WITH = 0
    CONTAINS = 1
    ENDS_WITH = 2


@dataclass(frozen=True, slots=True)
class Pattern:
    digits: str
    mode: SearchPattern = SearchPattern.STARTS_WITH

    def matches(self, msisdn: str) -> bool:
        if self.mode is SearchPattern.STARTS_WITH:
            return msisdn.startswith(self.digits)
        if self.mode is SearchPattern.ENDS_WITH:
            return msisdn.endswith(self.digits)
        return self.digits in msisdn


def matches(pattern: Pattern | None, msisdn: str) -> bool:
    """True when there is no pattern or the MSISDN matches it."""
    return pattern is None or pattern.matches(msisdn)


class RecentMatches(Generic[Key]):
    """Sorted lists of pattern matches kept for the most recently used keys.

    Contains and ends-with patterns cannot be bisected: their matches are listed once, kept
    here, and kept up to date in place by the owner (through `items`) as numbers change. Only a
    few recent keys are kept, so that many distinct patterns cost a bounded amount of memory.
    """

    def __init__(self, size: int = 16) -> None:
        self._size = size
        self._lists: dict[Key, list[str]] = {}

    def get(self, key: Key, build: Callable[[], list[str]]) -> list[str]:
        """The list for `key`, built by `build` unless kept; it becomes the most recent."""
        found = self._lists.pop(key, None)
        if found is None:
            found = build()
            if len(self._lists) >= self._size:
                del self._lists[next(iter(self._lists))]  # the least recently used
        self._lists[key] = found  # most recently used last
        return found

    def items(self) -> ItemsView[Key, list[str]]:
        return self._lists.items()

    def clear(self) -> None:
        self._lists.clear()
