"""`index` / `size` paging: 1-based pages, `count` the total of matches, not the page length."""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Generic, TypeVar

T = TypeVar("T")

DEFAULT_INDEX = 1
DEFAULT_SIZE = 10
MAX_SIZE = 100


@dataclass(frozen=True, slots=True)
class PageRequest:
    index: int = DEFAULT_INDEX
    size: int = DEFAULT_SIZE

    @property
    def offset(self) -> int:
        return (self.index - 1) * self.size

    @property
    def stop(self) -> int:
        """The offset just past the page."""
        return self.index * self.size


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of results and the total number of matches it was cut from."""

    count: int
    items: list[T]


def paginate(matches: Iterable[T], request: PageRequest) -> Page[T]:
    """Cut one page from `matches`, counting them all (clients compute the next page from it)."""
    iterator: Iterator[T] = iter(matches)
    skipped = sum(1 for _ in islice(iterator, request.offset))
    items = list(islice(iterator, request.size))
    rest = sum(1 for _ in iterator)
    return Page(count=skipped + len(items) + rest, items=items)


def page_of(
    matches: Sequence[T], request: PageRequest, low: int = 0, high: int | None = None
) -> Page[T]:
    """Cut one page from the matches `matches[low:high]`, costing the page, not the matches."""
    high = len(matches) if high is None else high
    start, stop = low + request.offset, min(high, low + request.stop)
    return Page(count=high - low, items=list(matches[start:stop]) if start < stop else [])
