"""The domain's errors, with Vonage's wire values as class attributes.

    MockError
    ├── ConnectionDrop              a fault: close the connection without answering
    ├── ControlProblem              control API errors, RFC 7807 problems (400)
    │   ├── StateConflict           409: a change that contradicts the state
    │   ├── NotFound                404
    │   ├── LimitReached            409: a bounded store (fault rules, accounts) is full
    │   ├── ForeignRequest          403: a foreign Origin, or a Host the mock does not serve
    │   ├── BodyTooLarge            413: a control body over its bound
    │   └── AdminTokenRequired      401: the admin token is missing or wrong
    └── VonageError                 error-code / error-code-label body
        ├── AuthenticationFailed    "401"  authentication failed
        ├── MethodFailed            "420"  method failed
        │   ├── AddressRequired     "420"  the dashboard message
        │   └── WebhookNotVerified  "420"  moHttpUrl did not answer the GET with 200 OK
        ├── InvalidParameters       "400"  {"field": "Is required."} body instead of a label
        ├── PayloadTooLarge         "413"  a body over the size limit
        ├── RateLimited             "429"
        └── StateNotSaved           "503"  the state file could not record a change: not made
    └── ApiProblem                  Account/Subaccounts API errors: type, title, detail bodies
        ├── AccountNotFound         404  the api_key in the path is unknown or not the caller's
        ├── Unprovisioned           403  a subaccount calling the Subaccounts API
        ├── InvalidNumberTransfer   403  the two accounts are not primary and subaccount
        ├── NumberNotFound          404  the number is not the `from` account's
        ├── TransferConflict        409  the `to` account owns the number already
        └── ValidationFailed        422  with `invalid_parameters` [{name, reason}]

The HTTP layer maps `error_code` to a status (420 may be sent as 400 or 200 by setting); the one
renderer turns any of them into JSON or XML.
"""

import math
from collections.abc import Mapping

from mock_server.domain import messages


class MockError(Exception):
    """Base of every error the mock raises on purpose."""


class ConnectionDrop(MockError):
    """A fault rule says: close the connection without an answer."""


class ControlProblem(MockError):
    """An error of the control API, answered as an RFC 7807 problem naming the field at fault."""

    status: int = 400
    title: str = "Bad request"

    def __init__(self, field: str | None, detail: str) -> None:
        self.field, self.detail = field, detail
        super().__init__(f"{field}: {detail}" if field else detail)


class StateConflict(ControlProblem):
    """A change to the mock's state that contradicts it (a number already there, a key taken)."""

    status = 409
    title = "Conflict"


class LimitReached(ControlProblem):
    """A store the settings bound is full: the detail names the limit and the setting."""

    status = 409
    title = messages.LIMIT_REACHED_TITLE


class ForeignRequest(ControlProblem):
    """A control request from a web page elsewhere, or for a host name the mock does not serve."""

    status = 403
    title = messages.FOREIGN_ORIGIN_TITLE


class BodyTooLarge(ControlProblem):
    status = 413
    title = messages.BODY_TOO_LARGE_TITLE


class NotFound(ControlProblem):
    status = 404
    title = "Not found"


class AdminTokenRequired(ControlProblem):
    status = 401
    title = "Unauthorized"


class VonageError(MockError):
    """An error that Vonage answers with an `error-code` / `error-code-label` body."""

    error_code: str = "500"
    label: str = messages.INTERNAL_ERROR
    headers: Mapping[str, str] = {}

    def __init__(self, label: str | None = None, error_code: str | None = None) -> None:
        if label is not None:
            self.label = label
        if error_code is not None:
            self.error_code = error_code
        super().__init__(self.label)


class AuthenticationFailed(VonageError):
    error_code = "401"
    label = messages.AUTHENTICATION_FAILED


class MethodFailed(VonageError):
    error_code = "420"
    label = messages.METHOD_FAILED


class AddressRequired(MethodFailed):
    label = messages.ADDRESS_REQUIRED


class PayloadTooLarge(VonageError):
    error_code = "413"
    label = messages.PAYLOAD_TOO_LARGE


class RateLimited(VonageError):
    error_code = "429"
    label = messages.RATE_LIMITED

    def __init__(self, retry_after: float = 1.0, label: str | None = None) -> None:
        super().__init__(label)
        self.headers = {"Retry-After": str(max(1, math.ceil(retry_after)))}


class InvalidParameters(VonageError):
    """Missing or malformed fields; Vonage answers `{"<field>": "<problem>"}` with a 400."""

    error_code = "400"
    label = "invalid parameters"

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = dict(fields)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.fields.items()))


class WebhookNotVerified(MethodFailed):
    """With --verify-webhooks: the new moHttpUrl did not answer Vonage's GET with 200 OK.

    Vonage documents the check, not the error it answers; a 420 (what the Numbers API answers
    for any refused operation) with a label saying what went wrong is the mock's choice.
    """

    label = messages.WEBHOOK_NOT_VERIFIED


class StateNotSaved(VonageError):
    """The state file could not record a change (a full disk), so the change was not made.

    Vonage documents no such failure; a 503 says the refusal is the server's, temporary, and
    safe to retry, since nothing changed. The control API answers it as a 503 problem.
    """

    error_code = "503"
    label = messages.STATE_NOT_SAVED


class ApiProblem(MockError):
    """An error of the Account and Subaccounts APIs, which answer problem bodies (`type`,
    `title`, `detail`, `instance`) rather than the Numbers API's `error-code` bodies."""

    status: int = 400
    type: str = "https://developer.nexmo.com/api-errors#bad-request"
    title: str = "Bad Request"

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


class AccountNotFound(ApiProblem):
    status = 404
    type = "https://developer.nexmo.com/api-errors#invalid-api-key"
    title = "Invalid API Key"

    def __init__(self, api_key: str) -> None:
        super().__init__(messages.API_KEY_NOT_FOUND.format(api_key=api_key))


class Unprovisioned(ApiProblem):
    status = 403
    type = "https://developer.nexmo.com/api-errors#unprovisioned"
    title = "Authorisation error"

    def __init__(self, api_key: str) -> None:
        super().__init__(messages.NOT_PROVISIONED.format(api_key=api_key))


class InvalidNumberTransfer(ApiProblem):
    status = 403
    type = "https://developer.nexmo.com/api-errors/subaccounts#invalid-number-transfer"
    title = "Invalid Number Transfer"


class NumberNotFound(ApiProblem):
    status = 404
    type = "https://developer.nexmo.com/api-errors/subaccounts#missing-number-transfer"
    title = "Invalid Number Transfer"


class TransferConflict(ApiProblem):
    status = 409
    type = "https://developer.nexmo.com/api-errors/subaccounts#transfer-conflict"
    title = "Transfer Conflict"


class ValidationFailed(ApiProblem):
    """Fields Vonage refuses: 422 naming each with the reason."""

    status = 422
    type = "https://developer.nexmo.com/api-errors/subaccounts#validation"
    title = "Bad Request"

    def __init__(self, invalid: Mapping[str, str]) -> None:
        self.invalid_parameters = dict(invalid)
        super().__init__(messages.VALIDATION_FAILED)
