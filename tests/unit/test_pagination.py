"""mock_server.domain.pagination: 1-based pages whose `count` is the total of matches."""

from collections.abc import Iterator

import pytest
from support.oracles import paginate

from mock_server.domain.pagination import (
    DEFAULT_INDEX,
    DEFAULT_SIZE,
    MAX_SIZE,
    Page,
    PageRequest,
)


def test_documented_defaults() -> None:
    assert (DEFAULT_INDEX, DEFAULT_SIZE, MAX_SIZE) == (1, 10, 100)
    assert PageRequest() == PageRequest(index=1, size=10)


@pytest.mark.parametrize(
    ("total", "index", "size", "expected_items"),
    [
        pytest.param(25, 1, 10, list(range(1, 11)), id="first-page"),
        pytest.param(25, 2, 10, list(range(11, 21)), id="middle-page"),
        pytest.param(25, 3, 10, list(range(21, 26)), id="last-partial-page"),
        pytest.param(25, 4, 10, [], id="page-just-past-the-end"),
        pytest.param(25, 1000, 10, [], id="page-far-past-the-end"),
        pytest.param(20, 2, 10, list(range(11, 21)), id="last-full-page"),
        pytest.param(20, 3, 10, [], id="page-after-exact-fit"),
        pytest.param(25, 1, 100, list(range(1, 26)), id="everything-on-one-page"),
        pytest.param(25, 25, 1, [25], id="size-one-last"),
        pytest.param(25, 26, 1, [], id="size-one-past-the-end"),
        pytest.param(0, 1, 10, [], id="no-matches"),
        pytest.param(1, 1, 10, [1], id="single-match"),
    ],
)
def test_page_items_and_total_count(
    total: int, index: int, size: int, expected_items: list[int]
) -> None:
    page = paginate(range(1, total + 1), PageRequest(index=index, size=size))
    assert page == Page(count=total, items=expected_items)


def test_count_is_the_total_not_the_page_length() -> None:
    page = paginate(range(250), PageRequest(index=2, size=10))
    assert len(page.items) == 10
    assert page.count == 250


def test_works_on_a_single_pass_iterator() -> None:
    def generate() -> Iterator[str]:
        yield from (f"4477009000{n:02d}" for n in range(15))

    page = paginate(generate(), PageRequest(index=2, size=10))
    assert page.count == 15
    assert page.items == [f"4477009000{n:02d}" for n in range(10, 15)]


@pytest.mark.parametrize(
    ("index", "size", "offset"),
    [
        pytest.param(1, 10, 0, id="first"),
        pytest.param(2, 10, 10, id="second"),
        pytest.param(3, 100, 200, id="third-of-100"),
    ],
)
def test_offset(index: int, size: int, offset: int) -> None:
    assert PageRequest(index=index, size=size).offset == offset


def _walk_like_a_client(total: int, size: int) -> tuple[list[int], int]:
    """Fetch pages as the official clients do: next page while `count > size * index`."""
    collected: list[int] = []
    index, requests = 1, 0
    while True:
        page = paginate(range(total), PageRequest(index=index, size=size))
        requests += 1
        collected += page.items
        if not page.count > size * index:
            return collected, requests
        index += 1


@pytest.mark.parametrize(
    ("total", "size", "expected_requests"),
    [
        pytest.param(0, 10, 1, id="empty"),
        pytest.param(1, 10, 1, id="one"),
        pytest.param(9, 10, 1, id="under-a-page"),
        pytest.param(10, 10, 1, id="exactly-a-page"),
        pytest.param(11, 10, 2, id="one-over-a-page"),
        pytest.param(25, 10, 3, id="partial-last-page"),
        pytest.param(100, 100, 1, id="max-size-exact"),
        pytest.param(1001, 100, 11, id="max-size-many"),
        pytest.param(7, 1, 7, id="size-one"),
    ],
)
def test_next_page_rule_walks_every_match_exactly_once(
    total: int, size: int, expected_requests: int
) -> None:
    collected, requests = _walk_like_a_client(total, size)
    assert collected == list(range(total))
    assert requests == expected_requests
