"""A number's country: an ISO 3166-1 alpha-2 code with a calling code, and the number's calling
code its country's (issue 15, item 12)."""

import pytest

from mock_server.domain import messages
from mock_server.domain.countries import CALLING_CODES, country_problem, number_problem


@pytest.mark.parametrize("country", ["GB", "US", "CA", "AU", "DE", "FR", "IT", "NL", "ES", "XK"])
def test_countries_vonage_sells_in_are_known(country: str) -> None:
    assert country_problem(country) is None


@pytest.mark.parametrize(
    "country",
    [
        pytest.param("ZZ", id="unassigned"),
        pytest.param("UK", id="not-the-iso-code-of-great-britain"),
        pytest.param("AQ", id="no-telephone-numbers"),
        pytest.param("gb", id="lower-case"),
    ],
)
def test_other_codes_are_not(country: str) -> None:
    assert country_problem(country) == messages.COUNTRY_UNKNOWN.format(country=country)


@pytest.mark.parametrize(
    ("country", "msisdn"),
    [
        pytest.param("GB", "447700900123", id="gb"),
        pytest.param("US", "12015550123", id="us"),
        pytest.param("CA", "14165550123", id="canada-shares-plus-1"),
        pytest.param("JE", "447797900123", id="jersey-shares-plus-44"),
        pytest.param("FI", "358401234567", id="a-three-digit-code"),
        pytest.param("ZZ", "447700900123", id="an-unknown-country-is-not-this-check-s-to-report"),
    ],
)
def test_numbers_that_fit_their_country(country: str, msisdn: str) -> None:
    assert number_problem(country, msisdn) is None


@pytest.mark.parametrize(
    ("country", "msisdn", "code"),
    [
        pytest.param("US", "447700900123", "1", id="a-gb-number-filed-as-us"),
        pytest.param("GB", "12015550123", "44", id="a-us-number-filed-as-gb"),
        pytest.param("FI", "351912345678", "358", id="portugal-is-not-finland"),
        pytest.param("DE", "4477009001", "49", id="a-shared-first-digit-is-not-enough"),
    ],
)
def test_numbers_of_another_country(country: str, msisdn: str, code: str) -> None:
    assert number_problem(country, msisdn) == messages.NUMBER_NOT_OF_COUNTRY.format(
        msisdn=msisdn, country=country, code=code
    )


def test_the_table_is_well_formed() -> None:
    assert len(CALLING_CODES) > 230
    assert all(len(c) == 2 and c.isupper() for c in CALLING_CODES)
    assert all(code.isdigit() and not code.startswith("0") for code in CALLING_CODES.values())
