"""Running `compare`: its settings, the mock to ask (given or started here), the requests, exit."""

import contextlib
import ssl
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, CliApp, SettingsConfigDict

from mock_server.compare import report
from mock_server.compare.plan import PLAN, WRONG_SECRET, Credentials, PlannedRequest
from mock_server.compare.structure import Captured, differences
from mock_server.domain.errors import MockError
from mock_server.serving.server import BackgroundServer
from mock_server.settings import APP_NAME, Settings
from mock_server.state.document import load_fixture_file

ENV_PREFIX = "NUMBERS_MOCK_COMPARE_"
EXIT_SAME = 0
EXIT_DIFFERENT = 1
EXIT_BAD_CONFIG = 2
EXIT_UNREACHABLE = 3
EXIT_INTERRUPTED = 130
LOOPBACK = "127.0.0.1"
STARTED_HERE = " (started for this comparison)"
MISSING_CREDENTIALS = (
    "the credentials for --against are missing: give --api-key and --api-secret, or set "
    f"{ENV_PREFIX}API_KEY and {ENV_PREFIX}API_SECRET, or VONAGE_API_KEY and VONAGE_API_SECRET"
)


class CompareSettings(BaseSettings):
    """What `compare` can be told; every flag is also a NUMBERS_MOCK_COMPARE_ variable."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        cli_kebab_case=True,
        cli_implicit_flags=True,
        cli_prog_name=f"{APP_NAME} compare",
        extra="ignore",
    )

    against: str = Field(description="Base URL of the API to compare with: https://rest.nexmo.com.")
    api_key: str | None = Field(None, description="API key for --against (or VONAGE_API_KEY).")
    api_secret: SecretStr | None = Field(
        None, description="API secret for --against (or VONAGE_API_SECRET); never printed."
    )
    ca: Path | None = Field(None, description="Also trust this CA (PEM) for HTTPS.")
    mock: str | None = Field(
        None, description="Base URL of a running mock; by default one is started on loopback."
    )
    fixtures: Path | None = Field(
        None, description="Fixtures of the started mock, and where its default credentials are."
    )
    mock_api_key: str | None = Field(
        None, description="API key for the mock (default: the fixtures' first primary account)."
    )
    mock_api_secret: SecretStr | None = Field(None, description="API secret for the mock.")
    timeout: float = Field(10.0, gt=0, le=300, description="Seconds before a request gives up.")
    pause: float = Field(
        1.0,
        ge=0,
        le=60,
        description="Seconds between two requests, to stay under Vonage's rate limits "
        "(3 a second, 1 a second to list owned numbers).",
    )
    output: Literal["text", "json"] = Field("text", description="Report as a table or as JSON.")

    @field_validator("against", "mock")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not _is_web_address(value):
            raise ValueError("expected an http:// or https:// URL with a host")
        return value


def _is_web_address(value: str) -> bool:
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        return False
    return url.scheme in ("http", "https") and bool(url.host)


class VonageEnvironment(BaseSettings):
    """The variables Vonage's own tools read: the fallback credentials for --against."""

    model_config = SettingsConfigDict(env_prefix="VONAGE_", extra="ignore")

    api_key: str | None = None
    api_secret: SecretStr | None = None


@dataclass(frozen=True)
class Side:
    """One side of the comparison: where it answers and the credentials it takes."""

    url: str
    api_key: str
    api_secret: SecretStr
    verify: ssl.SSLContext | bool
    trust_env: bool = True
    """Proxy variables apply to the live API, not to a mock on loopback."""


class CompareError(MockError):
    """The comparison could not start or could not get an answer."""

    exit_status = EXIT_BAD_CONFIG


class Unreachable(CompareError):
    exit_status = EXIT_UNREACHABLE


def main(argv: Sequence[str]) -> int:
    """`vonage-numbers-mock compare ...`: 0 when the structures agree, 1 when they differ."""
    try:
        settings = CliApp.run(CompareSettings, cli_args=list(argv))
        return run(settings)
    except ValidationError as error:
        for problem in error.errors():
            _complain(_setting_problem(problem["loc"], problem["msg"]))
        return EXIT_BAD_CONFIG
    except CompareError as error:
        _complain(str(error))
        return error.exit_status
    except MockError as error:  # a broken fixture file
        _complain(str(error))
        return EXIT_BAD_CONFIG
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def run(settings: CompareSettings) -> int:
    against = _against(settings)
    with _mock_side(settings, against.verify) as mock:
        outcomes = _outcomes(mock, against, settings)
    render = report.as_json if settings.output == "json" else report.text
    mock_label = display_url(mock.url) + (STARTED_HERE if settings.mock is None else "")
    sys.stdout.write(render(mock_label, display_url(against.url), outcomes))
    return EXIT_DIFFERENT if any(o.differences for o in outcomes) else EXIT_SAME


def _outcomes(mock: Side, against: Side, settings: CompareSettings) -> list[report.Outcome]:
    outcomes = []
    for position, request in enumerate(PLAN):
        if position:
            time.sleep(settings.pause)
        outcomes.append(_compare(request, mock, against, settings.timeout))
    return outcomes


def _against(settings: CompareSettings) -> Side:
    fallback = VonageEnvironment()
    api_key = settings.api_key or fallback.api_key
    api_secret = settings.api_secret or fallback.api_secret
    if not api_key or api_secret is None or not api_secret.get_secret_value():
        raise CompareError(MISSING_CREDENTIALS)
    return Side(settings.against, api_key, api_secret, _verify(settings.ca))


def _verify(ca: Path | None) -> ssl.SSLContext | bool:
    """Certificates are checked as httpx checks them (certifi's CAs, or SSL_CERT_FILE); --ca adds
    one authority to those."""
    if ca is None:
        return True
    context = httpx.create_ssl_context()
    try:
        context.load_verify_locations(cafile=ca)
    except (OSError, ssl.SSLError) as error:
        raise CompareError(f"--ca {ca}: not a readable PEM certificate ({error})") from error
    return context


@contextlib.contextmanager
def _mock_side(settings: CompareSettings, verify: ssl.SSLContext | bool) -> Iterator[Side]:
    mock_settings = _started_mock_settings(settings.fixtures)
    fixtures_path = mock_settings.fixtures
    fixtures = load_fixture_file(fixtures_path)
    primary = next((a for a in fixtures.accounts if a.parent is None), None)
    api_key = settings.mock_api_key or (primary.api_key if primary else None)
    api_secret = settings.mock_api_secret or (SecretStr(primary.api_secret) if primary else None)
    if api_key is None or api_secret is None:
        raise CompareError(f"{fixtures_path} has no primary account: give --mock-api-key and "
                           "--mock-api-secret")  # fmt: skip
    if settings.mock is not None:
        yield Side(settings.mock, api_key, api_secret, verify, trust_env=False)
        return
    server = BackgroundServer(mock_settings, fixtures)
    try:
        server.start()
    except RuntimeError as error:
        raise CompareError(str(error)) from error
    try:
        url = f"http://{LOOPBACK}:{server.http_port}"
        yield Side(url, api_key, api_secret, verify, trust_env=False)
    finally:
        server.stop()


def _started_mock_settings(fixtures: Path | None) -> Settings:
    # The mock as its user configures it (NUMBERS_MOCK_ variables such as XML_NAMES and FIXTURES
    # count), but on free loopback ports, without HTTPS, and without anything that would make
    # its answers differ from one run to the next or touch files: faults, rate limits, state file.
    overrides: dict[str, Any] = {
        "host": LOOPBACK,
        "port": 0,
        "https": False,
        "log_level": "warning",
        "state_file": None,
        "faults": None,
        "rate_limit": "off",
        "admin_token": None,
        "verify_webhooks": False,
    }
    if fixtures is not None:
        overrides["fixtures"] = fixtures
    return Settings(**overrides)


def _compare(request: PlannedRequest, mock: Side, against: Side, timeout: float) -> report.Outcome:
    ours, theirs = _send(request, mock, timeout), _send(request, against, timeout)
    return report.Outcome(request, ours, theirs, differences(ours, theirs))


def _send(request: PlannedRequest, side: Side, timeout: float) -> Captured:
    secret = side.api_secret.get_secret_value()
    if request.credentials is Credentials.WRONG_SECRET:
        secret = WRONG_SECRET
    try:
        with httpx.Client(
            base_url=side.url, verify=side.verify, timeout=timeout, trust_env=side.trust_env
        ) as client:
            response = client.get(
                request.path,
                params=request.params,
                headers={"Accept": request.accept},
                auth=(side.api_key, secret),
            )
    except httpx.HTTPError as error:
        raise Unreachable(f"{display_url(side.url)}: {request.name}: {error}") from None
    content_type = response.headers.get("content-type", "")
    return Captured(response.status_code, content_type, response.content)


def display_url(url: str) -> str:
    """The URL without any user name or password in it."""
    parsed = httpx.URL(url)
    return str(parsed.copy_with(username=None, password=None)) if parsed.userinfo else url


def _setting_problem(location: tuple[int | str, ...], message: str) -> str:
    if not location:
        return f"invalid settings: {message.removeprefix('Value error, ')}"
    name = str(location[0])
    flag = f"--{name.replace('_', '-')} ({ENV_PREFIX}{name.upper()})"
    return f"invalid setting {flag}: {message.removeprefix('Value error, ')}"


def _complain(message: str) -> None:
    print(f"{APP_NAME} compare: {message}", file=sys.stderr)
