"""Browser fixtures: one Chromium for this package, a mock server per module, a page per test.

Playwright's sync API runs its own event loop in a greenlet: it is started and stopped here, in
fixtures, and never at import time, so pytest's warnings-as-errors see a clean loop.
"""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, expect, sync_playwright
from support.accounts import PRIMARY
from support.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    VIEWPORT,
    Dashboard,
    MakeDashboard,
)
from support.sdks import SdkClients
from support.servers import MockServer, mock_client, start_mock_server, stop_mock_server
from support.webhooks import Receiver, running_receiver
from vonage import Vonage

from mock_server.testing.client import MockClient


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Package-scoped, not session-scoped: while Playwright runs, its loop counts as the running
    event loop of the main thread, and tests after this package call `asyncio.run`."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package", pytrace=False)
    expect.set_options(timeout=TIMEOUT_MS)
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    """A mock server process with the shipped fixtures (nine countries, three accounts)."""
    started = start_mock_server(tmp_path_factory.mktemp("dashboard"), fixtures=None)
    try:
        yield started
    finally:
        stop_mock_server(started)


@pytest.fixture
def control(server: MockServer) -> MockClient:
    """The server's control API, with the state reset for this test."""
    client = mock_client(server)
    client.reset()
    return client


@pytest.fixture
def make_dashboard(browser: Browser) -> Iterator[MakeDashboard]:
    """Opens dashboards on a server: `make_dashboard(server)`; each in its own browser context."""
    contexts: list[BrowserContext] = []

    def make(server: MockServer) -> Dashboard:
        context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        dashboard = Dashboard(page, server.http_url)
        page.on("console", dashboard.record)
        page.on("pageerror", dashboard.record_page_error)
        return dashboard

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def dashboard(control: MockClient, server: MockServer, make_dashboard: MakeDashboard) -> Dashboard:
    """A page on the module's server (state reset), not yet navigated."""
    return make_dashboard(server)


@pytest.fixture
def sdk(server: MockServer, control: MockClient) -> Iterator[Vonage]:
    """The official Python SDK as the primary account, over HTTPS, trusting the mock's CA."""
    clients = SdkClients()
    yield clients.vonage(server, PRIMARY)
    clients.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running
