"""The contract the conformance run checks: the vendor's document, plus each place where the live
API is known to answer outside it, declared here one by one with the reason.

Nothing is switched off: every deviation either documents a response the live API really sends
(so its body is still validated, against the shape the live API uses), or tells the generator
the live API's real rules for a request field (so positive cases stay inside them and negative
cases probe exactly them). Sources: /work/shared/spec/BEHAVIOUR.md and the README's Errors table.
"""

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mock_server.domain import messages

SPEC_PATH = Path(__file__).resolve().parents[1] / "spec" / "numbers-1.0.20.json"
MEDIA_TYPES = ("application/json", "text/xml")

LIST = "GET /account/numbers"
SEARCH = "GET /number/search"
BUY = "POST /number/buy"
CANCEL = "POST /number/cancel"
UPDATE = "POST /number/update"
OPERATIONS = (LIST, SEARCH, BUY, CANCEL, UPDATE)
POSTS = (BUY, CANCEL, UPDATE)

Schema = dict[str, Any]


def _status_body(code: str, *labels: str) -> Schema:
    """`{"error-code": code, "error-code-label": one of labels}`, nothing else."""
    return {
        "type": "object",
        "required": ["error-code", "error-code-label"],
        "additionalProperties": False,
        "properties": {
            "error-code": {"type": "string", "enum": [code]},
            "error-code-label": {"type": "string", "enum": list(labels)},
        },
    }


# `{"country": "Is required."}`: one key per field at fault, as reported from the live API.
FIELD_ERRORS: Schema = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": {
        "type": "string",
        "enum": [messages.FIELD_REQUIRED, messages.FIELD_INVALID],
    },
}


@dataclass(frozen=True)
class ResponseDeviation:
    """A status the live API answers on these operations that the document does not list."""

    operations: tuple[str, ...]
    status: str
    body: Schema
    why: str


RESPONSE_DEVIATIONS = (
    ResponseDeviation(
        OPERATIONS,
        "400",
        FIELD_ERRORS,
        "The live API answers a missing or malformed field with 400 and "
        '{"country": "Is required."} (BEHAVIOUR.md); the document lists no 400 at all.',
    ),
    ResponseDeviation(
        (CANCEL, UPDATE),
        "420",
        _status_body("420", messages.METHOD_FAILED),
        "Cancelling or updating a number the account does not own is a 420 'method failed' on "
        "the live API (Vonage's SDK fixtures); the document lists 420 for buy only.",
    ),
    ResponseDeviation(
        POSTS,
        "413",
        _status_body("413", messages.PAYLOAD_TOO_LARGE),
        "The mock bounds request bodies (64 KiB, far above the largest real one) and answers "
        "a Vonage-shaped 413; the document sets no limit.",
    ),
)


@dataclass(frozen=True)
class RequestRule:
    """A rule the live API applies to a request field that the document leaves out."""

    operations: tuple[str, ...]
    field: str
    schema: Schema
    why: str


COUNTRY = "^[A-Z]{2}$"
MSISDN = "^[1-9][0-9]{5,14}$"
_FEATURE = "(SMS|VOICE|MMS)"
# Control characters and U+FFFE/U+FFFF (lone surrogates too, which no client can send) cannot be
# carried by the XML answers, and CR/LF must never be echoed raw: refused on update, like
# anything over 2048 characters.
STORABLE_TEXT: Schema = {
    "type": "string",
    "maxLength": 2048,
    "pattern": "^[^\\x00-\\x1f\\x7f\\ufffe\\uffff]*$",
}


def _or_empty(schema: Schema) -> Schema:
    """The schema, or "": Vonage ignores an empty parameter (BEHAVIOUR.md: tolerate empty
    parameters such as `apiKey=`), so for an optional field "" is as good as leaving it out."""
    return {"anyOf": [schema, {"type": "string", "maxLength": 0}]}


REQUEST_RULES = (
    RequestRule(
        (SEARCH, BUY, CANCEL, UPDATE),
        "country",
        {"type": "string", "pattern": COUNTRY},
        "ISO 3166-1 alpha-2 in capitals: the document only says 'two characters'.",
    ),
    RequestRule(
        (LIST,),
        "country",
        _or_empty({"type": "string", "pattern": COUNTRY}),
        "The same, optional on the list.",
    ),
    RequestRule(
        POSTS,
        "msisdn",
        {"type": "string", "pattern": MSISDN},
        "E.164 without '+' or '00' (BEHAVIOUR.md); the document says only 'string'.",
    ),
    RequestRule(
        (LIST, SEARCH),
        "pattern",
        _or_empty({"type": "string", "pattern": "^\\**(?:[0-9]\\**){0,15}$"}),
        "Patterns are up to 15 digits of an E.164 number, with `*` for any digits (as the "
        "nexmo-cli README and the Java and Kotlin SDKs' tests send them).",
    ),
    RequestRule(
        (LIST, SEARCH),
        "index",
        _or_empty({"type": "integer", "minimum": 1, "maximum": 10**9}),
        "Pages count from 1; the document gives no minimum.",
    ),
    RequestRule(
        (LIST, SEARCH),
        "size",
        _or_empty({"type": "integer", "minimum": 1, "maximum": 100}),
        "At least one number a page; the document gives only the maximum.",
    ),
    RequestRule(
        (LIST, SEARCH),
        "search_pattern",
        _or_empty({"type": "integer", "enum": [0, 1, 2]}),
        "Empty is ignored: the default, 0, applies.",
    ),
    RequestRule(
        (LIST,),
        "has_application",
        _or_empty({"type": "boolean"}),
        "Empty is ignored: no filter.",
    ),
    RequestRule(
        (SEARCH,),
        "type",
        _or_empty({"type": "string", "enum": ["landline", "mobile-lvn", "landline-toll-free"]}),
        "Empty is ignored: every type.",
    ),
    RequestRule(
        (SEARCH,),
        "features",
        _or_empty({"type": "string", "pattern": f"^ *{_FEATURE} *(, *{_FEATURE} *)*$"}),
        "Any non-empty subset of SMS, VOICE, MMS in any order (clients send SMS,VOICE,MMS and "
        "SMS,MMS,VOICE alike, BEHAVIOUR.md); the document enumerates seven spellings.",
    ),
    *(
        RequestRule(
            (UPDATE,),
            name,
            STORABLE_TEXT,
            "Stored and echoed: at most 2048 characters, no control characters (CR/LF would "
            "be header injection in a webhook, and XML 1.0 cannot carry them). Empty clears.",
        )
        for name in (
            "app_id",
            "moHttpUrl",
            "moSmppSysType",
            "voiceCallbackValue",
            "voiceStatusCallback",
            "messagesCallbackValue",
        )
    ),
    RequestRule(
        (UPDATE,),
        "voiceCallbackType",
        {"type": "string", "enum": ["", "sip", "tel", "app"]},
        "An empty value clears the field, as for every update field.",
    ),
    RequestRule(
        (UPDATE,),
        "messagesCallbackType",
        {"type": "string", "enum": ["", "app"]},
        "The same.",
    ),
)

# Test data, not deviations: values of tests/data/small.json, so that the examples phase reaches
# numbers for sale, owned numbers, a subaccount's and the address-required country, not only
# empty results and unknown numbers.
# Parameter examples go together by position: GB with 4477009, US with 1201555, IT with none.
PARAMETER_EXAMPLES = {"country": ("GB", "US", "IT"), "pattern": ("4477009", "1201555", "")}
FORM_EXAMPLES: dict[str, dict[str, str]] = {
    "on sale": {"country": "GB", "msisdn": "447700900001"},
    "master01's": {"country": "GB", "msisdn": "447700900500"},
    "its subaccount's": {"country": "GB", "msisdn": "447700900600", "target_api_key": "sub00001"},
    "another account's": {"country": "GB", "msisdn": "447700900700"},
    "address required": {"country": "IT", "msisdn": "390612345678"},
}


def xml_root(label: str) -> str:
    """The XML root of an operation's answers, errors included (BEHAVIOUR.md, "XML"); the
    document says the same through its schemas' `xml.name` wherever it gives one."""
    return "inbound-numbers" if label.startswith("GET ") else "response"


def documented_xml_root(doc: Schema, label: str, status: int) -> str | None:
    """The `xml.name` of the schema documented for this status, None when none is."""
    response = _operation(doc, label)["responses"].get(str(status))
    if response is None:
        return None
    schema = response["content"]["text/xml"]["schema"]
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    name: str | None = schema.get("xml", {}).get("name")
    return name


def vendor_document() -> Schema:
    loaded: Schema = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return loaded


def document() -> Schema:
    """The vendor's document with RESPONSE_DEVIATIONS and REQUEST_RULES applied (a copy)."""
    doc = copy.deepcopy(vendor_document())
    _inline_parameters(doc)
    for deviation in RESPONSE_DEVIATIONS:
        for label in deviation.operations:
            responses = _operation(doc, label)["responses"]
            assert deviation.status not in responses, f"{label} documents {deviation.status} now"
            body = {**deviation.body, "xml": {"name": xml_root(label)}}
            responses[deviation.status] = {
                "description": deviation.why,
                "content": {media: {"schema": body} for media in MEDIA_TYPES},
            }
    for rule in REQUEST_RULES:
        for label in rule.operations:
            _set_field_schema(doc, label, rule.field, rule.schema)
    for label in OPERATIONS:
        _add_examples(doc, label)
    return doc


def _operation(doc: Schema, label: str) -> Schema:
    method, path = label.split(" ")
    operation: Schema = doc["paths"][path][method.lower()]
    return operation


def _inline_parameters(doc: Schema) -> None:
    """Copy the shared `#/components/parameters` into each operation, so rules can differ."""
    shared = doc["components"]["parameters"]
    for label in OPERATIONS:
        operation = _operation(doc, label)
        operation["parameters"] = [
            copy.deepcopy(shared[p["$ref"].rsplit("/", 1)[1]]) if "$ref" in p else p
            for p in operation.get("parameters", [])
        ]
        body = operation.get("requestBody")
        if body is not None:
            form = body["content"]["application/x-www-form-urlencoded"]
            name = form["schema"]["$ref"].rsplit("/", 1)[1]
            form["schema"] = copy.deepcopy(doc["components"]["schemas"][name])


def _set_field_schema(doc: Schema, label: str, field: str, schema: Schema) -> None:
    """Replace the schema of a parameter or a form field of the operation, keeping its text."""
    operation = _operation(doc, label)
    for parameter in operation.get("parameters", []):
        if parameter["name"] == field:
            parameter["schema"] = schema
            return
    body = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    properties = body["properties"]
    assert field in properties, f"{label} has no field {field}"
    current = properties[field]
    if "$ref" in current:
        current = doc["components"]["schemas"][current["$ref"].rsplit("/", 1)[1]]
    properties[field] = {**schema, **_described(current)}


def _described(schema: Schema) -> Schema:
    return {k: v for k, v in schema.items() if k in ("description", "example", "deprecated")}


def _add_examples(doc: Schema, label: str) -> None:
    operation = _operation(doc, label)
    for parameter in operation.get("parameters", []):
        values = PARAMETER_EXAMPLES.get(parameter["name"], ())
        if values:
            parameter.pop("example", None)
            parameter["examples"] = {repr(value): {"value": value} for value in values}
    body = operation.get("requestBody")
    if body is not None:
        form = body["content"]["application/x-www-form-urlencoded"]
        form["examples"] = {name: {"value": value} for name, value in FORM_EXAMPLES.items()}
