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
PAYLOAD_TOO_LARGE = "request entity too large"
INTERNAL_ERROR = "internal error"
# A write the state file could not record (a full disk, a read-only directory): not made.
STATE_NOT_SAVED = "the change could not be saved, so it was not made; try again later"
STATE_NOT_SAVED_TITLE = "State not saved"

# Field messages of Vonage's 400 body, `{"country": "Is required."}` as reported from the live API.
FIELD_REQUIRED = "Is required."
FIELD_INVALID = "Is invalid."

# Fault injection: the label an injected status carries unless a rule gives its own.
SERVICE_UNAVAILABLE = "service unavailable"
BAD_REQUEST = "bad request"
DEFAULT_LABELS: dict[int, str] = {
    400: BAD_REQUEST,
    401: AUTHENTICATION_FAILED,
    420: METHOD_FAILED,
    429: RATE_LIMITED,
    500: INTERNAL_ERROR,
    503: SERVICE_UNAVAILABLE,
}

# Why a fault rule is refused (the control API's answer names the field beside the message).
FAULT_DOES_NOTHING = "a rule must do something: give a status, a latency_ms above 0, or drop"
FAULT_STATUS_AND_DROP = "give status or drop, not both: a dropped connection sends no status"
FAULT_LABEL_WITHOUT_STATUS = "a label needs a status"
FAULT_LATENCY = "must be milliseconds, or [min, max], with 0 <= min <= max <= 60000"

# Why an X-Mock-Fault header is refused.
FAULT_HEADER_EMPTY = "is empty; give e.g. 420, drop, or status=503; latency_ms=100-300"
FAULT_HEADER_BARE_WORD = "expected a status such as 420, drop, or key=value"
FAULT_HEADER_UNKNOWN_KEY = "unknown key; the keys are status, label, latency_ms and drop"
FAULT_HEADER_REPEATED = "given twice"
FAULT_HEADER_QUOTES = 'badly quoted; quote a whole value, as in label="a; b"'
FAULT_HEADER_STATUS = "must be a status code such as 420"
FAULT_HEADER_LATENCY = "must be milliseconds (500) or a range (100-300)"
FAULT_HEADER_BOOLEAN = "must be true or false"

# Webhooks (simulation.webhooks). The label of the 420 that refuses an update whose moHttpUrl
# does not answer the verification GET with 200 OK (--verify-webhooks); the other texts say why a
# probe or a delivery did not count, in the journal and in the control API's reports.
WEBHOOK_NOT_VERIFIED = "moHttpUrl did not answer 200 OK to Vonage's GET request"
WEBHOOK_NOT_HTTP = "not an http or https URL"
WEBHOOK_STATUS = "the receiver answered {status}; Vonage expects {expected}"
WEBHOOK_TIMEOUT = "no answer within {seconds:g} s"
WEBHOOK_CONNECT = "could not connect: {reason}"
WEBHOOK_FAILED = "the request failed: {reason}"
# A destination --webhook-destinations refuses (simulation.destinations): nothing is sent to it.
WEBHOOK_DESTINATION_POLICY = "{address} ({kind}): --webhook-destinations {policy} does not allow it"
WEBHOOK_DESTINATION_NEVER = "{address} ({kind}): webhooks never go there"
WEBHOOK_REFUSED = "destination refused, nothing was sent: {reason}"
WEBHOOK_NOT_ALLOWED = "moHttpUrl is not an allowed webhook destination: {reason}"

# Why the control API cannot simulate an inbound SMS or call (a 404 or 409 naming the field).
INBOUND_NOT_OWNED = "no account owns {msisdn}"
INBOUND_NO_FEATURE = "{msisdn} has no {feature} feature"
INBOUND_NO_MO_HTTP_URL = "{msisdn} has no moHttpUrl to deliver inbound SMS to"
INBOUND_NO_VOICE_URL = (
    "{msisdn} has no http(s) voiceCallbackValue (answer URL) nor voiceStatusCallback (event URL)"
)

# State conflicts (control API 409s, and fixture errors: a fixture is replayed through the same
# operations).
ACCOUNT_EXISTS = "duplicate api_key {api_key!r}: an account has it already"
NO_SUCH_ACCOUNT = "no account with api_key {api_key!r}"
SUBACCOUNT_OF_SUBACCOUNT = "a subaccount cannot have subaccounts"
NUMBERS_ON_SALE = "{first}..{last} overlaps numbers on sale"
NUMBER_OWNED = "{msisdn} is owned by an account"
NUMBER_OWNED_TWICE = "{msisdn} is owned twice"

# Requests to no route of the Numbers API (journaled as `unmatched`, logged once per path).
UNMATCHED_HINT = "did you mean {route}?"
UNMATCHED_WARNING = "%s %s matches no Numbers API route; %s"
UNMATCHED_NO_HINT = "no route is close"

# Verification helpers of the control API client (MockClient.assert_called / assert_not_called).
VERIFY_EXPECTED = "expected {expected} of {what}, found {found}"
VERIFY_CLOSEST = "closest calls (same operation, other parameters):"
VERIFY_MATCHING = "matching calls:"
VERIFY_NONE_CLOSE = "no call of that operation was recorded"

# Settings refused at start (the command line prints them after the flag and variable names).
STATE_FILE_NO_DIRECTORY = "its directory {directory} does not exist; create it first"
STATE_FILE_IS_DIRECTORY = "is a directory; give the path of a file in it"
# After a command line argparse cannot read.
SEE_HELP = "see vonage-numbers-mock --help"

# The control API's guard (control.guard): who may call it, and how much they may send.
FOREIGN_ORIGIN_TITLE = "Forbidden"
FOREIGN_ORIGIN = (
    "Origin {origin!r} is not this server's own: web pages elsewhere may not drive the control API"
)
UNKNOWN_HOST = (
    "Host {host!r} is not a name this server answers to; add it with --allowed-hosts "
    "(NUMBERS_MOCK_ALLOWED_HOSTS)"
)
BODY_TOO_LARGE_TITLE = "Payload too large"
BODY_TOO_LARGE = "the body is over {limit} bytes, the limit set by {flag} ({variable})"

# Bounds of the mock's own stores (a 409 or 429 problem naming the setting that bounds them).
LIMIT_REACHED_TITLE = "Limit reached"
LIMIT_REACHED = "at most {limit} {what}; raise it with {flag} ({variable})"
# Logged once at start by a server listening beyond loopback without --admin-token.
OPEN_CONTROL_API = (
    "listening on %s without --admin-token: anyone who can reach this address can drive the "
    "control API (/_mock/); set --admin-token, or listen on 127.0.0.1"
)
# A number's country (domain.countries): fixtures, state documents, POST /_mock/numbers.
COUNTRY_UNKNOWN = "{country} is not an ISO 3166-1 alpha-2 code of a country with telephone numbers"
NUMBER_NOT_OF_COUNTRY = "{msisdn} is not a number of {country}: its calling code is {code}"
# The Account and Subaccounts APIs (their problem bodies' details, as the vendor documents them).
API_KEY_NOT_FOUND = "API key '{api_key}' does not exist, or you do not have access"
NOT_PROVISIONED = "Account {api_key} is not provisioned to access Subaccount Provisioning API"
VALIDATION_FAILED = "The request failed due to validation errors"
UNAUTHORIZED_TITLE = "Invalid credentials supplied"
UNAUTHORIZED_DETAIL = "You did not provide correct credentials"
NUMBER_TRANSFER_MISSING = (
    "Could not transfer number {number} from account {from_key} to {to_key} - ShortCode not found"
)
NUMBER_TRANSFER_CONFLICT = (
    "Could not transfer number {number} from account {from_key} to {to_key} - "
    "ShortCode is already owned by requesting account"
)
NUMBER_TRANSFER_INVALID = (
    "Failed to perform transfer number {number} from account {from_key} to {to_key} - "
    "The relationship between these two accounts does not allow for number transfer"
)
REASON_REQUIRED = "Is required"
REASON_BOOLEAN = "Should be either 'true' or 'false'"
REASON_STRING = "Must be a string"
REASON_NAME = "Must be 1 to 80 characters"
REASON_CREDENTIAL_FORMAT = (
    "Must be 8 to 25 characters with at least one lower case letter, one upper case letter "
    "and one digit"
)
REASON_AMOUNT = "Must be a number above 0 with at most two decimals"
REASON_NOT_IN_FAMILY = "Must be the primary account or one of its subaccounts"
REASON_SAME_ACCOUNT = "Must differ from 'from'"
REASON_NOT_PARENT_CHILD = "One of 'from' and 'to' must be the primary account"
REASON_INSUFFICIENT_BALANCE = "The balance of '{api_key}' is {balance}"
REASON_INSUFFICIENT_CREDIT = "The credit limit of '{api_key}' is {credit}"
REASON_SHARED_BALANCE = "Subaccount '{api_key}' uses the primary account's balance"
REASON_TIMESTAMP = "Must be an ISO 8601 date and time with a zone, as 2019-07-15T13:11:44Z"
REASON_COUNTRY = "Must be an ISO 3166-1 alpha-2 country code, as GB"
REASON_NUMBER = "Must be an E.164 number without + or 00"
REASON_BODY = "The body must be a JSON object"
REASON_UNKNOWN = "Unknown field"
