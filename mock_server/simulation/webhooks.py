"""Webhooks the mock sends as Vonage would: their payloads (pure functions) and an async sender.

Three kinds of request leave the mock:

- the probe of `POST /number/update` (with --verify-webhooks): a GET to the new `moHttpUrl`, which
  must answer 200 OK, as the Numbers API spec says Vonage checks;
- an inbound SMS, delivered to the number's `moHttpUrl` with the SMS API's field names;
- an inbound call: an answer request (GET) and a call event (POST JSON), with the Voice API's.

No web framework here: the routers build a payload, send it with `WebhookSender`, and journal the
`Delivery` that comes back. A delivery never raises: a receiver that is down, slow or wrong is
an outcome to report, not an error of the mock.
"""

import asyncio
import contextlib
import ipaddress
import os
import secrets
import socket
import ssl
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlsplit

import httpx

from mock_server import __version__
from mock_server.domain import messages
from mock_server.domain.errors import WebhookNotVerified
from mock_server.domain.operations import JournalEvent
from mock_server.domain.phone_number import NumberConfig
from mock_server.simulation import destinations
from mock_server.simulation.destinations import Policy
from mock_server.simulation.journal import Journal, JournalEntry

Method = Literal["GET", "POST"]
SmsType = Literal["text", "unicode"]

PROBE = JournalEvent.WEBHOOK_PROBE
INBOUND_SMS = JournalEvent.INBOUND_SMS
INBOUND_CALL = JournalEvent.INBOUND_CALL

# The Numbers API spec: Vonage "checks that it returns a 200 OK response". Nothing else will do.
PROBE_ACCEPTS = frozenset({200})
# The SMS API guide: "you must send a 200 OK or 204 No Content response"; anything else, and
# Vonage deems the message undelivered (and retries for 24 hours, which the mock does not).
SMS_ACCEPTS = frozenset({200, 204})
# The Voice API reads an NCCO from the answer URL's 200; events are acknowledged like SMS.
ANSWER_ACCEPTS = frozenset({200})
EVENT_ACCEPTS = frozenset({200, 204})

USER_AGENT = f"vonage-numbers-mock/{__version__}"
# How much of a receiver's answer the journal and the control API's reports keep.
ANSWER_EXCERPT = 1000
# The bytes read of it: enough for ANSWER_EXCERPT characters of UTF-8 (4 bytes at most each).
ANSWER_BYTES = 4 * ANSWER_EXCERPT

# GSM 03.38: the default alphabet and its extension table (reached through an escape). A message
# that only uses these goes as 7-bit "text"; any other character makes the whole of it "unicode".
GSM_ALPHABET = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    "\f^{}\\[~]|€"
)


# -- payloads ----------------------------------------------------------------------------------


def is_http_url(value: str | None) -> bool:
    """An absolute http or https URL: the only kind of webhook Vonage calls."""
    if not value:
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (reading it checks it: ValueError beyond 65535)
    except ValueError:  # an unbalanced IPv6 bracket, a port out of range
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def sms_type(text: str) -> SmsType:
    """`text` when every character is in the GSM 7-bit alphabet, else `unicode`."""
    return "text" if all(c in GSM_ALPHABET for c in text) else "unicode"


def keyword(text: str) -> str:
    """The first word, upper-cased, as Vonage sends it (`Hello! there` -> `HELLO!`)."""
    words = text.split()
    return words[0].upper() if words else ""


def new_message_id() -> str:
    """16 upper-case hexadecimal digits, the shape of Vonage's ids (`030000000926C4C2`)."""
    return secrets.token_hex(8).upper()


def sms_timestamp(moment: datetime) -> str:
    """`message-timestamp`: UTC, `YYYY-MM-DD HH:MM:SS`, no zone designator."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def event_timestamp(moment: datetime) -> str:
    """A Voice API event's `timestamp`: ISO 8601 in UTC with milliseconds and `Z`."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def inbound_sms_payload(
    *,
    sender: str,
    to: str,
    text: str,
    api_key: str,
    message_id: str,
    now: datetime,
    type: SmsType | None = None,
) -> dict[str, str]:
    """The SMS API's inbound message, with its wire names; `type` is detected unless given.

    Every value is a string, as in Vonage's JSON: the same dictionary serves as query parameters
    (GET) and as the JSON body (POST). Long texts go as one message: the mock does not split them
    into the `concat-*` parts that Vonage sends for a concatenated SMS.
    """
    return {
        "api-key": api_key,
        "msisdn": sender,  # Vonage's name for the sender; `to` is the owned (virtual) number
        "to": to,
        "messageId": message_id,
        "text": text,
        "type": type or sms_type(text),
        "keyword": keyword(text),
        "message-timestamp": sms_timestamp(now),
    }


@dataclass(frozen=True, slots=True)
class CallIds:
    """A call leg's `uuid`, and its conversation's `conversation_uuid` (`CON-` prefixed)."""

    uuid: str
    conversation_uuid: str

    @classmethod
    def new(cls) -> "CallIds":
        return cls(str(uuid.uuid4()), f"CON-{uuid.uuid4()}")


@dataclass(frozen=True, slots=True)
class CallTargets:
    """Where an inbound call to a number is announced; either may be missing."""

    answer_url: str | None
    event_url: str | None


def call_targets(config: NumberConfig) -> CallTargets:
    """The mock's rule for inbound calls: the number's own configuration decides.

    Vonage takes the answer and event URLs of a call from the Voice application the number is
    linked to, which the mock does not hold. So: `voiceCallbackValue` is the answer URL when it
    is an http(s) URL (whatever `voiceCallbackType` says; a `sip:` URI, a phone number or an
    application id never is), and `voiceStatusCallback` is the event URL when it is one.
    """
    answer = config.voice_callback_value
    event = config.voice_status_callback
    return CallTargets(
        answer if is_http_url(answer) else None, event if is_http_url(event) else None
    )


def answer_params(sender: str, to: str, ids: CallIds) -> dict[str, str]:
    """The answer request's query parameters, as the Voice API sends them."""
    return {
        "to": to,
        "from": sender,
        "uuid": ids.uuid,
        "conversation_uuid": ids.conversation_uuid,
    }


def call_event(sender: str, to: str, ids: CallIds, status: str, now: datetime) -> dict[str, str]:
    """A Voice API call event (`started`, `ringing`...), as POSTed in JSON to the event URL."""
    return {
        "from": sender,
        "to": to,
        "uuid": ids.uuid,
        "conversation_uuid": ids.conversation_uuid,
        "status": status,
        "direction": "inbound",
        "timestamp": event_timestamp(now),
    }


# -- sending -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Delivery:
    """One webhook request and what came of it."""

    time: datetime
    method: Method
    url: str
    payload: dict[str, str]
    delivered: bool
    status: int | None
    """The receiver's status, None when it never answered."""
    error: str | None
    """Why it does not count as delivered, None when it does."""
    answer: str | None
    """The start of the receiver's body."""
    duration_ms: float
    refused: str | None = None
    """Why the destination policy refused the address (nothing was sent), None when it did not."""

    def journal_entry(
        self, operation: str, api_key: str | None, params: Mapping[str, str]
    ) -> JournalEntry:
        """The request journal's record of it: the URL as path, the answer or the error."""
        return JournalEntry(
            time=self.time,
            method=self.method,
            path=self.url,
            operation=operation,
            api_key=api_key,
            params=dict(params),
            status=self.status,
            response=self.error if self.error is not None else self.answer,
            duration_ms=self.duration_ms,
        )


class DestinationRefused(Exception):
    """The policy allows none of the addresses of a webhook's host: nothing was sent."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WebhookSender:
    """Sends webhooks with httpx, awaited, giving up after `timeout` seconds in all, only to the
    addresses `policy` allows (simulation.destinations)."""

    def __init__(self, timeout: float, policy: Policy = "private") -> None:
        self.timeout, self.policy = timeout, policy

    async def send(
        self,
        method: Method,
        url: str,
        payload: Mapping[str, str],
        accepts: frozenset[int],
    ) -> Delivery:
        """GET with `payload` as query parameters, or POST it as JSON; never raises."""
        started_at, started = datetime.now(UTC), time.perf_counter()
        status: int | None = None
        answer: str | None = None
        refused: str | None = None
        if not is_http_url(url):
            error: str | None = messages.WEBHOOK_NOT_HTTP
        else:
            try:
                async with asyncio.timeout(self.timeout):
                    status, answer = await self._deliver(method, url, payload)
                error = None if status in accepts else _status_error(status, accepts)
            except DestinationRefused as refusal:
                refused = refusal.reason
                error = messages.WEBHOOK_REFUSED.format(reason=refused)
            except (TimeoutError, httpx.TimeoutException):
                error = messages.WEBHOOK_TIMEOUT.format(seconds=self.timeout)
            except (httpx.ConnectError, socket.gaierror) as failure:
                error = messages.WEBHOOK_CONNECT.format(reason=_reason(failure))
            # InvalidURL is no HTTPError, a host name IDNA refuses raises a ValueError, and so on:
            # whatever a URL provokes, a failed delivery is an outcome to report, never a 500.
            except Exception as failure:
                error = messages.WEBHOOK_FAILED.format(reason=_reason(failure))
        return Delivery(
            time=started_at,
            method=method,
            url=url,
            payload=dict(payload),
            delivered=error is None,
            status=status,
            error=error,
            answer=answer,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            refused=refused,
        )

    async def _deliver(
        self, method: Method, url: str, payload: Mapping[str, str]
    ) -> tuple[int, str]:
        """Resolves the host once, then tries the allowed addresses in turn, as a client tries a
        name's addresses (`localhost` may be ::1 then 127.0.0.1): the first that takes the
        connection gets the request."""
        target = httpx.URL(url)
        port = target.port or (443 if target.scheme == "https" else 80)
        found = await destinations.resolve(target.host, port, self.policy)
        if found.refused is not None:
            raise DestinationRefused(found.refused)
        if not found.allowed:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        # Straight to the receiver: Vonage does not go through the proxies of this machine's
        # environment, and a demo's receiver is usually on localhost or a compose network.
        async with httpx.AsyncClient(
            timeout=self.timeout, trust_env=False, follow_redirects=False
        ) as client:
            for address in found.allowed[:-1]:
                with contextlib.suppress(httpx.ConnectError):
                    return await self._request(client, method, target, address, payload)
            return await self._request(client, method, target, found.allowed[-1], payload)

    async def _request(
        self,
        client: httpx.AsyncClient,
        method: Method,
        target: httpx.URL,
        address: str,
        payload: Mapping[str, str],
    ) -> tuple[int, str]:
        # To the address judged, with the URL's own Host header and TLS server name.
        url = target.copy_with(host=address)
        if method == "GET":
            # Merged into the URL's own query: httpx's `params=` would replace it.
            url = url.copy_merge_params(dict(payload))
        headers = {
            "Host": target.netloc.decode("ascii"),
            "User-Agent": USER_AGENT,
            # The answer is read as sent: a compressed one could expand far past what is kept.
            "Accept-Encoding": "identity",
        }
        sni = {} if _is_address(target.host) else {"sni_hostname": target.host}
        body = dict(payload) if method == "POST" else None
        request = client.build_request(method, url, headers=headers, json=body, extensions=sni)
        response = await client.send(request, stream=True)
        try:
            return response.status_code, await _excerpt(response)
        finally:
            await response.aclose()


async def _excerpt(response: httpx.Response) -> str:
    """The first ANSWER_EXCERPT characters of the answer; no more than they need is read."""
    kept = bytearray()
    async for chunk in response.aiter_raw():
        kept += chunk
        if len(kept) >= ANSWER_BYTES:
            break
    text = bytes(kept[:ANSWER_BYTES]).decode(response.charset_encoding or "utf-8", "replace")
    return text[:ANSWER_EXCERPT]


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _status_error(status: int, accepts: frozenset[int]) -> str:
    expected = " or ".join(str(s) for s in sorted(accepts))
    return messages.WEBHOOK_STATUS.format(status=status, expected=expected)


def _reason(failure: BaseException) -> str:
    """The most telling text of a failure: the OS's words ("Connection refused") when it has any.

    httpx reports a refused connection as "All connection attempts failed"; the socket error it
    wraps says what happened.
    """
    cause: BaseException | None = failure
    while cause is not None:
        # An SSLError is an OSError whose errno is OpenSSL's, not the OS's: its own words.
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"certificate verify failed: {cause.verify_message}"
        if isinstance(cause, ssl.SSLError):
            return cause.reason or str(cause)
        if isinstance(cause, socket.gaierror) and cause.strerror:
            return cause.strerror  # "Name or service not known"
        if isinstance(cause, OSError) and cause.errno and cause.errno > 0:
            return os.strerror(cause.errno)  # asyncio's own text names the address instead
        cause = cause.__cause__ or cause.__context__
    return str(failure) or type(failure).__name__


# -- the moHttpUrl check of POST /number/update ------------------------------------------------


async def verify_mo_http_url(
    sender: WebhookSender,
    journal: Journal,
    url: str,
    api_key: str | None,
    params: Mapping[str, str],
) -> None:
    """GET `url` as Vonage does; WebhookNotVerified (a 420) unless it answers 200 OK, with a
    label naming the refusal when the destination policy forbids the address.

    The probe is journaled whatever its outcome, with the update's parameters.
    """
    probe = await sender.send("GET", url, {}, PROBE_ACCEPTS)
    journal.record(probe.journal_entry(PROBE, api_key, params))
    if probe.refused is not None:
        raise WebhookNotVerified(messages.WEBHOOK_NOT_ALLOWED.format(reason=probe.refused))
    if not probe.delivered:
        raise WebhookNotVerified()
