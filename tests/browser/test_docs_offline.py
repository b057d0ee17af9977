"""/_mock/docs in Chromium with every request that is not for 127.0.0.1 refused: it still
renders the control API's operations (no CDN)."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Route, expect
from support.browser import TIMEOUT_MS, VIEWPORT
from support.servers import MockServer

pytestmark = pytest.mark.e2e


def test_the_docs_render_with_no_network(browser: Browser, server: MockServer) -> None:
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    asked: list[str] = []
    refused: list[str] = []

    def only_loopback(route: Route) -> None:
        url = route.request.url
        asked.append(url)
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    context.route("**/*", only_loopback)
    try:
        page = context.new_page()
        page.goto(f"{server.http_url}/_mock/docs")
        expect(page.locator(".swagger-ui .title")).to_contain_text("vonage-numbers-mock")
        count = page.locator('.opblock-summary-path[data-path="/_mock/requests/count"]')
        expect(count).to_be_visible()
        expect(page.locator(".opblock-summary-path[data-path='/_mock/reset']")).to_be_visible()
    finally:
        context.close()
    assert refused == []
    assert any(url.endswith("/_mock/docs/assets/swagger-ui-bundle.js") for url in asked)
    assert any(url.endswith("/_mock/openapi.json") for url in asked)
