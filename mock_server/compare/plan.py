"""The requests `compare` sends to both sides: read-only or failing, each in JSON and in XML."""

from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlencode


class Credentials(Enum):
    """Which credentials a request carries: the side's own, or its key with a wrong secret."""

    VALID = "valid"
    WRONG_SECRET = "wrong secret"  # noqa: S105 (a name, not a secret)


WRONG_SECRET = "NotTheSecret0000"  # noqa: S105 (wrong on purpose)
"""Sent with the side's real key; 16 characters, as Vonage's secrets have, so only its value is
wrong."""

ACCEPT = {"JSON": "application/json", "XML": "text/xml"}


@dataclass(frozen=True)
class PlannedRequest:
    """One GET of the plan, in one format."""

    name: str
    path: str
    params: tuple[tuple[str, str], ...]
    format: str
    credentials: Credentials = Credentials.VALID

    @property
    def accept(self) -> str:
        return ACCEPT[self.format]

    @property
    def target(self) -> str:
        """Path and query as sent (credentials travel in the Authorization header, never here)."""
        return f"{self.path}?{urlencode(self.params)}" if self.params else self.path


# GB has numbers for sale on Vonage and in the shipped fixtures; the patterns are short so that
# each mode matches there and in the fixtures. A starts-with pattern includes the country code,
# so "999999" matches nothing in GB.
_SEARCH = "/number/search"
_QUERIES: tuple[tuple[str, str, dict[str, str], Credentials], ...] = (
    ("search, starts with", _SEARCH,
     {"country": "GB", "pattern": "44", "search_pattern": "0", "size": "3"}, Credentials.VALID),
    ("search, contains", _SEARCH,
     {"country": "GB", "pattern": "7", "search_pattern": "1", "size": "3"}, Credentials.VALID),
    ("search, ends with", _SEARCH,
     {"country": "GB", "pattern": "0", "search_pattern": "2", "size": "3"}, Credentials.VALID),
    # `*` is any digits: the nexmo-cli README's `--pattern *007` style (README, Matching).
    ("search, wildcard", _SEARCH,
     {"country": "GB", "pattern": "*0", "search_pattern": "2", "size": "3"}, Credentials.VALID),
    ("search, no match", _SEARCH,
     {"country": "GB", "pattern": "999999", "search_pattern": "0"}, Credentials.VALID),
    ("owned numbers", "/account/numbers", {"size": "3"}, Credentials.VALID),
    ("wrong secret", _SEARCH, {"country": "GB"}, Credentials.WRONG_SECRET),
    ("missing country", _SEARCH, {"pattern": "44"}, Credentials.VALID),
)  # fmt: skip

PLAN: tuple[PlannedRequest, ...] = tuple(
    PlannedRequest(f"{name}, {format_}", path, tuple(params.items()), format_, credentials)
    for name, path, params, credentials in _QUERIES
    for format_ in ACCEPT
)
