"""Counting, ranking and listing the numbers of a fixed-width range that match a pattern.

Numbers are compared as zero-padded strings of one width `w`, so every number of a range is a
string of exactly `w` digits. A `Matcher` knows, for one pattern and width, how many matching
strings lie below any value (`below`), which one has a given rank (`unrank`), and how to list them
in ascending order from a rank (`from_rank`); a range [first, last] is then two calls to `below`.
Starts-with and ends-with are arithmetic; contains is a digit dynamic programme over the pattern's
KMP automaton, and a pattern with `*` wildcards the same over a small automaton that finds its runs
of digits in order, so nothing is enumerated to count or to jump deep into a range.
"""

import bisect
from abc import ABC, abstractmethod
from collections.abc import Iterator
from functools import lru_cache

from mock_server.domain.matching import Pattern, SearchPattern


class Matcher(ABC):
    """The matching `width`-digit strings of one pattern, ranked in ascending order."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.end = _power(width)

    @abstractmethod
    def below(self, value: int) -> int:
        """How many matches lie in [0, value), for 0 <= value <= 10**width."""

    @abstractmethod
    def unrank(self, rank: int) -> int:
        """The match with `rank` matches below it, for 0 <= rank < below(10**width)."""

    @abstractmethod
    def from_rank(self, rank: int) -> Iterator[int]:
        """The matches in ascending order, from the one of `rank` to the last of the width."""


class _Nothing(Matcher):
    """A pattern no number of the width can match (longer than the width)."""

    def below(self, value: int) -> int:
        return 0

    def unrank(self, rank: int) -> int:
        raise IndexError(rank)

    def from_rank(self, rank: int) -> Iterator[int]:
        return iter(())


class _Everything(Matcher):
    """No pattern: every number matches and a number is its own rank."""

    def below(self, value: int) -> int:
        return value

    def unrank(self, rank: int) -> int:
        return rank

    def from_rank(self, rank: int) -> Iterator[int]:
        return iter(range(rank, self.end))


class _Prefix(Matcher):
    """Starts-with: the matches are one interval, [p·10^k, (p+1)·10^k)."""

    def __init__(self, width: int, digits: str) -> None:
        super().__init__(width)
        self.size = _power(width - len(digits))
        self.low = int(digits) * self.size

    def below(self, value: int) -> int:
        return min(max(value - self.low, 0), self.size)

    def unrank(self, rank: int) -> int:
        return self.low + rank

    def from_rank(self, rank: int) -> Iterator[int]:
        return iter(range(self.low + rank, self.low + self.size))


class _Suffix(Matcher):
    """Ends-with: the matches are one residue class, s + t·10^len(s)."""

    def __init__(self, width: int, digits: str) -> None:
        super().__init__(width)
        self.step = _power(len(digits))
        self.residue = int(digits)

    def below(self, value: int) -> int:
        # ceil((value - s) / step) values s, s + step, ... lie below `value`.
        return max(0, -((self.residue - value) // self.step))

    def unrank(self, rank: int) -> int:
        return self.residue + rank * self.step

    def from_rank(self, rank: int) -> Iterator[int]:
        return iter(range(self.residue + rank * self.step, self.end, self.step))


class _Automaton(Matcher):
    """Numbers a DFA over their digits accepts, counted and ranked by tables of how many tails
    from each state reach acceptance; `absorbing` is an accepting state that never leaves."""

    def __init__(
        self, width: int, step: list[list[int]], accepting: list[bool], absorbing: int
    ) -> None:
        super().__init__(width)
        self.step, self.absorbing = step, absorbing
        ways = [[int(accepts) for accepts in accepting]]
        for _ in range(width):
            last = ways[-1]
            ways.append([sum(last[nxt] for nxt in row) for row in self.step])
        self.ways = ways
        self.before = [
            [_running_sums([tails[nxt] for nxt in row]) for row in self.step] for tails in ways
        ]

    def below(self, value: int) -> int:
        if value >= self.end:
            return self.ways[self.width][0]
        total, state, width = 0, 0, self.width
        for position, char in enumerate(str(value).zfill(width)):
            digit = ord(char) - 48
            total += self.before[width - position - 1][state][digit]
            state = self.step[state][digit]
        return total

    def unrank(self, rank: int) -> int:
        value, state = 0, 0
        for remaining in range(self.width - 1, -1, -1):
            sums = self.before[remaining][state]
            digit = bisect.bisect_right(sums, rank) - 1
            rank -= sums[digit]
            value, state = value * 10 + digit, self.step[state][digit]
        return value

    def from_rank(self, rank: int) -> Iterator[int]:
        return self._walk(self.width, 0, 0, rank)

    def _walk(self, remaining: int, state: int, value: int, skip: int) -> Iterator[int]:
        """Matches under the prefix `value`, skipping the first `skip`; only branches with a
        match left are entered, so every step leads to a number."""
        if state == self.absorbing:
            size = _power(remaining)
            yield from range(value * size + skip, (value + 1) * size)
            return
        if remaining == 0:
            yield value  # entered only when this state accepts
            return
        sums = self.before[remaining - 1][state]
        start = bisect.bisect_right(sums, skip) - 1
        skip -= sums[start]
        for digit in range(start, 10):
            nxt = self.step[state][digit]
            if self.ways[remaining - 1][nxt] > skip:
                yield from self._walk(remaining - 1, nxt, value * 10 + digit, skip)
            skip = 0


class _Contains(_Automaton):
    """Contains: counts over the KMP automaton of the pattern (state len(p) = seen, absorbing).

    `ways[r][s]` is how many r-digit tails lead state `s` to a match; `before[r][s][d]` sums it
    over the digits below `d`, so ranking walks the w digits once with a lookup per digit.
    """

    def __init__(self, width: int, digits: str) -> None:
        done = len(digits)
        super().__init__(width, _automaton(digits), [s == done for s in range(done + 1)], done)


class _Wildcard(_Automaton):
    """Runs of digits with any digits between them (`44*7*1`), over a small automaton.

    The same counting as `_Contains`, over a DFA that finds the runs in order, each at its
    earliest (which is optimal: whatever fits after a later end fits after an earlier one). An
    anchored start reads the first run digit by digit; an anchored end tracks, with KMP, how
    much of the last run the string ends with, so acceptance is decided by the final state.
    """

    def __init__(self, width: int, pattern: Pattern) -> None:
        super().__init__(width, *_wildcard_automaton(pattern))


def _wildcard_automaton(pattern: Pattern) -> tuple[list[list[int]], list[bool], int]:
    """(transitions, accepting, the absorbing accepting state) of a wildcard pattern's DFA.

    States are laid out run by run (one per digit of the run matched so far; the last run of
    an end-anchored pattern has one more, its accepting state), then a dead and an accepting
    state that never leave. State 0 is the start.
    """
    runs = pattern.segments
    anchored_start = pattern.mode is SearchPattern.STARTS_WITH
    anchored_end = pattern.mode is SearchPattern.ENDS_WITH
    last = len(runs) - 1
    offsets, total = [], 0
    for i, run in enumerate(runs):
        offsets.append(total)
        total += len(run) + (1 if i == last and anchored_end else 0)
    dead, accept = total, total + 1
    step = [[dead] * 10 for _ in range(total)] + [[dead] * 10, [accept] * 10]
    accepting = [False] * total + [False, True]
    for i, run in enumerate(runs):
        base = offsets[i]
        after = offsets[i + 1] if i < last else accept
        if i == 0 and anchored_start:
            for k, char in enumerate(run):
                step[base + k][int(char)] = base + k + 1 if k + 1 < len(run) else after
        elif i == last and anchored_end:
            for k, row in enumerate(_kmp(run)):
                step[base + k] = [base + nxt for nxt in row]
            accepting[base + len(run)] = True
        else:
            for k, row in enumerate(_kmp(run)[: len(run)]):
                step[base + k] = [after if nxt == len(run) else base + nxt for nxt in row]
    return step, accepting, accept


def _kmp(digits: str) -> list[list[int]]:
    """KMP transitions over the ten digits, state len(digits) (a full match) included and
    going on matching: how much of `digits` the text read so far ends with."""
    done = len(digits)
    fail = [0] * (done + 1)
    for i in range(1, done):
        k = fail[i]
        while k and digits[i] != digits[k]:
            k = fail[k]
        fail[i + 1] = k + 1 if digits[i] == digits[k] else 0
    step: list[list[int]] = []
    for state in range(done + 1):
        row = []
        for char in "0123456789":
            k = state if state < done else fail[done]
            while k and digits[k] != char:
                k = fail[k]
            row.append(k + 1 if digits[k] == char else 0)
        step.append(row)
    return step


def _automaton(digits: str) -> list[list[int]]:
    """KMP transitions over the ten digits; the state after a full match stays there."""
    done = len(digits)
    fail = [0] * (done + 1)
    for i in range(1, done):
        k = fail[i]
        while k and digits[i] != digits[k]:
            k = fail[k]
        fail[i + 1] = k + 1 if digits[i] == digits[k] else 0
    step: list[list[int]] = []
    for state in range(done):
        row = []
        for char in "0123456789":
            k = state
            while k and digits[k] != char:
                k = fail[k]
            row.append(k + 1 if digits[k] == char else 0)
        step.append(row)
    step.append([done] * 10)
    return step


def _power(exponent: int) -> int:
    """10**exponent, typed as an int (mypy cannot know the exponent is not negative)."""
    return int(10**exponent)


def _running_sums(values: list[int]) -> list[int]:
    """[0, v0, v0+v1, ...]: `sums[d]` is the total over the digits below d."""
    sums = [0]
    for value in values:
        sums.append(sums[-1] + value)
    return sums


@lru_cache(maxsize=1024)
def matcher(pattern: Pattern | None, width: int) -> Matcher:
    """The matcher of `pattern` over `width`-digit numbers (no pattern matches everything)."""
    if pattern is None or not pattern.digits:
        return _Everything(width)
    if pattern.has_wildcard:
        return _Wildcard(width, pattern)
    digits = pattern.digits
    if len(digits) > width or not digits.isdigit():
        return _Nothing(width)
    if pattern.mode is SearchPattern.STARTS_WITH:
        return _Prefix(width, digits)
    if pattern.mode is SearchPattern.ENDS_WITH:
        return _Suffix(width, digits)
    return _Contains(width, digits)


def count(first: int, last: int, width: int, pattern: Pattern | None) -> int:
    """How many numbers of [first, last] match, without listing them."""
    found = matcher(pattern, width)
    return found.below(last + 1) - found.below(first)
