"""The dashboard of a mock started with an admin token: the page asks for it, then works."""

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from support.browser import UI_PATH, MakeDashboard
from support.servers import MockServer, start_mock_server, stop_mock_server

pytestmark = pytest.mark.e2e

TOKEN = "demo-admin-token-4f9a"
TOKEN_KEY = "vonage-numbers-mock.admin-token"


@pytest.fixture(scope="module")
def locked_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    started = start_mock_server(
        tmp_path_factory.mktemp("dashboard-token"),
        fixtures=None,
        extra_args=["--admin-token", TOKEN],
    )
    try:
        yield started
    finally:
        stop_mock_server(started)


def status_of(url: str, token: str | None = None) -> int:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_the_page_is_served_but_its_data_needs_the_token(locked_server: MockServer) -> None:
    base = locked_server.http_url
    # The page, script and style hold no data: a browser must be able to load them to log in.
    for asset in ("", "/dashboard.js", "/dashboard.css"):
        assert status_of(f"{base}{UI_PATH}{asset}") == 200
    for route in ("/_mock/inventory/summary", "/_mock/inventory/search?country=GB"):
        assert status_of(f"{base}{route}") == 401
        assert status_of(f"{base}{route}", "wrong") == 401
        assert status_of(f"{base}{route}", TOKEN) == 200


def test_the_page_asks_for_the_token_then_works(
    locked_server: MockServer, make_dashboard: MakeDashboard
) -> None:
    dashboard = make_dashboard(locked_server)
    dashboard.open()
    page = dashboard.page

    token_input = page.get_by_label("Admin token", exact=True)
    expect(token_input).to_be_visible()
    expect(token_input).to_be_focused()
    expect(page.locator("#app")).to_be_hidden()
    dashboard.screenshot("login")

    token_input.fill("not-the-token")
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator("#login-error")).to_contain_text("refused")
    expect(page.locator("#app")).to_be_hidden()

    token_input.fill(TOKEN)
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator('#summary-body td[data-total="GB"]')).not_to_be_empty()
    expect(page.locator("#login")).to_be_hidden()
    assert page.evaluate(f"sessionStorage.getItem({json.dumps(TOKEN_KEY)})") == TOKEN

    # Every data route worked with the token: the accounts, and a fault added from the page.
    dashboard.show("Faults")
    page.get_by_role("button", name="Add rule").click()
    expect(page.locator("#faults-body tr")).to_have_count(1)

    # A reload keeps the session (sessionStorage); "Forget" locks the page again.
    page.reload()
    expect(page.locator('#summary-body td[data-total="GB"]')).not_to_be_empty()
    page.get_by_role("button", name="Forget admin token").click()
    expect(page.get_by_label("Admin token", exact=True)).to_be_visible()

    # The only errors are the browser's reports of the expected 401 answers.
    unexpected = [e for e in dashboard.console_errors if "401" not in e]
    assert unexpected == []
