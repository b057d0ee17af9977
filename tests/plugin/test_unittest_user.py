"""`running_mock()` as a unittest user meets it: a plain TestCase driving the official SDK.

No pytest here: tests/plugin/test_running_mock.py also runs this module with `python -m unittest`.
"""
# unittest's own assertions, as a unittest user writes them.
# ruff: noqa: PT009, PT027

import os
import unittest
from unittest import mock as patching

from vonage import Auth, HttpClientOptions, Vonage
from vonage_http_client import HttpRequestError
from vonage_numbers import ListOwnedNumbersFilter, NumberParams, SearchAvailableNumbersFilter

from mock_server.testing import NumbersMock, running_mock

GB_DRAMA = SearchAvailableNumbersFilter(country="GB", pattern="447700900", search_pattern=0)


class NumbersTest(unittest.TestCase):
    mock: NumbersMock

    @classmethod
    def setUpClass(cls) -> None:
        cls.mock = cls.enterClassContext(running_mock())

    def setUp(self) -> None:
        self.mock.control.reset()
        ca_bundle = {"REQUESTS_CA_BUNDLE": str(self.mock.ca_file)}
        self.enterContext(patching.patch.dict(os.environ, ca_bundle))
        self.vonage = Vonage(
            Auth(api_key=self.mock.api_key, api_secret=self.mock.api_secret),
            HttpClientOptions(rest_host=self.mock.https_host, timeout=10),
        )
        self.addCleanup(self.vonage.http_client._session.close)

    def owned(self) -> list[str]:
        numbers, _, _ = self.vonage.numbers.list_owned_numbers(ListOwnedNumbersFilter())
        return [number.msisdn for number in numbers]

    def test_buy_and_cancel_over_https(self) -> None:
        found, count, _ = self.vonage.numbers.search_available_numbers(GB_DRAMA)
        self.assertGreater(count, 100)
        number = NumberParams(country="GB", msisdn=found[0].msisdn)
        self.vonage.numbers.buy_number(number)
        self.assertIn(found[0].msisdn, self.owned())
        self.vonage.numbers.cancel_number(number)
        self.assertNotIn(found[0].msisdn, self.owned())

    def test_each_test_starts_from_the_fixtures(self) -> None:
        # Kept, not cancelled: the reset in setUp gives it back for the other tests.
        number = NumberParams(country="GB", msisdn="447700900001")
        self.vonage.numbers.buy_number(number)
        self.assertIn("447700900001", self.owned())
        self.assertEqual(self.mock.control.health()["owned"], 8)

    def test_an_injected_fault_reaches_the_sdk(self) -> None:
        self.mock.control.add_fault("buy", status=420, times=1)
        with self.assertRaises(HttpRequestError) as caught:
            self.vonage.numbers.buy_number(NumberParams(country="GB", msisdn="447700900001"))
        self.assertEqual(caught.exception.response.status_code, 420)
        (entry,) = self.mock.control.requests(operation="buy")
        self.assertEqual(entry["status"], 420)
        self.assertNotIn("447700900001", self.owned())


if __name__ == "__main__":
    unittest.main()
