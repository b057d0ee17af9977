"""Vonage's XML answers read back into the JSON shape, so the JSON schemas can judge them too.

The conventions are those of Vonage's documentation (BEHAVIOUR.md, "XML"), which the vendor's
document does not spell out: kebab-case element names (`mo-http-url` for `moHttpUrl`), one
`<numbers>` element per number, `<features><feature>VOICE</feature>...</features>`, and
`<limitations><limitation feature=".." type=".." reach=".."/></limitations>`.
"""

import re
from typing import Any
from xml.etree import ElementTree as ET

# Every JSON name the answers use (a 400 names request parameters); an XML name is mapped back
# to the JSON name it was made from (`<search-pattern>` names `search_pattern`).
JSON_NAMES = (
    "count",
    "numbers",
    "country",
    "msisdn",
    "type",
    "features",
    "cost",
    "initialPrice",
    "limitations",
    "moHttpUrl",
    "voiceCallbackType",
    "voiceCallbackValue",
    "messagesCallbackType",
    "messagesCallbackValue",
    "app_id",
    "error-code",
    "error-code-label",
    "moSmppSysType",
    "voiceStatusCallback",
    "voiceStatusCallbackUrl",
    "pattern",
    "search_pattern",
    "index",
    "size",
    "has_application",
    "application_id",
    "target_api_key",
    "api_key",
    "api_secret",
    "body",
)
INTEGERS = frozenset({"count"})
REPEATED = frozenset({"numbers"})
WRAPPED = {"features": "feature", "limitations": "limitation"}
_HUMP = re.compile(r"(?<=[a-z0-9])([A-Z])")


def kebab(name: str) -> str:
    return _HUMP.sub(r"-\1", name).lower().replace("_", "-")


_BY_XML_NAME = {kebab(name): name for name in JSON_NAMES}


def parse(content: bytes) -> ET.Element:
    """The root element; ET.ParseError when the document is not well-formed XML 1.0."""
    if not content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'):
        raise ValueError(f"no UTF-8 XML declaration: {content[:60]!r}")
    return ET.fromstring(content)


def read(content: bytes) -> tuple[str, dict[str, Any]]:
    """The root element's name, and its content in the JSON shape."""
    root = parse(content)
    return root.tag, _object(root)


def _object(element: ET.Element) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for child in element:
        name = _BY_XML_NAME.get(child.tag, child.tag)
        if name in WRAPPED and (len(child) or not child.text):
            data[name] = [_item(item, WRAPPED[name]) for item in child]
        elif name in REPEATED:
            data.setdefault(name, []).append(_object(child))
        elif name in INTEGERS:
            data[name] = int(child.text or "")
        else:
            assert name not in data, f"<{child.tag}> given twice"
            data[name] = child.text or ""
    return data


def _item(element: ET.Element, tag: str) -> Any:
    assert element.tag == tag, f"<{element.tag}> in a list of <{tag}>"
    return dict(element.attrib) if element.attrib else (element.text or "")
