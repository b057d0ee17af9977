"""The browser tests' tools: Debian's Chromium through Playwright, and the dashboard page.

The browser is the system's (`/usr/bin/chromium`): Playwright never downloads one, and nothing
here needs the network. Screenshots go to test-results/screenshots/ (git-ignored); with
UPDATE_DOCS_SCREENSHOTS=1 the ones the README shows are also copied into docs/.
"""

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Error, Page, ViewportSize

from .data import REPO_ROOT
from .servers import MockServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
SCREENSHOTS = REPO_ROOT / "test-results" / "screenshots"
DOCS = REPO_ROOT / "docs"
UI_PATH = "/_mock/ui"
# Generous: the machine is small and shared, and the page polls once a second.
TIMEOUT_MS = 15_000


@dataclass
class Dashboard:
    """A page of the dashboard, with what its console reported."""

    page: Page
    base_url: str
    console_errors: list[str] = field(default_factory=list)

    def open(self, view: str = "inventory") -> None:
        self.page.goto(f"{self.base_url}{UI_PATH}#{view}")

    def show(self, view: str) -> None:
        self.page.get_by_role("tab", name=view).click()

    def screenshot(self, name: str, docs_name: str | None = None) -> Path:
        """Save what the viewport shows; with UPDATE_DOCS_SCREENSHOTS=1, a copy for the README."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        # The viewport of a laptop screen, cut short below the content when it ends sooner.
        bottom = self.page.evaluate("document.querySelector('main').getBoundingClientRect().bottom")
        height = min(VIEWPORT["height"], int(bottom) + 24)
        self.page.screenshot(
            path=path, clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height}
        )
        if docs_name and os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
            DOCS.mkdir(exist_ok=True)
            shutil.copyfile(path, DOCS / docs_name)
        return path

    def record(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"console: {message.text} ({message.location})")

    def record_page_error(self, error: Error) -> None:
        self.console_errors.append(f"pageerror: {error}")


MakeDashboard = Callable[[MockServer], Dashboard]
"""What the `make_dashboard` fixture gives: opens a dashboard on a server."""
