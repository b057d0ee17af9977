"""The pytest plugin: `numbers_mock` (a server for the session, reset before each test) and
`vonage_client` (the official SDK pointed at it over HTTPS). Installed with the package.

Options: `--numbers-mock-fixtures PATH` (or the ini key `numbers_mock_fixtures`) and the ini key
`numbers_mock_settings`, one `name = value` per line, for any other setting (`seed = 7`).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mock_server.serving.server import BackgroundServer
from mock_server.settings import Settings
from mock_server.state.document import load_fixture_file
from mock_server.testing.client import MockClient

HOST = "127.0.0.1"


@dataclass(frozen=True)
class NumbersMock:
    """A running mock: where it answers, the CA to trust, credentials, and its control API."""

    url: str
    https_url: str
    https_host: str
    ca_file: Path
    api_key: str
    api_secret: str
    control: MockClient
    server: BackgroundServer


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("numbers-mock", "vonage-numbers-mock")
    group.addoption(
        "--numbers-mock-fixtures",
        dest="numbers_mock_fixtures",
        default=None,
        help="Fixture file the numbers_mock server loads (default: the shipped fixtures).",
    )
    parser.addini("numbers_mock_fixtures", "Fixture file the numbers_mock server loads.")
    parser.addini(
        "numbers_mock_settings",
        "Settings of the numbers_mock server, one 'name = value' per line.",
        type="linelist",
    )


def _settings(config: pytest.Config, tls_dir: Path) -> Settings:
    values: dict[str, Any] = {}
    for line in config.getini("numbers_mock_settings"):
        name, separator, value = line.partition("=")
        if not separator:
            raise pytest.UsageError(f"numbers_mock_settings: expected 'name = value': {line!r}")
        values[name.strip().replace("-", "_")] = value.strip()
    fixtures = config.getoption("numbers_mock_fixtures") or config.getini("numbers_mock_fixtures")
    if fixtures:
        values["fixtures"] = Path(config.rootpath, fixtures)
    # Tests own the listeners: loopback, ports the system picks as it binds them (no race with
    # other processes), certificates in the session's tmp.
    values |= {"host": HOST, "port": 0, "https": True, "https_port": 0, "tls_dir": tls_dir}
    values.setdefault("log_level", "warning")
    return Settings(**values)


@pytest.fixture(scope="session")
def numbers_mock_session(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NumbersMock]:
    """The server, started once per test session on free ports and stopped at its end."""
    settings = _settings(pytestconfig, tmp_path_factory.mktemp("numbers-mock") / "tls")
    fixtures = load_fixture_file(settings.fixtures)
    primary = next(account for account in fixtures.accounts if account.parent is None)
    server = BackgroundServer(settings, fixtures).start()
    https_host = f"{HOST}:{server.https_port}"
    token = settings.admin_token
    try:
        yield NumbersMock(
            url=f"http://{HOST}:{server.http_port}",
            https_url=f"https://{https_host}",
            https_host=https_host,
            ca_file=settings.tls_dir / "ca.pem",
            api_key=primary.api_key,
            api_secret=primary.api_secret,
            control=MockClient(f"http://{HOST}:{server.http_port}", admin_token=token),
            server=server,
        )
    finally:
        server.stop()


@pytest.fixture
def numbers_mock(numbers_mock_session: NumbersMock) -> NumbersMock:
    """The session's mock, reset to its fixtures (no faults, empty journal) for this test."""
    numbers_mock_session.control.reset()
    return numbers_mock_session


@pytest.fixture
def vonage_client(numbers_mock: NumbersMock, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A `vonage.Vonage` client on the mock over HTTPS, trusting its CA for this test."""
    try:
        from vonage import Auth, HttpClientOptions, Vonage
    except ImportError as error:
        raise pytest.UsageError("vonage_client needs the vonage package: pip install vonage") from (
            error
        )
    # The SDK's requests session reads its CA bundle from the environment at each request.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(numbers_mock.ca_file))
    return Vonage(
        Auth(api_key=numbers_mock.api_key, api_secret=numbers_mock.api_secret),
        HttpClientOptions(rest_host=numbers_mock.https_host, timeout=10),
    )
