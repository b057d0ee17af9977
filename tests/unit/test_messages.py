"""The vendor's literal labels, pinned once to the documented text: every other test compares
answers with the constants of mock_server.domain.messages, so a typo there would go unseen."""

import re

from support.vendor_spec import spec

from mock_server.domain import messages

# BEHAVIOUR.md ("420, address needed") and the example of `response420` in the vendor's
# numbers-1.0.20.json, word for word.
ADDRESS_REQUIRED = (
    "Numbers from this country can be requested from the Dashboard "
    "(https://dashboard.nexmo.com/buy-numbers) as they require a valid local address to be "
    "provided before being purchased."
)
# Vonage's throttling text. The Numbers documents give no 429 body; this is the text Vonage's APIs
# send when throttling (the SMS API's `error-text`), and clients read the wait in milliseconds
# out of the brackets with this very pattern, so its spacing matters.
RATE_LIMITED = "Throughput Rate Exceeded - please wait [ 1000 ] and retry"
THROTTLE_PATTERN = re.compile(r"Throughput Rate Exceeded - please wait \[ (\d+) \] and retry")


def test_the_address_required_label_is_the_documented_text() -> None:
    documented = spec()["components"]["schemas"]["response420"]["properties"]["error-code-label"]

    assert messages.ADDRESS_REQUIRED == ADDRESS_REQUIRED
    assert documented["example"] == ADDRESS_REQUIRED


def test_the_rate_limited_label_is_vonages_throttling_text() -> None:
    assert messages.RATE_LIMITED == RATE_LIMITED
    match = THROTTLE_PATTERN.fullmatch(messages.RATE_LIMITED)
    assert match is not None
    assert match.group(1) == "1000"
