"""Validation of responses against the vendor's OpenAPI document (tests/spec/)."""

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SPEC_PATH = Path(__file__).resolve().parents[1] / "spec" / "numbers-1.0.20.json"

# Statuses the live API answers that the document does not list (BEHAVIOUR.md): the 400 for a
# missing or malformed field, the 420 for cancel/update of a number not owned, rate limiting's
# 429; and the mock's own 413 for a body over its size limit.
UNDOCUMENTED_BUT_REAL = {400, 413, 420, 429}


@cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SPEC_PATH.read_text())
    return loaded


def response_schema(path: str, method: str, status: int, media_type: str) -> dict[str, Any] | None:
    """The documented schema, or None when the document has no entry for this status."""
    operation = spec()["paths"][path].get(method.lower())
    if operation is None:
        assert status == 405, f"{method} {path} is not an operation of the spec: expected 405"
        return None
    response = operation["responses"].get(str(status))
    if response is None:
        return None
    schema = response["content"][media_type]["schema"]
    return {**schema, "components": spec()["components"]}


def validate(path: str, method: str, status: int, content_type: str, body: bytes) -> None:
    """Assert a response is one the vendor's document allows (JSON bodies checked by schema)."""
    media_type = content_type.split(";")[0].strip()
    assert media_type in ("application/json", "text/xml", "application/xml"), content_type
    documented = response_schema(path, method, status, "application/json")
    if documented is None:
        assert status in UNDOCUMENTED_BUT_REAL | {405}, (
            f"{method} {path}: status {status} is undocumented"
        )
        return
    if media_type == "application/json":
        jsonschema.validate(json.loads(body), documented)
