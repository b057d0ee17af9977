"""mock_server.vonage.rendering: content negotiation and the JSON / XML wire shapes."""

import json
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from mock_server.domain import messages
from mock_server.domain.errors import (
    AddressRequired,
    AuthenticationFailed,
    InvalidParameters,
    MethodFailed,
    RateLimited,
    VonageError,
)
from mock_server.domain.operations import Operation
from mock_server.domain.pagination import Page
from mock_server.domain.phone_number import (
    AvailableNumber,
    Feature,
    Limitation,
    NumberAttributes,
    NumberConfig,
    NumberType,
    OwnedNumber,
)
from mock_server.vonage.rendering import (
    APPLICATION_XML,
    JSON,
    NEGOTIATED_JSON,
    TEXT_XML,
    XML_DECLARATION,
    Format,
    Negotiated,
    Renderer,
    available_wire,
    negotiate,
    owned_wire,
)

XML_TEXT = Negotiated(Format.XML, TEXT_XML)
APP = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"

GB_MOBILE = NumberAttributes(
    "GB", NumberType.MOBILE_LVN, frozenset({Feature.SMS, Feature.VOICE}), Decimal("1.25")
)
US_ALL = NumberAttributes(
    "US",
    NumberType.LANDLINE,
    frozenset({Feature.MMS, Feature.SMS, Feature.VOICE}),
    Decimal("1"),
    Decimal("0.5"),
    (Limitation("MMS", "OUTBOUND", "INTERNATIONAL"), Limitation("SMS", "INBOUND", "DOMESTIC")),
)
CONFIGURED = OwnedNumber(
    "447700900000",
    GB_MOBILE,
    NumberConfig(
        app_id=APP,
        mo_http_url="https://example.com/mo",
        voice_callback_type="app",
        voice_callback_value=APP,
        messages_callback_type="app",
        messages_callback_value=APP,
    ),
)
PLAIN = OwnedNumber("447700900001", GB_MOBILE)


# -- negotiation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        pytest.param(None, (Format.JSON, JSON), id="absent"),
        pytest.param("", (Format.JSON, JSON), id="empty"),
        pytest.param("*/*", (Format.JSON, JSON), id="anything"),
        pytest.param("application/json", (Format.JSON, JSON), id="json"),
        pytest.param("application/*", (Format.JSON, JSON), id="application-wildcard"),
        pytest.param("text/html", (Format.JSON, JSON), id="unrelated-type"),
        pytest.param("text/xml", (Format.XML, TEXT_XML), id="text-xml"),
        pytest.param("application/xml", (Format.XML, APPLICATION_XML), id="application-xml"),
        pytest.param("TEXT/XML", (Format.XML, TEXT_XML), id="case-insensitive"),
        pytest.param("text/xml; charset=utf-8", (Format.XML, TEXT_XML), id="with-parameter"),
        pytest.param("text/*", (Format.XML, TEXT_XML), id="text-wildcard"),
        pytest.param("text/xml, application/json", (Format.JSON, JSON), id="tie-goes-to-json"),
        pytest.param("application/json, text/xml", (Format.JSON, JSON), id="tie-either-order"),
        pytest.param("text/xml, */*", (Format.JSON, JSON), id="tie-with-wildcard"),
        pytest.param(
            "application/xml, */*;q=0.8", (Format.XML, APPLICATION_XML), id="xml-above-wildcard"
        ),
        pytest.param(
            "text/xml;q=0.5, application/json", (Format.JSON, JSON), id="xml-ranked-lower"
        ),
        pytest.param(
            "application/json;q=0.4, text/xml;q=0.5", (Format.XML, TEXT_XML), id="xml-ranked-higher"
        ),
        pytest.param(
            "application/xml;q=0.9, text/xml", (Format.XML, TEXT_XML), id="best-xml-type-wins"
        ),
        pytest.param(
            "text/xml ; Q=0.9 , application/json ; q=0.1",
            (Format.XML, TEXT_XML),
            id="spaces-and-uppercase-q",
        ),
        pytest.param("text/xml;q=abc", (Format.JSON, JSON), id="garbage-q-alone"),
        pytest.param("text/xml;q=abc, application/json;q=0.1", (Format.JSON, JSON), id="garbage-q"),
        pytest.param("text/xml;q=", (Format.JSON, JSON), id="empty-q"),
        pytest.param("text/xml;q=0", (Format.JSON, JSON), id="xml-refused"),
        pytest.param("application/json;q=0, text/xml", (Format.XML, TEXT_XML), id="json-refused"),
        pytest.param(",,;", (Format.JSON, JSON), id="garbage-header"),
    ],
)
def test_negotiate(accept: str | None, expected: tuple[Format, str]) -> None:
    negotiated = negotiate(accept)
    assert (negotiated.format, negotiated.media_type) == expected


# -- XML --------------------------------------------------------------------------------------


def xml_of(body: bytes | memoryview) -> ET.Element:
    data = bytes(body)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(data)


def children(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def render_owned(items: list[OwnedNumber], renderer: Renderer | None = None) -> ET.Element:
    response = (renderer or Renderer()).page(Page(len(items), items), owned_wire, XML_TEXT)
    assert response.headers["content-type"].startswith(TEXT_XML)
    return xml_of(response.body)


def test_xml_list_has_the_documented_shape() -> None:
    root = render_owned([CONFIGURED, PLAIN])
    assert root.tag == "inbound-numbers"
    assert root.findtext("count") == "2"
    numbers = root.findall("numbers")
    assert len(numbers) == 2
    assert [n.findtext("msisdn") for n in numbers] == ["447700900000", "447700900001"]
    first = numbers[0]
    assert first.findtext("country") == "GB"
    assert first.findtext("type") == "mobile-lvn"
    assert [f.text for f in first.iterfind("features/feature")] == ["VOICE", "SMS"]
    assert first.findtext("mo-http-url") == "https://example.com/mo"
    assert first.findtext("voice-callback-type") == "app"
    assert first.findtext("voice-callback-value") == APP
    assert first.findtext("messages-callback-type") == "app"
    assert first.findtext("messages-callback-value") == APP
    assert first.findtext("app-id") == APP
    # An unconfigured number carries no empty configuration elements.
    assert children(numbers[1]) == ["country", "msisdn", "type", "features"]


def test_xml_features_element_appears_once_with_a_feature_each() -> None:
    root = render_owned([OwnedNumber("12015550100", US_ALL)])
    [number] = root.findall("numbers")
    [features] = number.findall("features")
    assert [f.tag for f in features] == ["feature"] * 3
    assert [f.text for f in features] == ["VOICE", "SMS", "MMS"]


def test_xml_camel_case_names_by_setting() -> None:
    root = render_owned([CONFIGURED], Renderer(xml_names="camel"))
    [number] = root.findall("numbers")
    assert number.findtext("moHttpUrl") == "https://example.com/mo"
    assert number.findtext("voiceCallbackType") == "app"
    assert number.findtext("messagesCallbackValue") == APP
    assert number.find("mo-http-url") is None
    assert [f.text for f in number.iterfind("features/feature")] == ["VOICE", "SMS"]


@pytest.mark.parametrize(
    ("xml_names", "expected"),
    [
        pytest.param("kebab", "initial-price", id="kebab"),
        pytest.param("camel", "initialPrice", id="camel"),
    ],
)
def test_xml_search_names(xml_names: Any, expected: str) -> None:
    numbers = [AvailableNumber("12015550100", US_ALL)]
    response = Renderer(xml_names=xml_names).page(Page(8353, numbers), available_wire, XML_TEXT)
    root = xml_of(response.body)
    assert root.tag == "inbound-numbers"
    assert root.findtext("count") == "8353"
    [number] = root.findall("numbers")
    assert number.findtext(expected) == "0.50"
    assert number.findtext("cost") == "1.00"


def test_xml_limitations_are_attributes() -> None:
    root = render_owned([OwnedNumber("12015550100", US_ALL)])
    limitations = root.findall("numbers/limitations/limitation")
    assert [lim.attrib for lim in limitations] == [
        {"feature": "MMS", "type": "OUTBOUND", "reach": "INTERNATIONAL"},
        {"feature": "SMS", "type": "INBOUND", "reach": "DOMESTIC"},
    ]
    assert all(lim.text is None and len(lim) == 0 for lim in limitations)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("https://e.com/?a=1&b=<2>", "https://e.com/?a=1&b=<2>", id="markup"),
        pytest.param("\"quoted\" 'single'", "\"quoted\" 'single'", id="quotes"),
        pytest.param("]]>", "]]>", id="cdata-end"),
        pytest.param("https://e.com/\x01", "https://e.com/\ufffd", id="control-character"),
        pytest.param("a\x00b\x1fc", "a\ufffdb\ufffdc", id="nul-and-unit-separator"),
        pytest.param("x\ufffey", "x\ufffdy", id="noncharacter"),
        pytest.param("a\ud800b", "a\ufffdb", id="lone-surrogate"),
        pytest.param("naïve ☎ 電話", "naïve ☎ 電話", id="unicode"),
    ],
)
def test_xml_stays_well_formed_whatever_the_values(value: str, expected: str) -> None:
    number = OwnedNumber("447700900000", GB_MOBILE, NumberConfig(mo_http_url=value, app_id=value))
    root = render_owned([number])
    assert root.findtext("numbers/mo-http-url") == expected
    assert root.findtext("numbers/app-id") == expected


def test_xml_status_response() -> None:
    response = Renderer().success(XML_TEXT)
    root = xml_of(response.body)
    assert root.tag == "response"
    assert children(root) == ["error-code", "error-code-label"]
    assert root.findtext("error-code") == "200"
    assert root.findtext("error-code-label") == messages.SUCCESS


@pytest.mark.parametrize(
    ("operation", "root_tag"),
    [
        pytest.param(Operation.LIST, "inbound-numbers", id="list"),
        pytest.param(Operation.SEARCH, "inbound-numbers", id="search"),
        pytest.param(Operation.BUY, "response", id="buy"),
        pytest.param(Operation.CANCEL, "response", id="cancel"),
        pytest.param(Operation.UPDATE, "response", id="update"),
        pytest.param(None, "response", id="no-operation"),
    ],
)
def test_xml_error_roots(operation: Operation | None, root_tag: str) -> None:
    response = Renderer().error(AuthenticationFailed(), operation, XML_TEXT, 401)
    assert response.status_code == 401
    root = xml_of(response.body)
    assert root.tag == root_tag
    assert root.findtext("error-code") == "401"
    assert root.findtext("error-code-label") == messages.AUTHENTICATION_FAILED


def test_xml_empty_page() -> None:
    root = render_owned([])
    assert root.findtext("count") == "0"
    assert root.findall("numbers") == []


# -- JSON -------------------------------------------------------------------------------------


def json_of(response: Any) -> Any:
    assert response.headers["content-type"] == JSON
    return json.loads(response.body)


@pytest.mark.parametrize(
    ("error", "status", "expected"),
    [
        pytest.param(
            AuthenticationFailed(),
            401,
            {"error-code": "401", "error-code-label": messages.AUTHENTICATION_FAILED},
            id="401",
        ),
        pytest.param(
            MethodFailed(),
            420,
            {"error-code": "420", "error-code-label": messages.METHOD_FAILED},
            id="420",
        ),
        pytest.param(
            AddressRequired(),
            420,
            {"error-code": "420", "error-code-label": messages.ADDRESS_REQUIRED},
            id="420-address",
        ),
        pytest.param(
            MethodFailed(),
            200,
            {"error-code": "420", "error-code-label": messages.METHOD_FAILED},
            id="420-as-200",
        ),
        pytest.param(
            RateLimited(),
            429,
            {"error-code": "429", "error-code-label": messages.RATE_LIMITED},
            id="429",
        ),
        pytest.param(
            InvalidParameters({"country": messages.FIELD_REQUIRED}),
            400,
            {"country": messages.FIELD_REQUIRED},
            id="400-field-body",
        ),
        pytest.param(
            InvalidParameters({"size": messages.FIELD_INVALID, "index": messages.FIELD_INVALID}),
            400,
            {"size": messages.FIELD_INVALID, "index": messages.FIELD_INVALID},
            id="400-several-fields",
        ),
    ],
)
def test_json_errors(error: VonageError, status: int, expected: dict[str, str]) -> None:
    response = Renderer().error(error, Operation.BUY, NEGOTIATED_JSON, status)
    assert response.status_code == status
    body = json_of(response)
    assert body == expected
    if "error-code" in body:
        assert isinstance(body["error-code"], str)


def test_json_success() -> None:
    assert json_of(Renderer().success(NEGOTIATED_JSON)) == {
        "error-code": "200",
        "error-code-label": messages.SUCCESS,
    }


def test_json_error_keeps_headers() -> None:
    response = Renderer().error(
        RateLimited(), Operation.LIST, NEGOTIATED_JSON, 429, {"Retry-After": "1"}
    )
    assert response.headers["retry-after"] == "1"


def test_json_search_types() -> None:
    page = Page(8353, [AvailableNumber("12015550100", US_ALL)])
    body = json_of(Renderer().page(page, available_wire, NEGOTIATED_JSON))
    assert body == {
        "count": 8353,
        "numbers": [
            {
                "country": "US",
                "msisdn": "12015550100",
                "type": "landline",
                "features": ["VOICE", "SMS", "MMS"],
                "limitations": [
                    {"feature": "MMS", "type": "OUTBOUND", "reach": "INTERNATIONAL"},
                    {"feature": "SMS", "type": "INBOUND", "reach": "DOMESTIC"},
                ],
                "cost": "1.00",
                "initialPrice": "0.50",
            }
        ],
    }


def test_json_owned_names_and_no_nulls() -> None:
    body = json_of(Renderer().page(Page(2, [CONFIGURED, PLAIN]), owned_wire, NEGOTIATED_JSON))
    assert body["count"] == 2
    assert body["numbers"][0] == {
        "country": "GB",
        "msisdn": "447700900000",
        "type": "mobile-lvn",
        "features": ["VOICE", "SMS"],
        "moHttpUrl": "https://example.com/mo",
        "voiceCallbackType": "app",
        "voiceCallbackValue": APP,
        "messagesCallbackType": "app",
        "messagesCallbackValue": APP,
        "app_id": APP,
    }
    assert body["numbers"][1] == {
        "country": "GB",
        "msisdn": "447700900001",
        "type": "mobile-lvn",
        "features": ["VOICE", "SMS"],
    }


def test_json_renders_a_value_utf_8_cannot_carry() -> None:
    # Fixture files may hold "\ud800" escapes (json.loads and pydantic accept them).
    number = OwnedNumber("447700900000", GB_MOBILE, NumberConfig(mo_http_url="a\ud800b"))
    response = Renderer().page(Page(1, [number]), owned_wire, NEGOTIATED_JSON)
    body = json.loads(bytes(response.body).decode("utf-8"))
    assert body["count"] == 1
    assert body["numbers"][0]["msisdn"] == "447700900000"


def test_json_keeps_unicode_and_markup() -> None:
    number = OwnedNumber("447700900000", GB_MOBILE, NumberConfig(mo_http_url="https://é/?a=<&>"))
    body = json_of(Renderer().page(Page(1, [number]), owned_wire, NEGOTIATED_JSON))
    assert body["numbers"][0]["moHttpUrl"] == "https://é/?a=<&>"


@pytest.mark.parametrize(
    ("renderer", "items", "expected"),
    [
        pytest.param(Renderer(), [], {"count": 0, "numbers": []}, id="default-keeps-empty-list"),
        pytest.param(Renderer(empty_numbers="list"), [], {"count": 0, "numbers": []}, id="list"),
        pytest.param(Renderer(empty_numbers="omit"), [], {"count": 0}, id="omit-on-empty"),
        pytest.param(
            Renderer(empty_numbers="omit"),
            [PLAIN],
            {"count": 1, "numbers": [owned_wire(PLAIN)]},
            id="omit-keeps-non-empty",
        ),
        pytest.param(Renderer(empty_numbers="empty"), [], {}, id="empty-is-an-empty-object"),
        pytest.param(
            Renderer(empty_numbers="empty"),
            [PLAIN],
            {"count": 1, "numbers": [owned_wire(PLAIN)]},
            id="empty-keeps-non-empty",
        ),
    ],
)
def test_empty_numbers(renderer: Renderer, items: list[OwnedNumber], expected: Any) -> None:
    assert json_of(renderer.page(Page(len(items), items), owned_wire, NEGOTIATED_JSON)) == expected


def test_empty_page_past_the_end_still_counts() -> None:
    body = json_of(Renderer().page(Page(25, []), owned_wire, NEGOTIATED_JSON))
    assert body == {"count": 25, "numbers": []}


def test_application_xml_is_answered_as_application_xml() -> None:
    response = Renderer().success(negotiate("application/xml"))
    assert response.headers["content-type"].startswith(APPLICATION_XML)
    assert xml_of(response.body).tag == "response"


def test_empty_setting_in_xml_is_an_empty_root_element() -> None:
    response = Renderer(empty_numbers="empty").page(Page(0, []), owned_wire, XML_TEXT)
    assert bytes(response.body) == XML_DECLARATION + b"<inbound-numbers></inbound-numbers>"


def test_empty_setting_keeps_the_count_of_a_page_past_the_end() -> None:
    response = Renderer(empty_numbers="empty").page(Page(25, []), owned_wire, NEGOTIATED_JSON)
    assert json_of(response) == {"count": 25}
