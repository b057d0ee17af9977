"""Hostile parameter values, in process: paging, matching, filters, numbers and countries that
are wrong, huge, or badly encoded. Every one is a Vonage 400 naming the field (JSON, or XML when
asked), and leaves the state exactly as it was."""

import pytest
from fastapi.testclient import TestClient
from support.refusals import (
    BUY,
    CANCEL,
    FOR_SALE,
    INVALID,
    LIST,
    OWNED,
    POSTS,
    REQUIRED,
    SEARCH,
    UPDATE,
    raw_asgi,
    refusal,
    unchanged,
    vonage,
)

from mock_server.domain import messages

FORMATS = [pytest.param(False, id="json"), pytest.param(True, id="xml")]

BAD_PAGING = (
    "0",
    "-1",
    "-0",
    "+1",
    " 1",
    "1 ",
    "1.0",
    "1e3",
    "0x10",
    "1_0",
    "NaN",
    "\uff11",  # FULLWIDTH DIGIT ONE
    "\u0663",  # ARABIC-INDIC DIGIT THREE
    "1000000001",  # one past the largest index
    "99999999999999999999999999999999",
    "9" * 5000,
)
BAD_SEARCH_PATTERNS = ("3", "-1", "9", "starts", "0.0", "0" * 13, "\uff10", "1,2")
BAD_TYPES = ("mobile", "LANDLINE", "landline ", "toll-free", "mobile-lvn,landline", "*")
BAD_FEATURES = ("FAX", "sms", "SMS,,VOICE", "SMS;VOICE", ",", "SMS,", "VOICE SMS", "SMS|MMS")
BAD_COUNTRIES = (
    "gb",
    "Gb",
    "gB",
    "GBR",
    "G",
    "G1",
    "12",
    "\u011eB",
    "GB\x00",
    "\U0001d406\U0001d401",
)
# `*` is a wildcard (README, Behaviour), so "44*" is not among them; "*" beside 16 digits is.
BAD_PATTERNS = (
    "+44",
    "44#",
    "4?4",
    "4 4",
    "abc",
    "4477%",
    "*+44",
    "1" * 16,
    "*" + "1" * 16 + "*",
    "1" * 10 * 1024,
    "*" * 10 * 1024 + "x",
)
BAD_MSISDNS = (
    "44770090000a",
    "+447700900001",
    "00447700900001",
    "0447700900001",
    "4477009000011234",  # 16 digits
    "1" * 64,
    "44770",
    "\uff14\uff14\uff17\uff17\uff10\uff10\uff19\uff10\uff10\uff10\uff10\uff11",
    "447700900001\n",
    " 447700900001",
    "447700900001;447700900002",
    "447700900001,447700900002",
)


@pytest.fixture(params=FORMATS)
def xml(request: pytest.FixtureRequest) -> bool:
    value: bool = request.param
    return value


def _cases(field: str, values: tuple[str, ...], paths: tuple[str, ...]) -> list[object]:
    return [
        pytest.param(path, value, id=f"{path}-{field}={value[:24]!r}")
        for path in paths
        for value in values
    ]


def _base(path: str) -> dict[str, str]:
    """Valid values of the other required fields of the operation."""
    if path == SEARCH:
        return {"country": "GB"}
    if path in POSTS:
        return {"country": "GB", "msisdn": OWNED if path != BUY else FOR_SALE}
    return {}


@pytest.mark.parametrize(("path", "value"), _cases("index/size", BAD_PAGING, (LIST, SEARCH)))
@pytest.mark.parametrize("field", ["index", "size"])
def test_bad_paging(client: TestClient, xml: bool, path: str, value: str, field: str) -> None:
    with unchanged(client):
        answer = vonage(client, path, {**_base(path), field: value}, xml)
        assert refusal(answer, path, 400, xml) == {field: INVALID}


@pytest.mark.parametrize("path", [LIST, SEARCH])
@pytest.mark.parametrize(("field", "value"), [("size", "101"), ("size", "1000000")])
def test_a_page_over_100(client: TestClient, xml: bool, path: str, field: str, value: str) -> None:
    with unchanged(client):
        answer = vonage(client, path, {**_base(path), field: value}, xml)
        assert refusal(answer, path, 400, xml) == {field: INVALID}


@pytest.mark.parametrize(
    ("path", "value"), _cases("search_pattern", BAD_SEARCH_PATTERNS, (LIST, SEARCH))
)
def test_unknown_search_pattern(client: TestClient, xml: bool, path: str, value: str) -> None:
    with unchanged(client):
        params = {**_base(path), "pattern": "447700", "search_pattern": value}
        assert refusal(vonage(client, path, params, xml), path, 400, xml) == {
            "search_pattern": INVALID
        }


@pytest.mark.parametrize(("path", "value"), _cases("type", BAD_TYPES, (SEARCH,)))
def test_unknown_type(client: TestClient, xml: bool, path: str, value: str) -> None:
    with unchanged(client):
        answer = vonage(client, path, {**_base(path), "type": value}, xml)
        assert refusal(answer, path, 400, xml) == {"type": INVALID}


@pytest.mark.parametrize(("path", "value"), _cases("features", BAD_FEATURES, (SEARCH,)))
def test_unknown_features(client: TestClient, xml: bool, path: str, value: str) -> None:
    with unchanged(client):
        answer = vonage(client, path, {**_base(path), "features": value}, xml)
        assert refusal(answer, path, 400, xml) == {"features": INVALID}


@pytest.mark.parametrize(
    ("path", "value"), _cases("country", BAD_COUNTRIES, (LIST, SEARCH, *POSTS))
)
def test_lowercase_three_letter_and_odd_countries(
    client: TestClient, xml: bool, path: str, value: str
) -> None:
    with unchanged(client):
        answer = vonage(client, path, {**_base(path), "country": value}, xml)
        assert refusal(answer, path, 400, xml) == {"country": INVALID}


@pytest.mark.parametrize("path", [SEARCH, *POSTS])
def test_a_missing_country(client: TestClient, xml: bool, path: str) -> None:
    params = {k: v for k, v in _base(path).items() if k != "country"}
    with unchanged(client):
        answer = vonage(client, path, params, xml)
        assert refusal(answer, path, 400, xml) == {"country": REQUIRED}


@pytest.mark.parametrize(("path", "value"), _cases("pattern", BAD_PATTERNS, (LIST, SEARCH)))
def test_non_digit_and_huge_patterns(client: TestClient, xml: bool, path: str, value: str) -> None:
    with unchanged(client):
        answer = vonage(client, path, {**_base(path), "pattern": value}, xml)
        assert refusal(answer, path, 400, xml) == {"pattern": INVALID}


@pytest.mark.parametrize(("path", "value"), _cases("msisdn", BAD_MSISDNS, POSTS))
def test_non_digit_and_over_long_msisdns(
    client: TestClient, xml: bool, path: str, value: str
) -> None:
    with unchanged(client):
        answer = vonage(client, path, {**_base(path), "msisdn": value}, xml)
        assert refusal(answer, path, 400, xml) == {"msisdn": INVALID}


@pytest.mark.parametrize("path", POSTS)
def test_msisdns_in_the_query_string_too(client: TestClient, xml: bool, path: str) -> None:
    """The Vonage CLI posts its parameters in the query string: the same rules apply there."""
    with unchanged(client):
        answer = client.post(
            path,
            params={"country": "GB", "msisdn": "+447700900001"},
            auth=("master01", "MasterSecret0001"),
            headers={"Accept": "text/xml"} if xml else {},
        )
        assert refusal(answer, path, 400, xml) == {"msisdn": INVALID}


# -- encodings ----------------------------------------------------------------------------------

BAD_PERCENT = [
    pytest.param("country=%ZZ", {"country": INVALID}, id="%ZZ"),
    pytest.param("country=G%", {"country": INVALID}, id="trailing %"),
    pytest.param("country=%4", {"country": INVALID}, id="%4"),
    pytest.param("country=GB&size=%G1", {"size": INVALID}, id="%G1"),
    pytest.param("country=GB&pattern=%%34%34", {"pattern": INVALID}, id="%%34"),
    pytest.param("country=GB&index=%00", {"index": INVALID}, id="%00"),
]
BAD_UTF8 = [
    pytest.param("country=%FF%FE", {"country": INVALID}, id="FF FE"),
    pytest.param("country=%C3%28", {"country": INVALID}, id="bad continuation"),
    pytest.param("country=%C0%C7", {"country": INVALID}, id="overlong"),
    pytest.param("country=%ED%A0%80B", {"country": INVALID}, id="surrogate"),
    pytest.param("country=GB&pattern=%F0%9F%98", {"pattern": INVALID}, id="truncated"),
]


@pytest.mark.parametrize(("query", "expected"), BAD_PERCENT + BAD_UTF8)
def test_invalid_percent_encoding_and_utf8_in_the_query(
    client: TestClient, xml: bool, query: str, expected: dict[str, str]
) -> None:
    with unchanged(client):
        answer = vonage(client, f"{SEARCH}?{query}", None, xml)
        assert refusal(answer, SEARCH, 400, xml) == expected


def test_invalid_utf8_in_a_credential_is_a_401(client: TestClient, xml: bool) -> None:
    with unchanged(client):
        answer = vonage(
            client, f"{LIST}?api_key=master01&api_secret=%FF%FEMasterSecret", None, xml, auth=None
        )
        refusal(answer, LIST, 401, xml)


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(b"country=\xff\xfe", id="FF FE"),
        pytest.param(b"country=G\xc3\x28", id="bad continuation"),
        pytest.param(b"country=\xed\xa0\x80B", id="surrogate"),
    ],
)
def test_raw_bytes_that_are_not_utf8_in_the_query(client: TestClient, query: bytes) -> None:
    """ASGI hands the query over as bytes; a server that does not refuse them first reaches
    the app. (Both parsers the mock runs on, h11 and httptools, refuse them: test_transport.py;
    other ASGI servers may pass them on.)"""
    with unchanged(client):
        answer = raw_asgi(client, "GET", SEARCH, query)
        assert refusal(answer, SEARCH, 400) == {"country": INVALID}


# -- huge ---------------------------------------------------------------------------------------

MEGABYTE = 1024 * 1024


TOO_LARGE = {"error-code": "413", "error-code-label": messages.PAYLOAD_TOO_LARGE}


@pytest.mark.parametrize("path", [LIST, SEARCH])
def test_a_1_mb_query_string(client: TestClient, path: str) -> None:
    """Beyond httpx's limit of 64 KiB per URL component: sent as raw ASGI. Over the size limit."""
    query = b"country=GB&pattern=" + b"4" * MEGABYTE
    with unchanged(client):
        assert refusal(raw_asgi(client, "GET", path, query), path, 413) == TOO_LARGE


@pytest.mark.parametrize("path", POSTS)
def test_a_1_mb_msisdn_in_the_query_of_a_post(client: TestClient, path: str) -> None:
    query = b"country=GB&msisdn=" + b"4" * MEGABYTE
    with unchanged(client):
        assert refusal(raw_asgi(client, "POST", path, query), path, 413) == TOO_LARGE


def test_a_10_kb_pattern_in_xml(client: TestClient) -> None:
    with unchanged(client):
        answer = vonage(client, SEARCH, {"country": "GB", "pattern": "4" * 10240}, xml=True)
        assert refusal(answer, SEARCH, 400, xml=True) == {"pattern": INVALID}


@pytest.mark.parametrize("path", [CANCEL, UPDATE])
def test_every_field_at_fault_is_named(client: TestClient, xml: bool, path: str) -> None:
    with unchanged(client):
        answer = vonage(client, path, {"country": "gbr", "msisdn": "+44"}, xml)
        assert refusal(answer, path, 400, xml) == {"country": INVALID, "msisdn": INVALID}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("country=gb&country=GB", {"country": INVALID}, id="country"),
        pytest.param("country=GB&size=1000&size=10", {"size": INVALID}, id="size"),
        pytest.param("country=GB&index=0&index=1", {"index": INVALID}, id="index"),
        pytest.param("country=GB&type=fax&type=landline", {"type": INVALID}, id="type"),
    ],
)
def test_a_second_value_in_the_query_cannot_rescue_the_first(
    client: TestClient, xml: bool, query: str, expected: dict[str, str]
) -> None:
    """A name given twice: the first value counts (README), however good the second."""
    with unchanged(client):
        answer = vonage(client, f"{SEARCH}?{query}", None, xml)
        assert refusal(answer, SEARCH, 400, xml) == expected
