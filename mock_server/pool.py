"""The numbers available to buy, kept as blocks: contiguous MSISDN ranges with shared attributes.

A single number is a block of one. A block remembers which of its numbers are taken (bought)
instead of being split, so a range of a million numbers costs a few objects, not a million.
"""

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from mock_server.errors import MethodFailed
from mock_server.matching import Pattern, matches
from mock_server.numbers import AvailableNumber, Feature, NumberAttributes, NumberType


@dataclass(slots=True)
class Block:
    """Numbers `first`..`last` (same digit count) sharing one set of attributes."""

    first: int
    last: int
    width: int
    attributes: NumberAttributes
    taken: set[int] = field(default_factory=set)

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

    def msisdns(self) -> Iterator[str]:
        """The block's available numbers, in ascending order."""
        for value in range(self.first, self.last + 1):
            if value not in self.taken:
                yield str(value).zfill(self.width)


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

    def __iter__(self) -> Iterator[Block]:
        return iter(self._blocks)

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
        block.taken.add(value)
        return AvailableNumber(msisdn, block.attributes)

    def give_back(self, number: AvailableNumber) -> None:
        """Return a number to the block that spans it, or as a block of its own.

        A number returned into a range takes the range's attributes again.
        """
        block, value = self._block_of(number.msisdn)
        if block is None:
            self.add(Block.of_range(number.msisdn, number.msisdn, number.attributes))
        else:
            block.taken.discard(value)

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

    def search(self, selection: PoolFilter) -> Iterator[AvailableNumber]:
        """Available numbers passing the filter, in ascending MSISDN order."""
        for block in self._blocks:
            if not selection.admits(block.attributes):
                continue
            for msisdn in block.msisdns():
                if matches(selection.pattern, msisdn):
                    yield AvailableNumber(msisdn, block.attributes)

    def _block_of(self, msisdn: str) -> tuple[Block | None, int]:
        """The block spanning `msisdn` (taken or not): blocks never overlap, so one bisect."""
        width, value = len(msisdn), int(msisdn)
        position = bisect.bisect_right(self._keys, (width, value)) - 1
        if position >= 0 and self._blocks[position].holds(width, value):
            return self._blocks[position], value
        return None, value
