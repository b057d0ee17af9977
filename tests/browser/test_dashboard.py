"""The dashboard in Chromium against a real mock server, changed by the official Python SDK.

Each test opens the page, lets it load, then acts as a user or as an app under test would, and
waits (Playwright's auto-waiting) for what the page shows by itself, without a reload.
"""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from support.accounts import PRIMARY
from support.browser import Dashboard
from support.servers import MockServer, health
from support.webhooks import Receiver
from vonage import Vonage
from vonage_http_client import HttpRequestError
from vonage_numbers import (
    ListOwnedNumbersFilter,
    NumberParams,
    SearchAvailableNumbersFilter,
    UpdateNumberParams,
)

from mock_server import __version__
from mock_server.testing.client import MockClient

pytestmark = pytest.mark.e2e

GB_FOR_SALE = "447700900001"
NOT_FOR_SALE = "447700900800"  # between two GB ranges of the shipped fixtures
OWNED_GB = "447700900123"  # the primary account's GB mobile number in the shipped fixtures
OWNED_AT_START = 4  # numbers the primary account owns in the shipped fixtures
OWNED_AT_START_ALL = 7  # numbers all accounts own in the shipped fixtures
OWNED_WITHOUT_WEBHOOK = "12125550142"  # the primary's US number: SMS feature, no moHttpUrl
# An invented block (US area code 999 does not exist) of ten million numbers: counted, not listed.
HUGE_RANGE = {"start": "19990000000", "end": "19999999999"}
HUGE_SIZE = 10_000_000


def thousands(value: int) -> str:
    return f"{value:,}"


def summary_cell(page: Page, country: str, column: int) -> str:
    """The text of a cell of the inventory summary's row for `country` (column 0 is the code)."""
    row = page.locator(f'#summary-body tr[data-country="{country}"]')
    return row.locator("th, td").nth(column).inner_text()


def mark_document(page: Page) -> None:
    """Leaves a mark on the loaded document: gone if the page is ever reloaded."""
    page.evaluate("window.__notReloaded = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__notReloaded === true"), "the page was reloaded"


def test_page_loads_without_errors_and_shows_the_inventory(
    dashboard: Dashboard, server: MockServer, sdk: Vonage
) -> None:
    dashboard.open()
    page = dashboard.page

    expect(page).to_have_title(re.compile("vonage-numbers-mock"))
    expect(page.get_by_role("heading", name="Numbers for sale")).to_be_visible()
    headers = page.locator("#summary-table thead th")
    expect(headers).to_have_text(["Country", "Landline", "Mobile", "Toll-free", "Total"])
    # GB's count is the one the Vonage search answers through the official SDK.
    _, gb_count, _ = sdk.numbers.search_available_numbers(
        SearchAvailableNumbersFilter(country="GB")
    )
    gb_total = page.locator('#summary-body td[data-total="GB"]')
    expect(gb_total).to_have_text(thousands(gb_count))
    # The footer's total is the health check's count of numbers for sale.
    expect(page.locator("#summary-foot")).to_contain_text(thousands(health(server)["available"]))
    # The header line shows the same figures.
    expect(page.locator("#health")).to_contain_text(
        f"{thousands(health(server)['available'])} numbers for sale"
    )
    # And the version of the mock that answers.
    expect(page.locator("h1")).to_have_text(f"vonage-numbers-mock v{__version__}")
    # The first search lists GB numbers, a page of 25, with the exact count.
    expect(page.locator("#search-status")).to_have_text(
        f"{thousands(gb_count)} GB numbers match · page 1 of {-(-gb_count // 25)}"
    )
    expect(page.locator("#search-body tr")).to_have_count(25)

    dashboard.screenshot("inventory", docs_name="dashboard.png")
    assert dashboard.console_errors == []


def test_inventory_search_filters_and_pages(dashboard: Dashboard, sdk: Vonage) -> None:
    dashboard.open()
    page = dashboard.page
    expect(page.locator("#search-body tr")).to_have_count(25)

    page.get_by_label("Country").select_option("GB")
    page.get_by_label("Type").select_option("mobile-lvn")
    page.get_by_label("Pattern (digits)").fill("4477009001")
    page.get_by_label("Match").select_option("0")
    page.get_by_label("Per page").select_option("10")
    page.get_by_role("button", name="Search", exact=True).click()

    search = SearchAvailableNumbersFilter(
        country="GB", type="mobile-lvn", pattern="4477009001", search_pattern=0, size=10
    )
    first_page, total, _ = sdk.numbers.search_available_numbers(search)
    status = page.locator("#search-status")
    expect(status).to_have_text(f"{total} GB mobile numbers match · page 1 of {-(-total // 10)}")
    expect(page.locator("#search-body tr").first).to_contain_text(first_page[0].msisdn or "")

    page.get_by_role("button", name="Next page").click()
    expect(status).to_contain_text("page 2 of")
    expect(page.get_by_role("button", name="Previous page")).to_be_enabled()

    page.get_by_label("Pattern (digits)").fill("12x")
    page.get_by_role("button", name="Search", exact=True).click()
    # The browser's own check refuses the pattern before any request: nothing is searched.
    expect(status).to_contain_text("page 2 of")
    assert dashboard.console_errors == []


def test_huge_ranges_are_counted_exactly(dashboard: Dashboard, control: MockClient) -> None:
    dashboard.open()
    page = dashboard.page
    us_landline = page.locator('#summary-body tr[data-country="US"] td').nth(0)
    expect(us_landline).not_to_have_text("")
    before = int(us_landline.inner_text().replace(",", ""))
    mark_document(page)

    added = control.add_numbers({
        "country": "US", "type": "landline", "features": ["VOICE", "SMS"], "cost": "0.90",
        "range": HUGE_RANGE,
    })  # fmt: skip
    assert added == HUGE_SIZE

    expect(us_landline).to_have_text(thousands(before + HUGE_SIZE))
    us_landline.get_by_role("button").click()
    pages = -(-(before + HUGE_SIZE) // 25)
    expect(page.locator("#search-status")).to_have_text(
        f"{thousands(before + HUGE_SIZE)} US landline numbers match · page 1 of {thousands(pages)}"
    )
    assert_not_reloaded(page)
    assert dashboard.console_errors == []


def test_a_buy_by_the_sdk_shows_live_in_the_journal_and_the_accounts(
    dashboard: Dashboard, sdk: Vonage
) -> None:
    dashboard.open("journal")
    page = dashboard.page
    expect(page.locator("#journal-empty")).to_be_visible()
    mark_document(page)

    sdk.numbers.search_available_numbers(
        SearchAvailableNumbersFilter(country="GB", pattern="4477009000", search_pattern=0)
    )
    with pytest.raises(HttpRequestError):
        sdk.numbers.buy_number(NumberParams(country="GB", msisdn=NOT_FOR_SALE))
    sdk.numbers.buy_number(NumberParams(country="GB", msisdn=GB_FOR_SALE))
    sdk.numbers.update_number(
        UpdateNumberParams(
            country="GB", msisdn=GB_FOR_SALE, mo_http_url="https://example.com/demo/inbound-sms"
        )
    )
    sdk.numbers.list_owned_numbers(ListOwnedNumbersFilter(country="GB"))

    rows = page.locator("#journal-body tr")
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text("list")
    buys = page.locator('#journal-body tr[data-operation="buy"]')
    expect(buys.first).to_contain_text(f"msisdn={GB_FOR_SALE}")
    expect(buys.first).to_contain_text(PRIMARY.api_key)
    expect(buys.first.locator(".status")).to_have_text("200")
    expect(buys.nth(1)).to_contain_text(f"msisdn={NOT_FOR_SALE}")
    expect(buys.nth(1).locator(".status")).to_have_text("420 method failed")
    dashboard.screenshot("journal-live")

    dashboard.show("Accounts")
    row = page.locator(f'[data-account="{PRIMARY.api_key}"] tr[data-msisdn="{GB_FOR_SALE}"]')
    expect(row).to_contain_text("https://example.com/demo/inbound-sms")
    # 1000.00 less the number's 1.25 rent (no setup fee)
    expect(page.locator(f'[data-balance="{PRIMARY.api_key}"]')).to_have_text("€998.75")
    dashboard.screenshot("accounts")
    assert_not_reloaded(page)
    assert dashboard.console_errors == []


def test_a_fault_added_on_the_page_fails_the_next_sdk_buy(
    dashboard: Dashboard, sdk: Vonage, control: MockClient
) -> None:
    dashboard.open("faults")
    page = dashboard.page
    expect(page.locator("#faults-empty")).to_be_visible()

    page.get_by_label("Operation").select_option("buy")
    page.get_by_label("Status").select_option("420")
    page.get_by_label("Label (optional)").fill("demo: card declined")
    page.get_by_label("Times (empty: forever)").fill("1")
    page.get_by_role("button", name="Add rule").click()

    rule = page.locator("#faults-body tr").first
    expect(rule).to_contain_text("420 demo: card declined")
    expect(rule).to_contain_text("buy")
    dashboard.screenshot("faults")
    (added,) = control.faults()
    assert (added["operation"], added["status"], added["times"]) == ("buy", 420, 1)

    with pytest.raises(HttpRequestError) as failed:
        sdk.numbers.buy_number(NumberParams(country="GB", msisdn=GB_FOR_SALE))
    assert failed.value.response.status_code == 420
    # Spent after one call: the rule leaves the list by itself, and the next buy goes through.
    expect(page.locator("#faults-empty")).to_be_visible()
    sdk.numbers.buy_number(NumberParams(country="GB", msisdn=GB_FOR_SALE))

    dashboard.show("Journal")
    failed_buy = page.locator('#journal-body tr[data-operation="buy"]').nth(1)
    expect(failed_buy).to_contain_text("420 demo: card declined")
    expect(failed_buy).to_contain_text(added["id"])
    expect(page.locator('#journal-body tr[data-operation="buy"]').first).to_contain_text("200")
    assert dashboard.console_errors == []


def test_the_inbound_sms_form_delivers_to_the_numbers_webhook(
    dashboard: Dashboard, sdk: Vonage, receiver: Receiver
) -> None:
    webhook = f"{receiver.url}/webhooks/inbound-sms"
    sdk.numbers.update_number(
        UpdateNumberParams(country="GB", msisdn=OWNED_GB, mo_http_url=webhook)
    )
    dashboard.open("inbound")
    page = dashboard.page
    sms = page.locator("#sms-form")

    sms.get_by_label("From").fill("447700900777")
    to = sms.get_by_label("To (an owned number)")
    expect(to.locator(f'option[value="{OWNED_GB}"]')).to_contain_text("SMS webhook set")
    to.select_option(OWNED_GB)
    sms.get_by_label("Text").fill("dashboard-says-hello")
    sms.get_by_role("button", name="Send SMS").click()

    delivery = page.locator("#delivery")
    expect(delivery).to_contain_text("SMS delivered to the webhook")
    expect(delivery).to_contain_text(f"POST {webhook}")
    expect(delivery.locator("pre")).to_contain_text('"text": "dashboard-says-hello"')
    dashboard.screenshot("inbound")
    (request,) = receiver.requests
    assert request.path == "/webhooks/inbound-sms"
    assert "dashboard-says-hello" in request.text()
    assert "447700900777" in request.text()

    # A number with nowhere to deliver to: the mock's refusal is shown, nothing is sent.
    to.select_option(OWNED_WITHOUT_WEBHOOK)
    sms.get_by_role("button", name="Send SMS").click()
    expect(delivery).to_contain_text("SMS refused")
    expect(delivery).to_contain_text("409")
    assert len(receiver.requests) == 1
    # The one 409 is the page's own request, reported by the browser: nothing else went wrong.
    assert [e for e in dashboard.console_errors if "409" not in e] == []


def test_the_inbound_call_form_announces_the_call(
    dashboard: Dashboard, sdk: Vonage, receiver: Receiver
) -> None:
    events = f"{receiver.url}/webhooks/voice-events"
    sdk.numbers.update_number(
        UpdateNumberParams(country="GB", msisdn=OWNED_GB, voice_status_callback=events)
    )
    dashboard.open("inbound")
    page = dashboard.page
    call = page.locator("#call-form")

    to = call.get_by_label("To (an owned number)")
    expect(to.locator(f'option[value="{OWNED_GB}"]')).to_contain_text("event URL set")
    to.select_option(OWNED_GB)
    call.get_by_label("From").fill("447700900778")
    call.get_by_role("button", name="Place call").click()

    delivery = page.locator("#delivery")
    expect(delivery).to_contain_text("Call delivered to the webhook")
    expect(delivery).to_contain_text("Call event: delivered")
    expect(delivery).to_contain_text(f"POST {events}")
    dashboard.screenshot("inbound-call")
    (request,) = receiver.requests
    assert request.method == "POST"
    assert request.path == "/webhooks/voice-events"
    assert request.json()["from"] == "447700900778"
    assert dashboard.console_errors == []


def test_the_main_controls_are_reachable_with_the_keyboard(dashboard: Dashboard) -> None:
    dashboard.open()
    page = dashboard.page
    expect(page.locator("#search-body tr")).to_have_count(25)

    reached = []
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.append(page.evaluate(
            "(() => { const e = document.activeElement;"
            " return e.id || e.getAttribute('aria-label') || e.textContent.trim(); })()"
        ))  # fmt: skip
    for control in (
        "Skip to content",
        "reset-state",
        "export-state",
        "import-state",
        "tab-inventory",
        r"List [\d,]+ GB numbers",
        "search-country",
        "search-pattern",
    ):
        assert any(re.fullmatch(control, name) for name in reached), (control, reached)

    # Focus is visible, and the tabs follow the arrow keys (the ARIA tabs pattern).
    page.locator("#tab-inventory").focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-accounts")).to_be_focused()
    expect(page.locator("#panel-accounts")).to_be_visible()
    page.keyboard.press("End")
    expect(page.locator("#panel-inbound")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.locator("#panel-inbound")).to_be_focused()
    assert dashboard.console_errors == []


def test_export_import_and_reset_of_the_state(
    dashboard: Dashboard, sdk: Vonage, control: MockClient, tmp_path: Path
) -> None:
    dashboard.open("accounts")
    page = dashboard.page
    primary = page.locator(f'[data-account="{PRIMARY.api_key}"]')
    expect(primary.locator("tbody tr")).to_have_count(OWNED_AT_START)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export state").click()
    exported = tmp_path / "exported.json"
    download_info.value.save_as(exported)
    assert json.loads(exported.read_text()) == control.state()

    sdk.numbers.buy_number(NumberParams(country="GB", msisdn=GB_FOR_SALE))
    expect(primary.locator("tbody tr")).to_have_count(OWNED_AT_START + 1)

    # Import the export: the number bought since is gone again, and the balance is restored.
    with page.expect_file_chooser() as chooser_info:
        page.get_by_role("button", name="Import state…").click()
    chooser_info.value.set_files(exported)
    expect(page.locator("#notice")).to_contain_text("Imported exported.json")
    expect(primary.locator("tbody tr")).to_have_count(OWNED_AT_START)
    expect(page.locator(f'[data-balance="{PRIMARY.api_key}"]')).to_have_text("€1000.00")
    assert control.state() == json.loads(exported.read_text())

    # A document the mock refuses: the page says why, and the state is unchanged.
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"accounts": []}))
    with page.expect_file_chooser() as chooser_info:
        page.get_by_role("button", name="Import state…").click()
    chooser_info.value.set_files(broken)
    expect(page.locator("#notice")).to_contain_text("broken.json was refused")
    assert control.state() == json.loads(exported.read_text())

    # Reset, after the confirmation: purchases, rules and the journal go.
    sdk.numbers.buy_number(NumberParams(country="GB", msisdn=GB_FOR_SALE))
    control.add_fault("cancel", status=500)
    expect(primary.locator("tbody tr")).to_have_count(OWNED_AT_START + 1)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Reset state").click()
    expect(page.locator("#notice")).to_contain_text("State reset")
    expect(primary.locator("tbody tr")).to_have_count(OWNED_AT_START)
    assert control.faults() == []
    assert control.requests() == []
    dashboard.show("Journal")
    expect(page.locator("#journal-empty")).to_be_visible()
    # The browser reports the refused import's 400; nothing else went wrong.
    assert [e for e in dashboard.console_errors if "400" not in e] == []


def test_a_reset_made_elsewhere_empties_the_live_journal(
    dashboard: Dashboard, sdk: Vonage, control: MockClient
) -> None:
    dashboard.open("journal")
    page = dashboard.page
    sdk.numbers.buy_number(NumberParams(country="GB", msisdn=GB_FOR_SALE))
    expect(page.locator("#journal-body tr")).to_have_count(1)
    expect(page.locator("#health")).to_contain_text(f"{OWNED_AT_START_ALL + 1} owned")

    control.reset()  # as a test suite does between tests, while the page stays open

    expect(page.locator("#health")).to_contain_text(f"{OWNED_AT_START_ALL} owned")
    expect(page.locator("#journal-empty")).to_be_visible()
    expect(page.locator("#journal-body tr")).to_have_count(0)
    assert dashboard.console_errors == []


def test_inventory_search_takes_a_wildcard_pattern(dashboard: Dashboard, sdk: Vonage) -> None:
    dashboard.open()
    page = dashboard.page
    page.get_by_label("Country").select_option("GB")
    page.get_by_label("Type").select_option("mobile-lvn")
    page.get_by_label("Pattern (digits)").fill("*0012")
    page.get_by_label("Match").select_option("2")
    page.get_by_role("button", name="Search", exact=True).click()

    search = SearchAvailableNumbersFilter(
        country="GB", type="mobile-lvn", pattern="0012", search_pattern=2, size=10
    )
    first_page, total, _ = sdk.numbers.search_available_numbers(search)
    assert total > 0
    status = page.locator("#search-status")
    expect(status).to_contain_text(f"{total} GB mobile number")
    expect(page.locator("#search-body tr").first).to_contain_text(first_page[0].msisdn or "")
    assert dashboard.console_errors == []
