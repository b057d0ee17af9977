"""Hostile bodies on the three POSTs, in process: malformed and truncated forms, bodies that are
not UTF-8, JSON and multipart where a form is expected, and parameters given twice. Every one is
a clear Vonage 4xx (JSON, or XML when asked) and leaves the state exactly as it was."""

import json

import httpx
import pytest
from fastapi.testclient import TestClient
from support.accounts import MASTER, SUB
from support.refusals import (
    BUY,
    CANCEL,
    FOR_SALE,
    FORM,
    INVALID,
    OWNED,
    POSTS,
    REQUIRED,
    UPDATE,
    XML,
    basic,
    refusal,
    unchanged,
)

FORMATS = [pytest.param(False, id="json"), pytest.param(True, id="xml")]
BOTH_REQUIRED = {"country": REQUIRED, "msisdn": REQUIRED}


def post(client: TestClient, path: str, body: bytes, xml: bool, **headers: str) -> httpx.Response:
    headers = {"content-type": FORM, **(XML if xml else {}), **headers}
    answer: httpx.Response = client.post(path, content=body, headers=headers, auth=MASTER)
    return answer


MALFORMED = [
    pytest.param(b"country=GB&msisdn", {"msisdn": REQUIRED}, id="name without ="),
    pytest.param(b"country", BOTH_REQUIRED, id="one bare name"),
    pytest.param(b"&&&==&=GB&=", BOTH_REQUIRED, id="empty names"),
    pytest.param(b"=", BOTH_REQUIRED, id="="),
    pytest.param(
        b"country=GB;msisdn=447700900001",
        {"country": INVALID, "msisdn": REQUIRED},
        id="; separator",
    ),
    pytest.param(b"country=GB&msisdn=447700900001%", {"msisdn": INVALID}, id="trailing %"),
    pytest.param(b"country=GB&msisdn=44770090%2", {"msisdn": INVALID}, id="cut %2"),
    pytest.param(b"country=GB&msisdn=%ZZ447700900001", {"msisdn": INVALID}, id="%ZZ"),
    pytest.param(b"country=GB%00&msisdn=447700900001", {"country": INVALID}, id="%00"),
    pytest.param(b"country=G", {"country": INVALID, "msisdn": REQUIRED}, id="cut in a value"),
    pytest.param(b"coun", BOTH_REQUIRED, id="cut in a name"),
    pytest.param(
        b"\xef\xbb\xbfcountry=GB&msisdn=447700900001", {"country": REQUIRED}, id="UTF-8 BOM"
    ),
    pytest.param(b"country=GB&msisdn=447700900001\r\n", {"msisdn": INVALID}, id="CRLF at end"),
    pytest.param(b"country[]=GB&msisdn[]=447700900001", BOTH_REQUIRED, id="array names"),
    # Well-formed after all (60000 empty pairs), for a number of another account: 420.
    pytest.param(b"country=GB&msisdn=447700900700" + b"&" * 60000, None, id="60000 &"),
]


@pytest.mark.parametrize("xml", FORMATS)
@pytest.mark.parametrize("path", POSTS)
@pytest.mark.parametrize(("body", "expected"), MALFORMED)
def test_malformed_forms(
    client: TestClient, xml: bool, path: str, body: bytes, expected: dict[str, str] | None
) -> None:
    with unchanged(client):
        answer = post(client, path, body, xml)
        if expected is None:
            refusal(answer, path, 420, xml)
        else:
            assert refusal(answer, path, 400, xml) == expected


@pytest.mark.parametrize("xml", FORMATS)
@pytest.mark.parametrize("path", POSTS)
def test_a_truncated_msisdn_is_a_number_nobody_has(
    client: TestClient, xml: bool, path: str
) -> None:
    """Cut short but still well-formed: 4477009 is a possible number, not for sale, not owned."""
    with unchanged(client):
        refusal(post(client, path, b"country=GB&msisdn=4477009", xml), path, 420, xml)


NOT_UTF8 = [
    pytest.param(b"country=GB&msisdn=\xff\xfe", id="raw FF FE"),
    pytest.param(b"country=GB&msisdn=%FF%FE", id="encoded FF FE"),
    pytest.param(b"country=GB&msisdn=%C0%AF", id="overlong"),
    pytest.param(b"country=GB&msisdn=%ED%A0%80", id="surrogate"),
    pytest.param(b"country=GB&msisdn=447700900001&app_id=%E2%82", id="cut in a character"),
    pytest.param("country=GB&msisdn=447700900001&app_id=\xe9".encode("latin-1"), id="latin-1"),
]


@pytest.mark.parametrize("xml", FORMATS)
@pytest.mark.parametrize("path", POSTS)
@pytest.mark.parametrize("body", NOT_UTF8)
def test_bodies_that_are_not_utf8(client: TestClient, xml: bool, path: str, body: bytes) -> None:
    with unchanged(client):
        assert refusal(post(client, path, body, xml), path, 400, xml) == {"body": INVALID}


@pytest.mark.parametrize("xml", FORMATS)
@pytest.mark.parametrize("path", POSTS)
@pytest.mark.parametrize(
    "content_type",
    ["application/json", "text/plain", "application/xml", "application/octet-stream"],
)
def test_a_body_that_is_not_a_form_is_not_read(
    client: TestClient, xml: bool, path: str, content_type: str
) -> None:
    """JSON (or any other type) where Vonage takes a form: its fields count for nothing."""
    form = {"country": "GB", "msisdn": OWNED if path != BUY else FOR_SALE}
    bodies = [json.dumps(form).encode(), "&".join(f"{k}={v}" for k, v in form.items()).encode()]
    for body in bodies:
        with unchanged(client):
            answer = post(client, path, body, xml, **{"content-type": content_type})
            assert refusal(answer, path, 400, xml) == BOTH_REQUIRED


@pytest.mark.parametrize("xml", FORMATS)
@pytest.mark.parametrize("path", POSTS)
def test_credentials_in_a_json_body_are_not_credentials(
    client: TestClient, xml: bool, path: str
) -> None:
    body = {"api_key": MASTER[0], "api_secret": MASTER[1], "country": "GB", "msisdn": FOR_SALE}
    with unchanged(client):
        answer = client.post(path, json=body, headers=XML if xml else {})
        refusal(answer, path, 401, xml)


@pytest.mark.parametrize("xml", FORMATS)
@pytest.mark.parametrize("path", POSTS)
def test_multipart_bodies(client: TestClient, xml: bool, path: str) -> None:
    fields = {"country": (None, "GB"), "msisdn": (None, OWNED if path != BUY else FOR_SALE)}
    with unchanged(client):
        answer = client.post(path, files=fields, auth=MASTER, headers=XML if xml else {})
        assert answer.request.headers["content-type"].startswith("multipart/form-data")
        assert refusal(answer, path, 400, xml) == BOTH_REQUIRED
    with unchanged(client):  # a broken one: boundary announced, never used
        answer = post(
            client,
            path,
            b"--nope\r\ncountry=GB",
            xml,
            **{"content-type": "multipart/form-data; boundary=elsewhere"},
        )
        assert refusal(answer, path, 400, xml) == BOTH_REQUIRED


# -- parameters given twice: the first value counts (README), so a second cannot rescue or smuggle


DUPLICATES = [
    pytest.param(
        BUY,
        f"country=gb&country=GB&msisdn={FOR_SALE}",
        {"country": INVALID},
        id="buy: bad country, then good",
    ),
    pytest.param(
        BUY,
        f"country=GB&msisdn=abc&msisdn={FOR_SALE}",
        {"msisdn": INVALID},
        id="buy: bad msisdn, then good",
    ),
    pytest.param(
        BUY,
        f"country=GB&msisdn=&msisdn={FOR_SALE}",
        {"msisdn": REQUIRED},
        id="buy: empty msisdn, then good",
    ),
    pytest.param(
        CANCEL,
        f"country=GB&msisdn=+{OWNED}&msisdn={OWNED}",
        {"msisdn": INVALID},
        id="cancel: bad msisdn, then good",
    ),
    pytest.param(
        UPDATE,
        f"country=GB&msisdn={OWNED}&moHttpUrl=%0D%0A&moHttpUrl=https://ok",
        {"moHttpUrl": INVALID},
        id="update: CRLF url, then good",
    ),
    pytest.param(
        UPDATE,
        f"country=GB&msisdn={OWNED}&voiceCallbackType=ftp&voiceCallbackType=sip",
        {"voiceCallbackType": INVALID},
        id="update: bad type, then good",
    ),
]


@pytest.mark.parametrize("xml", FORMATS)
@pytest.mark.parametrize(("path", "form", "expected"), DUPLICATES)
def test_a_second_value_cannot_rescue_the_first(
    client: TestClient, xml: bool, path: str, form: str, expected: dict[str, str]
) -> None:
    with unchanged(client):
        answer = post(client, path, form.encode(), xml)
        assert refusal(answer, path, 400, xml) == expected


@pytest.mark.parametrize("xml", FORMATS)
@pytest.mark.parametrize("path", POSTS)
def test_the_query_string_comes_before_the_body(client: TestClient, xml: bool, path: str) -> None:
    good = OWNED if path != BUY else FOR_SALE
    with unchanged(client):
        answer = client.post(
            path,
            params={"msisdn": f"+{good}"},
            data={"country": "GB", "msisdn": good},
            auth=MASTER,
            headers=XML if xml else {},
        )
        assert refusal(answer, path, 400, xml) == {"msisdn": INVALID}


@pytest.mark.parametrize("xml", FORMATS)
@pytest.mark.parametrize("path", POSTS)
def test_a_second_secret_cannot_rescue_the_first(client: TestClient, xml: bool, path: str) -> None:
    good = OWNED if path != BUY else FOR_SALE
    form = {"country": "GB", "msisdn": good}
    accept = XML if xml else {}
    with unchanged(client):
        twice_in_query = f"{path}?api_key={MASTER[0]}&api_secret=wrong&api_secret={MASTER[1]}"
        refusal(client.post(twice_in_query, data=form, headers=accept), path, 401, xml)
        query_then_form = client.post(
            f"{path}?api_key={MASTER[0]}&api_secret=wrong",
            data={**form, "api_secret": MASTER[1]},
            headers=accept,
        )
        refusal(query_then_form, path, 401, xml)
        # The Basic header wins over parameters: a wrong one is not rescued by the query.
        header_then_query = client.post(
            f"{path}?api_key={MASTER[0]}&api_secret={MASTER[1]}",
            data=form,
            headers={**accept, "Authorization": basic(MASTER[0], "wrong")},
        )
        refusal(header_then_query, path, 401, xml)


@pytest.mark.parametrize("xml", FORMATS)
def test_a_second_target_api_key_cannot_redirect_a_purchase(client: TestClient, xml: bool) -> None:
    """A stranger's key, then master01's own subaccount's: the first counts, and the stranger is
    not master01's subaccount (420), whatever comes after it."""
    form = f"country=GB&msisdn={FOR_SALE}&target_api_key=stranger&target_api_key={SUB[0]}"
    with unchanged(client):
        refusal(post(client, BUY, form.encode(), xml), BUY, 420, xml)
