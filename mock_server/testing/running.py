"""A mock in a thread of this process for any test runner or script: `running_mock()`.

    from mock_server.testing import running_mock

    with running_mock() as mock:        # fresh state, listening on 127.0.0.1, free ports
        print(mock.url, mock.https_url, mock.ca_file, mock.api_key)
        mock.control.add_fault("buy", status=420, times=1)
    # stopped here, also when the block raised

The pytest fixture `numbers_mock` is the same server, started once per session.
"""

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mock_server.serving.server import BackgroundServer
from mock_server.settings import Settings
from mock_server.state.document import load_fixture_file
from mock_server.testing.client import MockClient

HOST = "127.0.0.1"


@dataclass(frozen=True)
class NumbersMock:
    """A running mock: where it answers, the CA to trust, credentials, and its control API.

    `api_key` and `api_secret` are the first primary account's (empty when there is none);
    `https_host` is `127.0.0.1:PORT`, what the Vonage SDK takes as `rest_host`. `world` is the
    id of the world they belong to (None: the base world), `control` acts on that world, and
    `server` is None for a server this process did not start (the plugin's
    `--numbers-mock-url`).
    """

    url: str
    https_url: str
    https_host: str
    ca_file: Path
    api_key: str
    api_secret: str
    control: MockClient
    server: BackgroundServer | None
    world: str | None = None


@contextmanager
def running_mock(settings: Settings | None = None) -> Iterator[NumbersMock]:
    """Start a mock with fresh state from its fixtures, yield it once it answers, stop it on exit.

    Its listeners are always on 127.0.0.1, on ports the system picks; its certificates are made
    in a temporary directory (removed on exit) unless `settings` names `tls_dir` or `tls_cert`;
    it logs warnings only unless `settings` names a `log_level`. Every other setting is used as
    given (`Settings(fixtures=Path("numbers.json"), seed=7)`).
    """
    with tempfile.TemporaryDirectory(prefix="vonage-numbers-mock-") as scratch:
        chosen = for_tests(settings or Settings(), Path(scratch) / "tls")
        server = BackgroundServer(chosen, load_fixture_file(chosen.fixtures)).start()
        try:
            yield _describe(server, chosen)
        finally:
            server.stop()


def for_tests(settings: Settings, tls_dir: Path) -> Settings:
    """The settings with the listeners, certificates and log level a test run needs."""
    given = settings.model_fields_set
    # Ports the system picks as it binds them: no race with other processes.
    update: dict[str, Any] = {"host": HOST, "port": 0, "https": True, "https_port": 0}
    if not given & {"tls_dir", "tls_cert"}:
        update["tls_dir"] = tls_dir
    if "log_level" not in given:
        update["log_level"] = "warning"
    return settings.model_copy(update=update)


def _describe(server: BackgroundServer, settings: Settings) -> NumbersMock:
    url = f"http://{HOST}:{server.http_port}"
    https_host = f"{HOST}:{server.https_port}"
    files = server.server.tls
    accounts = server.server.runtime.base.inventory.accounts
    primary = next((account for account in accounts if account.parent is None), None)
    return NumbersMock(
        url=url,
        https_url=f"https://{https_host}",
        https_host=https_host,
        ca_file=(files.ca_cert or files.cert_chain) if files else settings.tls_dir / "ca.pem",
        api_key=primary.api_key if primary else "",
        api_secret=primary.api_secret if primary else "",
        control=MockClient(url, admin_token=settings.admin_token),
        server=server,
    )
