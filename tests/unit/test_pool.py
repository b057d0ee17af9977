"""mock_server.domain.pool: available numbers kept as blocks, searched, taken and given back."""

from decimal import Decimal

import pytest
from support.oracles import block_msisdns, search

from mock_server.domain import messages
from mock_server.domain.errors import MethodFailed
from mock_server.domain.matching import Pattern, SearchPattern
from mock_server.domain.pagination import PageRequest
from mock_server.domain.phone_number import AvailableNumber, Feature, NumberAttributes, NumberType
from mock_server.domain.pool import Block, Pool, PoolFilter

VOICE, SMS, MMS = Feature.VOICE, Feature.SMS, Feature.MMS


def attrs(country: str, type_: NumberType, features: set[Feature], cost: str) -> NumberAttributes:
    return NumberAttributes(country, type_, frozenset(features), Decimal(cost))


GB_MOBILE = attrs("GB", NumberType.MOBILE_LVN, {VOICE, SMS}, "1.25")
GB_SMS_ONLY = attrs("GB", NumberType.MOBILE_LVN, {SMS}, "0.95")
GB_LANDLINE = attrs("GB", NumberType.LANDLINE, {VOICE}, "0.45")
GB_SINGLE = attrs("GB", NumberType.MOBILE_LVN, {VOICE, SMS}, "2.00")
US_ALL = attrs("US", NumberType.LANDLINE, {VOICE, SMS, MMS}, "0.90")
OTHER = attrs("FR", NumberType.LANDLINE_TOLL_FREE, {MMS}, "9.99")

GB_MOBILE_NUMBERS = [f"4477009000{n}" for n in range(10, 20)]
GB_SMS_NUMBERS = [f"44770090050{n}" for n in range(5)]
GB_LANDLINE_NUMBERS = ["441614960000", "441614960001", "441614960002"]
GB_SINGLE_NUMBER = "447700900900"
US_NUMBERS = [f"1201555010{n}" for n in range(5)]
ALL_GB = sorted(GB_MOBILE_NUMBERS + GB_SMS_NUMBERS + GB_LANDLINE_NUMBERS + [GB_SINGLE_NUMBER])
TOTAL = len(ALL_GB) + len(US_NUMBERS)


def make_pool() -> Pool:
    # Listed out of order on purpose: the pool sorts its blocks.
    return Pool(
        [
            Block.of_range(GB_SINGLE_NUMBER, GB_SINGLE_NUMBER, GB_SINGLE),
            Block.of_range("447700900010", "447700900019", GB_MOBILE),
            Block.of_range("12015550100", "12015550104", US_ALL),
            Block.of_range("447700900500", "447700900504", GB_SMS_ONLY),
            Block.of_range("441614960000", "441614960002", GB_LANDLINE),
        ]
    )


def found(pool: Pool, selection: PoolFilter) -> list[str]:
    return [number.msisdn for number in search(pool, selection)]


def test_available_counts_every_number_of_every_block() -> None:
    pool = make_pool()
    assert pool.available == TOTAL == 24
    assert sorted(block.available for block in pool) == [1, 3, 5, 5, 10]


def test_search_lists_ranges_and_single_numbers_in_ascending_order() -> None:
    assert found(make_pool(), PoolFilter("GB")) == ALL_GB


def test_search_gives_each_number_its_blocks_attributes() -> None:
    page = make_pool().page(PoolFilter("GB"), PageRequest(size=100))
    assert page.count == len(page.items)
    by_msisdn = {n.msisdn: n.attributes for n in page.items}
    assert by_msisdn["447700900015"] == GB_MOBILE
    assert by_msisdn["447700900503"] == GB_SMS_ONLY
    assert by_msisdn["441614960001"] == GB_LANDLINE
    assert by_msisdn[GB_SINGLE_NUMBER] == GB_SINGLE


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        pytest.param(PoolFilter("US"), US_NUMBERS, id="country-us"),
        pytest.param(PoolFilter("FR"), [], id="country-without-numbers"),
        pytest.param(PoolFilter("GB", type=NumberType.LANDLINE), GB_LANDLINE_NUMBERS, id="type"),
        pytest.param(
            PoolFilter("GB", type=NumberType.MOBILE_LVN),
            sorted([*GB_MOBILE_NUMBERS, *GB_SMS_NUMBERS, GB_SINGLE_NUMBER]),
            id="type-mobile",
        ),
        pytest.param(PoolFilter("GB", type=NumberType.LANDLINE_TOLL_FREE), [], id="type-absent"),
        pytest.param(PoolFilter("US", type=NumberType.MOBILE_LVN), [], id="type-other-country"),
        pytest.param(
            PoolFilter("GB", features=frozenset({SMS})),
            sorted([*GB_MOBILE_NUMBERS, *GB_SMS_NUMBERS, GB_SINGLE_NUMBER]),
            id="features-subset-matches-numbers-with-more",
        ),
        pytest.param(
            PoolFilter("GB", features=frozenset({VOICE})),
            sorted([*GB_LANDLINE_NUMBERS, *GB_MOBILE_NUMBERS, GB_SINGLE_NUMBER]),
            id="features-voice",
        ),
        pytest.param(
            PoolFilter("GB", features=frozenset({SMS, VOICE})),
            sorted([*GB_MOBILE_NUMBERS, GB_SINGLE_NUMBER]),
            id="features-needs-all-requested",
        ),
        pytest.param(PoolFilter("GB", features=frozenset({VOICE, SMS, MMS})), [], id="no-mms-gb"),
        pytest.param(
            PoolFilter("US", features=frozenset({MMS, SMS, VOICE})), US_NUMBERS, id="all-three-us"
        ),
        pytest.param(
            PoolFilter("GB", type=NumberType.MOBILE_LVN, features=frozenset({VOICE})),
            sorted([*GB_MOBILE_NUMBERS, GB_SINGLE_NUMBER]),
            id="type-and-features",
        ),
        pytest.param(
            PoolFilter("GB", pattern=Pattern("4477009000")),
            GB_MOBILE_NUMBERS,
            id="starts-with-inside-a-range",
        ),
        pytest.param(
            PoolFilter("GB", pattern=Pattern("44161")), GB_LANDLINE_NUMBERS, id="starts-with-city"
        ),
        pytest.param(
            PoolFilter("GB", pattern=Pattern("7700", SearchPattern.STARTS_WITH)),
            [],
            id="starts-with-without-country-code",
        ),
        pytest.param(
            PoolFilter("GB", pattern=Pattern("0050", SearchPattern.CONTAINS)),
            GB_SMS_NUMBERS,
            id="contains",
        ),
        pytest.param(
            PoolFilter("GB", pattern=Pattern("0", SearchPattern.ENDS_WITH)),
            ["441614960000", "447700900010", "447700900500", GB_SINGLE_NUMBER],
            id="ends-with-across-blocks",
        ),
        pytest.param(
            PoolFilter("GB", pattern=Pattern("17", SearchPattern.ENDS_WITH)),
            ["447700900017"],
            id="ends-with-one-number",
        ),
        pytest.param(
            PoolFilter("GB", pattern=Pattern("*17", SearchPattern.ENDS_WITH)),
            ["447700900017"],
            id="wildcard-then-ends-with",
        ),
        pytest.param(
            PoolFilter("GB", pattern=Pattern("44161*", SearchPattern.STARTS_WITH)),
            GB_LANDLINE_NUMBERS,
            id="starts-with-then-wildcard",
        ),
        pytest.param(
            PoolFilter("GB", pattern=Pattern("44*0050*", SearchPattern.STARTS_WITH)),
            GB_SMS_NUMBERS,
            id="wildcard-inside",
        ),
        pytest.param(
            PoolFilter(
                "GB", type=NumberType.LANDLINE, pattern=Pattern("0", SearchPattern.ENDS_WITH)
            ),
            ["441614960000"],
            id="pattern-and-type",
        ),
        pytest.param(
            PoolFilter("US", pattern=Pattern("44", SearchPattern.CONTAINS)),
            [],
            id="pattern-does-not-cross-countries",
        ),
    ],
)
def test_search_filters(selection: PoolFilter, expected: list[str]) -> None:
    assert found(make_pool(), selection) == expected


@pytest.mark.parametrize(
    ("msisdn", "expected"),
    [
        pytest.param("447700900010", GB_MOBILE, id="first-of-range"),
        pytest.param("447700900019", GB_MOBILE, id="last-of-range"),
        pytest.param("447700900014", GB_MOBILE, id="inside-range"),
        pytest.param(GB_SINGLE_NUMBER, GB_SINGLE, id="single-number"),
        pytest.param("12015550102", US_ALL, id="shorter-numbers"),
        pytest.param("447700900009", None, id="one-before-range"),
        pytest.param("447700900020", None, id="one-after-range"),
        pytest.param("447700900901", None, id="beside-single"),
        pytest.param("44770090001", None, id="fewer-digits"),
        pytest.param("4477009000140", None, id="more-digits"),
        pytest.param("999999999999", None, id="after-everything"),
        pytest.param("100000", None, id="before-everything"),
    ],
)
def test_find(msisdn: str, expected: NumberAttributes | None) -> None:
    number = make_pool().find(msisdn)
    if expected is None:
        assert number is None
    else:
        assert number == AvailableNumber(msisdn, expected)


@pytest.mark.parametrize(
    "msisdn",
    [
        pytest.param("447700900010", id="range-start"),
        pytest.param("447700900013", id="range-middle"),
        pytest.param("447700900019", id="range-end"),
        pytest.param(GB_SINGLE_NUMBER, id="single"),
        pytest.param("12015550104", id="us"),
    ],
)
def test_take_removes_the_number_from_the_pool(msisdn: str) -> None:
    pool = make_pool()
    taken = pool.take(msisdn)
    assert taken.msisdn == msisdn
    assert taken.attributes.country in ("GB", "US")
    assert pool.find(msisdn) is None
    assert pool.available == TOTAL - 1
    country = taken.attributes.country
    assert msisdn not in found(pool, PoolFilter(country))
    assert len(found(pool, PoolFilter(country))) == (
        len(ALL_GB) - 1 if country == "GB" else len(US_NUMBERS) - 1
    )


@pytest.mark.parametrize(
    "msisdn",
    [
        pytest.param("447700900999", id="unknown"),
        pytest.param("447700900009", id="next-to-a-range"),
        pytest.param("44770090001", id="prefix-of-a-range-number"),
        pytest.param("4477009000100", id="longer-than-range-numbers"),
    ],
)
def test_take_of_an_unknown_number_fails_and_changes_nothing(msisdn: str) -> None:
    pool = make_pool()
    with pytest.raises(MethodFailed) as caught:
        pool.take(msisdn)
    assert caught.value.label == messages.METHOD_FAILED
    assert pool.available == TOTAL


def test_take_twice_fails_the_second_time() -> None:
    pool = make_pool()
    pool.take("447700900012")
    with pytest.raises(MethodFailed):
        pool.take("447700900012")
    assert pool.available == TOTAL - 1


def test_taken_numbers_are_not_found_but_their_neighbours_are() -> None:
    pool = make_pool()
    pool.take("447700900012")
    assert pool.find("447700900012") is None
    assert pool.find("447700900011") == AvailableNumber("447700900011", GB_MOBILE)
    assert pool.find("447700900013") == AvailableNumber("447700900013", GB_MOBILE)


def test_give_back_into_its_range_takes_the_ranges_attributes() -> None:
    pool = make_pool()
    pool.take("447700900012")
    blocks_before = len(list(pool))
    pool.give_back(AvailableNumber("447700900012", OTHER))
    assert pool.find("447700900012") == AvailableNumber("447700900012", GB_MOBILE)
    assert pool.available == TOTAL
    assert len(list(pool)) == blocks_before
    assert found(pool, PoolFilter("GB")) == ALL_GB
    assert found(pool, PoolFilter("FR")) == []


def test_give_back_of_a_standalone_number_makes_a_block_of_its_own() -> None:
    pool = make_pool()
    blocks_before = len(list(pool))
    standalone = AvailableNumber("447700900950", GB_SMS_ONLY)
    pool.give_back(standalone)
    assert len(list(pool)) == blocks_before + 1
    assert pool.available == TOTAL + 1
    assert pool.find("447700900950") == standalone
    assert found(pool, PoolFilter("GB")) == sorted([*ALL_GB, "447700900950"])
    assert found(pool, PoolFilter("GB", features=frozenset({VOICE}))) == sorted(
        [*GB_LANDLINE_NUMBERS, *GB_MOBILE_NUMBERS, GB_SINGLE_NUMBER]
    )
    # It can be taken and given back again like any other.
    assert pool.take("447700900950") == standalone
    assert pool.find("447700900950") is None
    pool.give_back(standalone)
    assert pool.find("447700900950") == standalone
    assert len(list(pool)) == blocks_before + 1


def test_give_back_of_a_standalone_number_of_another_country() -> None:
    pool = make_pool()
    pool.give_back(AvailableNumber("33199000042", OTHER))
    assert found(pool, PoolFilter("FR")) == ["33199000042"]
    assert found(pool, PoolFilter("US")) == US_NUMBERS


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        pytest.param("447700900012", "447700900014", True, id="inside-a-range"),
        pytest.param("447700900000", "447700900010", True, id="touches-range-start"),
        pytest.param("447700900019", "447700900030", True, id="touches-range-end"),
        pytest.param("447700900000", "447700900099", True, id="contains-a-range"),
        pytest.param("447700900005", "447700900015", True, id="straddles-range-start"),
        pytest.param(GB_SINGLE_NUMBER, GB_SINGLE_NUMBER, True, id="the-single-number"),
        pytest.param("447700900800", "447700900999", True, id="around-the-single-number"),
        pytest.param("12015550104", "12015550199", True, id="us-range-end"),
        pytest.param("447700900000", "447700900009", False, id="just-before-a-range"),
        pytest.param("447700900020", "447700900499", False, id="between-ranges"),
        pytest.param("447700900505", "447700900899", False, id="between-range-and-single"),
        pytest.param("447700900901", "447700900999", False, id="just-after-single"),
        pytest.param("100000000000", "100000000001", False, id="before-everything"),
        pytest.param("999999999990", "999999999999", False, id="after-everything"),
        pytest.param("44770090001", "44770090001", False, id="same-digits-fewer-of-them"),
        pytest.param("1201555010", "1201555010", False, id="us-prefix-shorter"),
    ],
)
def test_overlapping(first: str, last: str, expected: bool) -> None:
    assert make_pool().overlapping(first, last) is expected


def test_overlapping_counts_taken_numbers() -> None:
    pool = make_pool()
    for msisdn in GB_SMS_NUMBERS:
        pool.take(msisdn)
    assert pool.overlapping("447700900502", "447700900502") is True


def test_block_available_counts_taken_numbers_out() -> None:
    block = Block.of_range("447700900000", "447700900099", GB_MOBILE)
    assert block.available == 100
    pool = Pool([block])
    pool.take("447700900000")
    pool.take("447700900099")
    assert block.available == pool.available == 98
    assert next(block_msisdns(block)) == "447700900001"


def test_a_large_range_costs_one_block() -> None:
    pool = Pool([Block.of_range("447000000000", "447999999999", GB_MOBILE)])
    assert len(list(pool)) == 1
    assert pool.available == 1_000_000_000
    assert pool.find("447123456789") == AvailableNumber("447123456789", GB_MOBILE)
    pool.take("447123456789")
    assert pool.available == 999_999_999


# -- one page at a time -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "size", "expected"),
    [
        pytest.param(1, 5, ALL_GB[:5], id="first-page-crosses-blocks"),
        pytest.param(2, 5, ALL_GB[5:10], id="second-page"),
        pytest.param(4, 5, ALL_GB[15:19], id="last-partial-page"),
        pytest.param(5, 5, [], id="past-the-end"),
        pytest.param(1, 100, ALL_GB, id="everything"),
        pytest.param(3, 7, ALL_GB[14:19], id="skips-whole-blocks"),
    ],
)
def test_page_cuts_the_search_and_counts_it_all(index: int, size: int, expected: list[str]) -> None:
    page = make_pool().page(PoolFilter("GB"), PageRequest(index, size))
    assert page.count == len(ALL_GB) == 19
    assert [n.msisdn for n in page.items] == expected


def test_page_leaves_taken_numbers_out_of_items_and_count() -> None:
    pool = make_pool()
    for msisdn in ("447700900011", "447700900012", "447700900013", "447700900500"):
        pool.take(msisdn)
    remaining = [m for m in ALL_GB if m not in {"447700900011", "447700900012", "447700900013"}]
    remaining.remove("447700900500")
    page = pool.page(PoolFilter("GB"), PageRequest(2, 3))
    assert page.count == len(remaining) == 15
    assert [n.msisdn for n in page.items] == remaining[3:6]
    contains = PoolFilter("GB", pattern=Pattern("0001", SearchPattern.CONTAINS))
    assert [n.msisdn for n in pool.page(contains, PageRequest(1, 10)).items] == [
        "441614960001",
        "447700900010",
        "447700900014",
        "447700900015",
        "447700900016",
        "447700900017",
        "447700900018",
        "447700900019",
    ]


def test_a_large_range_pages_without_listing_it() -> None:
    pool = Pool([Block.of_range("447000000000", "447999999999", GB_MOBILE)])
    pool.take("447999999999")
    page = pool.page(PoolFilter("GB"), PageRequest(10_000_000, 100))
    assert page.count == 999_999_999
    assert page.items[0].msisdn == "447999999900"
    assert len(page.items) == 99
