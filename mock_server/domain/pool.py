"""The numbers available to buy, kept as blocks: contiguous MSISDN ranges with shared attributes.

A single number is a block of one. A block remembers which of its numbers are taken (bought)
instead of being split, so a range of a million numbers costs a few objects, not a million. A
search never lists a range number by number either: `range_counting` counts and ranks the
matches of a range, and the block subtracts its taken matches, kept sorted.
"""

import bisect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from mock_server.domain import range_counting
from mock_server.domain.errors import MethodFailed
from mock_server.domain.matching import Pattern, RecentMatches, matches
from mock_server.domain.pagination import Page, PageRequest
from mock_server.domain.phone_number import AvailableNumber, Feature, NumberAttributes, NumberType

# A run of taken matches longer than this is jumped over by rank instead of stepped through.
_LONGEST_STEP = 8

# The taken numbers of a block that match a pattern: sorted strings `seq[low:high]`.
TakenWindow = tuple[list[str], int, int]
# A change to a sorted list of strings: `bisect.insort` or `_remove`.
ListChange = Callable[[list[str], str], None]


@dataclass(slots=True)
class Block:
    """Numbers `first`..`last` (same digit count) sharing one set of attributes.

    Change `taken` through `take` and `give_back`: they keep its sorted copies in step. A
    block's `shared` copy (another world's) starts with the same `taken` set, and whichever of
    the two changes first makes its own copy of it: copying costs nothing per number.
    """

    first: int
    last: int
    width: int
    attributes: NumberAttributes
    taken: set[int] = field(default_factory=set)
    # Zero-padded taken numbers in ascending order (strings of one width sort as numbers),
    # built on the first search, and the taken matches of recent non-prefix patterns.
    _sorted: list[str] | None = field(default=None, init=False, repr=False, compare=False)
    _matching: RecentMatches[Pattern] = field(
        default_factory=RecentMatches, init=False, repr=False, compare=False
    )
    _taken_shared: bool = field(default=False, init=False, repr=False, compare=False)

    @classmethod
    def of_range(cls, first: str, last: str, attributes: NumberAttributes) -> "Block":
        return cls(int(first), int(last), len(first), attributes)

    @property
    def key(self) -> tuple[int, int]:
        return (self.width, self.first)

    @property
    def available(self) -> int:
        return self.last - self.first + 1 - len(self.taken)

    def holds(self, width: int, value: int) -> bool:
        return width == self.width and self.first <= value <= self.last

    def text(self, value: int) -> str:
        """`value` written as an MSISDN of the block's width."""
        return str(value).zfill(self.width)

    def shared(self) -> "Block":
        """A copy with the same numbers taken, sharing them until either block changes."""
        self._taken_shared = True
        copy = Block(self.first, self.last, self.width, self.attributes, self.taken)
        copy._taken_shared = True
        return copy

    def take(self, value: int) -> None:
        self._own_taken()
        self.taken.add(value)
        self._note(value, bisect.insort)

    def give_back(self, value: int) -> None:
        if value in self.taken:
            self._own_taken()
            self.taken.discard(value)
            self._note(value, _remove)

    def _own_taken(self) -> None:
        if self._taken_shared:
            self.taken = set(self.taken)
            self._taken_shared = False

    def count(self, pattern: Pattern | None) -> int:
        """How many available numbers match `pattern`, without listing them."""
        if self.first == self.last:
            return int(self.first not in self.taken and matches(pattern, self.text(self.first)))
        _, low, high = self._taken_matching(pattern)
        return range_counting.count(self.first, self.last, self.width, pattern) - (high - low)

    def numbers(self, pattern: Pattern | None, start: int = 0) -> Iterator[int]:
        """Available matches in ascending order from the `start`-th (0-based) on.

        Costs a rank search to begin and again after each long run of taken matches, then one
        step per number: never proportional to `start`.
        """
        found = range_counting.matcher(pattern, self.width)
        base = found.below(self.first)
        window = self._taken_matching(pattern)
        total = found.below(self.last + 1) - base - (window[2] - window[1])
        position, longest = start, _LONGEST_STEP
        while position < total:
            before, run = position, 0
            for value in found.from_rank(base + self._rank(found, base, window, position)):
                if value not in self.taken:
                    yield value
                    position, run = position + 1, 0
                    if position == total:
                        return
                elif (run := run + 1) > longest:
                    break
            else:
                return
            if position == before:  # only if `taken` was changed behind our back: step, not loop
                longest = total

    def _taken_matching(self, pattern: Pattern | None) -> TakenWindow:
        """The taken numbers matching `pattern`, ascending: a bisect for none or starts-with,
        else a list built once per pattern and kept up to date by `take` and `give_back`."""
        taken = self._taken_sorted()
        if pattern is None or not pattern.digits:
            return taken, 0, len(taken)
        if pattern.is_prefix:
            prefix = pattern.digits
            # ":" sorts right after "9": the window is every string starting with the prefix.
            low = bisect.bisect_left(taken, prefix)
            return taken, low, bisect.bisect_left(taken, prefix + ":", low)
        found = self._matching.get(pattern, lambda: [t for t in taken if pattern.matches(t)])
        return found, 0, len(found)

    def _rank(
        self, found: range_counting.Matcher, base: int, window: TakenWindow, position: int
    ) -> int:
        """Rank among the block's matches of the `position`-th available one.

        With taken matches t_0 < t_1 < ... of ranks r_i, `r_i - i` available matches precede
        t_i and never decreases: the answer is `position` plus how many i have r_i - i <= it.
        A galloping search finds that many in O(log of it) ranks, so early pages stay cheap.
        """
        seq, start, end = window

        def precedes(i: int) -> bool:
            return found.below(int(seq[i])) - base - (i - start) <= position

        low, high, step = start, end, 1
        while low < high:  # gallop: probes at low, low + 1, low + 3, ... until one fails
            probe = min(low + step - 1, high - 1)
            if not precedes(probe):
                high = probe
                break
            low, step = probe + 1, step * 2
        while low < high:
            middle = (low + high) // 2
            low, high = (middle + 1, high) if precedes(middle) else (low, middle)
        return position + low - start

    def _taken_sorted(self) -> list[str]:
        if self._sorted is None or len(self._sorted) != len(self.taken):
            # First use, or `taken` was changed directly: rebuild, and forget derived lists.
            self._sorted = [self.text(value) for value in sorted(self.taken)]
            self._matching.clear()
        return self._sorted

    def _note(self, value: int, change: ListChange) -> None:
        """Apply a take or give-back to the sorted copies, once a search has built them."""
        if self._sorted is None:
            return
        text = self.text(value)
        change(self._sorted, text)
        for pattern, found in self._matching.items():
            if pattern.matches(text):
                change(found, text)


def _remove(seq: list[str], text: str) -> None:
    del seq[bisect.bisect_left(seq, text)]


@dataclass(frozen=True, slots=True)
class PoolFilter:
    country: str
    type: NumberType | None = None
    features: frozenset[Feature] = frozenset()
    pattern: Pattern | None = None

    def admits(self, attributes: NumberAttributes) -> bool:
        return (
            attributes.country == self.country
            and (self.type is None or attributes.type is self.type)
            and self.features <= attributes.features
        )


class Pool:
    """Every available number, blocks sorted by (digit count, first number)."""

    def __init__(self, blocks: Iterable[Block] = ()) -> None:
        self._blocks: list[Block] = sorted(blocks, key=lambda b: b.key)
        self._keys = [b.key for b in self._blocks]
        # The same blocks by country, in the same order: a search looks at one country only.
        self._by_country: dict[str, list[Block]] = {}
        for block in self._blocks:
            self._by_country.setdefault(block.attributes.country, []).append(block)

    def __iter__(self) -> Iterator[Block]:
        return iter(self._blocks)

    def shared(self) -> "Pool":
        """An independent pool with the same numbers, its blocks sharing what is taken until
        one side changes (see `Block.shared`)."""
        return Pool(block.shared() for block in self._blocks)

    @property
    def available(self) -> int:
        return sum(block.available for block in self._blocks)

    def find(self, msisdn: str) -> AvailableNumber | None:
        """The number if it is in the pool and not taken."""
        block, value = self._block_of(msisdn)
        if block is None or value in block.taken:
            return None
        return AvailableNumber(msisdn, block.attributes)

    def take(self, msisdn: str) -> AvailableNumber:
        """Remove a number from the pool; MethodFailed when it is not available."""
        block, value = self._block_of(msisdn)
        if block is None or value in block.taken:
            raise MethodFailed()
        block.take(value)
        return AvailableNumber(msisdn, block.attributes)

    def withdraw(self, msisdn: str) -> None:
        """Take a number out of the pool if it is there and available (else nothing)."""
        block, value = self._block_of(msisdn)
        if block is not None and value not in block.taken:
            block.take(value)

    def give_back(self, number: AvailableNumber) -> None:
        """Return a number to the block that spans it, or as a block of its own.

        A number returned into a range takes the range's attributes again.
        """
        block, value = self._block_of(number.msisdn)
        if block is None:
            self.add(Block.of_range(number.msisdn, number.msisdn, number.attributes))
        else:
            block.give_back(value)

    def overlapping(self, first: str, last: str) -> bool:
        """True when any block spans a number of `first`..`last`."""
        width = len(first)
        position = bisect.bisect_right(self._keys, (width, int(last))) - 1
        return (
            position >= 0
            and self._blocks[position].width == width
            and (self._blocks[position].last >= int(first))
        )

    def add(self, block: Block) -> None:
        position = bisect.bisect_left(self._keys, block.key)
        self._blocks.insert(position, block)
        self._keys.insert(position, block.key)
        same_country = self._by_country.setdefault(block.attributes.country, [])
        bisect.insort(same_country, block, key=lambda b: b.key)

    def page(self, selection: PoolFilter, request: PageRequest) -> Page[AvailableNumber]:
        """One page of the available numbers passing the filter (ascending) and their exact
        count: blocks are counted, not listed, and whole blocks before the page are skipped by
        their counts."""
        pattern, offset = selection.pattern, request.offset
        items: list[AvailableNumber] = []
        total = 0
        for block in self._admitted(selection):
            found = block.count(pattern)
            total += found
            wanted = request.size - len(items)
            if offset < found and wanted > 0:
                for value in islice(block.numbers(pattern, offset), wanted):
                    items.append(AvailableNumber(block.text(value), block.attributes))
            offset = max(0, offset - found)
        return Page(count=total, items=items)

    def _admitted(self, selection: PoolFilter) -> Iterator[Block]:
        for block in self._by_country.get(selection.country, ()):
            if selection.admits(block.attributes):
                yield block

    def _block_of(self, msisdn: str) -> tuple[Block | None, int]:
        """The block spanning `msisdn` (taken or not): blocks never overlap, so one bisect."""
        width, value = len(msisdn), int(msisdn)
        position = bisect.bisect_right(self._keys, (width, value)) - 1
        if position >= 0 and self._blocks[position].holds(width, value):
            return self._blocks[position], value
        return None, value
