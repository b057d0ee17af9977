"""mock_server.compare.structure: what counts as a structural difference, and what does not."""

import json

import pytest

from mock_server.compare.structure import (
    ABSENT,
    Aspect,
    Captured,
    Difference,
    Syntax,
    differences,
    json_type,
    render_path,
    structure,
)

JSON = "application/json"
XML = "text/xml"


def as_json(body: object, status: int = 200, content_type: str = JSON) -> Captured:
    return Captured(status, content_type, json.dumps(body).encode())


def as_xml(body: str, status: int = 200, content_type: str = XML) -> Captured:
    return Captured(
        status, content_type, b'<?xml version="1.0" encoding="UTF-8"?>\n' + body.encode()
    )


PAGE = {"count": 2, "numbers": [{"msisdn": "447700900001", "cost": "1.25", "features": ["SMS"]}]}
OTHER_VALUES = {
    "count": 917,
    "numbers": [
        {"msisdn": "12015550100", "cost": "0.90", "features": ["VOICE", "SMS", "MMS"]},
        {"msisdn": "12015550101", "cost": "0.95", "features": []},
    ],
}
XML_PAGE = (
    "<inbound-numbers><count>1</count><numbers><msisdn>447700900001</msisdn>"
    "<initial-price>0.00</initial-price><features><feature>SMS</feature></features>"
    '<limitations><limitation feature="SMS" type="INBOUND" reach="DOMESTIC"/></limitations>'
    "</numbers></inbound-numbers>"
)


@pytest.mark.parametrize(
    ("mock", "against", "expected"),
    [
        pytest.param(as_json(PAGE), as_json(PAGE), [], id="identical"),
        pytest.param(as_json(PAGE), as_json(OTHER_VALUES), [], id="values-and-counts-differ"),
        pytest.param(
            as_json(PAGE), as_json(PAGE, content_type="application/json;charset=UTF-8"), [],
            id="charset-parameter-ignored",
        ),
        pytest.param(
            as_json({"count": 0, "numbers": []}), as_json({"count": 0}),
            [Difference(Aspect.KEY, "$.numbers", "array", ABSENT)],
            id="key-missing-reported-once-not-per-child",
        ),
        pytest.param(
            as_json(PAGE), as_json({"count": 0, "numbers": []}), [],
            id="empty-list-has-no-item-shape-to-compare",
        ),
        pytest.param(
            as_json({"count": 1}), as_json({"count": "1"}),
            [Difference(Aspect.TYPE, "$.count", "integer", "string")],
            id="json-type",
        ),
        pytest.param(
            as_json({"count": 1}), as_json({"count": 1.0}),
            [Difference(Aspect.TYPE, "$.count", "integer", "number")],
            id="integer-is-not-any-number",
        ),
        pytest.param(
            as_json(PAGE),
            as_json({"count": 2, "numbers": [{"msisdn": "1", "cost": 1.25, "features": ["SMS"],
                                              "initialPrice": "0.00"}]}),
            [
                Difference(Aspect.TYPE, "$.numbers[].cost", "string", "number"),
                Difference(Aspect.KEY, "$.numbers[].initialPrice", ABSENT, "string"),
            ],
            id="keys-and-types-inside-list-items",
        ),
        pytest.param(
            as_json({"error-code": "401", "error-code-label": "authentication failed"}, 401),
            as_json({"error-code": "401", "error-code-label": "Bad Credentials"}, 401),
            [Difference(Aspect.LABEL, "$.error-code-label", "authentication failed",
                        "Bad Credentials")],
            id="error-label",
        ),
        pytest.param(
            as_json({"error-code": "420", "error-code-label": "method failed"}, 420),
            as_json({"error-code": "420", "error-code-label": "method failed"}, 200),
            [Difference(Aspect.STATUS, "", "420", "200")],
            id="status",
        ),
        pytest.param(
            as_json(PAGE), as_json(PAGE, content_type="application/vnd.api+json"),
            [Difference(Aspect.CONTENT_TYPE, "", JSON, "application/vnd.api+json")],
            id="content-type-same-syntax-still-compared",
        ),
        pytest.param(
            as_json(PAGE), Captured(200, "text/html", b"<html>maintenance</html>"),
            [
                Difference(Aspect.CONTENT_TYPE, "", JSON, "text/html"),
                Difference(Aspect.BODY, "", Syntax.JSON, Syntax.OTHER),
            ],
            id="not-json-or-xml",
        ),
        pytest.param(
            as_json(PAGE), Captured(200, JSON, b"{not json"),
            [Difference(Aspect.BODY, "", Syntax.JSON, Syntax.BAD_JSON)],
            id="broken-json",
        ),
        pytest.param(
            as_json(PAGE, 500), Captured(500, JSON, b""),
            [Difference(Aspect.BODY, "", Syntax.JSON, Syntax.EMPTY)],
            id="empty-body",
        ),
        pytest.param(as_xml(XML_PAGE), as_xml(XML_PAGE), [], id="xml-identical"),
        pytest.param(
            as_xml(XML_PAGE), as_xml(XML_PAGE.replace("initial-price", "initialPrice")),
            [
                Difference(Aspect.ELEMENT, "/inbound-numbers/numbers/initial-price", "element",
                           ABSENT),
                Difference(Aspect.ELEMENT, "/inbound-numbers/numbers/initialPrice", ABSENT,
                           "element"),
            ],
            id="xml-element-names",
        ),
        pytest.param(
            as_xml(XML_PAGE), as_xml(XML_PAGE.replace(' reach="DOMESTIC"', "")),
            [Difference(Aspect.ELEMENT, "/inbound-numbers/numbers/limitations/limitation/@reach",
                        "attribute", ABSENT)],
            id="xml-attribute",
        ),
        pytest.param(
            as_xml("<inbound-numbers><count>0</count></inbound-numbers>"),
            as_xml("<response><count>0</count></response>"),
            [
                Difference(Aspect.ELEMENT, "/inbound-numbers", "element", ABSENT),
                Difference(Aspect.ELEMENT, "/response", ABSENT, "element"),
            ],
            id="xml-root-reported-once-not-per-child",
        ),
        pytest.param(
            as_xml("<response><error-code>401</error-code>"
                   "<error-code-label>authentication failed</error-code-label></response>", 401),
            as_xml("<response><error-code>401</error-code>"
                   "<error-code-label>Bad Credentials</error-code-label></response>", 401),
            [Difference(Aspect.LABEL, "/response/error-code-label", "authentication failed",
                        "Bad Credentials")],
            id="xml-error-label",
        ),
        pytest.param(
            as_xml("<response><count>1</count></response>"),
            as_xml("<response><count>1</count></response>", content_type="application/xml"),
            [Difference(Aspect.CONTENT_TYPE, "", XML, "application/xml")],
            id="xml-media-type",
        ),
        pytest.param(
            as_xml("<response><count>1</count></response>"), Captured(200, XML, b"<response>"),
            [Difference(Aspect.BODY, "", Syntax.XML, Syntax.BAD_XML)],
            id="broken-xml",
        ),
        pytest.param(
            as_json({"error-code": "401"}, 401), as_xml("<response/>", 401),
            [
                Difference(Aspect.CONTENT_TYPE, "", JSON, XML),
                Difference(Aspect.BODY, "", Syntax.JSON, Syntax.XML),
            ],
            id="json-against-xml",
        ),
    ],
)  # fmt: skip
def test_differences(mock: Captured, against: Captured, expected: list[Difference]) -> None:
    assert differences(mock, against) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, "null", id="null"),
        pytest.param(True, "boolean", id="boolean-before-integer"),
        pytest.param(3, "integer", id="integer"),
        pytest.param(3.5, "number", id="number"),
        pytest.param("3", "string", id="string"),
        pytest.param([], "array", id="array"),
        pytest.param({}, "object", id="object"),
    ],
)
def test_json_type(value: object, expected: str) -> None:
    assert json_type(value) == expected


def test_mixed_item_types_are_listed_together() -> None:
    found = structure(as_json({"values": [1, "1", None]}))
    assert found.shape[("values", "[]")] == {"integer", "string", "null"}
    mock = as_json({"values": [1, "1", None]})
    assert differences(mock, as_json({"values": [1]})) == [
        Difference(Aspect.TYPE, "$.values[]", "integer or null or string", "integer")
    ]


@pytest.mark.parametrize(
    ("path", "syntax", "expected"),
    [
        pytest.param((), Syntax.JSON, "$", id="json-root"),
        pytest.param(("numbers", "[]", "features", "[]"), Syntax.JSON, "$.numbers[].features[]",
                     id="json-lists"),
        pytest.param(("response", "error-code"), Syntax.XML, "/response/error-code", id="xml"),
    ],
)  # fmt: skip
def test_render_path(path: tuple[str, ...], syntax: Syntax, expected: str) -> None:
    assert render_path(path, syntax) == expected
