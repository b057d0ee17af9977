"""The domain's errors, with Vonage's wire values as class attributes.

    MockError
    └── VonageError                 error-code / error-code-label body
        ├── AuthenticationFailed    "401"  authentication failed
        ├── MethodFailed            "420"  method failed
        │   └── AddressRequired     "420"  the dashboard message
        ├── InvalidParameters       "400"  {"field": "Is required."} body instead of a label
        └── RateLimited             "429"

The HTTP layer maps `error_code` to a status (420 may be sent as 400 or 200 by setting); the one
renderer turns any of them into JSON or XML.
"""

from collections.abc import Mapping

from mock_server import messages


class MockError(Exception):
    """Base of every error the mock raises on purpose."""


class VonageError(MockError):
    """An error that Vonage answers with an `error-code` / `error-code-label` body."""

    error_code: str = "500"
    label: str = messages.INTERNAL_ERROR

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


class RateLimited(VonageError):
    error_code = "429"
    label = messages.RATE_LIMITED


class InvalidParameters(VonageError):
    """Missing or malformed fields; Vonage answers `{"<field>": "<problem>"}` with a 400."""

    error_code = "400"
    label = "invalid parameters"

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = dict(fields)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.fields.items()))
