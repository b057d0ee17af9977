"""Vonage's wire vocabulary, written once: number formats, configuration field names, the header.

Plain data, no HTTP: the parameter parsers, the renderer, the fixture schema and the control API
all derive from it, so a name or a format cannot drift between them. Operation names live in
`mock_server.domain.operations`.
"""

import re
from typing import Literal, get_args

# ISO 3166-1 alpha-2, upper case, as every Vonage call writes a country.
COUNTRY_FORMAT = "[A-Z]{2}"
# E.164 without `+` or `00`: never a leading zero.
MSISDN_FORMAT = "[1-9][0-9]{5,14}"

COUNTRY = re.compile(COUNTRY_FORMAT)
MSISDN = re.compile(MSISDN_FORMAT)


def anchored(fmt: str) -> str:
    """The format for a validator that searches (JSON Schema, pydantic): anchors needed."""
    return f"^{fmt}$"


VoiceCallbackType = Literal["sip", "tel", "app"]
MessagesCallbackType = Literal["app"]

# NumberConfig's fields and the names Vonage gives them, in `POST /number/update`'s order.
CONFIG_WIRE_NAMES = {
    "app_id": "app_id",
    "mo_http_url": "moHttpUrl",
    "mo_smpp_sys_type": "moSmppSysType",
    "voice_callback_type": "voiceCallbackType",
    "voice_callback_value": "voiceCallbackValue",
    "voice_status_callback": "voiceStatusCallback",
    "messages_callback_type": "messagesCallbackType",
    "messages_callback_value": "messagesCallbackValue",
}
# Number attributes whose wire name differs from the field's.
ATTRIBUTE_WIRE_NAMES = {"initial_price": "initialPrice"}
# The values Vonage accepts for the configuration fields that take a fixed set.
CONFIG_CHOICES: dict[str, frozenset[str]] = {
    "voice_callback_type": frozenset(get_args(VoiceCallbackType)),
    "messages_callback_type": frozenset(get_args(MessagesCallbackType)),
}
# The configuration an owned number shows in listings, in Vonage's order: the fields of the
# vendor's `ownednumber` schema, the voice status callback a live listing shows (quoted in
# Vonage/vonage-php-sdk-core#329) and 1.1.0's `app_id`.
OWNED_LISTING_FIELDS = (
    "mo_http_url",
    "voice_callback_type",
    "voice_callback_value",
    "voice_status_callback",
    "messages_callback_type",
    "messages_callback_value",
    "app_id",
)


# Fields a listing names differently from `POST /number/update`: the update takes
# `voiceStatusCallback`, `GET /account/numbers` answers `voiceStatusCallbackUrl` (a live answer
# in Vonage/vonage-php-sdk-core#329; the PHP SDK added a constant for it in #523).
LISTING_WIRE_NAMES = {"voice_status_callback": "voiceStatusCallbackUrl"}


def listing_wire_name(field: str) -> str:
    """The name `GET /account/numbers` gives a number field (`voiceStatusCallbackUrl`)."""
    return LISTING_WIRE_NAMES.get(field) or wire_name(field)


def wire_name(field: str) -> str:
    """Vonage's name of a number field (`mo_http_url` -> `moHttpUrl`); others keep theirs."""
    return CONFIG_WIRE_NAMES.get(field) or ATTRIBUTE_WIRE_NAMES.get(field) or field


# The mock's own request header: a one-off fault for the call that carries it.
FAULT_HEADER = "X-Mock-Fault"
