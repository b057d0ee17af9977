"""`index` / `size` paging: 1-based pages, `count` the total of matches, not the page length."""

from collections.abc import Sequence
from dataclasses import dataclass
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


def page_of(
    matches: Sequence[T], request: PageRequest, low: int = 0, high: int | None = None
) -> Page[T]:
    """Cut one page from the matches `matches[low:high]`, costing the page, not the matches."""
    high = len(matches) if high is None else high
    start, stop = low + request.offset, min(high, low + request.stop)
    return Page(count=high - low, items=list(matches[start:stop]) if start < stop else [])
