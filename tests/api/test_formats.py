"""JSON or XML by Accept, errors included; XML names and empty-list shape as settings."""

from collections.abc import Callable
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from support.accounts import MASTER

from mock_server.domain import messages


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        pytest.param(None, "application/json", id="none"),
        pytest.param("*/*", "application/json", id="any"),
        pytest.param("application/json", "application/json", id="json"),
        pytest.param("text/xml", "text/xml", id="text-xml"),
        pytest.param("application/xml", "application/xml", id="application-xml"),
        pytest.param("application/xml, */*;q=0.8", "application/xml", id="xml-preferred"),
        pytest.param("text/xml;q=0.5, application/json", "application/json", id="json-preferred"),
        pytest.param("text/xml, application/json", "application/json", id="tie-is-json"),
        pytest.param("image/png", "application/json", id="unsupported"),
    ],
)
def test_content_negotiation(client: TestClient, accept: str | None, media_type: str) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/number/search", params={"country": "US"}, auth=MASTER, headers=headers)
    assert response.headers["content-type"].split(";")[0] == media_type


def xml_get(client: TestClient, path: str, **params: str) -> ET.Element:
    response = client.get(path, params=params, auth=MASTER, headers={"Accept": "text/xml"})
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


def test_search_xml_has_vonage_shape(client: TestClient) -> None:
    root = xml_get(client, "/number/search", country="US", size="2")
    assert root.tag == "inbound-numbers"
    assert root.findtext("count") == "5"
    numbers = root.findall("numbers")
    assert [n.findtext("msisdn") for n in numbers] == ["12015550100", "12015550101"]
    assert [f.text for f in numbers[0].findall("features/feature")] == ["VOICE", "SMS", "MMS"]
    assert numbers[0].findtext("initial-price") == "0.00"
    limitation = numbers[0].find("limitations/limitation")
    assert limitation is not None
    assert limitation.attrib == {"feature": "MMS", "type": "OUTBOUND", "reach": "INTERNATIONAL"}


def test_owned_xml_uses_kebab_case_names(client: TestClient) -> None:
    root = xml_get(client, "/account/numbers", pattern="447700900500")
    number = root.find("numbers")
    assert number is not None
    assert number.findtext("mo-http-url") == "https://example.com/webhooks/inbound-sms"
    assert number.findtext("app-id") == "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"


def test_camel_case_xml_names_as_a_setting(make_client: Callable[..., TestClient]) -> None:
    client = make_client(xml_names="camel")
    number = xml_get(client, "/account/numbers", pattern="447700900500").find("numbers")
    assert number is not None
    assert number.findtext("moHttpUrl") == "https://example.com/webhooks/inbound-sms"


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "root", "status", "code_label"),
    [
        pytest.param(
            "POST",
            "/number/buy",
            {"data": {"country": "GB", "msisdn": "447700900006"}},
            "response",
            200,
            ("200", messages.SUCCESS),
            id="buy-ok",
        ),
        pytest.param(
            "POST",
            "/number/buy",
            {"data": {"country": "GB", "msisdn": "447799999998"}},
            "response",
            420,
            ("420", messages.METHOD_FAILED),
            id="buy-420",
        ),
        pytest.param(
            "GET",
            "/account/numbers",
            {"auth": ("nobody", "x")},
            "inbound-numbers",
            401,
            ("401", messages.AUTHENTICATION_FAILED),
            id="list-401",
        ),
        pytest.param(
            "POST",
            "/number/cancel",
            {"auth": ("nobody", "x")},
            "response",
            401,
            ("401", messages.AUTHENTICATION_FAILED),
            id="cancel-401",
        ),
    ],
)
def test_statuses_and_errors_in_xml(
    client: TestClient,
    method: str,
    path: str,
    kwargs: dict,
    root: str,
    status: int,
    code_label: tuple[str, str],
) -> None:
    response = client.request(
        method, path, headers={"Accept": "text/xml"}, **({"auth": MASTER} | kwargs)
    )
    assert response.status_code == status
    element = ET.fromstring(response.content)
    assert element.tag == root
    assert (element.findtext("error-code"), element.findtext("error-code-label")) == code_label


def test_400_fields_in_xml(client: TestClient) -> None:
    response = client.post("/number/buy", data={}, auth=MASTER, headers={"Accept": "text/xml"})
    element = ET.fromstring(response.content)
    assert (element.tag, element.findtext("country")) == ("response", messages.FIELD_REQUIRED)


def test_xml_stays_well_formed_with_markup_in_stored_values(client: TestClient) -> None:
    url = 'https://example.com/in?a=1&b=<2>&c="3"'
    client.post(
        "/number/update",
        auth=MASTER,
        data={"country": "GB", "msisdn": "447700900500", "moHttpUrl": url},
    )
    number = xml_get(client, "/account/numbers", pattern="447700900500").find("numbers")
    assert number is not None
    assert number.findtext("mo-http-url") == url


def test_empty_numbers_shape_is_a_setting(make_client: Callable[..., TestClient]) -> None:
    params = {"country": "FR"}
    default = make_client().get("/account/numbers", params=params, auth=MASTER).json()
    omitted = (
        make_client(empty_numbers="omit").get("/account/numbers", params=params, auth=MASTER).json()
    )
    assert default == {"count": 0, "numbers": []}
    assert omitted == {"count": 0}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        pytest.param("/account/numbers", {"country": "FR"}, id="list"),
        pytest.param("/number/search", {"country": "GB", "pattern": "999999"}, id="search"),
    ],
)
def test_the_empty_setting_answers_nothing_when_nothing_matches(
    make_client: Callable[..., TestClient], path: str, params: dict[str, str]
) -> None:
    client = make_client(empty_numbers="empty")
    response = client.get(path, params=params, auth=MASTER)
    assert (response.status_code, response.content) == (200, b"{}")
    xml = client.get(path, params=params, auth=MASTER, headers={"Accept": "text/xml"})
    assert xml.status_code == 200
    assert xml.text.endswith("<inbound-numbers></inbound-numbers>")
    # Something to list is listed as ever; a page past the end keeps its count.
    assert client.get(path, params={"country": "GB"}, auth=MASTER).json()["count"] > 0
    past = client.get(path, params={"country": "GB", "index": "1000"}, auth=MASTER).json()
    assert set(past) == {"count"}
    assert past["count"] > 0
