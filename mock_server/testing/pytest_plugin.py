"""The pytest plugin: `numbers_mock` (a server for the session, reset before each test) and
`vonage_client` (the official SDK pointed at it over HTTPS). Installed with the package.

Options: `--numbers-mock-fixtures PATH` (or the ini key `numbers_mock_fixtures`) and the ini key
`numbers_mock_settings`, one `name = value` per line, for any other setting (`seed = 7`).

On a shared server: `--numbers-mock-url URL` (ini `numbers_mock_url`) uses a mock already
running there (a compose sidecar, a CI service) instead of starting one, with
`--numbers-mock-https-url` for `vonage_client` when the first URL is plain HTTP and
`--numbers-mock-admin-token` when it has one. `--numbers-mock-worlds` (ini `numbers_mock_worlds`)
gives each test a world of its own, made before it and deleted after it, instead of resetting
the server's base world: tests in parallel (pytest-xdist, several CI jobs) never see each other.

Loading the plugin imports pytest only: the server, FastAPI and the SDK are imported when a test
first asks for a fixture, so a test run that never does pays nothing for it.
"""

from __future__ import annotations

import dataclasses
import ssl
import urllib.parse
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
    group.addoption(
        "--numbers-mock-url",
        dest="numbers_mock_url",
        default=None,
        help="Use the mock already running at this URL (its HTTP or HTTPS address) instead of "
        "starting one.",
    )
    group.addoption(
        "--numbers-mock-https-url",
        dest="numbers_mock_https_url",
        default=None,
        help="That mock's HTTPS address, for vonage_client (when --numbers-mock-url is HTTP).",
    )
    group.addoption(
        "--numbers-mock-admin-token",
        dest="numbers_mock_admin_token",
        default=None,
        help="The admin token of the mock at --numbers-mock-url, if it has one.",
    )
    group.addoption(
        "--numbers-mock-worlds",
        dest="numbers_mock_worlds",
        action="store_true",
        default=None,
        help="Give each test a world of its own instead of resetting the server.",
    )
    parser.addini("numbers_mock_fixtures", "Fixture file the numbers_mock server loads.")
    parser.addini("numbers_mock_url", "URL of a running mock to use instead of starting one.")
    parser.addini("numbers_mock_https_url", "HTTPS URL of that running mock.")
    parser.addini(
        "numbers_mock_worlds", "Give each test a world of its own (true/false).", type="bool"
    )
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


def _option(config: pytest.Config, name: str) -> Any:
    given = config.getoption(name)
    return given if given is not None else config.getini(name)


@pytest.fixture(scope="session")
def numbers_mock_session(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NumbersMock]:
    """The server: started once per test session on free ports and stopped at its end, or
    the one at --numbers-mock-url."""
    from mock_server.testing.running import running_mock

    scratch = tmp_path_factory.mktemp("numbers-mock")
    url = _option(pytestconfig, "numbers_mock_url")
    if url:
        yield _shared_mock(pytestconfig, url, scratch)
        return
    settings = _settings(pytestconfig, scratch / "tls")
    with running_mock(settings) as mock:
        yield mock


@pytest.fixture
def numbers_mock(
    numbers_mock_session: NumbersMock, pytestconfig: pytest.Config
) -> Iterator[NumbersMock]:
    """The session's mock for this test: reset to its fixtures (no faults, empty journal), or
    with --numbers-mock-worlds a world of its own, deleted after the test."""
    if not _option(pytestconfig, "numbers_mock_worlds"):
        numbers_mock_session.control.reset()
        yield numbers_mock_session
        return
    control = numbers_mock_session.control
    world = control.create_world()
    primary = next(a for a in world["accounts"] if a["role"] == "primary")
    try:
        yield dataclasses.replace(
            numbers_mock_session,
            api_key=primary["api_key"],
            api_secret=primary["api_secret"],
            control=control.in_world(world["id"]),
            world=world["id"],
        )
    finally:
        control.delete_world(world["id"])


def _shared_mock(config: pytest.Config, url: str, scratch: Path) -> NumbersMock:
    """A NumbersMock for the server at `url`: its CA saved under `scratch`, the credentials of
    its base world's first primary account."""
    from mock_server.testing.client import MockClient
    from mock_server.testing.running import NumbersMock

    https_url = _option(config, "numbers_mock_https_url") or (
        url if url.startswith("https:") else ""
    )
    token = config.getoption("numbers_mock_admin_token")
    # The CA is public: it is fetched as it is, then trusted for the rest.
    unverified = ssl._create_unverified_context()  # noqa: S323
    ca = MockClient(url, token, ssl_context=unverified).ca_certificate()
    ca_file = scratch / "ca.pem"
    ca_file.write_bytes(ca)
    trusted = ssl.create_default_context(cadata=ca.decode())
    control = MockClient(url, token, ssl_context=trusted)
    primary = next(
        (a for a in control.state()["accounts"] if not a.get("parent")),
        {"api_key": "", "api_secret": ""},
    )
    https_host = urllib.parse.urlsplit(https_url).netloc if https_url else ""
    return NumbersMock(
        url=url.rstrip("/"),
        https_url=https_url.rstrip("/"),
        https_host=https_host,
        ca_file=ca_file,
        api_key=primary["api_key"],
        api_secret=primary["api_secret"],
        control=control,
        server=None,
    )


@pytest.fixture
def vonage_client(numbers_mock: NumbersMock, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A `vonage.Vonage` client on the mock over HTTPS, trusting its CA for this test."""
    try:
        from vonage import Auth, HttpClientOptions, Vonage
    except ImportError as error:
        raise pytest.UsageError("vonage_client needs the vonage package: pip install vonage") from (
            error
        )
    if not numbers_mock.https_host:
        raise pytest.UsageError(
            "vonage_client needs the mock's HTTPS address: give --numbers-mock-https-url"
        )
    # The SDK's requests session reads its CA bundle from the environment at each request.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(numbers_mock.ca_file))
    return Vonage(
        Auth(api_key=numbers_mock.api_key, api_secret=numbers_mock.api_secret),
        HttpClientOptions(rest_host=numbers_mock.https_host, timeout=10),
    )
