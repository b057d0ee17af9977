"""The one renderer: picks JSON or XML from `Accept`, and turns data and errors into bytes.

It owns the wire shapes (Vonage's field names, `error-code` as a string), the XML element names
(kebab-case as in Vonage's documentation, or camelCase by setting) and the media types.
"""

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal
from xml.sax.saxutils import escape, quoteattr

from starlette.responses import Response

from mock_server.domain import messages
from mock_server.domain.errors import InvalidParameters, VonageError
from mock_server.domain.operations import Operation
from mock_server.domain.pagination import Page
from mock_server.domain.phone_number import AvailableNumber, NumberAttributes, OwnedNumber
from mock_server.domain.wire import OWNED_LISTING_FIELDS, listing_wire_name, wire_name

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
TEXT_XML = "text/xml"
APPLICATION_XML = "application/xml"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
LIST_ROOT = "inbound-numbers"
STATUS_ROOT = "response"

_XML_TYPES = (TEXT_XML, APPLICATION_XML, "text/*")
_JSON_TYPES = (JSON, "application/*", "*/*")
# What XML 1.0 cannot carry, lone surrogates included (a fixture file can hold them).
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])([A-Z])")

Wire = dict[str, Any]
_INITIAL_PRICE = wire_name("initial_price")


class Format(Enum):
    JSON = JSON
    XML = TEXT_XML


@dataclass(frozen=True, slots=True)
class Negotiated:
    format: Format
    media_type: str


NEGOTIATED_JSON = Negotiated(Format.JSON, JSON)


def negotiate(accept: str | None) -> Negotiated:
    """JSON unless the client ranks an XML type above every JSON one (`*/*` counts as JSON)."""
    if not accept:
        return NEGOTIATED_JSON
    best_xml, best_json, xml_type = 0.0, 0.0, TEXT_XML
    for media_type, quality in _accept_entries(accept):
        if media_type in _XML_TYPES and quality > best_xml:
            best_xml = quality
            xml_type = APPLICATION_XML if media_type == APPLICATION_XML else TEXT_XML
        elif media_type in _JSON_TYPES:
            best_json = max(best_json, quality)
    if best_xml > best_json:
        return Negotiated(Format.XML, xml_type)
    return NEGOTIATED_JSON


def _accept_entries(accept: str) -> Iterable[tuple[str, float]]:
    for entry in accept.split(","):
        media_type, *options = (part.strip() for part in entry.split(";"))
        quality = 1.0
        for option in options:
            name, _, value = option.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        yield media_type.lower(), quality


# -- data into wire dictionaries (Vonage's JSON names) ------------------------------------------


def _attributes_wire(msisdn: str, attributes: NumberAttributes) -> Wire:
    wire: Wire = {
        "country": attributes.country,
        "msisdn": msisdn,
        "type": attributes.type.value,
        "features": attributes.ordered_features,
    }
    if attributes.limitations:
        wire["limitations"] = [
            {"feature": lim.feature, "type": lim.type, "reach": lim.reach}
            for lim in attributes.limitations
        ]
    return wire


def available_wire(number: AvailableNumber) -> Wire:
    wire = _attributes_wire(number.msisdn, number.attributes)
    wire["cost"] = f"{number.attributes.cost:.2f}"
    wire[_INITIAL_PRICE] = f"{number.attributes.initial_price:.2f}"
    return wire


_OWNED_CONFIG_WIRE = tuple((listing_wire_name(field), field) for field in OWNED_LISTING_FIELDS)


def owned_wire(number: OwnedNumber) -> Wire:
    wire = _attributes_wire(number.msisdn, number.attributes)
    for name, field in _OWNED_CONFIG_WIRE:
        value = getattr(number.config, field)
        if value is not None:
            wire[name] = value
    return wire


def status_wire(code: str, label: str) -> Wire:
    return {"error-code": code, "error-code-label": label}


def error_wire(error: VonageError) -> Wire:
    if isinstance(error, InvalidParameters):
        return dict(error.fields)
    return status_wire(error.error_code, error.label)


# -- wire dictionaries into bytes ------------------------------------------------------------


class Renderer:
    """Renders pages, statuses and errors in the negotiated format."""

    def __init__(
        self,
        empty_numbers: Literal["list", "omit", "empty"] = "list",
        xml_names: Literal["kebab", "camel"] = "kebab",
    ) -> None:
        self._omit_empty = empty_numbers != "list"
        # Nothing at all when nothing matches: `{}`, the "no numbers" fixture of Vonage's Python,
        # Java and Go SDKs (a live empty search is reported in vonage-php-sdk-core#178).
        self._nothing_when_none = empty_numbers == "empty"
        self._kebab = xml_names == "kebab"
        self._names: dict[str, str] = {}
        self._success: dict[Format, bytes] = {}

    def page(self, page: Page[Any], to_wire: Any, negotiated: Negotiated) -> Response:
        body: Wire = {}
        if page.count or not self._nothing_when_none:
            body["count"] = page.count
        if page.items or not self._omit_empty:
            body["numbers"] = [to_wire(item) for item in page.items]
        return self.respond(body, LIST_ROOT, negotiated)

    def success(self, negotiated: Negotiated) -> Response:
        # The same bytes every time: rendered once per format.
        content = self._success.get(negotiated.format)
        if content is None:
            success = status_wire("200", messages.SUCCESS)
            content = self._success[negotiated.format] = self._content(
                success, STATUS_ROOT, negotiated.format
            )
        return Response(content, media_type=negotiated.media_type)

    def error(
        self,
        error: VonageError,
        operation: Operation | None,
        negotiated: Negotiated,
        status: int,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        root = LIST_ROOT if operation is not None and operation.is_listing else STATUS_ROOT
        return self.respond(error_wire(error), root, negotiated, status, headers)

    def respond(
        self,
        body: Wire,
        root: str,
        negotiated: Negotiated,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        content = self._content(body, root, negotiated.format)
        return Response(content, status, headers, media_type=negotiated.media_type)

    def _content(self, body: Wire, root: str, format: Format) -> bytes:
        if format is Format.XML:
            return self.xml(body, root)
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
        return text.encode("utf-8", errors="replace")  # lone surrogates become "?"

    def xml(self, body: Wire, root: str) -> bytes:
        # Written as text with the standard library's escaping rather than built as an element
        # tree: element names are this module's own, so only values need escaping, and a
        # 100-number page renders several times faster.
        out = [f"<{root}>"]
        for key, value in body.items():
            self._append(out, key, value)
        out.append(f"</{root}>")
        return XML_DECLARATION + "".join(out).encode("utf-8")

    def _append(self, out: list[str], key: str, value: Any) -> None:
        name = self._name(key)
        if key == "features" and isinstance(value, list):
            # Features are wrapped: <features><feature>VOICE</feature>...</features>.
            items = "".join(f"<feature>{escape(_text(v))}</feature>" for v in value)
            out.append(f"<{name}>{items}</{name}>")
        elif key == "limitations" and isinstance(value, list):
            items = "".join(
                "<limitation"
                + "".join(f" {k}={quoteattr(_text(v))}" for k, v in lim.items())
                + "/>"
                for lim in value
            )
            out.append(f"<{name}>{items}</{name}>")
        elif isinstance(value, list):
            # Vonage repeats the element once per item: <numbers>..</numbers><numbers>..</numbers>.
            for item in value:
                self._append(out, key, item)
        elif isinstance(value, dict):
            out.append(f"<{name}>")
            for child_key, child_value in value.items():
                self._append(out, child_key, child_value)
            out.append(f"</{name}>")
        else:
            out.append(f"<{name}>{escape(_text(value))}</{name}>")

    def _name(self, key: str) -> str:
        name = self._names.get(key)
        if name is None:
            name = _CAMEL_HUMP.sub(r"-\1", key).lower().replace("_", "-") if self._kebab else key
            self._names[key] = name
        return name


def problem(
    status: int,
    title: str,
    detail: str,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """An RFC 7807 problem document, the error format of the control API."""
    body: Wire = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if field is not None:
        body["field"] = field
    return Response(json.dumps(body).encode(), status, headers, media_type=PROBLEM_JSON)


def _text(value: Any) -> str:
    return _XML_UNSAFE.sub("\ufffd", str(value))
