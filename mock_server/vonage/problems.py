"""The problem bodies of the Account and Subaccounts APIs (`type`, `title`, `detail`,
`instance`, and `invalid_parameters` on a 422), for their problems and for the errors every API
shares (authentication, rate limits, faults, a state not saved)."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mock_server.domain import messages
from mock_server.domain.errors import (
    ApiProblem,
    AuthenticationFailed,
    InvalidParameters,
    RateLimited,
    ValidationFailed,
    VonageError,
)

ERRORS = "https://developer.nexmo.com/api-errors"


@dataclass(frozen=True, slots=True)
class Problem:
    status: int
    body: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)


def problem_of(error: ApiProblem | VonageError) -> Problem:
    """The status, body and headers that answer `error`."""
    if isinstance(error, ApiProblem):
        body = _body(error.type, error.title, error.detail)
        if isinstance(error, ValidationFailed):
            body["invalid_parameters"] = _invalid(error.invalid_parameters)
        return Problem(error.status, body)
    if isinstance(error, AuthenticationFailed):
        title, detail = messages.UNAUTHORIZED_TITLE, messages.UNAUTHORIZED_DETAIL
        return Problem(401, _body(f"{ERRORS}#unauthorized", title, detail))
    if isinstance(error, InvalidParameters):
        # A malformed body or X-Mock-Fault header: the 422 the Subaccounts API gives bad fields.
        return problem_of(ValidationFailed(error.fields))
    status = int(error.error_code) if error.error_code.isdigit() else 500
    kind = "throttled" if isinstance(error, RateLimited) else f"status-{status}"
    return Problem(status, _body(f"{ERRORS}#{kind}", error.label, error.label), error.headers)


def _body(type_: str, title: str, detail: str) -> dict[str, Any]:
    # `instance` is Vonage's trace id of the call: a new one each time.
    return {"type": type_, "title": title, "detail": detail, "instance": uuid.uuid4().hex}


def _invalid(fields: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "reason": reason} for name, reason in fields.items()]
