"""Kept answers are never stale: writes, resets, state imports, settings, faults, rate limits
and the journal, interleaved with reads served from the answer cache."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.accounts import MASTER, SUB

from mock_server.domain import messages

GB = {"country": "GB", "size": 100}
XML = {"Accept": "text/xml"}


def search(client: TestClient, params: dict[str, Any] = GB, **kwargs: Any) -> Any:
    return client.get("/number/search", params=params, auth=MASTER, **kwargs)


def msisdns(response: Any) -> list[str]:
    return [number["msisdn"] for number in response.json().get("numbers", [])]


def owned(client: TestClient, auth: tuple[str, str] = MASTER) -> list[str]:
    response = client.get("/account/numbers", params={"size": 100}, auth=auth)
    return msisdns(response)


def post(client: TestClient, operation: str, **data: str) -> Any:
    return client.post(f"/number/{operation}", data=data, auth=MASTER)


def test_a_bought_number_leaves_the_kept_search_and_joins_the_kept_listing(
    client: TestClient,
) -> None:
    before, listed = search(client), owned(client)
    assert search(client).content == before.content  # kept
    bought = msisdns(before)[0]

    assert post(client, "buy", country="GB", msisdn=bought).status_code == 200

    after = search(client)
    assert bought not in msisdns(after)
    assert after.json()["count"] == before.json()["count"] - 1
    assert owned(client) == sorted([*listed, bought])


def test_a_cancelled_number_is_back_in_the_kept_search(client: TestClient) -> None:
    bought = msisdns(search(client))[0]
    post(client, "buy", country="GB", msisdn=bought)
    assert bought not in msisdns(search(client))

    assert post(client, "cancel", country="GB", msisdn=bought).status_code == 200

    assert bought in msisdns(search(client))
    assert bought not in owned(client)


def test_an_update_shows_in_the_kept_listing(client: TestClient) -> None:
    def mo_url() -> str | None:
        listing = client.get("/account/numbers", params={"pattern": "447700900500"}, auth=MASTER)
        return listing.json()["numbers"][0].get("moHttpUrl")

    assert mo_url() == "https://example.com/webhooks/inbound-sms"
    response = post(
        client,
        "update",
        country="GB",
        msisdn="447700900500",
        moHttpUrl="https://example.com/new",
    )
    assert response.status_code == 200

    assert mo_url() == "https://example.com/new"


def test_listings_are_kept_per_account(client: TestClient) -> None:
    assert owned(client, MASTER) != owned(client, SUB)
    assert owned(client, SUB) == ["447700900600"]
    assert "447700900600" not in owned(client, MASTER)


def test_a_reset_drops_kept_answers(client: TestClient) -> None:
    start = search(client)
    post(client, "buy", country="GB", msisdn=msisdns(start)[0])
    assert search(client).content != start.content

    assert client.post("/_mock/reset").status_code == 200

    assert search(client).content == start.content


def test_a_put_state_drops_kept_answers(client: TestClient) -> None:
    search(client)
    document = client.get("/_mock/state").json()
    document["available"] = [entry for entry in document["available"] if entry["country"] != "GB"]

    assert client.put("/_mock/state", json=document).status_code == 200

    assert search(client).json() == {"count": 0, "numbers": []}


def test_numbers_added_by_the_control_api_show_in_the_kept_search(client: TestClient) -> None:
    before = search(client).json()["count"]
    entry = {"country": "GB", "type": "landline", "features": ["VOICE"], "cost": "0.10"}

    added = client.post("/_mock/numbers", json=entry | {"msisdn": "442079460099"})
    assert added.status_code == 201

    after = search(client)
    assert after.json()["count"] == before + 1
    assert "442079460099" in msisdns(after)


def test_json_and_xml_of_one_question_are_kept_apart(client: TestClient) -> None:
    as_json, as_xml = search(client), search(client, headers=XML)
    again_json, again_xml = search(client), search(client, headers=XML)

    assert as_json.headers["content-type"].startswith("application/json")
    assert as_xml.headers["content-type"].startswith("text/xml")
    assert (again_json.content, again_xml.content) == (as_json.content, as_xml.content)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"empty_numbers": "list"}, {"count": 0, "numbers": []}, id="list"),
        pytest.param({"empty_numbers": "omit"}, {"count": 0}, id="omit"),
    ],
)
def test_the_empty_numbers_setting_shapes_kept_answers(
    make_client: Callable[..., TestClient], overrides: dict[str, Any], expected: dict[str, Any]
) -> None:
    client = make_client(**overrides)
    nothing = {"country": "GB", "pattern": "0000000"}

    assert search(client, nothing).json() == expected
    assert search(client, nothing).json() == expected


def test_the_xml_names_setting_shapes_kept_answers(make_client: Callable[..., TestClient]) -> None:
    kebab, camel = make_client(xml_names="kebab"), make_client(xml_names="camel")
    params = {"country": "GB", "size": 1, "type": "landline-toll-free"}
    for _ in range(2):
        assert b"<initial-price>" in search(kebab, params, headers=XML).content
        assert b"<initialPrice>" in search(camel, params, headers=XML).content


def test_a_fault_rule_applies_to_a_question_already_kept(client: TestClient) -> None:
    search(client)
    search(client)
    rule = client.post("/_mock/faults", json={"operation": "search", "status": 420}).json()

    faulted = search(client)
    assert faulted.status_code == 420
    assert faulted.json()["error-code"] == "420"

    client.delete(f"/_mock/faults/{rule['id']}")
    assert search(client).status_code == 200


def test_wrong_credentials_are_refused_for_a_question_already_kept(client: TestClient) -> None:
    search(client)

    response = client.get("/number/search", params=GB, auth=(MASTER[0], "WrongSecret00000"))

    assert response.status_code == 401


def test_the_rate_limit_applies_to_kept_answers(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit="vonage", rate_limit_per_second=1)
    statuses = [search(client).status_code for _ in range(5)]

    assert statuses[0] == 200
    assert 429 in statuses


def test_the_journal_records_every_kept_answer(client: TestClient) -> None:
    answers = [search(client).text for _ in range(3)]

    entries = client.get("/_mock/requests", params={"operation": "search"}).json()["requests"]

    assert len(entries) == 3
    assert [entry["response"] for entry in entries] == answers
    assert all(entry["status"] == 200 for entry in entries)


def test_bad_parameters_are_refused_before_the_cache(client: TestClient) -> None:
    search(client)

    response = search(client, {"country": "GB", "size": "lots"})

    assert response.status_code == 400
    assert response.json() == {"size": messages.FIELD_INVALID}


# -- cached and uncached answers agree, whatever the sequence of calls --------------------------

GB_NUMBERS = [f"4477009000{n:02d}" for n in range(20)]
CALLS = st.one_of(
    st.tuples(
        st.just("search"),
        st.sampled_from(["GB", "US"]),
        st.sampled_from([None, "44770090000", "1", "9"]),
        st.integers(min_value=1, max_value=20),
        st.booleans(),
    ),
    st.tuples(st.just("list"), st.sampled_from([MASTER, SUB]), st.booleans()),
    st.tuples(st.just("buy"), st.sampled_from(GB_NUMBERS)),
    st.tuples(st.just("cancel"), st.sampled_from(GB_NUMBERS)),
    st.tuples(st.just("reset")),
)


def _play(client: TestClient, call: tuple[Any, ...]) -> tuple[int, bytes]:
    match call:
        case ("search", country, pattern, size, xml):
            params = {"country": country, "size": size} | ({"pattern": pattern} if pattern else {})
            response = search(client, params, headers=XML if xml else {})
        case ("list", auth, xml):
            response = client.get("/account/numbers", auth=auth, headers=XML if xml else {})
        case ("buy" | "cancel", msisdn):
            response = post(client, call[0], country="GB", msisdn=msisdn)
        case _:
            response = client.post("/_mock/reset")
    return response.status_code, response.content


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(calls=st.lists(CALLS, min_size=1, max_size=30))
def test_cached_answers_equal_uncached_ones(
    make_client: Callable[..., TestClient], calls: list[tuple[Any, ...]]
) -> None:
    cached, uncached = make_client(answer_cache=256), make_client(answer_cache=0)
    for call in calls:
        assert _play(cached, call) == _play(uncached, call), call
    # The journal of a cached call holds what the client got, as the uncached one's does.
    journal = [
        [
            (e["operation"], e["status"], e["response"])
            for e in c.get("/_mock/requests").json()["requests"]
        ]
        for c in (cached, uncached)
    ]
    assert journal[0] == journal[1]
    assert json.loads(cached.get("/_mock/state").text) == uncached.get("/_mock/state").json()


def test_a_write_made_durable_first_drops_kept_answers(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    client = make_client(state_file=tmp_path / "state.json")
    bought = msisdns(search(client))[0]

    assert post(client, "buy", country="GB", msisdn=bought).status_code == 200

    assert bought not in msisdns(search(client))
    assert bought in owned(client)
