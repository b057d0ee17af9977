"""The browser tests' tools: Debian's Chromium through Playwright, the page, a webhook receiver.

The browser is the system's (`/usr/bin/chromium`): Playwright never downloads one, and nothing
here needs the network. Screenshots go to test-results/screenshots/ (git-ignored); with
UPDATE_DOCS_SCREENSHOTS=1 the ones the README shows are also copied into docs/.
"""

import json
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        """Everything the receiver got that can carry the message: query and body."""
        return f"{self.query}\n{self.body.decode('utf-8', 'replace')}"

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that answers 200 to everything and records each request."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                parts = urlsplit(self.path)
                receiver.received.append(
                    Received(
                        self.command,
                        parts.path,
                        parts.query,
                        dict(self.headers.items()),
                        self.rfile.read(length),
                    )
                )
                body = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self._record()

            def do_POST(self) -> None:
                self._record()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the test reads `received`

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> "WebhookReceiver":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
