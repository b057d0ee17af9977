"""Parameters as clients send them (strings, any case of booleans, empties) into domain queries.

Pure functions over a mapping of names to strings; every problem becomes InvalidParameters, which
Vonage answers as `{"<field>": "Is required."}` / `{"<field>": "Is invalid."}` with a 400.
"""

import re
from collections.abc import Callable, Mapping
from typing import TypeVar

from mock_server.domain import messages
from mock_server.domain.errors import InvalidParameters
from mock_server.domain.inventory import NumberRef, OwnedQuery, SearchQuery
from mock_server.domain.matching import Pattern, SearchPattern
from mock_server.domain.pagination import DEFAULT_INDEX, DEFAULT_SIZE, MAX_SIZE, PageRequest
from mock_server.domain.phone_number import Feature, NumberType
from mock_server.domain.pool import PoolFilter
from mock_server.domain.wire import CONFIG_CHOICES, CONFIG_WIRE_NAMES, COUNTRY, MSISDN

Params = Mapping[str, str]
Choice = TypeVar("Choice")

# Up to 15 digits (an E.164 number's most), with `*` for any digits anywhere among them.
PATTERN = re.compile(r"\**(?:[0-9]\**){0,15}")
MAX_INDEX = 10**9
MAX_VALUE_LENGTH = 2048
# Control characters (XML 1.0 cannot carry most, and \r does not survive XML parsing) and lone
# surrogates (UTF-8 cannot): refused at the door so stored values always render.
UNSAFE_TEXT = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

# `POST /number/update` wire names and the NumberConfig fields they set.
UPDATE_FIELDS = {wire: field for field, wire in CONFIG_WIRE_NAMES.items()}


class _Reader:
    """Reads fields one by one, collecting every problem before raising them together."""

    def __init__(self, params: Params) -> None:
        self.params = params
        self.problems: dict[str, str] = {}

    def text(self, name: str) -> str | None:
        """The value, or None when absent or empty (Vonage ignores empty parameters)."""
        return self.params.get(name) or None

    def required(self, name: str, shape: re.Pattern[str]) -> str:
        value = self.text(name)
        if value is None:
            self.problems[name] = messages.FIELD_REQUIRED
        elif not shape.fullmatch(value):
            self.problems[name] = messages.FIELD_INVALID
        return value or ""

    def optional(self, name: str, shape: re.Pattern[str]) -> str | None:
        value = self.text(name)
        if value is not None and not shape.fullmatch(value):
            self.problems[name] = messages.FIELD_INVALID
            return None
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.text(name)
        if value is None:
            return default
        number = _ascii_int(value)
        if number is None or not low <= number <= high:
            self.problems[name] = messages.FIELD_INVALID
            return default
        return number

    def boolean(self, name: str) -> bool | None:
        value = self.text(name)
        if value is None:
            return None
        if value.lower() not in ("true", "false"):
            self.problems[name] = messages.FIELD_INVALID
            return None
        return value.lower() == "true"

    def choice(self, name: str, convert: Callable[[str], Choice]) -> Choice | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            return convert(value)
        except ValueError:
            self.problems[name] = messages.FIELD_INVALID
            return None

    def done(self) -> None:
        if self.problems:
            raise InvalidParameters(self.problems)


def _ascii_int(value: str) -> int | None:
    """Plain ASCII digits only: `int()` alone would take "1_0", " 1\x0c" or Arabic-Indic digits."""
    if not (value.isascii() and value.isdigit() and len(value) <= 12):
        return None
    return int(value)


def _search_pattern(value: str) -> SearchPattern:
    number = _ascii_int(value)
    if number is None:
        raise ValueError(value)
    return SearchPattern(number)


def _pattern(reader: _Reader) -> Pattern | None:
    text = reader.optional("pattern", PATTERN)
    mode = reader.choice("search_pattern", _search_pattern)
    mode = SearchPattern.STARTS_WITH if mode is None else mode
    pattern = Pattern(text, mode) if text else None
    # `*` alone (or `**`) is any digits: no filter at all.
    return pattern if pattern is not None and pattern.digits else None


def _page(reader: _Reader) -> PageRequest:
    return PageRequest(
        index=reader.integer("index", DEFAULT_INDEX, 1, MAX_INDEX),
        size=reader.integer("size", DEFAULT_SIZE, 1, MAX_SIZE),
    )


def _features(reader: _Reader) -> frozenset[Feature]:
    value = reader.text("features")
    if value is None:
        return frozenset()
    try:
        # Clients send the set in any order (`SMS,VOICE,MMS`, `SMS,MMS,VOICE`): compare as a set.
        return frozenset(Feature(part.strip(" ")) for part in value.split(","))
    except ValueError:
        reader.problems["features"] = messages.FIELD_INVALID
        return frozenset()


def search_query(params: Params) -> SearchQuery:
    """`GET /number/search` parameters."""
    reader = _Reader(params)
    country = reader.required("country", COUNTRY)
    selection = PoolFilter(
        country=country,
        type=reader.choice("type", NumberType),
        features=_features(reader),
        pattern=_pattern(reader),
    )
    page = _page(reader)
    reader.done()
    return SearchQuery(selection, page)


def owned_query(params: Params) -> OwnedQuery:
    """`GET /account/numbers` parameters."""
    reader = _Reader(params)
    query = OwnedQuery(
        country=reader.optional("country", COUNTRY),
        pattern=_pattern(reader),
        has_application=reader.boolean("has_application"),
        application_id=reader.text("application_id"),
        page=_page(reader),
    )
    reader.done()
    return query


def number_ref(params: Params) -> NumberRef:
    """`country` + `msisdn` of buy, cancel and update."""
    reader = _Reader(params)
    ref = NumberRef(reader.required("country", COUNTRY), reader.required("msisdn", MSISDN))
    reader.done()
    return ref


def target_api_key(params: Params) -> str | None:
    return params.get("target_api_key") or None


def update_changes(params: Params) -> tuple[NumberRef, dict[str, str | None]]:
    """`POST /number/update`: the number, and the configuration fields given.

    A field given empty is cleared (Vonage documents this for `moHttpUrl`); what happens to one
    left out is the update mode's business (`phone_number.update_fields`).
    """
    reader = _Reader(params)
    ref = NumberRef(reader.required("country", COUNTRY), reader.required("msisdn", MSISDN))
    changes: dict[str, str | None] = {}
    for wire, field in UPDATE_FIELDS.items():
        if wire not in params:
            continue
        value = params[wire] or None
        allowed = CONFIG_CHOICES.get(field)
        if value is not None and (
            len(value) > MAX_VALUE_LENGTH
            or UNSAFE_TEXT.search(value)
            or (allowed is not None and value not in allowed)
        ):
            reader.problems[wire] = messages.FIELD_INVALID
        changes[field] = value
    reader.done()
    return ref, changes
