"""domain.pagination.page_of: a page cut from a sorted window at the cost of the page."""

import pytest
from support.oracles import paginate

from mock_server.domain.pagination import Page, PageRequest, page_of


@pytest.mark.parametrize(
    ("low", "high"),
    [
        pytest.param(0, None, id="whole-list"),
        pytest.param(0, 0, id="empty-window"),
        pytest.param(3, 28, id="inner-window"),
        pytest.param(40, 50, id="tail-window"),
    ],
)
@pytest.mark.parametrize(("index", "size"), [(1, 10), (2, 10), (3, 10), (4, 10), (9, 3), (1, 100)])
def test_page_of_a_window_equals_paginating_it(
    low: int, high: int | None, index: int, size: int
) -> None:
    numbers = list(range(50))
    request = PageRequest(index, size)
    assert page_of(numbers, request, low, high) == paginate(numbers[low:high], request)


def test_page_of_a_deep_window_costs_the_page() -> None:
    numbers = range(10**12)  # any sequence: a range is never listed
    page = page_of(numbers, PageRequest(3, 10), 100, 900_000_000_000)
    assert page == Page(899_999_999_900, list(range(120, 130)))


def test_stop_is_the_offset_after_the_page() -> None:
    assert PageRequest(3, 10).stop == 30
