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
