"""The one settings object: every knob, settable by a CLI flag or a NUMBERS_MOCK_ variable."""

from importlib.util import find_spec
from pathlib import Path
from typing import Annotated, Literal, Self

import platformdirs
from pydantic import BeforeValidator, Field, field_validator, model_validator
from pydantic.config import JsonDict
from pydantic_settings import BaseSettings, SettingsConfigDict

from mock_server.domain import messages
from mock_server.domain.errors import LimitReached

APP_NAME = "vonage-numbers-mock"
ENV_PREFIX = "NUMBERS_MOCK_"


def _number_text_as_int(value: object) -> object:
    # Environment variables arrive as text, and a Literal of ints does not coerce "400".
    return int(value) if isinstance(value, str) and value.strip().isdigit() else value


HttpParser = Literal["httptools", "h11"]
MethodFailedStatus = Annotated[Literal[420, 400, 200], BeforeValidator(_number_text_as_int)]


def flag_and_variable(name: str) -> tuple[str, str]:
    """The command-line flag and the environment variable of the setting `name`."""
    return "--" + name.replace("_", "-"), ENV_PREFIX + name.upper()


def limit_reached(field: str | None, limit: int, what: str, setting: str) -> LimitReached:
    """The 409 of a full store: `what` names its items, `setting` the field that bounds it."""
    flag, variable = flag_and_variable(setting)
    detail = messages.LIMIT_REACHED.format(limit=limit, what=what, flag=flag, variable=variable)
    return LimitReached(field, detail)


def default_fixtures_path() -> Path:
    """The shipped fixtures: beside the package when installed, at the repository top otherwise."""
    package_dir = Path(__file__).resolve().parent
    installed = package_dir / "fixtures" / "default.json"
    return installed if installed.exists() else package_dir.parent / "fixtures" / "default.json"


def default_http_parser() -> HttpParser:
    """httptools (llhttp, in C) where it is installed, as it is with the mock wherever it has a
    wheel; h11 (pure Python) otherwise."""
    return "httptools" if find_spec("httptools") is not None else "h11"


def default_tls_dir() -> Path:
    return platformdirs.user_data_path(APP_NAME) / "tls"


def _shown(metavar: str | None = None, default: str | None = None) -> JsonDict:
    """How --help shows a field: the word for its value, and its default in words."""
    shown: JsonDict = {"metavar": metavar, "default_text": default}
    return {key: value for key, value in shown.items() if value is not None}


class Settings(BaseSettings):
    """Everything the server can be told, with the defaults a first-time user expects."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        cli_kebab_case=True,
        cli_implicit_flags=True,
        cli_prog_name=APP_NAME,
        extra="ignore",
    )

    host: str = Field(
        "127.0.0.1",
        description="Interface to listen on (0.0.0.0 for all).",
        json_schema_extra=_shown("ADDRESS"),
    )
    port: int = Field(
        8080, ge=0, le=65535, description="HTTP port; 0 lets the system pick one.",
        json_schema_extra=_shown("PORT"),
    )  # fmt: skip
    https: bool = Field(True, description="Serve HTTPS too (--no-https: plain HTTP only).")
    https_port: int = Field(
        8443, ge=0, le=65535, description="HTTPS port; 0 lets the system pick one.",
        json_schema_extra=_shown("PORT"),
    )  # fmt: skip
    fixtures: Path = Field(
        default_factory=default_fixtures_path,
        description="Fixtures file (JSON) to load at start: the accounts and numbers.",
        json_schema_extra=_shown("FILE"),
    )
    tls_dir: Path = Field(
        default_factory=default_tls_dir,
        description="Where the generated CA and server certificate are kept across restarts.",
        json_schema_extra=_shown("DIR"),
    )
    tls_cert: Path | None = Field(
        None,
        description="A certificate chain (PEM) to serve instead of the generated one.",
        json_schema_extra=_shown("FILE", "none"),
    )
    tls_key: Path | None = Field(
        None,
        description="The private key (PEM) of --tls-cert.",
        json_schema_extra=_shown("FILE", "none"),
    )
    regenerate_ca: bool = Field(
        False,
        description="When the local CA in --tls-dir is damaged (ca.pem or ca-key.pem unreadable, "
        "missing or mismatched), make a new one instead of refusing to start; clients must then "
        "trust the new ca.pem. A sound CA is always kept.",
    )
    tls_names: list[str] = Field(
        default_factory=list,
        description="Extra DNS names or IP addresses for the generated server certificate, "
        "separated by commas (the variable takes a JSON list).",
        json_schema_extra=_shown("NAMES", "none"),
    )
    method_failed_status: MethodFailedStatus = Field(
        420, description="HTTP status that carries a 420 'method failed' body."
    )
    empty_numbers: Literal["list", "omit", "empty"] = Field(
        "list",
        description='On an empty page, send "numbers": [] (list) or leave it out (omit); '
        "'empty' answers {} when nothing matches (and leaves numbers out of an empty page).",
    )
    update_mode: Literal["replace", "merge"] = Field(
        "replace",
        description="POST /number/update: 'replace' clears the configuration fields a call "
        "leaves out, as Vonage does; 'merge' keeps them (not what Vonage does).",
    )
    xml_names: Literal["kebab", "camel"] = Field(
        "kebab", description="XML element names: kebab-case (Vonage's docs) or camelCase."
    )
    log_level: Literal["critical", "error", "warning", "info", "debug"] = Field(
        "info", description="Server log level."
    )
    log_requests: bool = Field(
        False,
        description="Log one line per call of the Vonage API: method, path, operation, "
        "api_key, status, fault applied, duration and parameters (secrets masked), "
        "whatever the log level.",
    )
    state_file: Path | None = Field(
        None,
        description="Keep the state in this file: loaded at start when it exists, and written "
        "(atomically) before every successful change is acknowledged. Its directory must exist.",
        json_schema_extra=_shown("FILE", "none"),
    )
    faults: Path | None = Field(
        None,
        description="A JSON file with a list of fault rules to install at start.",
        json_schema_extra=_shown("FILE", "none"),
    )
    seed: int | None = Field(
        None,
        description="Seed of the random draws of fault rules (probability, latency).",
        json_schema_extra=_shown("N", "random"),
    )
    journal_size: int = Field(
        1000, ge=1, le=100_000,
        description="How many requests the journal keeps (at most 100000); it is read a page "
        "at a time.",
        json_schema_extra=_shown("N"),
    )  # fmt: skip
    max_fault_rules: int = Field(
        1000, ge=1, description="Fault rules installed at once; one more is a 409.",
        json_schema_extra=_shown("N"),
    )  # fmt: skip
    max_accounts: int = Field(
        10_000, ge=1,
        description="Accounts and subaccounts together; one more (or a state document with "
        "more) is a 409.",
        json_schema_extra=_shown("N"),
    )  # fmt: skip
    max_worlds: int = Field(
        100, ge=0,
        description="Worlds made at run time (POST /_mock/worlds) at once, besides the base "
        "world; one more is a 409.",
        json_schema_extra=_shown("N"),
    )  # fmt: skip
    world_idle_timeout: float = Field(
        3600.0, ge=0,
        description="Seconds a world may go unused (no call with its credentials, no control "
        "call on it) before it is dropped; 0 keeps worlds until deleted.",
        json_schema_extra=_shown("SECONDS"),
    )  # fmt: skip
    event_loop: Literal["asyncio", "uvloop"] = Field(
        "asyncio",
        description="The server's event loop: the standard library's, or uvloop (installed with "
        "the mock except on Windows; a little faster here, but with a longer, less steady p99: "
        "see Performance).",
    )
    http_parser: HttpParser = Field(
        default_factory=default_http_parser,
        description="The HTTP/1.1 parser of the server's connections: httptools (llhttp, in C, "
        "installed with the mock) or h11 (pure Python); either keeps the same transport limits "
        "(head deadline, connection and head byte caps).",
        json_schema_extra=_shown(default="httptools (h11 where httptools is not installed)"),
    )
    answer_cache: int = Field(
        256, ge=0, le=100_000,
        description="Rendered search and listing answers kept until the state changes; 0: none.",
        json_schema_extra=_shown("N"),
    )  # fmt: skip
    admin_token: str | None = Field(
        None,
        description="When set, /_mock/ routes (but health and the CA) need "
        "'Authorization: Bearer <token>'.",
        json_schema_extra=_shown("TOKEN", "none"),
    )
    rate_limit: Literal["off", "vonage"] = Field(
        "off", description="'vonage' answers 429 over the per-account limits below."
    )
    rate_limit_per_second: float = Field(
        3.0, gt=0, description="Requests per second per account (with --rate-limit vonage).",
        json_schema_extra=_shown("RATE"),
    )  # fmt: skip
    rate_limit_list_per_second: float = Field(
        1.0, gt=0, description="GET /account/numbers per second per account (same).",
        json_schema_extra=_shown("RATE"),
    )  # fmt: skip
    verify_webhooks: bool = Field(
        False,
        description="Check moHttpUrl on update as Vonage does: a GET that must answer 200.",
    )
    inbound_sms_method: Literal["GET", "POST"] = Field(
        "POST", description="How simulated inbound SMS are delivered to moHttpUrl."
    )
    webhook_timeout: float = Field(
        5.0, gt=0, le=60, description="Seconds before a webhook probe or delivery gives up.",
        json_schema_extra=_shown("SECONDS"),
    )  # fmt: skip

    @field_validator("state_file")
    @classmethod
    def _state_file_place(cls, path: Path | None) -> Path | None:
        # Refuse rather than create directories: a typo in the path would otherwise start a
        # fresh state somewhere nobody looks, and the next start would not find it.
        if path is None:
            return path
        if path.is_dir():
            raise ValueError(messages.STATE_FILE_IS_DIRECTORY)
        if not path.parent.is_dir():
            raise ValueError(messages.STATE_FILE_NO_DIRECTORY.format(directory=path.parent))
        return path

    head_timeout: float = Field(
        5.0,
        gt=0,
        le=300,
        description="Seconds a connection has to send a complete request head before it is closed.",
    )
    max_connections: int = Field(
        500,
        ge=1,
        description="Open connections (HTTP and HTTPS together); one more is answered 503 and "
        "closed. Keep it under the open-files limit (ulimit -n).",
    )
    max_head_bytes: int = Field(
        128 * 1024,
        ge=1024,
        description="Bytes of one request head (request line and headers); over it, a 413.",
    )
    max_pending_head_bytes: int = Field(
        16 * 1024 * 1024,
        ge=1024,
        description="Bytes of all unfinished request heads together; over it, a 503.",
    )

    max_state_bytes: int = Field(
        64 * 1024 * 1024,
        ge=1024,
        description="Bytes of the largest state document PUT /_mock/state (or POST /_mock/worlds) "
        "takes; over it, a 413 before the body is read.",
        json_schema_extra=_shown("BYTES"),
    )
    max_control_body_bytes: int = Field(
        1024 * 1024,
        ge=1024,
        description="Bytes of any other control API body (numbers, accounts, faults, inbound); "
        "over it, a 413 before the body is read.",
        json_schema_extra=_shown("BYTES"),
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Extra host names the control API answers to, besides loopback names, IP "
        "addresses and the certificate's names (e.g. a compose service name), separated by "
        "commas (the variable takes a JSON list).",
        json_schema_extra=_shown("NAMES", "none"),
    )
    webhook_destinations: Literal["loopback", "private", "public"] = Field(
        "private",
        description="Where webhooks may go: loopback only; loopback and private networks "
        "(compose services); or public addresses too. Link-local and cloud metadata addresses "
        "never.",
    )

    @model_validator(mode="after")
    def _certificate_pair(self) -> Self:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("--tls-cert and --tls-key go together: give both or neither")
        return self
