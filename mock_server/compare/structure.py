"""The structure of an API answer, and the structural differences between two answers.

Only the shape is compared: status, media type, JSON keys and types, XML element and attribute
names, and `error-code-label`. Values (numbers, prices, counts) are expected to differ.
"""

import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

LABEL_KEY = "error-code-label"
ABSENT = "(absent)"
PRESENT = "present"
ITEMS = "[]"
"""Path step of the items of a JSON list: all items of one list share one shape."""

Path = tuple[str, ...]


class Aspect(StrEnum):
    """What a difference is about; the value is what the report calls it."""

    STATUS = "status"
    CONTENT_TYPE = "content type"
    BODY = "body"
    KEY = "key"
    TYPE = "type"
    ELEMENT = "element"
    LABEL = "error label"


class Syntax(StrEnum):
    JSON = "JSON"
    XML = "XML"
    EMPTY = "empty"
    BAD_JSON = "not valid JSON"
    BAD_XML = "not valid XML"
    OTHER = "neither JSON nor XML"


@dataclass(frozen=True)
class Captured:
    """One HTTP answer, as much of it as the comparison looks at."""

    status: int
    content_type: str
    body: bytes

    @property
    def media_type(self) -> str:
        """The content type without its parameters (`; charset=...`), lowercased."""
        return self.content_type.partition(";")[0].strip().lower()


@dataclass(frozen=True)
class Difference:
    aspect: Aspect
    where: str
    mock: str
    against: str


@dataclass
class Structure:
    """What a body is made of: each path's types (JSON) or kind (XML), and the labels found."""

    syntax: Syntax
    shape: dict[Path, set[str]] = field(default_factory=dict)
    """An empty set marks a list seen with no items: nothing is known of its items' shape."""
    labels: dict[Path, set[str]] = field(default_factory=dict)


def differences(mock: Captured, against: Captured) -> list[Difference]:
    """The structural differences between the mock's answer and the other API's answer."""
    found = []
    if mock.status != against.status:
        found.append(Difference(Aspect.STATUS, "", str(mock.status), str(against.status)))
    if mock.media_type != against.media_type:
        found.append(Difference(Aspect.CONTENT_TYPE, "", mock.media_type, against.media_type))
    ours, theirs = structure(mock), structure(against)
    if ours.syntax != theirs.syntax:
        found.append(Difference(Aspect.BODY, "", ours.syntax, theirs.syntax))
        return found
    found.extend(_shape_differences(ours, theirs))
    found.extend(_label_differences(ours, theirs))
    return found


def structure(answer: Captured) -> Structure:
    """The body parsed by its media type into paths; a body that does not parse has none."""
    if not answer.body.strip():
        return Structure(Syntax.EMPTY)
    if "json" in answer.media_type:
        return _json_structure(answer.body)
    if "xml" in answer.media_type:
        return _xml_structure(answer.body)
    return Structure(Syntax.OTHER)


def _json_structure(body: bytes) -> Structure:
    try:
        document = json.loads(body)
    except ValueError:  # UnicodeDecodeError is a ValueError too
        return Structure(Syntax.BAD_JSON)
    found = Structure(Syntax.JSON)
    _walk_json(document, (), found)
    return found


def _walk_json(value: Any, path: Path, found: Structure) -> None:
    found.shape.setdefault(path, set()).add(json_type(value))
    if isinstance(value, dict):
        for key, child in value.items():
            if key == LABEL_KEY:
                found.labels.setdefault((*path, key), set()).add(str(child))
            _walk_json(child, (*path, key), found)
    elif isinstance(value, list):
        found.shape.setdefault((*path, ITEMS), set())
        for item in value:
            _walk_json(item, (*path, ITEMS), found)


def json_type(value: Any) -> str:
    """The JSON type of a parsed value, integers apart from other numbers."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _xml_structure(body: bytes) -> Structure:
    try:
        # The standard library's expat (2.4.1 and later) refuses entity-expansion bombs, and
        # ElementTree never fetches external entities: safe on an answer from the network.
        root = ElementTree.fromstring(body)  # noqa: S314
    except ElementTree.ParseError:
        return Structure(Syntax.BAD_XML)
    found = Structure(Syntax.XML)
    _walk_xml(root, (), found)
    return found


def _walk_xml(element: ElementTree.Element, parent: Path, found: Structure) -> None:
    path = (*parent, element.tag)
    found.shape.setdefault(path, set()).add("element")
    for name in element.attrib:
        found.shape.setdefault((*path, f"@{name}"), set()).add("attribute")
    if element.tag == LABEL_KEY:
        found.labels.setdefault(path, set()).add((element.text or "").strip())
    for child in element:
        _walk_xml(child, path, found)


def _shape_differences(mock: Structure, against: Structure) -> Iterator[Difference]:
    aspect = Aspect.KEY if mock.syntax is Syntax.JSON else Aspect.ELEMENT
    for path in {**mock.shape, **against.shape}:  # document order, the mock's first
        ours, theirs = mock.shape.get(path), against.shape.get(path)
        if ours is None or theirs is None:
            if not _said_above(path, against.shape if theirs is None else mock.shape):
                where = render_path(path, mock.syntax)
                yield Difference(aspect, where, _presence(ours), _presence(theirs))
        elif ours and theirs and ours != theirs:
            where = render_path(path, mock.syntax)
            yield Difference(Aspect.TYPE, where, _types(ours), _types(theirs))


def _said_above(path: Path, lacking: dict[Path, set[str]]) -> bool:
    """True when the side without `path` lacks its parent too (reported there), or has the parent
    as a list with no items (nothing to compare with)."""
    parent = path[:-1]
    if not parent and path:
        return False  # a root element is reported itself
    return parent not in lacking or not lacking[parent]


def _label_differences(mock: Structure, against: Structure) -> Iterator[Difference]:
    for path, ours in mock.labels.items():
        theirs = against.labels.get(path)
        if theirs is not None and ours != theirs:
            yield Difference(Aspect.LABEL, render_path(path, mock.syntax), _types(ours),
                             _types(theirs))  # fmt: skip


def _presence(types: set[str] | None) -> str:
    """What one side has at a path the other lacks: its types, or that it is absent."""
    if types is None:
        return ABSENT
    return _types(types) or PRESENT


def _types(values: set[str]) -> str:
    return " or ".join(sorted(values))


def render_path(path: Path, syntax: Syntax) -> str:
    """`$.numbers[].msisdn` for JSON, `/inbound-numbers/numbers/msisdn` for XML."""
    if syntax is Syntax.XML:
        return "/" + "/".join(path)
    return "$" + "".join(step if step == ITEMS else f".{step}" for step in path)
