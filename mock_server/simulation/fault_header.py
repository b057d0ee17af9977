"""The `X-Mock-Fault` request header: a one-off fault rule for clients that can add headers."""

import re
from collections.abc import Callable

from pydantic import ValidationError

from mock_server.domain import messages
from mock_server.domain.errors import MockError
from mock_server.simulation.faults import HEADER, FaultRule, Latency


class FaultHeaderError(MockError):
    """An X-Mock-Fault header that cannot be read; `field` names the key at fault, or the header."""

    def __init__(self, field: str, problem: str) -> None:
        self.field, self.problem = field, problem
        super().__init__(f"{field}: {problem}")


_KEY_VALUE = re.compile(r'(?P<key>[^=]*)=\s*(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>[^"]*))')
_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_LATENCY = re.compile(rf"(?P<low>{_NUMBER})(?:\s*-\s*(?P<high>{_NUMBER}))?")


def parse_fault_header(value: str) -> FaultRule:
    """The one-call rule an X-Mock-Fault header asks for.

    Forms: `420`, `drop`, `latency_ms=500`, `latency_ms=100-300`, `status=420; label="..."`, and
    `;`-separated combinations; values may be double-quoted (with `\\"` inside).
    """
    fields: dict[str, object] = {}
    for part in _split(value):
        key, raw = _key_value(part)
        if key in fields:
            raise FaultHeaderError(key, messages.FAULT_HEADER_REPEATED)
        fields[key] = _convert(key, raw)
    if not fields:
        raise FaultHeaderError(HEADER, messages.FAULT_HEADER_EMPTY)
    try:
        return FaultRule.model_validate({**fields, "times": 1})
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else HEADER
        raise FaultHeaderError(field, first["msg"]) from error


def _split(value: str) -> list[str]:
    """The non-empty `;`-separated parts of a header, keeping any `;` inside double quotes."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in value:
        if char == ";" and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
    if quoted:
        raise FaultHeaderError(HEADER, messages.FAULT_HEADER_QUOTES)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def _key_value(part: str) -> tuple[str, str]:
    """A part's key and unquoted value."""
    if "=" not in part:
        return _bare_word(part)
    key = part.partition("=")[0].strip().lower()
    found = _KEY_VALUE.fullmatch(part)
    if not key:
        raise FaultHeaderError(HEADER, messages.FAULT_HEADER_BARE_WORD)
    if found is None:
        raise FaultHeaderError(key, messages.FAULT_HEADER_QUOTES)
    if found["quoted"] is not None:
        return key, re.sub(r"\\(.)", r"\1", found["quoted"])
    return key, found["bare"].strip()


def _bare_word(word: str) -> tuple[str, str]:
    """The two forms without a key: a status (`420`) and `drop`."""
    if word.lower() == "drop":
        return "drop", "true"
    if word.isascii() and word.isdigit():
        return "status", word
    raise FaultHeaderError(HEADER, messages.FAULT_HEADER_BARE_WORD)


def _convert(key: str, raw: str) -> object:
    convert = _CONVERTERS.get(key)
    if convert is None:
        raise FaultHeaderError(key, messages.FAULT_HEADER_UNKNOWN_KEY)
    try:
        return convert(raw)
    except ValueError as error:
        raise FaultHeaderError(key, str(error)) from error


def _status(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit()):
        raise ValueError(messages.FAULT_HEADER_STATUS)
    return int(raw)


def _latency(raw: str) -> Latency:
    found = _LATENCY.fullmatch(raw)
    if found is None:
        raise ValueError(messages.FAULT_HEADER_LATENCY)
    low, high = found["low"], found["high"]
    return float(low) if high is None else (float(low), float(high))


def _boolean(raw: str) -> bool:
    if raw.lower() not in ("true", "false"):
        raise ValueError(messages.FAULT_HEADER_BOOLEAN)
    return raw.lower() == "true"


_CONVERTERS: dict[str, Callable[[str], object]] = {
    "status": _status,
    "label": str,
    "latency_ms": _latency,
    "drop": _boolean,
}
