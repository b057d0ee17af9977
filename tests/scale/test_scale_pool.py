"""Pool.page over ranges with taken numbers: exact counts and pages, checked by brute force."""

import math
import random
from decimal import Decimal

import pytest
from support.oracles import search

from mock_server.domain import pool as pool_module
from mock_server.domain.matching import Pattern, SearchPattern
from mock_server.domain.pagination import Page, PageRequest
from mock_server.domain.phone_number import AvailableNumber, Feature, NumberAttributes, NumberType
from mock_server.domain.pool import Block, Pool, PoolFilter

TYPES = list(NumberType)
FEATURE_SETS = [
    frozenset({Feature.VOICE}),
    frozenset({Feature.SMS}),
    frozenset({Feature.VOICE, Feature.SMS}),
    frozenset(Feature),
]
PATTERNS = ["0", "00", "1", "11", "121", "1111", "12", "010", "9", "909", "5", "3", "44"]
# With `*` (any digits) at an end, inside, or both.
PATTERNS += ["*0", "1*", "1*2", "*0*0*", "4*4", "9*9*", "0*1*0", "44*0"]


def random_pool(rng: random.Random) -> Pool:
    """Blocks of mixed widths and countries, some touching, with random and clustered takes."""
    blocks: list[Block] = []
    for width in (4, 5, 6):
        cursor = rng.randrange(10 ** (width - 1))
        for _ in range(rng.randint(1, 3)):
            size = rng.choice([1, 1, 7, 120, 600])
            if cursor + size > 10**width:
                break
            attributes = NumberAttributes(
                rng.choice(["GB", "US"]),
                rng.choice(TYPES),
                rng.choice(FEATURE_SETS),
                Decimal("1.00"),
            )
            blocks.append(Block(cursor, cursor + size - 1, width, attributes))
            cursor += size + rng.choice([0, 0, 3, 500])
    pool = Pool(blocks)
    for block in blocks:
        take_some(rng, pool, block)
    return pool


def take_some(rng: random.Random, pool: Pool, block: Block) -> None:
    size = block.last - block.first + 1
    picks = set(rng.sample(range(size), rng.randint(0, size // 3)))
    if size > 40 and rng.random() < 0.5:  # a long run of taken numbers
        start = rng.randrange(size - 30)
        picks |= set(range(start, start + rng.randint(10, 30)))
    for offset in picks:
        pool.take(block.text(block.first + offset))


def brute(pool: Pool, selection: PoolFilter) -> list[AvailableNumber]:
    found = []
    for block in sorted(pool, key=lambda b: (b.width, b.first)):
        if not selection.admits(block.attributes):
            continue
        for value in range(block.first, block.last + 1):
            text = block.text(value)
            if value not in block.taken and (
                selection.pattern is None or selection.pattern.matches(text)
            ):
                found.append(AvailableNumber(text, block.attributes))
    return found


def random_selection(rng: random.Random) -> PoolFilter:
    pattern = None
    if rng.random() < 0.8:
        pattern = Pattern(rng.choice(PATTERNS), rng.choice(list(SearchPattern)))
    return PoolFilter(
        rng.choice(["GB", "US"]),
        type=rng.choice([None] * 6 + TYPES),
        features=rng.choice([frozenset()] * 8 + FEATURE_SETS),
        pattern=pattern,
    )


def requests(total: int) -> list[PageRequest]:
    wanted = []
    for size in (1, 3, 10, 100):
        pages = max(1, math.ceil(total / size))
        for index in {1, 2, pages // 2 or 1, pages, pages + 1, pages + 7}:
            wanted.append(PageRequest(index, size))
    return wanted


def check(pool: Pool, selection: PoolFilter) -> None:
    expected = brute(pool, selection)
    assert list(search(pool, selection)) == expected
    for request in requests(len(expected)):
        page = pool.page(selection, request)
        assert page == Page(len(expected), expected[request.offset : request.stop]), request


@pytest.mark.parametrize("seed", range(40))
def test_pages_equal_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    pool = random_pool(rng)
    for _ in range(12):
        check(pool, random_selection(rng))


@pytest.mark.parametrize("longest_step", [0, 1])
@pytest.mark.parametrize("seed", range(10))
def test_jumping_over_taken_runs_by_rank_is_exact(
    seed: int, longest_step: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A page steps over a few taken numbers and jumps over longer runs by rank: with the limit
    # at 0 or 1, every taken number met takes the jump.
    monkeypatch.setattr(pool_module, "_LONGEST_STEP", longest_step)
    rng = random.Random(500 + seed)
    pool = random_pool(rng)
    for _ in range(8):
        check(pool, random_selection(rng))


@pytest.mark.parametrize("seed", range(15))
def test_pages_stay_exact_while_numbers_are_taken_and_given_back(seed: int) -> None:
    # The first searches build the sorted taken lists and per-pattern caches; the changes after
    # them must keep those up to date.
    rng = random.Random(1000 + seed)
    pool = random_pool(rng)
    selections = [random_selection(rng) for _ in range(6)]
    for selection in selections:
        check(pool, selection)
    for _ in range(4):
        block = rng.choice(list(pool))
        for value in rng.sample(range(block.first, block.last + 1), min(20, block.available)):
            number = pool.find(block.text(value))
            if number is not None:
                pool.take(number.msisdn)
            else:
                pool.give_back(AvailableNumber(block.text(value), block.attributes))
        for selection in selections:
            check(pool, selection)


# -- ten million numbers ----------------------------------------------------------------------

FIRST, LAST = 4_470_000_000, 4_479_999_999  # "447" and seven free digits
GB = NumberAttributes("GB", NumberType.MOBILE_LVN, frozenset(Feature), Decimal("1.00"))


@pytest.fixture(scope="module")
def big_pool() -> Pool:
    """Ten million numbers; every one ending in 00 (100,000 of them) is taken."""
    pool = Pool([Block(FIRST, LAST, 10, GB)])
    for value in range(FIRST, LAST + 1, 100):
        pool.take(str(value))
    return pool


def avoiding_11(length: int) -> int:
    """Digit strings of `length` without "11": a(n) = 9·a(n-1) + 9·a(n-2)."""
    before, current = 1, 10
    for _ in range(length - 1):
        before, current = current, 9 * current + 9 * before
    return current if length else 1


def containing_123(length: int) -> int:
    """Digit strings of `length` with "123" (which cannot overlap itself): inclusion-exclusion."""
    return sum(
        (-1) ** (j + 1) * math.comb(length - 2 * j, j) * 10 ** (length - 3 * j)
        for j in range(1, length // 3 + 1)
    )


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        pytest.param(None, 10**7 - 10**5, id="everything"),
        pytest.param(Pattern("44712"), 10**5 - 10**3, id="starts-with"),
        pytest.param(Pattern("4479999999"), 1, id="starts-with-whole-number"),
        pytest.param(Pattern("5", SearchPattern.ENDS_WITH), 10**6, id="ends-with-none-taken"),
        pytest.param(Pattern("00", SearchPattern.ENDS_WITH), 0, id="ends-with-all-taken"),
        pytest.param(Pattern("100", SearchPattern.ENDS_WITH), 0, id="ends-with-all-taken-3"),
        pytest.param(Pattern("01", SearchPattern.ENDS_WITH), 10**5, id="ends-with-01"),
        pytest.param(Pattern("447", SearchPattern.CONTAINS), 10**7 - 10**5, id="contains-all"),
        pytest.param(
            Pattern("123", SearchPattern.CONTAINS),
            containing_123(7) - containing_123(5),
            id="contains-123",
        ),
        pytest.param(
            Pattern("11", SearchPattern.CONTAINS),
            (10**7 - avoiding_11(7)) - (10**5 - avoiding_11(5)),
            id="contains-11",
        ),
        pytest.param(Pattern("79999999", SearchPattern.CONTAINS), 1, id="contains-once"),
    ],
)
def test_ten_million_numbers_count_exactly(
    big_pool: Pool, pattern: Pattern | None, expected: int
) -> None:
    page = big_pool.page(PoolFilter("GB", pattern=pattern), PageRequest(1, 100))
    assert page.count == expected
    assert len(page.items) == min(100, expected)


def test_ten_million_numbers_deep_pages(big_pool: Pool) -> None:
    # Starts with 44712: each hundred offers 01..99, so the k-th is hundred k // 99, k % 99 + 1.
    page = big_pool.page(PoolFilter("GB", pattern=Pattern("44712")), PageRequest(980, 100))
    first = 979 * 100
    assert [n.msisdn for n in page.items] == [
        str(4_471_200_000 + (k // 99) * 100 + k % 99 + 1) for k in range(first, first + 100)
    ]
    ends = PoolFilter("GB", pattern=Pattern("5", SearchPattern.ENDS_WITH))
    page = big_pool.page(ends, PageRequest(10_000, 100))
    assert [n.msisdn for n in page.items] == [str(4_479_999_005 + 10 * k) for k in range(100)]
    everything = big_pool.page(PoolFilter("GB"), PageRequest(99_000, 100))
    assert everything.items[-1].msisdn == "4479999999"
    assert len(everything.items) == 100


def test_ten_million_numbers_last_contains_page(big_pool: Pool) -> None:
    selection = PoolFilter("GB", pattern=Pattern("123", SearchPattern.CONTAINS))
    total = containing_123(7) - containing_123(5)
    page = big_pool.page(selection, PageRequest(math.ceil(total / 100), 100))
    msisdns = [n.msisdn for n in page.items]
    assert len(msisdns) == (total % 100 or 100)
    assert msisdns == sorted(msisdns)
    assert all("123" in m and not m.endswith("00") for m in msisdns)
    assert msisdns[-1] == "4479999123"
    assert big_pool.page(selection, PageRequest(math.ceil(total / 100) + 1, 100)).items == []
