"""The pytest plugin: `numbers_mock` (a server for the session, reset before each test) and
`vonage_client` (the official SDK pointed at it over HTTPS). Installed with the package.

Options: `--numbers-mock-fixtures PATH` (or the ini key `numbers_mock_fixtures`) and the ini key
`numbers_mock_settings`, one `name = value` per line, for any other setting (`seed = 7`).

Loading the plugin imports pytest only: the server, FastAPI and the SDK are imported when a test
first asks for a fixture, so a test run that never does pays nothing for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mock_server.settings import Settings
    from mock_server.testing.running import NumbersMock


def __getattr__(name: str) -> Any:
    # `from mock_server.testing.pytest_plugin import NumbersMock` (for type hints) still works.
    if name == "NumbersMock":
        from mock_server.testing.running import NumbersMock

        return NumbersMock
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    from mock_server.settings import Settings

    values: dict[str, Any] = {}
    for line in config.getini("numbers_mock_settings"):
        name, separator, value = line.partition("=")
        if not separator:
            raise pytest.UsageError(f"numbers_mock_settings: expected 'name = value': {line!r}")
        values[name.strip().replace("-", "_")] = value.strip()
    fixtures = config.getoption("numbers_mock_fixtures") or config.getini("numbers_mock_fixtures")
    if fixtures:
        values["fixtures"] = Path(config.rootpath, fixtures)
    # The certificates in the session's tmp (running_mock picks the listeners).
    values.setdefault("tls_dir", tls_dir)
    return Settings(**values)


@pytest.fixture(scope="session")
def numbers_mock_session(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NumbersMock]:
    """The server, started once per test session on free ports and stopped at its end."""
    from mock_server.testing.running import running_mock

    settings = _settings(pytestconfig, tmp_path_factory.mktemp("numbers-mock") / "tls")
    with running_mock(settings) as mock:
        yield mock


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
