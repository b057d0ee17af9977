"""One account's owned MSISDNs, sorted, for each combination of country and application filter.

The inventory marks a number stale whenever it may change (assigned, updated, cancelled); the
index re-reads the stale numbers before its next use, so a country or application filter is a
lookup and a slice, never a scan of every number. Contains and ends-with patterns cannot be
bisected: their matches are scanned for once per filter and then kept up to date the same way.
"""

import bisect
from collections.abc import Callable, Iterable
from functools import lru_cache

from mock_server.domain.matching import Pattern, RecentMatches, SearchPattern
from mock_server.domain.phone_number import OwnedNumber

# Gives the number if it still belongs to the account, else None.
Lookup = Callable[[str], OwnedNumber | None]
# A list's key: (country or None for any, application filter). The application filter is None
# for any, True / False for linked to some application / to none, or one application's id.
Key = tuple[str | None, bool | str | None]


class AccountIndex:
    """Sorted MSISDN lists of one account, one per filter that selects some of its numbers."""

    def __init__(self, numbers: Iterable[OwnedNumber] = ()) -> None:
        self._lists: dict[Key, list[str]] = {}
        # The keys each number is filed under, to take it out again.
        self._keys: dict[str, tuple[Key, ...]] = {}
        # Contains / ends-with matches of recent (filter, pattern) pairs.
        self._matching: RecentMatches[tuple[Key, Pattern]] = RecentMatches()
        self._stale: set[str] = set()
        for number in numbers:  # in ascending order, so appending keeps every list sorted
            self._file(number, list.append)

    @property
    def outdated(self) -> int:
        """How many numbers wait to be re-read (past a point, building anew is cheaper)."""
        return len(self._stale)

    def select(self, country: str | None, application: bool | str | None) -> list[str]:
        """The numbers of `country` passing the application filter, ascending (do not change)."""
        return self._lists.get((country, application), [])

    def matching(
        self, country: str | None, application: bool | str | None, pattern: Pattern
    ) -> list[str]:
        """`select` narrowed to a contains or ends-with pattern, ascending (do not change)."""
        key = ((country, application), pattern)
        return self._matching.get(key, lambda: _scan(self.select(country, application), pattern))

    def touch(self, msisdn: str) -> None:
        """The number may have changed or left the account: re-read it before the next use."""
        self._stale.add(msisdn)

    def refresh(self, lookup: Lookup) -> None:
        """Re-file the numbers touched since the last refresh."""
        for msisdn in self._stale:
            before = self._keys.pop(msisdn, ())
            for key in before:
                _remove(self._lists[key], msisdn)
            number = lookup(msisdn)
            after = () if number is None else self._file(number, bisect.insort)
            for (key, pattern), found in self._matching.items():
                if pattern.matches(msisdn):
                    if key in before:
                        _remove(found, msisdn)
                    if key in after:
                        bisect.insort(found, msisdn)
        self._stale.clear()

    def _file(self, number: OwnedNumber, put: Callable[[list[str], str], None]) -> tuple[Key, ...]:
        applications = frozenset(number.config.linked_applications())
        keys = _keys(number.attributes.country, applications)
        self._keys[number.msisdn] = keys
        for key in keys:
            put(self._lists.setdefault(key, []), number.msisdn)
        return keys


@lru_cache(maxsize=4096)
def _keys(country: str, applications: frozenset[str]) -> tuple[Key, ...]:
    """Every list a number of this country linked to these applications is filed in."""
    filters: list[bool | str | None] = [None, bool(applications), *sorted(applications)]
    return tuple((c, f) for c in (country, None) for f in filters)


def _scan(msisdns: list[str], pattern: Pattern) -> list[str]:
    """The MSISDNs matching the pattern: one pass, the test inlined for speed."""
    digits = pattern.digits
    if pattern.has_wildcard:
        return [m for m in msisdns if pattern.matches(m)]
    if pattern.mode is SearchPattern.CONTAINS:
        return [m for m in msisdns if digits in m]
    if pattern.mode is SearchPattern.ENDS_WITH:
        return [m for m in msisdns if m.endswith(digits)]
    return [m for m in msisdns if m.startswith(digits)]


def _remove(msisdns: list[str], msisdn: str) -> None:
    del msisdns[bisect.bisect_left(msisdns, msisdn)]
