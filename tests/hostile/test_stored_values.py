"""Values the mock stores and echoes back: the update fields, and whatever a state document put
there. Header injection (CR/LF) and characters XML cannot carry are refused with a Vonage 400,
never echoed raw, the state untouched; characters XML must escape are kept and echoed in
well-formed XML; a state document's values, whatever they are, never break an answer."""

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support import vonage_xml
from support.accounts import MASTER
from support.data import IN_PROCESS_URL, SMALL, make_settings
from support.refusals import INVALID, LIST, OWNED, UPDATE, XML, refusal, state, unchanged, vonage

from mock_server.serving.app import create_app
from mock_server.state.document import FixtureError

FORMATS = [pytest.param(False, id="json"), pytest.param(True, id="xml")]
FREE_TEXT = (
    "app_id",
    "moHttpUrl",
    "moSmppSysType",
    "voiceCallbackValue",
    "voiceStatusCallback",
    "messagesCallbackValue",
)
INJECTIONS = [
    pytest.param("https://example.com/mo\r\nSet-Cookie: session=stolen", id="CRLF Set-Cookie"),
    pytest.param("https://example.com/mo\nLocation: https://evil.example", id="LF Location"),
    pytest.param("https://example.com/mo\rX-Injected: 1", id="CR header"),
    pytest.param("\r\n\r\n<html>smuggled</html>", id="CRLFCRLF body"),
]
UNCARRIABLE = [
    pytest.param("a\x00b", id="NUL"),
    pytest.param("a\x1b[31mred", id="ESC"),
    pytest.param("a\x0bb", id="VT"),
    pytest.param("a\x7fb", id="DEL"),
    pytest.param("a\ufffeb", id="U+FFFE"),
    pytest.param("a\uffffb", id="U+FFFF"),
    pytest.param("a\tb", id="TAB"),
    pytest.param("x" * 2049, id="2049 characters"),
    pytest.param("x" * 10240, id="10 KB"),
]


def _update(client: TestClient, xml: bool, **fields: str) -> Any:
    return vonage(client, UPDATE, {"country": "GB", "msisdn": OWNED, **fields}, xml)


@pytest.mark.parametrize("xml", FORMATS)
@pytest.mark.parametrize("field", FREE_TEXT)
@pytest.mark.parametrize("value", INJECTIONS)
def test_header_injection_is_refused_and_never_echoed(
    client: TestClient, xml: bool, field: str, value: str
) -> None:
    with unchanged(client):
        answer = _update(client, xml, **{field: value})
        assert refusal(answer, UPDATE, 400, xml) == {field: INVALID}
        assert b"\r" not in answer.content
        assert b"\n" not in answer.content.removeprefix(b'<?xml version="1.0" encoding="UTF-8"?>\n')
        assert not {"set-cookie", "location", "x-injected"} & {h.lower() for h in answer.headers}
        assert b"smuggled" not in answer.content
        assert b"evil" not in answer.content


@pytest.mark.parametrize("xml", FORMATS)
@pytest.mark.parametrize("value", INJECTIONS[:3])
def test_header_injection_in_the_query_string_of_a_post(
    client: TestClient, xml: bool, value: str
) -> None:
    """The Vonage CLI's way: every parameter in the query string, the body empty."""
    with unchanged(client):
        answer = client.post(
            UPDATE,
            params={"country": "GB", "msisdn": OWNED, "moHttpUrl": value},
            auth=MASTER,
            headers=XML if xml else {},
        )
        assert refusal(answer, UPDATE, 400, xml) == {"moHttpUrl": INVALID}
        assert b"\r" not in answer.content


@pytest.mark.parametrize("xml", FORMATS)
@pytest.mark.parametrize("field", FREE_TEXT)
@pytest.mark.parametrize("value", UNCARRIABLE)
def test_what_xml_cannot_carry_is_refused(
    client: TestClient, xml: bool, field: str, value: str
) -> None:
    with unchanged(client):
        answer = _update(client, xml, **{field: value})
        assert refusal(answer, UPDATE, 400, xml) == {field: INVALID}


@pytest.mark.parametrize("xml", FORMATS)
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("voiceCallbackType", "ftp"),
        ("voiceCallbackType", "SIP"),
        ("voiceCallbackType", "sip\r\n"),
        ("messagesCallbackType", "sip"),
        ("messagesCallbackType", "app "),
    ],
)
def test_unknown_callback_types(client: TestClient, xml: bool, field: str, value: str) -> None:
    with unchanged(client):
        assert refusal(_update(client, xml, **{field: value}), UPDATE, 400, xml) == {field: INVALID}


def test_a_refused_update_changes_no_field_at_all(client: TestClient) -> None:
    """One bad field among good ones: the good ones are not applied either."""
    with unchanged(client):
        answer = _update(
            client,
            False,
            app_id="cccccccc-dddd-eeee-ffff-0123456789ab",
            moHttpUrl="https://example.com/ok",
            voiceCallbackValue="sip:bad\r\nX: y@example.com",
        )
        assert refusal(answer, UPDATE, 400) == {"voiceCallbackValue": INVALID}


# -- characters XML must escape: kept, and echoed in well-formed XML -----------------------------

MARKUP = "https://example.com/in?a=1&b=<2>&c=]]>&d=\"'&e=&amp;&f=\U0001f600\u2028"


def _listed(client: TestClient, xml: bool) -> dict[str, Any]:
    answer = vonage(client, LIST, {"pattern": OWNED}, xml)
    assert answer.status_code == 200
    if xml:
        _, body = vonage_xml.read(answer.content)  # parses: well-formed, or it raises
    else:
        body = json.loads(answer.content)
    (number,) = body["numbers"]
    return dict(number)


@pytest.mark.parametrize("xml", FORMATS)
def test_markup_characters_are_kept_and_escaped(client: TestClient, xml: bool) -> None:
    before = state(client)
    fields = {name: MARKUP for name in FREE_TEXT}
    assert (
        vonage(client, UPDATE, {"country": "GB", "msisdn": OWNED, **fields}, xml).status_code == 200
    )
    listed = _listed(client, xml)
    for name in ("app_id", "moHttpUrl", "voiceCallbackValue", "messagesCallbackValue"):
        assert listed[name] == MARKUP
    # The change is exactly the update: nothing else moved.
    expected = copy.deepcopy(before)
    (entry,) = [e for e in expected["owned"] if e["msisdn"] == OWNED]
    entry.update(fields)
    assert state(client) == expected


# -- values from a state document -------------------------------------------------------------

NASTY = "a\x00b\x01c\x0bd\x1be\x7ff\ufffeg\uffffh\r\ni\tj<k&l>m]]>n\"o'p\U0001f600"


def _put_state(client: TestClient, document: dict[str, Any]) -> Any:
    body = json.dumps(document).encode()
    return client.put("/_mock/state", content=body, headers={"content-type": "application/json"})


def _with_values(document: dict[str, Any], value: str) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    (entry,) = [e for e in changed["owned"] if e["msisdn"] == OWNED]
    for name in FREE_TEXT:
        entry[name] = value
    changed["accounts"][0]["name"] = value
    return changed


def _every_answer_is_sound(client: TestClient) -> None:
    """The list in JSON and XML, and the state document itself, still answer, and parse."""
    for xml in (False, True):
        listed = _listed(client, xml)
        assert set(FREE_TEXT) - {"moSmppSysType", "voiceStatusCallback"} <= set(listed)
        raw = vonage(client, LIST, None, xml).content
        if xml:
            vonage_xml.parse(raw)
            assert b"\x00" not in raw
        else:
            json.loads(raw)
    exported = client.get("/_mock/state")
    assert exported.status_code == 200, exported.text
    json.loads(exported.content)


VALUES = [
    pytest.param(NASTY, id="controls, noncharacters, CRLF, markup"),
    pytest.param("\ud800x\udfff", id="lone surrogates"),
]


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("state_file", [False, True], ids=["in memory", "with --state-file"])
def test_a_state_document_cannot_break_an_answer(
    tmp_path: Path, value: str, state_file: bool
) -> None:
    """PUT /_mock/state may refuse such values (a 400 problem, the state unchanged) or keep
    them; kept, they must not break the JSON, the XML or the state document's export."""
    extra = {"state_file": tmp_path / "state.json"} if state_file else {}
    app = create_app(make_settings(tmp_path, **extra))
    # Server errors as answers, as a client sees them, so that what follows one can be checked.
    with TestClient(app, raise_server_exceptions=False, base_url=IN_PROCESS_URL) as client:
        before = state(client)
        answer = _put_state(client, _with_values(before, value))
        if answer.status_code != 200:
            after = client.get("/_mock/state")
            assert (answer.status_code, after.status_code) == (400, 200), (
                f"PUT answered {answer.status_code} {answer.text}; "
                f"GET /_mock/state then answered {after.status_code} {after.text}"
            )
            assert answer.headers["content-type"] == "application/problem+json"
            assert after.json() == before
        else:
            _every_answer_is_sound(client)


@pytest.mark.parametrize("value", VALUES)
def test_a_fixture_file_cannot_break_an_answer(
    make_client: Callable[..., TestClient], tmp_path: Path, value: str
) -> None:
    """The same values in the fixture file the server starts with: served soundly, or refused
    at load naming the field (lone surrogates, which UTF-8 cannot carry)."""
    document = json.loads(SMALL.read_text(encoding="utf-8"))
    fixtures = tmp_path / "nasty.json"
    fixtures.write_text(json.dumps(_with_values(document, value)), encoding="utf-8")
    if re.search("[\ud800-\udfff]", value):
        with pytest.raises(FixtureError, match="lone surrogate"):
            make_client(fixtures=fixtures)
        return
    _every_answer_is_sound(make_client(fixtures=fixtures))


def test_a_hostile_state_document_is_refused_whole(client: TestClient) -> None:
    before = state(client)
    document = _with_values(before, "https://example.com/ok")
    document["owned"][-1]["country"] = "gb"
    for body in (
        json.dumps(document).encode(),
        json.dumps(document).encode()[:-10],
        json.dumps(before).encode().replace(b'"GB"', b'"\xff\xfe"', 1),
    ):
        answer = client.put(
            "/_mock/state", content=body, headers={"content-type": "application/json"}
        )
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert b"Traceback" not in answer.content
        assert state(client) == before
