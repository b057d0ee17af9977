"""domain.range_counting: counting and ranking a range's pattern matches, checked by brute force."""

import random

import pytest
from support.oracles import iterate, nth

from mock_server.domain import range_counting
from mock_server.domain.matching import Pattern, SearchPattern

MODES = list(SearchPattern)
# Repeated digits make the KMP automaton fall back on itself; zeros meet the zero padding.
HARD_PATTERNS = ["0", "00", "000", "1111", "121", "1212", "112", "010", "9", "99", "909"]


def brute(first: int, last: int, width: int, pattern: Pattern | None) -> list[int]:
    return [
        x for x in range(first, last + 1) if pattern is None or pattern.matches(f"{x:0{width}d}")
    ]


# `*` at either end, inside, repeated, with runs that overlap themselves and the zero padding.
WILDCARD_PATTERNS = [
    "*0", "0*", "*00*", "1*1", "0*0", "12*12", "*9*9", "1*2*3", "00*1*", "*121*1", "0*0*0",
    "11*1", "*", "9**9", "010*010",
]  # fmt: skip


def random_pattern(rng: random.Random) -> Pattern:
    draw = rng.random()
    if draw < 0.3:
        text = rng.choice(HARD_PATTERNS)
    elif draw < 0.55:
        text = rng.choice(WILDCARD_PATTERNS)
    elif draw < 0.7:
        runs = rng.randint(2, 4)
        text = "*".join(
            "".join(rng.choice("0129") for _ in range(rng.randint(0, 2))) for _ in range(runs)
        )
    else:
        text = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 4)))
    return Pattern(text, rng.choice(MODES))


def random_range(rng: random.Random) -> tuple[int, int, int]:
    width = rng.randint(3, 7)
    # Some ranges start at or near 0, so their numbers have leading zeros inside the width.
    first = rng.randrange(10**width) if rng.random() < 0.7 else rng.randrange(min(1000, 10**width))
    last = min(10**width - 1, first + rng.randrange(800))
    return first, last, width


def cases(seed: int, n: int) -> list[tuple[int, int, int, Pattern]]:
    rng = random.Random(seed)
    return [(*random_range(rng), random_pattern(rng)) for _ in range(n)]


@pytest.mark.parametrize(("first", "last", "width", "pattern"), cases(20240611, 400))
def test_count_and_every_nth_equal_brute_force(
    first: int, last: int, width: int, pattern: Pattern
) -> None:
    expected = brute(first, last, width, pattern)
    assert range_counting.count(first, last, width, pattern) == len(expected)
    assert [nth(first, last, width, pattern, k) for k in range(len(expected))] == expected
    with pytest.raises(IndexError):
        nth(first, last, width, pattern, len(expected))


@pytest.mark.parametrize(("first", "last", "width", "pattern"), cases(7, 150))
def test_iterate_from_any_position_equals_brute_force(
    first: int, last: int, width: int, pattern: Pattern
) -> None:
    expected = brute(first, last, width, pattern)
    for k in sorted({0, 1, len(expected) // 2, max(0, len(expected) - 1), len(expected) + 3}):
        assert list(iterate(first, last, width, pattern, k)) == expected[k:]


@pytest.mark.parametrize("text", [*HARD_PATTERNS, *WILDCARD_PATTERNS, "1234", "55555", "123456"])
@pytest.mark.parametrize("mode", MODES, ids=[m.name for m in MODES])
def test_whole_width_counts(text: str, mode: SearchPattern) -> None:
    pattern = Pattern(text, mode)
    expected = brute(0, 99_999, 5, pattern)
    assert range_counting.count(0, 99_999, 5, pattern) == len(expected)
    assert list(iterate(0, 99_999, 5, pattern)) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        pytest.param(None, 1000, id="no-pattern"),
        pytest.param(Pattern(""), 1000, id="empty-pattern"),
        pytest.param(Pattern("0"), 100, id="leading-zero-prefix"),
        pytest.param(Pattern("0000", SearchPattern.CONTAINS), 0, id="longer-than-width"),
        pytest.param(Pattern("1234", SearchPattern.STARTS_WITH), 0, id="prefix-too-long"),
        pytest.param(Pattern("1234", SearchPattern.ENDS_WITH), 0, id="suffix-too-long"),
        pytest.param(Pattern("007", SearchPattern.ENDS_WITH), 1, id="whole-width-suffix"),
    ],
)
def test_edge_patterns(pattern: Pattern | None, expected: int) -> None:
    assert range_counting.count(0, 999, 3, pattern) == expected == len(brute(0, 999, 3, pattern))


def test_deep_rank_in_a_ten_digit_width_without_enumeration() -> None:
    pattern = Pattern("123", SearchPattern.CONTAINS)
    first, last = 4_470_000_000, 4_479_999_999
    total = range_counting.count(first, last, 10, pattern)
    # The last 10-digit number starting 447 that contains 123 is 4479999123.
    assert nth(first, last, 10, pattern, total - 1) == 4_479_999_123
    assert nth(first, last, 10, pattern, 0) == 4_470_000_123
    assert list(iterate(first, last, 10, pattern, total - 2)) == [
        4_479_998_123,
        4_479_999_123,
    ]


@pytest.mark.parametrize(
    ("pattern", "last_match"),
    [
        pytest.param(Pattern("*123", SearchPattern.ENDS_WITH), 4_479_999_123, id="ends-with"),
        pytest.param(Pattern("447*1*23", SearchPattern.STARTS_WITH), 4_479_999_123, id="starts"),
        pytest.param(Pattern("1*2*3", SearchPattern.ENDS_WITH), 4_479_999_123, id="interior-end"),
        pytest.param(Pattern("*9*8*", SearchPattern.CONTAINS), 4_479_999_998, id="contains"),
    ],
)
def test_wildcard_ranks_in_a_ten_million_range_without_enumeration(
    pattern: Pattern, last_match: int
) -> None:
    first, last = 4_470_000_000, 4_479_999_999
    total = range_counting.count(first, last, 10, pattern)
    assert 0 < total < last - first + 1
    assert nth(first, last, 10, pattern, total - 1) == last_match
    assert list(iterate(first, last, 10, pattern, total - 1)) == [last_match]
    # The first match and the counts around it agree with brute force on the range's start.
    head = brute(first, first + 99_999, 10, pattern)
    assert range_counting.count(first, first + 99_999, 10, pattern) == len(head)
    assert [nth(first, last, 10, pattern, k) for k in range(min(len(head), 50))] == head[:50]
