"""Simulated inbound traffic under /_mock/inbound/: an SMS or a call to an owned number.

The mock plays the network's part: it sends the number's webhooks as Vonage would (payloads in
simulation.webhooks) and answers with what happened. A receiver that is down, slow or answers an
error is an outcome, reported with `"delivered": false` and a 200: the control call itself
worked. Problems (RFC 7807) are for calls that cannot be simulated at all: 400 for a bad body,
404 for a number nobody owns, 409 for a number with nowhere to deliver to.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from mock_server.control.api import WorldDep
from mock_server.domain import messages
from mock_server.domain.errors import NotFound, StateConflict
from mock_server.domain.phone_number import Feature, NumberConfig
from mock_server.domain.wire import MSISDN_FORMAT, anchored, wire_name
from mock_server.simulation import webhooks
from mock_server.simulation.webhooks import CallIds, Delivery
from mock_server.vonage.request import RuntimeDep
from mock_server.worlds import World

# Far more than a concatenated SMS carries; a bound so that a report stays small.
MAX_TEXT = 2000

Msisdn = Annotated[str, Field(pattern=anchored(MSISDN_FORMAT), examples=["447700900123"])]


class InboundSms(BaseModel):
    """An SMS from `from` to the owned number `to`."""

    model_config = ConfigDict(extra="forbid")

    sender: Msisdn = Field(alias="from", description="The sender, sent as `msisdn`.")
    to: Msisdn = Field(description="An owned number with a moHttpUrl.")
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    type: Literal["text", "unicode"] | None = Field(
        None, description="Detected from the text unless given (non-GSM characters: unicode)."
    )


class InboundCall(BaseModel):
    """A call from `from` to the owned number `to`."""

    model_config = ConfigDict(extra="forbid")

    sender: Msisdn = Field(alias="from")
    to: Msisdn = Field(description="An owned number with a VOICE feature and a webhook URL.")


class DeliveryReport(BaseModel):
    """One webhook request the mock sent, and what came of it."""

    delivered: bool = Field(description="The receiver answered a status Vonage accepts.")
    url: str
    method: Literal["GET", "POST"]
    status: int | None = Field(description="The receiver's status; null when it never answered.")
    error: str | None = Field(description="Why it does not count as delivered.")
    duration_ms: float
    payload: dict[str, str] = Field(description="What was sent, with Vonage's field names.")
    response: str | None = Field(description="The start of the receiver's answer.")

    @classmethod
    def of(cls, delivery: Delivery) -> "DeliveryReport":
        return cls(
            delivered=delivery.delivered,
            url=delivery.url,
            method=delivery.method,
            status=delivery.status,
            error=delivery.error,
            duration_ms=delivery.duration_ms,
            payload=delivery.payload,
            response=delivery.answer,
        )


class CallReport(BaseModel):
    """The answer request and the call event of a simulated call (null when not configured)."""

    delivered: bool = Field(description="Every request sent was delivered.")
    uuid: str
    conversation_uuid: str
    answer: DeliveryReport | None
    event: DeliveryReport | None


@dataclass(frozen=True, slots=True)
class _Recipient:
    """The owned number called or texted, as it was when the call came in."""

    api_key: str
    msisdn: str
    config: NumberConfig


router = APIRouter(prefix="/inbound", tags=["inbound"])


@router.post("/sms", summary="Deliver an SMS to a number's moHttpUrl, as Vonage would.")
async def inbound_sms(sms: InboundSms, runtime: RuntimeDep, world: WorldDep) -> DeliveryReport:
    recipient = _recipient(world, sms.to, Feature.SMS)
    url = recipient.config.mo_http_url
    if not url:
        message = messages.INBOUND_NO_MO_HTTP_URL.format(msisdn=sms.to)
        raise StateConflict(wire_name("mo_http_url"), message)
    payload = webhooks.inbound_sms_payload(
        sender=sms.sender,
        to=sms.to,
        text=sms.text,
        api_key=recipient.api_key,
        message_id=webhooks.new_message_id(),
        now=datetime.now(UTC),
        type=sms.type,
    )
    method = runtime.settings.inbound_sms_method
    delivery = await runtime.webhooks.send(method, url, payload, webhooks.SMS_ACCEPTS)
    _record(world, delivery, webhooks.INBOUND_SMS, recipient)
    return DeliveryReport.of(delivery)


@router.post("/call", summary="Announce a call to a number's answer and event URLs.")
async def inbound_call(call: InboundCall, runtime: RuntimeDep, world: WorldDep) -> CallReport:
    recipient = _recipient(world, call.to, Feature.VOICE)
    targets = webhooks.call_targets(recipient.config)
    if targets.answer_url is None and targets.event_url is None:
        raise StateConflict(
            wire_name("voice_callback_value"), messages.INBOUND_NO_VOICE_URL.format(msisdn=call.to)
        )
    ids = CallIds.new()
    answer = event = None
    # Answer first: Vonage asks the answer URL what to do with the call, then reports its events.
    if targets.answer_url is not None:
        params = webhooks.answer_params(call.sender, call.to, ids)
        answer = await runtime.webhooks.send(
            "GET", targets.answer_url, params, webhooks.ANSWER_ACCEPTS
        )
        _record(world, answer, webhooks.INBOUND_CALL, recipient)
    if targets.event_url is not None:
        body = webhooks.call_event(call.sender, call.to, ids, "started", datetime.now(UTC))
        event = await runtime.webhooks.send("POST", targets.event_url, body, webhooks.EVENT_ACCEPTS)
        _record(world, event, webhooks.INBOUND_CALL, recipient)
    sent = [d for d in (answer, event) if d is not None]
    return CallReport(
        delivered=all(d.delivered for d in sent),
        uuid=ids.uuid,
        conversation_uuid=ids.conversation_uuid,
        answer=DeliveryReport.of(answer) if answer else None,
        event=DeliveryReport.of(event) if event else None,
    )


def _recipient(world: World, msisdn: str, feature: Feature) -> _Recipient:
    """The owned number `msisdn`; 404 when nobody owns it, 409 when it lacks `feature`.

    A number that cannot receive SMS (or calls) is never sent them by Vonage.
    """
    found = world.inventory.owner_of(msisdn)
    if found is None:
        raise NotFound("to", messages.INBOUND_NOT_OWNED.format(msisdn=msisdn))
    api_key, number = found
    if feature not in number.attributes.features:
        message = messages.INBOUND_NO_FEATURE.format(msisdn=msisdn, feature=feature.value)
        raise StateConflict("to", message)
    return _Recipient(api_key, msisdn, number.config)


def _record(world: World, delivery: Delivery, operation: str, recipient: _Recipient) -> None:
    # The payload is what the receiver got; it names the sender `msisdn`, as Vonage does.
    entry = delivery.journal_entry(operation, recipient.api_key, delivery.payload)
    world.journal.record(entry)
