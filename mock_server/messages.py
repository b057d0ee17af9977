"""Every user-facing string the mock sends, written once; tests import them from here."""

SUCCESS = "success"
AUTHENTICATION_FAILED = "authentication failed"
METHOD_FAILED = "method failed"
ADDRESS_REQUIRED = (
    "Numbers from this country can be requested from the Dashboard "
    "(https://dashboard.nexmo.com/buy-numbers) as they require a valid local address to be "
    "provided before being purchased."
)
RATE_LIMITED = "Throughput Rate Exceeded - please wait [ 1000 ] and retry"
NOT_FOUND = "not found"
INTERNAL_ERROR = "internal error"

# Field messages of Vonage's 400 body, `{"country": "Is required."}` as reported from the live API.
FIELD_REQUIRED = "Is required."
FIELD_INVALID = "Is invalid."
