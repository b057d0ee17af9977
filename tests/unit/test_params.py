"""vonage.queries: the strings clients send, into domain queries or InvalidParameters."""

from collections.abc import Callable
from typing import Any

import pytest

from mock_server.domain import messages
from mock_server.domain.errors import InvalidParameters
from mock_server.domain.inventory import NumberRef, OwnedQuery, SearchQuery
from mock_server.domain.matching import Pattern, SearchPattern
from mock_server.domain.pagination import PageRequest
from mock_server.domain.phone_number import Feature, NumberType
from mock_server.domain.pool import PoolFilter
from mock_server.vonage.queries import (
    number_ref,
    owned_query,
    search_query,
    target_api_key,
    update_changes,
)

REQUIRED, INVALID = messages.FIELD_REQUIRED, messages.FIELD_INVALID
ALL_FEATURES = frozenset({Feature.SMS, Feature.VOICE, Feature.MMS})
GB_REF = {"country": "GB", "msisdn": "447700900123"}


def problems(parse: Callable[[dict[str, str]], Any], params: dict[str, str]) -> dict[str, str]:
    with pytest.raises(InvalidParameters) as caught:
        parse(params)
    assert caught.value.error_code == "400"
    return caught.value.fields


# -- search_query -----------------------------------------------------------------------------


def test_search_defaults() -> None:
    assert search_query({"country": "GB"}) == SearchQuery(
        PoolFilter("GB"), PageRequest(index=1, size=10)
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param(
            {"pattern": "4477"},
            PoolFilter("GB", pattern=Pattern("4477", SearchPattern.STARTS_WITH)),
            id="pattern-alone-starts-with",
        ),
        pytest.param(
            {"pattern": "4477", "search_pattern": "0"},
            PoolFilter("GB", pattern=Pattern("4477", SearchPattern.STARTS_WITH)),
            id="search-pattern-0",
        ),
        pytest.param(
            {"pattern": "900", "search_pattern": "1"},
            PoolFilter("GB", pattern=Pattern("900", SearchPattern.CONTAINS)),
            id="search-pattern-1",
        ),
        pytest.param(
            {"pattern": "123", "search_pattern": "2"},
            PoolFilter("GB", pattern=Pattern("123", SearchPattern.ENDS_WITH)),
            id="search-pattern-2",
        ),
        pytest.param({"search_pattern": "1"}, PoolFilter("GB"), id="search-pattern-alone"),
        pytest.param(
            {"pattern": "*007", "search_pattern": "2"},
            PoolFilter("GB", pattern=Pattern("007", SearchPattern.ENDS_WITH)),
            id="wildcard-nexmo-cli",
        ),
        pytest.param(
            {"pattern": "44*7*1", "search_pattern": "0"},
            PoolFilter("GB", pattern=Pattern("44*7*1", SearchPattern.STARTS_WITH)),
            id="wildcard-interior",
        ),
        pytest.param(
            {"pattern": "*" + "4" * 15 + "*"},
            PoolFilter("GB", pattern=Pattern("4" * 15, SearchPattern.CONTAINS)),
            id="wildcards-around-fifteen-digits",
        ),
        pytest.param({"pattern": "***"}, PoolFilter("GB"), id="wildcard-alone-is-no-filter"),
        pytest.param(
            {"type": "landline"}, PoolFilter("GB", type=NumberType.LANDLINE), id="landline"
        ),
        pytest.param(
            {"type": "mobile-lvn"}, PoolFilter("GB", type=NumberType.MOBILE_LVN), id="mobile-lvn"
        ),
        pytest.param(
            {"type": "landline-toll-free"},
            PoolFilter("GB", type=NumberType.LANDLINE_TOLL_FREE),
            id="toll-free",
        ),
        pytest.param(
            {"features": "SMS"}, PoolFilter("GB", features=frozenset({Feature.SMS})), id="one"
        ),
        pytest.param(
            {"features": "VOICE,SMS"},
            PoolFilter("GB", features=frozenset({Feature.SMS, Feature.VOICE})),
            id="two-features",
        ),
        pytest.param(
            {"features": "SMS,VOICE,MMS"}, PoolFilter("GB", features=ALL_FEATURES), id="python"
        ),
        pytest.param(
            {"features": "SMS,MMS,VOICE"}, PoolFilter("GB", features=ALL_FEATURES), id="node"
        ),
        pytest.param(
            {"features": "MMS,VOICE,SMS"}, PoolFilter("GB", features=ALL_FEATURES), id="any-order"
        ),
        pytest.param(
            {"features": "SMS,SMS"},
            PoolFilter("GB", features=frozenset({Feature.SMS})),
            id="repeated-feature",
        ),
        pytest.param(
            {"country": "US", "type": "mobile-lvn", "features": "SMS", "pattern": "1201"},
            PoolFilter(
                "US",
                type=NumberType.MOBILE_LVN,
                features=frozenset({Feature.SMS}),
                pattern=Pattern("1201"),
            ),
            id="everything",
        ),
    ],
)
def test_search_selection(params: dict[str, str], expected: PoolFilter) -> None:
    assert search_query({"country": "GB", **params}).selection == expected


def test_features_compare_as_a_set() -> None:
    python = search_query({"country": "US", "features": "SMS,VOICE,MMS"})
    node = search_query({"country": "US", "features": "SMS,MMS,VOICE"})
    assert python == node


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({}, PageRequest(1, 10), id="defaults"),
        pytest.param({"size": "100"}, PageRequest(1, 100), id="python-size-100"),
        pytest.param({"size": "1"}, PageRequest(1, 1), id="size-1"),
        pytest.param({"index": "3", "size": "25"}, PageRequest(3, 25), id="index-and-size"),
        pytest.param({"index": "1000000"}, PageRequest(1_000_000, 10), id="far-index"),
        pytest.param({"size": "010"}, PageRequest(1, 10), id="leading-zero"),
    ],
)
def test_search_page(params: dict[str, str], expected: PageRequest) -> None:
    assert search_query({"country": "GB", **params}).page == expected


def test_search_ignores_empty_parameters() -> None:
    empty = dict.fromkeys(("type", "features", "pattern", "search_pattern", "index", "size"), "")
    assert search_query({"country": "GB", **empty}) == search_query({"country": "GB"})


def test_search_ignores_unknown_parameters() -> None:
    params = {"country": "GB", "api_key": "k", "api_secret": "s", "apiKey": "", "foo": "bar"}
    assert search_query(params) == search_query({"country": "GB"})


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"country": "gb"}, "country", id="lowercase-country"),
        pytest.param({"country": "GBR"}, "country", id="three-letter-country"),
        pytest.param({"country": "G"}, "country", id="one-letter-country"),
        pytest.param({"country": "G1"}, "country", id="digit-in-country"),
        pytest.param({"country": "GB\n"}, "country", id="country-trailing-newline"),
        pytest.param({"country": "G\x01"}, "country", id="control-character-country"),
        pytest.param({"size": "0"}, "size", id="size-0"),
        pytest.param({"size": "101"}, "size", id="size-101"),
        pytest.param({"size": "-1"}, "size", id="size-negative"),
        pytest.param({"size": "abc"}, "size", id="size-letters"),
        pytest.param({"size": "1.5"}, "size", id="size-decimal"),
        pytest.param({"size": "9" * 40}, "size", id="size-huge"),
        pytest.param({"size": "10\x00"}, "size", id="size-control-character"),
        pytest.param({"size": "\u0661\u0660"}, "size", id="size-non-ascii-digits"),
        pytest.param({"index": "0"}, "index", id="index-0"),
        pytest.param({"index": "-1"}, "index", id="index-negative"),
        pytest.param({"index": "x"}, "index", id="index-letters"),
        pytest.param({"index": "9" * 40}, "index", id="index-huge"),
        pytest.param({"type": "fax"}, "type", id="unknown-type"),
        pytest.param({"type": "mobile"}, "type", id="almost-a-type"),
        pytest.param({"features": "FAX"}, "features", id="unknown-feature"),
        pytest.param({"features": "SMS,FAX"}, "features", id="one-unknown-feature"),
        pytest.param({"features": "SMS,,VOICE"}, "features", id="empty-feature"),
        pytest.param({"features": "sms"}, "features", id="lowercase-feature"),
        pytest.param({"features": "SMS\x00"}, "features", id="feature-nul"),
        pytest.param({"search_pattern": "3"}, "search_pattern", id="search-pattern-3"),
        pytest.param({"search_pattern": "-1"}, "search_pattern", id="search-pattern-negative"),
        pytest.param({"search_pattern": "x"}, "search_pattern", id="search-pattern-letters"),
        pytest.param({"search_pattern": "1.0"}, "search_pattern", id="search-pattern-decimal"),
        pytest.param({"pattern": "44a"}, "pattern", id="pattern-letters"),
        pytest.param({"pattern": "+44"}, "pattern", id="pattern-plus"),
        pytest.param({"pattern": "4" * 16}, "pattern", id="pattern-too-long"),
        pytest.param({"pattern": "4*" * 16}, "pattern", id="pattern-sixteen-digits-with-stars"),
        pytest.param({"pattern": "44?"}, "pattern", id="pattern-question-mark"),
        pytest.param({"pattern": "44%"}, "pattern", id="pattern-percent"),
        pytest.param({"pattern": "44\n"}, "pattern", id="pattern-trailing-newline"),
        pytest.param({"pattern": "44\x01"}, "pattern", id="pattern-control-character"),
        # The same kinds of values `size` and `index` refuse.
        pytest.param(
            {"search_pattern": "1\x0c"}, "search_pattern", id="search-pattern-control-character"
        ),
        pytest.param(
            {"search_pattern": "\u0661"}, "search_pattern", id="search-pattern-non-ascii-digit"
        ),
        pytest.param(
            {"search_pattern": "0_2"}, "search_pattern", id="search-pattern-digit-separator"
        ),
        pytest.param({"features": "SMS\x1f"}, "features", id="feature-control-character"),
    ],
)
def test_search_invalid_values(params: dict[str, str], field: str) -> None:
    assert problems(search_query, {"country": "GB", "pattern": "44", **params}) == {field: INVALID}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({}, {"country": REQUIRED}, id="missing-country"),
        pytest.param({"country": ""}, {"country": REQUIRED}, id="empty-country"),
        pytest.param(
            {"size": "abc"}, {"country": REQUIRED, "size": INVALID}, id="missing-and-invalid"
        ),
        pytest.param(
            {"country": "gb", "size": "0", "index": "0", "type": "fax", "features": "FAX"},
            {
                "country": INVALID,
                "size": INVALID,
                "index": INVALID,
                "type": INVALID,
                "features": INVALID,
            },
            id="five-invalid-together",
        ),
        pytest.param(
            {"country": "GB", "pattern": "4x", "search_pattern": "9"},
            {"pattern": INVALID, "search_pattern": INVALID},
            id="pattern-and-mode",
        ),
    ],
)
def test_search_reports_every_problem(params: dict[str, str], expected: dict[str, str]) -> None:
    assert problems(search_query, params) == expected


# -- owned_query ------------------------------------------------------------------------------


def test_owned_defaults() -> None:
    assert owned_query({}) == OwnedQuery()
    assert owned_query({}).page == PageRequest(index=1, size=10)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("true", True, id="node-true"),
        pytest.param("True", True, id="python-true"),
        pytest.param("TRUE", True, id="upper-true"),
        pytest.param("tRuE", True, id="mixed-true"),
        pytest.param("false", False, id="node-false"),
        pytest.param("False", False, id="python-false"),
        pytest.param("FALSE", False, id="upper-false"),
        pytest.param("", None, id="empty-ignored"),
    ],
)
def test_owned_has_application_in_any_case(value: str, expected: bool | None) -> None:
    assert owned_query({"has_application": value}).has_application is expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"country": "GB"}, OwnedQuery(country="GB"), id="country"),
        pytest.param(
            {"pattern": "447700"}, OwnedQuery(pattern=Pattern("447700")), id="pattern-default"
        ),
        pytest.param(
            {"pattern": "123", "search_pattern": "2"},
            OwnedQuery(pattern=Pattern("123", SearchPattern.ENDS_WITH)),
            id="ends-with",
        ),
        pytest.param(
            {"application_id": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"},
            OwnedQuery(application_id="aaaaaaaa-bbbb-cccc-dddd-0123456789ab"),
            id="application-id",
        ),
        pytest.param(
            {"index": "2", "size": "100"},
            OwnedQuery(page=PageRequest(index=2, size=100)),
            id="page",
        ),
        pytest.param(
            {"country": "", "pattern": "", "application_id": "", "size": "", "index": ""},
            OwnedQuery(),
            id="empty-parameters-ignored",
        ),
        pytest.param(
            {"api_key": "k", "api_secret": "s", "type": "nonsense", "features": "FAX"},
            OwnedQuery(),
            id="unknown-parameters-ignored",
        ),
    ],
)
def test_owned_query(params: dict[str, str], expected: OwnedQuery) -> None:
    assert owned_query(params) == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"has_application": "yes"}, "has_application", id="boolean-yes"),
        pytest.param({"has_application": "1"}, "has_application", id="boolean-1"),
        pytest.param({"has_application": "true\x00"}, "has_application", id="boolean-nul"),
        pytest.param({"country": "gb"}, "country", id="lowercase-country"),
        pytest.param({"country": "GBR"}, "country", id="three-letter-country"),
        pytest.param({"size": "0"}, "size", id="size-0"),
        pytest.param({"size": "101"}, "size", id="size-101"),
        pytest.param({"index": "0"}, "index", id="index-0"),
        pytest.param({"search_pattern": "3"}, "search_pattern", id="search-pattern-3"),
        pytest.param({"pattern": "44-77"}, "pattern", id="pattern-not-digits"),
    ],
)
def test_owned_invalid_values(params: dict[str, str], field: str) -> None:
    assert problems(owned_query, params) == {field: INVALID}


def test_owned_reports_every_problem() -> None:
    params = {"has_application": "maybe", "country": "uk", "size": "1000"}
    assert problems(owned_query, params) == {
        "has_application": INVALID,
        "country": INVALID,
        "size": INVALID,
    }


# -- number_ref and target_api_key ------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param(GB_REF, NumberRef("GB", "447700900123"), id="uk-mobile"),
        pytest.param(
            {"country": "US", "msisdn": "12015550100"}, NumberRef("US", "12015550100"), id="us"
        ),
        pytest.param(
            {"country": "DE", "msisdn": "491515550000012"},
            NumberRef("DE", "491515550000012"),
            id="fifteen-digits",
        ),
        pytest.param(
            {**GB_REF, "api_key": "k", "target_api_key": "", "foo": "bar"},
            NumberRef("GB", "447700900123"),
            id="other-parameters-ignored",
        ),
    ],
)
def test_number_ref(params: dict[str, str], expected: NumberRef) -> None:
    assert number_ref(params) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"msisdn": "447700900123"}, {"country": REQUIRED}, id="missing-country"),
        pytest.param({"country": "GB"}, {"msisdn": REQUIRED}, id="missing-msisdn"),
        pytest.param({}, {"country": REQUIRED, "msisdn": REQUIRED}, id="missing-both"),
        pytest.param(
            {"country": "", "msisdn": ""}, {"country": REQUIRED, "msisdn": REQUIRED}, id="empty"
        ),
        pytest.param({**GB_REF, "country": "gb"}, {"country": INVALID}, id="lowercase-country"),
        pytest.param({**GB_REF, "country": "GBR"}, {"country": INVALID}, id="country-3-letters"),
        pytest.param(
            {**GB_REF, "msisdn": "+447700900123"}, {"msisdn": INVALID}, id="msisdn-with-plus"
        ),
        pytest.param(
            {**GB_REF, "msisdn": "44 7700 900123"}, {"msisdn": INVALID}, id="msisdn-spaces"
        ),
        pytest.param({**GB_REF, "msisdn": "4477009001x3"}, {"msisdn": INVALID}, id="letter"),
        pytest.param({**GB_REF, "msisdn": "4" * 16}, {"msisdn": INVALID}, id="msisdn-16-digits"),
        pytest.param({**GB_REF, "msisdn": "12345"}, {"msisdn": INVALID}, id="msisdn-5-digits"),
        pytest.param(
            {**GB_REF, "msisdn": "447700900123\n"}, {"msisdn": INVALID}, id="msisdn-newline"
        ),
        pytest.param({**GB_REF, "msisdn": "44770\x00900123"}, {"msisdn": INVALID}, id="msisdn-nul"),
        pytest.param(
            {**GB_REF, "msisdn": "\u0664\u0664\u0667\u0667\u0660\u0660"},
            {"msisdn": INVALID},
            id="msisdn-non-ascii-digits",
        ),
        pytest.param(
            {"country": "gb", "msisdn": "abc"},
            {"country": INVALID, "msisdn": INVALID},
            id="both-invalid",
        ),
        pytest.param(
            {"country": "G\x01", "msisdn": ""},
            {"country": INVALID, "msisdn": REQUIRED},
            id="invalid-and-missing",
        ),
    ],
)
def test_number_ref_problems(params: dict[str, str], expected: dict[str, str]) -> None:
    assert problems(number_ref, params) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"target_api_key": "sub00001"}, "sub00001", id="given"),
        pytest.param({"target_api_key": ""}, None, id="empty-ignored"),
        pytest.param({}, None, id="absent"),
    ],
)
def test_target_api_key(params: dict[str, str], expected: str | None) -> None:
    assert target_api_key(params) == expected


# -- update_changes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({}, {}, id="nothing-to-change"),
        pytest.param(
            {"app_id": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"},
            {"app_id": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"},
            id="app-id",
        ),
        pytest.param(
            {"moHttpUrl": "https://example.com/mo"},
            {"mo_http_url": "https://example.com/mo"},
            id="mo-http-url",
        ),
        pytest.param({"moHttpUrl": ""}, {"mo_http_url": None}, id="empty-mo-http-url-clears"),
        pytest.param({"moSmppSysType": "inbound"}, {"mo_smpp_sys_type": "inbound"}, id="smpp"),
        pytest.param(
            {"voiceCallbackType": "sip", "voiceCallbackValue": "sip:desk@example.com"},
            {"voice_callback_type": "sip", "voice_callback_value": "sip:desk@example.com"},
            id="voice-sip",
        ),
        pytest.param(
            {"voiceCallbackType": "tel", "voiceCallbackValue": "12015550123"},
            {"voice_callback_type": "tel", "voice_callback_value": "12015550123"},
            id="voice-tel",
        ),
        pytest.param({"voiceCallbackType": "app"}, {"voice_callback_type": "app"}, id="voice-app"),
        pytest.param(
            {"voiceCallbackType": "", "voiceCallbackValue": ""},
            {"voice_callback_type": None, "voice_callback_value": None},
            id="voice-cleared",
        ),
        pytest.param(
            {"voiceStatusCallback": "https://example.com/events"},
            {"voice_status_callback": "https://example.com/events"},
            id="status-callback",
        ),
        pytest.param(
            {"messagesCallbackType": "app", "messagesCallbackValue": "x"},
            {"messages_callback_type": "app", "messages_callback_value": "x"},
            id="messages-app",
        ),
        pytest.param({"moHttpUrl": "u" * 2048}, {"mo_http_url": "u" * 2048}, id="longest-value"),
        pytest.param(
            {"api_key": "k", "target_api_key": "sub", "type": "x", "mo_http_url": "snake"},
            {},
            id="unknown-parameters-ignored",
        ),
    ],
)
def test_update_changes(params: dict[str, str], expected: dict[str, str | None]) -> None:
    assert update_changes({**GB_REF, **params}) == (NumberRef("GB", "447700900123"), expected)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"voiceCallbackType": "xyz"}, "voiceCallbackType", id="voice-type-xyz"),
        pytest.param({"voiceCallbackType": "http"}, "voiceCallbackType", id="voice-type-http"),
        pytest.param({"messagesCallbackType": "sip"}, "messagesCallbackType", id="messages-sip"),
        pytest.param({"moHttpUrl": "https://e.com/\x01"}, "moHttpUrl", id="url-control-char"),
        pytest.param({"moHttpUrl": "https://e.com/\x00"}, "moHttpUrl", id="url-nul"),
        pytest.param({"app_id": "abc\x1f"}, "app_id", id="app-id-control-char"),
        pytest.param({"voiceCallbackValue": "a\x0bb"}, "voiceCallbackValue", id="vertical-tab"),
        pytest.param({"moSmppSysType": "\ufffe"}, "moSmppSysType", id="xml-noncharacter"),
        # XML 1.0 cannot carry a lone surrogate either (nor can UTF-8).
        pytest.param({"moHttpUrl": "https://e.com/\ud800"}, "moHttpUrl", id="lone-surrogate"),
        pytest.param({"moHttpUrl": "u" * 2049}, "moHttpUrl", id="too-long"),
        pytest.param({"country": "gb"}, "country", id="lowercase-country"),
        pytest.param({"msisdn": "+447700900123"}, "msisdn", id="msisdn-with-plus"),
    ],
)
def test_update_invalid_values(params: dict[str, str], field: str) -> None:
    assert problems(update_changes, {**GB_REF, **params}) == {field: INVALID}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param(
            {"moHttpUrl": ""}, {"country": REQUIRED, "msisdn": REQUIRED}, id="ref-missing"
        ),
        pytest.param(
            {"msisdn": "447700900123", "voiceCallbackType": "xyz", "moHttpUrl": "\x01"},
            {"country": REQUIRED, "voiceCallbackType": INVALID, "moHttpUrl": INVALID},
            id="several-problems-together",
        ),
    ],
)
def test_update_reports_every_problem(params: dict[str, str], expected: dict[str, str]) -> None:
    assert problems(update_changes, params) == expected


def test_invalid_parameters_message_names_every_field() -> None:
    with pytest.raises(InvalidParameters) as caught:
        number_ref({})
    assert str(caught.value) == f"country: {REQUIRED}; msisdn: {REQUIRED}"
