"""`pattern` + `search_pattern` matching of MSISDNs, as the Numbers API documents it."""

from dataclasses import dataclass
from enum import IntEnum


class SearchPattern(IntEnum):
    """Vonage's strategies; the pattern for STARTS_WITH includes the country code (`44...`)."""

    STARTS_WITH = 0
    CONTAINS = 1
    ENDS_WITH = 2


@dataclass(frozen=True, slots=True)
class Pattern:
    digits: str
    mode: SearchPattern = SearchPattern.STARTS_WITH

    def matches(self, msisdn: str) -> bool:
        if self.mode is SearchPattern.STARTS_WITH:
            return msisdn.startswith(self.digits)
        if self.mode is SearchPattern.ENDS_WITH:
            return msisdn.endswith(self.digits)
        return self.digits in msisdn


def matches(pattern: Pattern | None, msisdn: str) -> bool:
    """True when there is no pattern or the MSISDN matches it."""
    return pattern is None or pattern.matches(msisdn)
