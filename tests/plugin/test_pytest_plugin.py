"""The pytest plugin as a user meets it: install the package, then ask for its fixtures."""

from pathlib import Path

import pytest

SMALL = Path(__file__).resolve().parents[1] / "data" / "small.json"

A_USERS_TEST = """
from vonage_numbers import ListOwnedNumbersFilter, NumberParams, SearchAvailableNumbersFilter


def test_buy_and_cancel(vonage_client):
    found, count, _ = vonage_client.numbers.search_available_numbers(
        SearchAvailableNumbersFilter(country="GB", pattern="447700900", search_pattern=0)
    )
    msisdn = found[0].msisdn
    vonage_client.numbers.buy_number(NumberParams(country="GB", msisdn=msisdn))
    owned, _, _ = vonage_client.numbers.list_owned_numbers(ListOwnedNumbersFilter())
    assert msisdn in [n.msisdn for n in owned]
    vonage_client.numbers.cancel_number(NumberParams(country="GB", msisdn=msisdn))
    owned, _, _ = vonage_client.numbers.list_owned_numbers(ListOwnedNumbersFilter())
    assert msisdn not in [n.msisdn for n in owned]
"""


def test_a_test_asking_only_for_vonage_client_buys_and_cancels(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=A_USERS_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_numbers_mock_exposes_the_server_and_resets_between_tests(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_user="""
import requests

def test_first_buys_and_sets_a_fault(numbers_mock):
    assert numbers_mock.url.startswith("http://127.0.0.1:")
    assert numbers_mock.https_url.startswith("https://127.0.0.1:")
    assert numbers_mock.ca_file.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    auth = (numbers_mock.api_key, numbers_mock.api_secret)
    assert auth == ("1a2b3c4d", "MockSecret123456")
    bought = requests.post(numbers_mock.url + "/number/buy", auth=auth,
                           data={"country": "GB", "msisdn": "447700900001"})
    assert bought.status_code == 200
    numbers_mock.control.add_fault("search", status=503)
    over_tls = requests.get(numbers_mock.https_url + "/_mock/health",
                            verify=str(numbers_mock.ca_file))
    assert over_tls.json()["owned"] == 8

def test_second_starts_from_the_fixtures_again(numbers_mock):
    auth = (numbers_mock.api_key, numbers_mock.api_secret)
    owned = requests.get(numbers_mock.url + "/account/numbers", auth=auth,
                         params={"pattern": "447700900001"}).json()
    assert owned["count"] == 0
    assert numbers_mock.control.faults() == []
    assert numbers_mock.control.requests()[-1]["operation"] == "list"
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_fixtures_file_and_settings_from_options(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        """
[pytest]
numbers_mock_settings =
    method_failed_status = 400
    seed = 7
"""
    )
    pytester.makepyfile(
        test_user="""
import requests

def test_options(numbers_mock):
    assert numbers_mock.api_key == "master01"
    failed = requests.post(numbers_mock.url + "/number/buy",
                           auth=(numbers_mock.api_key, numbers_mock.api_secret),
                           data={"country": "GB", "msisdn": "447799999999"})
    assert failed.status_code == 400
    assert failed.json()["error-code"] == "420"
    assert requests.get(numbers_mock.url + "/_mock/faults").json()["seed"] == 7
"""
    )
    # One argument, so that pytest does not take the path for a test path when it finds rootdir.
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--numbers-mock-fixtures={SMALL}"
    )
    result.assert_outcomes(passed=1)


def test_a_malformed_setting_line_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nnumbers_mock_settings =\n    seed\n")
    pytester.makepyfile(test_user="def test_x(numbers_mock):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*numbers_mock_settings: expected 'name = value'*"])


def test_numbers_mock_control_verifies_the_calls_a_test_made(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_user="""
from vonage_numbers import NumberParams


def test_passes(vonage_client, numbers_mock):
    vonage_client.numbers.buy_number(NumberParams(country="GB", msisdn="447700900001"))
    numbers_mock.control.assert_called("buy", msisdn="447700900001", times=1)
    numbers_mock.control.assert_not_called("cancel")


def test_fails(vonage_client, numbers_mock):
    vonage_client.numbers.buy_number(NumberParams(country="GB", msisdn="447700900001"))
    numbers_mock.control.assert_called("buy", msisdn="447700900002")
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: expected a call of buy with msisdn='447700900002', found 0",
            "*closest calls (same operation, other parameters):",
            "*POST /number/buy *msisdn='447700900001'* -> 200 (differs: msisdn)",
        ]
    )
