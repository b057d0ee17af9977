"""mock_server.domain.matching: `pattern` + `search_pattern` as the Numbers API documents them."""

import pytest

from mock_server.domain.matching import Pattern, SearchPattern, matches

MSISDN = "447700900123"


def test_search_pattern_values_are_vonages_wire_values() -> None:
    assert SearchPattern(0) is SearchPattern.STARTS_WITH
    assert SearchPattern(1) is SearchPattern.CONTAINS
    assert SearchPattern(2) is SearchPattern.ENDS_WITH


def test_default_mode_is_starts_with() -> None:
    assert Pattern("44").mode is SearchPattern.STARTS_WITH


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        # 0: starts with, and the pattern includes the country code.
        pytest.param(Pattern("44"), True, id="starts-with-country-code"),
        pytest.param(Pattern("447700"), True, id="starts-with-country-and-area"),
        pytest.param(Pattern(MSISDN), True, id="starts-with-whole-number"),
        pytest.param(Pattern("7700"), False, id="starts-with-needs-the-country-code"),
        pytest.param(Pattern("07700"), False, id="starts-with-national-format-fails"),
        pytest.param(Pattern("123"), False, id="starts-with-the-end-fails"),
        pytest.param(Pattern(MSISDN + "4"), False, id="starts-with-longer-than-number"),
        # 1: contains, anywhere including both ends.
        pytest.param(Pattern("0090", SearchPattern.CONTAINS), True, id="contains-middle"),
        pytest.param(Pattern("44", SearchPattern.CONTAINS), True, id="contains-start"),
        pytest.param(Pattern("123", SearchPattern.CONTAINS), True, id="contains-end"),
        pytest.param(Pattern(MSISDN, SearchPattern.CONTAINS), True, id="contains-whole"),
        pytest.param(Pattern("999", SearchPattern.CONTAINS), False, id="contains-absent"),
        pytest.param(Pattern("4477009001234", SearchPattern.CONTAINS), False, id="contains-longer"),
        # 2: ends with.
        pytest.param(Pattern("123", SearchPattern.ENDS_WITH), True, id="ends-with"),
        pytest.param(Pattern("0123", SearchPattern.ENDS_WITH), True, id="ends-with-four"),
        pytest.param(Pattern(MSISDN, SearchPattern.ENDS_WITH), True, id="ends-with-whole"),
        pytest.param(Pattern("44", SearchPattern.ENDS_WITH), False, id="ends-with-the-start-fails"),
        pytest.param(Pattern("12", SearchPattern.ENDS_WITH), False, id="ends-with-off-by-one"),
    ],
)
def test_pattern_matches(pattern: Pattern, expected: bool) -> None:
    assert pattern.matches(MSISDN) is expected
    assert matches(pattern, MSISDN) is expected


@pytest.mark.parametrize(
    "msisdn",
    [
        pytest.param(MSISDN, id="uk-mobile"),
        pytest.param("12015550100", id="us-landline"),
        pytest.param("611800160401", id="au-toll-free"),
    ],
)
def test_no_pattern_matches_every_number(msisdn: str) -> None:
    assert matches(None, msisdn) is True


def test_same_digits_select_different_numbers_by_mode() -> None:
    numbers = ["447700900044", "447700900123", "447744900123", "12015550144"]
    selected = {
        mode: [n for n in numbers if matches(Pattern("44", mode), n)] for mode in SearchPattern
    }
    assert selected == {
        SearchPattern.STARTS_WITH: ["447700900044", "447700900123", "447744900123"],
        SearchPattern.CONTAINS: numbers,
        SearchPattern.ENDS_WITH: ["447700900044", "12015550144"],
    }


# -- `*`: any run of digits ---------------------------------------------------------------------

STARTS, CONTAINS, ENDS = SearchPattern.STARTS_WITH, SearchPattern.CONTAINS, SearchPattern.ENDS_WITH


@pytest.mark.parametrize(
    ("sent", "canonical"),
    [
        # nexmo-cli's README: `number:search NL --pattern *007` sends search_pattern=2.
        pytest.param(Pattern("*007", ENDS), Pattern("007", ENDS), id="nexmo-cli-ends-with"),
        # The Kotlin SDK's tests: `1337*` starting with; the Java SDK's: `*1337*` containing.
        pytest.param(Pattern("1337*", STARTS), Pattern("1337", STARTS), id="kotlin-starts-with"),
        pytest.param(Pattern("*1337*", CONTAINS), Pattern("1337", CONTAINS), id="java-contains"),
        # A `*` lifts the anchor of its end: the pattern then floats.
        pytest.param(Pattern("*007", STARTS), Pattern("007", CONTAINS), id="lifts-start"),
        pytest.param(Pattern("1337*", ENDS), Pattern("1337", CONTAINS), id="lifts-end"),
        pytest.param(Pattern("**44***7*", STARTS), Pattern("44*7", CONTAINS), id="runs-collapse"),
        pytest.param(Pattern("44*7", ENDS), Pattern("44*7", ENDS), id="interior-stays"),
        pytest.param(Pattern("*", STARTS), Pattern("", CONTAINS), id="star-alone"),
    ],
)
def test_wildcards_take_one_canonical_form(sent: Pattern, canonical: Pattern) -> None:
    assert sent == canonical
    assert hash(sent) == hash(canonical)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        pytest.param(Pattern("*123", ENDS), True, id="star-then-end"),
        pytest.param(Pattern("*124", ENDS), False, id="star-then-wrong-end"),
        pytest.param(Pattern("4477*", STARTS), True, id="start-then-star"),
        pytest.param(Pattern("*0090*", CONTAINS), True, id="star-both-sides"),
        pytest.param(Pattern("44*123", STARTS), True, id="interior-starts-with"),
        pytest.param(Pattern("44*123", ENDS), True, id="interior-ends-with"),
        pytest.param(Pattern("44*124", ENDS), False, id="interior-ends-with-wrong-end"),
        pytest.param(Pattern("7*9*3", CONTAINS), True, id="interior-contains"),
        pytest.param(Pattern("3*7", CONTAINS), False, id="interior-order-counts"),
        pytest.param(Pattern("4*4", STARTS), True, id="empty-run-between"),
        pytest.param(Pattern("447700900123*", STARTS), True, id="star-matches-nothing-at-end"),
        pytest.param(Pattern("*447700900123", ENDS), True, id="star-matches-nothing-at-start"),
        pytest.param(Pattern("77*77", CONTAINS), False, id="runs-do-not-overlap"),
        pytest.param(Pattern("0*0*0*0", CONTAINS), True, id="four-zeros"),
        pytest.param(Pattern("0*0*0*0*0", CONTAINS), False, id="five-zeros-needed"),
    ],
)
def test_wildcards_match_any_run_of_digits(pattern: Pattern, expected: bool) -> None:
    assert pattern.matches(MSISDN) is expected


def test_only_a_plain_starts_with_is_a_prefix() -> None:
    assert Pattern("4477*", STARTS).is_prefix
    assert not Pattern("44*7", STARTS).is_prefix
    assert not Pattern("*44", STARTS).is_prefix
    assert not Pattern("44", ENDS).is_prefix
