"""`pattern` + `search_pattern` matching of MSISDNs, as the Numbers API documents it."""

import re
from collections.abc import Callable, ItemsView
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import Generic, TypeVar

Key = TypeVar("Key")


class SearchPattern(IntEnum):
    """Vonage's strategies; the pattern for STARTS_WITH includes the country code (`44...`)."""

    STARTS_WITH = 0
    CONTAINS = 1
    ENDS_WITH = 2


# Stands for any run of digits, the empty run included (`*007`, `1337*`, `44*7*1`).
WILDCARD = "*"


@dataclass(frozen=True, slots=True)
class Pattern:
    """A pattern and its strategy, kept in one canonical form whatever was sent.

    `*` is any run of digits (nexmo-cli's `--pattern *007`, the Java SDK's `*1337*`). A `*` at
    an end lifts that end's anchor, so `*007` ending with means ends with 007, `1337*` starting
    with means starts with 1337, and `*1337*` means contains 1337 in every strategy. Canonical
    form: no `*` at either end and no `**`; the strategy says which end is anchored (starts with:
    the start, ends with: the end, contains: neither). Interior `*`s stay (`44*7` starting with).
    """

    digits: str
    mode: SearchPattern = SearchPattern.STARTS_WITH

    def __post_init__(self) -> None:
        if WILDCARD not in self.digits:
            return
        mode = self.mode
        if self.digits.startswith(WILDCARD) and mode is SearchPattern.STARTS_WITH:
            mode = SearchPattern.CONTAINS
        if self.digits.endswith(WILDCARD) and mode is SearchPattern.ENDS_WITH:
            mode = SearchPattern.CONTAINS
        segments = [segment for segment in self.digits.split(WILDCARD) if segment]
        # A frozen dataclass sets its fields once, here, to the canonical values.
        object.__setattr__(self, "digits", WILDCARD.join(segments))
        object.__setattr__(self, "mode", mode)

    @property
    def segments(self) -> list[str]:
        """The runs of digits between wildcards, in order."""
        return self.digits.split(WILDCARD)

    @property
    def has_wildcard(self) -> bool:
        return WILDCARD in self.digits

    @property
    def is_prefix(self) -> bool:
        """Starts with plain digits: the matches of a sorted list are one bisectable window."""
        return self.mode is SearchPattern.STARTS_WITH and not self.has_wildcard

    def matches(self, msisdn: str) -> bool:
        if self.has_wildcard:
            return _regex(self.digits, self.mode).search(msisdn) is not None
        if self.mode is SearchPattern.STARTS_WITH:
            return msisdn.startswith(self.digits)
        if self.mode is SearchPattern.ENDS_WITH:
            return msisdn.endswith(self.digits)
        return self.digits in msisdn


@lru_cache(maxsize=1024)
def _regex(digits: str, mode: SearchPattern) -> re.Pattern[str]:
    """A wildcard pattern as a regular expression over the MSISDN's digits."""
    body = "[0-9]*".join(re.escape(segment) for segment in digits.split(WILDCARD))
    start = "^" if mode is SearchPattern.STARTS_WITH else ""
    end = r"\Z" if mode is SearchPattern.ENDS_WITH else ""
    return re.compile(start + body + end)


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
