"""Schemathesis fuzzing of every operation of the vendor's document against a real server.

Each operation gets the examples phase (the document's examples and tests/data/small.json's
numbers), the coverage phase (boundaries, missing fields, wrong types, missing credentials) and
fuzzed cases in positive and negative mode: once asking for JSON, once for XML. Every answer
must be: not a 5xx; a status the contract documents, in a documented content type, with a body
valid against the documented schema (XML read back into the JSON shape, under the root element
the schema names); a 2xx (or the declared 420) for valid data, a 400 or 401 for invalid data.

The contract is `contract.document()`: the vendor's document plus the live API's known
deviations, each declared with its reason in contract.py. Generation is derandomized and the
state is reset before each operation, so a run is the same run every time, in any order.
"""

from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from support import vonage_xml
from support.servers import MockServer

from . import contract

MASTER = {"apiKey": {"api_key": "master01"}, "apiSecret": {"api_key": "MasterSecret0001"}}
# Fuzzed cases per operation (positive and negative together), on top of the examples and
# coverage phases: 280 to 420 requests per operation in JSON, 80 to 200 in XML. Tuned so that
# the whole conformance directory takes 40 s of CPU, 1 to 2.5 minutes on this shared 2-core
# machine; the terminal summary prints the requests actually sent, by test and operation.
JSON_EXAMPLES = 250
XML_EXAMPLES = 80
DOCUMENT = contract.document()


def config(max_examples: int, headers: dict[str, str] | None = None) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": 20240611,
            "headers": headers or {},
            "generation": {
                "mode": "all",
                "max-examples": max_examples,
                "deterministic": True,
                "database": "none",
            },
            "auth": {"openapi": MASTER},
            "checks": {
                # Valid data: success, or the live API's 420 "method failed" when the (valid,
                # generated) number is not for sale, or not the account's (buy, cancel, update).
                "positive_data_acceptance": {"expected-statuses": ["2xx", "420"]},
                # Invalid data: Vonage's 400 naming the field, 401 when the credentials are the
                # invalid part, 413 for a body over the limit. Nothing else.
                "negative_data_rejection": {"expected-statuses": ["400", "401", "413"]},
                # Methods the document does not declare are test_methods.py's subject, checked
                # there once per path rather than once per operation and format here.
                "unsupported_method": {"enabled": False},
                "allow_header_conformance": {"enabled": False},
            },
            "phases": {"coverage": {"unexpected-methods": []}},
        }
    )


JSON_SCHEMA = schemathesis.openapi.from_dict(DOCUMENT, config=config(JSON_EXAMPLES))
XML_SCHEMA = schemathesis.openapi.from_dict(
    DOCUMENT, config=config(XML_EXAMPLES, {"Accept": "text/xml"})
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
Case = schemathesis.Case[Any]


@schemathesis.deserializer("text/xml", "application/xml")
def _vonage_xml(ctx: schemathesis.DeserializationContext, response: schemathesis.Response) -> Any:
    """Vonage's XML in the JSON shape (registered for every schema: other APIs' XML is skipped,
    as schemathesis skips any content type it cannot read)."""
    if ctx.operation.label not in contract.OPERATIONS:
        raise NotImplementedError(ctx.operation.label)
    return vonage_xml.read(response.content)[1]


@schemathesis.check
def xml_root_is_documented(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Case
) -> bool | None:
    """An XML answer is well-formed, declared UTF-8, under the root the schema's `xml.name` says."""
    xml = "xml" in (response.headers.get("content-type") or [""])[0]
    if not xml or case.operation.label not in contract.OPERATIONS:
        return None
    root = vonage_xml.parse(response.content).tag
    expected = contract.documented_xml_root(DOCUMENT, case.operation.label, response.status_code)
    assert root == expected, f"root <{root}>, the schema names <{expected}>"
    return None


def _conforms(case: Case, server: MockServer, session: requests.Session) -> None:
    response = case.call_and_validate(base_url=server.http_url, session=session)
    # The checks skip an answer in a content type they cannot read: make sure none slipped by.
    wanted = "text/xml" if case.headers and case.headers.get("Accept") else "application/json"
    assert response.headers["content-type"][0].startswith(wanted), response.headers


# The state is reset once per operation (fresh_state), not once per example: on purpose.
LENIENT = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@JSON_SCHEMA.parametrize()
@LENIENT
def test_json_answers_conform(
    case: Case, fresh_state: MockServer, counted_session: requests.Session
) -> None:
    _conforms(case, fresh_state, counted_session)


@XML_SCHEMA.parametrize()
@LENIENT
def test_xml_answers_conform(
    case: Case, fresh_state: MockServer, counted_session: requests.Session
) -> None:
    _conforms(case, fresh_state, counted_session)
