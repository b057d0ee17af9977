"""Oracles: slow, obviously right ways of answering what the package answers fast.

Tests compare the package's answers with these; the package itself never uses them.
"""

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

from mock_server.domain import range_counting
from mock_server.domain.matching import Pattern
from mock_server.domain.pagination import Page, PageRequest
from mock_server.domain.phone_number import AvailableNumber
from mock_server.domain.pool import Block, Pool, PoolFilter

T = TypeVar("T")


def paginate(matches: Iterable[T], request: PageRequest) -> Page[T]:
    """Cut one page from `matches` by walking them all, counting every one."""
    iterator: Iterator[T] = iter(matches)
    skipped = sum(1 for _ in islice(iterator, request.offset))
    items = list(islice(iterator, request.size))
    rest = sum(1 for _ in iterator)
    return Page(count=skipped + len(items) + rest, items=items)


def nth(first: int, last: int, width: int, pattern: Pattern | None, k: int) -> int:
    """The k-th (0-based) match of [first, last] in ascending order; IndexError past the end."""
    found = range_counting.matcher(pattern, width)
    base = found.below(first)
    if not 0 <= k < found.below(last + 1) - base:
        raise IndexError(k)
    return found.unrank(base + k)


def iterate(
    first: int, last: int, width: int, pattern: Pattern | None, k: int = 0
) -> Iterator[int]:
    """The matches of [first, last] in ascending order, from the k-th (0-based) on."""
    found = range_counting.matcher(pattern, width)
    base = found.below(first)
    return islice(found.from_rank(base + k), max(0, found.below(last + 1) - base - k))


def search(pool: Pool, selection: PoolFilter) -> Iterator[AvailableNumber]:
    """Every available number passing the filter, in ascending MSISDN order, one by one."""
    for block in pool:
        if selection.admits(block.attributes):
            for value in block.numbers(selection.pattern):
                yield AvailableNumber(block.text(value), block.attributes)


def block_msisdns(block: Block) -> Iterator[str]:
    """The block's available numbers, in ascending order."""
    return (block.text(value) for value in block.numbers(None))
