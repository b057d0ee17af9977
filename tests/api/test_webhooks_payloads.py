"""The webhook payloads, as pure functions: Vonage's field names, types, keyword, ids and the
rule that picks a number's call URLs. (No app here; the delivery itself is in test_webhooks*.)"""

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from unit.test_domain_is_http_free import imported_web_modules

from mock_server.domain.phone_number import NumberConfig
from mock_server.simulation import webhooks
from mock_server.simulation.webhooks import CallIds, CallTargets

NOW = datetime(2025, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
IDS = CallIds("aaaaaaaa-1111-2222-3333-444444444444", "CON-bbbbbbbb-1111-2222-3333-444444444444")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("hello", "text", id="ascii"),
        pytest.param("Ça coûte 5€ @ {home} ~ [ok] | ^_^ \\o/", "unicode", id="û-not-in-gsm"),
        pytest.param("Ça coute 5€ @ {home} ~ [ok] | ^_^ \\o/", "text", id="gsm-extension"),
        pytest.param("Grüße aus Köln, ¿qué tal? ΔΦΓ £¥§", "text", id="gsm-accents-and-greek"),
        pytest.param("line one\nline two\r\n", "text", id="newlines"),
        pytest.param("héllo", "text", id="é-is-gsm"),
        pytest.param("hèllo ✓", "unicode", id="check-mark"),
        pytest.param("Привет", "unicode", id="cyrillic"),
        pytest.param("see you 🙂", "unicode", id="emoji"),
        pytest.param("tab\there", "unicode", id="tab-is-not-gsm"),
        pytest.param("`backtick`", "unicode", id="backtick-is-not-gsm"),
    ],
)
def test_sms_type_is_text_only_for_the_gsm_alphabet(text: str, expected: str) -> None:
    assert webhooks.sms_type(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Hello! there", "HELLO!", id="punctuation-kept"),
        pytest.param("  stop   now", "STOP", id="leading-spaces"),
        pytest.param("one", "ONE", id="one-word"),
        pytest.param("ünïcode wörds", "ÜNÏCODE", id="unicode-upper"),
        pytest.param("line\nbreak", "LINE", id="newline-separates"),
        pytest.param("   ", "", id="blank"),
    ],
)
def test_keyword_is_the_first_word_upper_cased(text: str, expected: str) -> None:
    assert webhooks.keyword(text) == expected


def test_a_message_id_has_vonages_shape_and_is_new_each_time() -> None:
    ids = {webhooks.new_message_id() for _ in range(50)}

    assert len(ids) == 50
    assert all(re.fullmatch(r"[0-9A-F]{16}", i) for i in ids)


def test_the_inbound_sms_payload_has_exactly_vonages_fields() -> None:
    payload = webhooks.inbound_sms_payload(
        sender="447700900123",
        to="447700900500",
        text="Join the club",
        api_key="master01",
        message_id="030000000926C4C2",
        now=NOW,
    )

    assert payload == {
        "api-key": "master01",
        "msisdn": "447700900123",
        "to": "447700900500",
        "messageId": "030000000926C4C2",
        "text": "Join the club",
        "type": "text",
        "keyword": "JOIN",
        "message-timestamp": "2025-03-04 05:06:07",
    }


def test_the_timestamps_are_utc_whatever_the_clock_zone() -> None:
    paris = NOW.astimezone(timezone(timedelta(hours=1)))

    assert webhooks.sms_timestamp(paris) == "2025-03-04 05:06:07"
    assert webhooks.event_timestamp(paris) == "2025-03-04T05:06:07.890Z"


@pytest.mark.parametrize("given", ["text", "unicode"])
def test_a_given_type_wins_over_detection(given: webhooks.SmsType) -> None:
    payload = webhooks.inbound_sms_payload(
        sender="1", to="2", text="Привет", api_key="k", message_id="m", now=NOW, type=given
    )
    assert payload["type"] == given


def test_answer_parameters_and_event_body_carry_the_voice_api_names() -> None:
    assert webhooks.answer_params("447700900123", "12015550150", IDS) == {
        "to": "12015550150",
        "from": "447700900123",
        "uuid": IDS.uuid,
        "conversation_uuid": IDS.conversation_uuid,
    }
    assert webhooks.call_event("447700900123", "12015550150", IDS, "started", NOW) == {
        "from": "447700900123",
        "to": "12015550150",
        "uuid": IDS.uuid,
        "conversation_uuid": IDS.conversation_uuid,
        "status": "started",
        "direction": "inbound",
        "timestamp": "2025-03-04T05:06:07.890Z",
    }


def test_new_call_ids_look_like_vonages() -> None:
    ids = CallIds.new()
    uuid = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

    assert re.fullmatch(uuid, ids.uuid)
    assert re.fullmatch(f"CON-{uuid}", ids.conversation_uuid)
    assert ids.uuid != ids.conversation_uuid.removeprefix("CON-")


ANSWER = "https://app.example/answer"
EVENT = "http://app.example/event"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        pytest.param(
            NumberConfig(voice_callback_value=ANSWER, voice_status_callback=EVENT),
            CallTargets(ANSWER, EVENT),
            id="both",
        ),
        pytest.param(
            NumberConfig(voice_callback_type="app", voice_callback_value=ANSWER),
            CallTargets(ANSWER, None),
            id="url-value-whatever-the-type",
        ),
        pytest.param(
            NumberConfig(
                voice_callback_type="tel",
                voice_callback_value="12015550123",
                voice_status_callback=EVENT,
            ),
            CallTargets(None, EVENT),
            id="tel-value-is-no-url",
        ),
        pytest.param(
            NumberConfig(voice_callback_type="sip", voice_callback_value="sip:a@example.com"),
            CallTargets(None, None),
            id="sip-uri-is-no-url",
        ),
        pytest.param(
            NumberConfig(voice_callback_type="app", voice_callback_value="aaaaaaaa-bbbb"),
            CallTargets(None, None),
            id="application-id-is-no-url",
        ),
        pytest.param(
            NumberConfig(voice_status_callback="ftp://example.com/x"),
            CallTargets(None, None),
            id="ftp-is-no-webhook",
        ),
        pytest.param(NumberConfig(), CallTargets(None, None), id="nothing-configured"),
    ],
)
def test_call_targets_take_http_urls_from_the_numbers_configuration(
    config: NumberConfig, expected: CallTargets
) -> None:
    assert webhooks.call_targets(config) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("http://localhost:3000/sms", True, id="http"),
        pytest.param("HTTPS://example.com", True, id="https-any-case"),
        pytest.param("http://[::1]:8000/x", True, id="ipv6"),
        pytest.param("example.com/sms", False, id="no-scheme"),
        pytest.param("http://", False, id="no-host"),
        pytest.param("http://[::1/x", False, id="broken-ipv6"),
        pytest.param("http://localhost:99999/", False, id="port-out-of-range"),
        pytest.param("", False, id="empty"),
        pytest.param(None, False, id="none"),
    ],
)
def test_only_absolute_http_urls_are_webhooks(value: str | None, expected: bool) -> None:
    assert webhooks.is_http_url(value) is expected


def test_the_webhooks_module_imports_no_web_framework() -> None:
    # It sends with httpx, a client; building and sending webhooks needs no FastAPI or Starlette.
    assert imported_web_modules("mock_server.simulation.webhooks") == []
