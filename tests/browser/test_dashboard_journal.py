"""The dashboard's first paint, its journal entries that open, and unmatched requests, in
Chromium against a real mock server driven by the official Python SDK."""

import json
import re

import pytest
from playwright.sync_api import Route, expect
from support.accounts import PRIMARY
from support.browser import UI_PATH, Dashboard
from support.sdks import SdkClients
from support.servers import MockServer
from vonage import Vonage
from vonage_http_client import HttpRequestError, NotFoundError
from vonage_numbers import NumberParams, SearchAvailableNumbersFilter

from mock_server.domain import messages

pytestmark = pytest.mark.e2e

GB_FOR_SALE = "447700900001"
NOT_FOR_SALE = "447700900800"


def test_the_first_paint_shows_the_layout_and_what_is_loading(
    dashboard: Dashboard, server: MockServer
) -> None:
    page = dashboard.page
    held: list[Route] = []
    released = False

    def hold_data(route: Route) -> None:
        # The page and its files load; every call for data waits until the test lets it go.
        if released or UI_PATH in route.request.url:
            route.continue_()
        else:
            held.append(route)

    page.route(re.compile(r".*/_mock/.*"), hold_data)
    dashboard.open("journal")

    expect(page.get_by_role("tab", name="Journal")).to_be_visible()
    expect(page.get_by_role("heading", name="Request journal")).to_be_visible()
    expect(page.locator("#health")).to_have_text("Loading the mock state…")
    expect(page.locator("#journal-loading")).to_have_text("Loading the journal…")
    expect(page.locator("#journal-empty")).to_be_hidden()
    expect(page.locator("main")).to_have_attribute("aria-busy", "true")
    page.wait_for_function("document.readyState === 'complete'")
    assert held, "the page asked for no data"
    dashboard.screenshot("first-paint")

    released = True
    for route in held:
        route.continue_()

    expect(page.locator("#journal-empty")).to_be_visible()
    expect(page.locator("#journal-loading")).to_be_hidden()
    expect(page.locator("main")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#health")).to_contain_text("numbers for sale")
    dashboard.show("Inventory")
    expect(page.locator('#summary-body tr[data-country="GB"]')).to_be_visible()
    assert dashboard.console_errors == []


def test_a_journal_entry_opens_to_its_parameters_and_answer(
    dashboard: Dashboard, sdk: Vonage
) -> None:
    dashboard.open("journal")
    page = dashboard.page
    expect(page.locator("#journal-empty")).to_be_visible()

    with pytest.raises(HttpRequestError):
        sdk.numbers.buy_number(NumberParams(country="GB", msisdn=NOT_FOR_SALE))
    sdk.numbers.buy_number(NumberParams(country="GB", msisdn=GB_FOR_SALE))

    buys = page.locator('#journal-body tr.entry[data-operation="buy"]')
    expect(buys).to_have_count(2)
    refused = buys.nth(1)
    toggle = refused.get_by_role("button", name=re.compile("Details of buy call"))
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()

    expect(toggle).to_have_attribute("aria-expanded", "true")
    details = page.locator("#journal-body tr.details")
    expect(details).to_have_count(1)
    expect(details.locator("h3").first).to_have_text("Request · POST /number/buy")
    expect(details.locator("dt")).to_have_text(["country", "msisdn"])
    expect(details.locator("dd")).to_have_text(["GB", NOT_FOR_SALE])
    expect(details.locator("h3").nth(1)).to_have_text("Response · 420")
    body = json.loads(details.locator("pre.body").inner_text())
    assert body["error-code"] == "420"
    assert body["error-code-label"]
    # The secret (sent in the Basic header) is nowhere on the page.
    assert PRIMARY.api_secret not in page.content()

    toggle.click()
    expect(details).to_have_count(0)
    expect(toggle).to_have_attribute("aria-expanded", "false")
    assert dashboard.console_errors == []


def test_unmatched_requests_show_as_such_with_their_hint(
    dashboard: Dashboard, server: MockServer, sdk: Vonage
) -> None:
    dashboard.open("journal")
    page = dashboard.page
    expect(page.locator("#journal-empty")).to_be_visible()

    sdk.numbers.search_available_numbers(SearchAvailableNumbersFilter(country="GB", size=3))
    sdk.numbers.buy_number(NumberParams(country="GB", msisdn=GB_FOR_SALE))
    clients = SdkClients()
    try:
        typo = clients.vonage(server, PRIMARY, path_prefix="/v1")
        with pytest.raises(NotFoundError):
            typo.numbers.search_available_numbers(SearchAvailableNumbersFilter(country="GB"))
    finally:
        clients.close()

    unmatched = page.locator("#journal-body tr.entry.unmatched")
    expect(unmatched).to_have_count(1)
    hint = messages.UNMATCHED_HINT.format(route="GET /number/search")
    expect(unmatched).to_contain_text("unmatched GET /v1/number/search")
    expect(unmatched.locator(".hint")).to_have_text(hint)
    expect(unmatched.locator(".status")).to_contain_text("404")
    expect(page.locator("#journal-body tr.entry")).to_have_count(3)

    # The latest entry opened, as the README's picture shows it.
    unmatched.get_by_role("button").click()
    expect(page.locator("#journal-body tr.details .hint")).to_have_text(hint)
    expect(page.locator("#journal-body tr.details pre.body")).to_contain_text('"error-code": "404"')
    dashboard.screenshot("journal", docs_name="dashboard-journal.png")
    assert dashboard.console_errors == []
