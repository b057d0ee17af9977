"""Fault rules over HTTP: installing them, what they do to matching calls, and what they don't."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import pytest
from fastapi.testclient import TestClient
from support.accounts import MASTER, STRANGER
from support.data import IN_PROCESS_URL, SMALL, make_settings
from support.vendor_spec import validate

from mock_server.domain import messages
from mock_server.domain.operations import BY_PATH
from mock_server.serving.app import create_app
from mock_server.simulation.faults import FaultRule
from mock_server.vonage.rendering import PROBLEM_JSON

SUCCESS = {"error-code": "200", "error-code-label": messages.SUCCESS}
# Statuses the vendor's document never lists, which a rule injects on purpose.
INJECTED_ONLY = {500, 503}


def check_spec_unless_injected(response: httpx.Response) -> None:
    """The conftest's spec check, minus the statuses only an injected fault answers."""
    path = response.request.url.path
    if path in BY_PATH and response.status_code not in INJECTED_ONLY:
        response.read()
        content_type = response.headers["content-type"]
        validate(
            path, response.request.method, response.status_code, content_type, response.content
        )


def allow_injected_statuses(client: TestClient) -> TestClient:
    client.event_hooks["response"] = [check_spec_unless_injected]
    return client


def add_fault(client: TestClient, **rule: Any) -> dict[str, Any]:
    response = client.post("/_mock/faults", json=rule)
    assert response.status_code == 201, response.text
    return response.json()


def faults(client: TestClient) -> list[dict[str, Any]]:
    return client.get("/_mock/faults").json()["faults"]


def buy(client: TestClient, msisdn: str, country: str = "GB", auth: tuple[str, str] = MASTER):
    return client.post("/number/buy", data={"country": country, "msisdn": msisdn}, auth=auth)


def search(client: TestClient, country: str = "GB", auth: tuple[str, str] = MASTER):
    return client.get("/number/search", params={"country": country, "size": 1}, auth=auth)


def state(client: TestClient) -> dict[str, Any]:
    return client.get("/_mock/state").json()


def last_journal_entry(client: TestClient) -> dict[str, Any]:
    return client.get("/_mock/requests").json()["requests"][-1]


# -- managing rules ----------------------------------------------------------------------------


def test_rules_get_ids_and_are_listed_with_seed_and_counters(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(seed=77)

    first = add_fault(client, operation="buy", status=420, times=2)
    second = add_fault(client, operation="search", latency_ms=[1, 2], match={"country": "US"})

    assert (first["id"], second["id"]) == ("f1", "f2")
    assert first | {"id": None} == {
        "id": None,
        "operation": "buy",
        "match": {"msisdn": None, "country": None, "api_key": None},
        "latency_ms": 0.0,
        "drop": False,
        "status": 420,
        "label": None,
        "times": 2,
        "after": 0,
        "probability": 1.0,
        "fired": 0,
    }
    buy(client, "447700900001")
    listed = client.get("/_mock/faults").json()
    assert listed["seed"] == 77
    assert [(r["id"], r["fired"], r["times"]) for r in listed["faults"]] == [
        ("f1", 1, 1),
        ("f2", 0, None),
    ]


def test_an_id_given_on_input_is_ignored(client: TestClient) -> None:
    assert add_fault(client, id="mine", fired=9, operation="buy", status=420)["id"] == "f1"
    assert faults(client)[0]["fired"] == 0


def test_delete_one_rule_then_all(client: TestClient) -> None:
    add_fault(client, operation="buy", status=420)
    add_fault(client, operation="cancel", status=420)
    add_fault(client, operation="update", status=420)

    assert client.delete("/_mock/faults/f2").status_code == 204
    assert [r["id"] for r in faults(client)] == ["f1", "f3"]
    assert client.delete("/_mock/faults").status_code == 204
    assert faults(client) == []
    # Ids are never reused.
    assert add_fault(client, operation="buy", status=420)["id"] == "f4"
    assert buy(client, "447700900001").status_code == 420


def test_deleting_an_unknown_rule_is_a_404_problem(client: TestClient) -> None:
    add_fault(client, operation="buy", status=420)
    response = client.delete("/_mock/faults/f9")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert (response.json()["status"], response.json()["field"]) == (404, "rule_id")
    assert "f9" in response.json()["detail"]
    assert len(faults(client)) == 1


@pytest.mark.parametrize(
    ("rule", "field", "detail"),
    [
        pytest.param({}, "status", messages.FAULT_DOES_NOTHING, id="does-nothing"),
        pytest.param(
            {"status": 420, "drop": True}, "status", messages.FAULT_STATUS_AND_DROP, id="and-drop"
        ),
        pytest.param(
            {"latency_ms": 5, "label": "slow"},
            "label",
            messages.FAULT_LABEL_WITHOUT_STATUS,
            id="label-without-status",
        ),
        pytest.param({"latency_ms": [50, 10]}, "latency_ms", messages.FAULT_LATENCY, id="range"),
        pytest.param({"latency_ms": 60_001}, "latency_ms", messages.FAULT_LATENCY, id="too-long"),
        pytest.param({"status": 418}, "status", None, id="status"),
        pytest.param({"status": 420, "operation": "delete"}, "operation", None, id="operation"),
        pytest.param({"status": 420, "probability": 2}, "probability", None, id="probability"),
        pytest.param({"status": 420, "times": 0}, "times", None, id="times"),
        pytest.param({"status": 420, "after": -1}, "after", None, id="after"),
        pytest.param({"status": 420, "match": {"number": "1"}}, "match.number", None, id="match"),
        pytest.param({"status": 420, "bogus": 1}, "bogus", None, id="unknown-key"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_field(
    client: TestClient, rule: dict[str, Any], field: str, detail: str | None
) -> None:
    response = client.post("/_mock/faults", json=rule)
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["field"] == field
    if detail is not None:
        assert response.json()["detail"] == detail
    assert faults(client) == []


# -- what rules do ------------------------------------------------------------------------------


def test_a_one_shot_420_fails_exactly_the_next_buy_and_changes_nothing(client: TestClient) -> None:
    add_fault(client, operation="buy", status=420, times=1)
    before = state(client)

    failed = buy(client, "447700900001")

    assert (failed.status_code, failed.json()) == (
        420,
        {"error-code": "420", "error-code-label": messages.METHOD_FAILED},
    )
    assert state(client) == before
    assert last_journal_entry(client)["fault"] == "f1: 420 method failed"
    assert faults(client) == []
    succeeded = buy(client, "447700900001")
    assert (succeeded.status_code, succeeded.json()) == (200, SUCCESS)
    assert last_journal_entry(client)["fault"] is None


def test_after_lets_the_first_matching_calls_through(client: TestClient) -> None:
    add_fault(client, operation="buy", status=420, after=2)
    statuses = [buy(client, f"44770090000{i}").status_code for i in range(1, 5)]
    assert statuses == [200, 200, 420, 420]
    assert faults(client)[0]["fired"] == 2


def test_a_custom_label_is_answered(client: TestClient) -> None:
    add_fault(client, operation="buy", status=420, label="Numbers service is down for repair")
    assert buy(client, "447700900001").json() == {
        "error-code": "420",
        "error-code-label": "Numbers service is down for repair",
    }


Call = Callable[[TestClient], httpx.Response]


@pytest.mark.parametrize(
    ("match", "operation", "hit", "missed"),
    [
        pytest.param(
            {"msisdn": "447700900002"},
            "buy",
            lambda c: buy(c, "447700900002"),
            lambda c: buy(c, "447700900001"),
            id="msisdn",
        ),
        pytest.param(
            {"country": "US"},
            "search",
            lambda c: search(c, "US"),
            lambda c: search(c, "GB"),
            id="country",
        ),
        pytest.param(
            {"country": "US"},
            "buy",
            lambda c: buy(c, "12015550100", "US"),
            lambda c: buy(c, "447700900001", "GB"),
            id="country-on-buy",
        ),
        pytest.param(
            {"api_key": "stranger"},
            "*",
            lambda c: search(c, auth=STRANGER),
            lambda c: search(c, auth=MASTER),
            id="api-key",
        ),
        pytest.param(
            {"api_key": "master01", "country": "GB"},
            "*",
            lambda c: search(c, "GB"),
            lambda c: search(c, "US"),
            id="every-field-must-match",
        ),
    ],
)
def test_match_only_hits_matching_calls(
    client: TestClient, match: dict[str, str], operation: str, hit: Call, missed: Call
) -> None:
    add_fault(client, operation=operation, status=429, match=match)
    assert missed(client).status_code == 200
    assert hit(client).status_code == 429
    assert faults(client)[0]["fired"] == 1


def test_a_rule_for_one_operation_leaves_the_others_alone(client: TestClient) -> None:
    add_fault(client, operation="cancel", status=420)
    assert search(client).status_code == 200
    assert buy(client, "447700900001").status_code == 200
    assert client.get("/account/numbers", auth=MASTER).status_code == 200


EVERY_OPERATION = [
    pytest.param("GET", "/account/numbers", {}, id="list"),
    pytest.param("GET", "/number/search", {"country": "GB"}, id="search"),
    pytest.param("POST", "/number/buy", {"country": "GB", "msisdn": "447700900001"}, id="buy"),
    pytest.param(
        "POST", "/number/cancel", {"country": "GB", "msisdn": "447700900500"}, id="cancel"
    ),
    pytest.param(
        "POST",
        "/number/update",
        {"country": "GB", "msisdn": "447700900500", "moHttpUrl": "https://example.com/x"},
        id="update",
    ),
]


@pytest.mark.parametrize(("method", "path", "params"), EVERY_OPERATION)
def test_operation_star_hits_every_operation_and_changes_nothing(
    client: TestClient, method: str, path: str, params: dict[str, str]
) -> None:
    allow_injected_statuses(client)
    add_fault(client, operation="*", status=503)
    before = state(client)

    response = client.request(method, path, params=params, auth=MASTER)

    assert response.status_code == 503
    assert response.json() == {
        "error-code": "503",
        "error-code-label": messages.SERVICE_UNAVAILABLE,
    }
    assert state(client) == before
    client.delete("/_mock/faults")
    assert client.request(method, path, params=params, auth=MASTER).status_code == 200


STATUSES = [
    pytest.param(401, id="401"),
    pytest.param(429, id="429"),
    pytest.param(500, id="500"),
    pytest.param(503, id="503"),
]
CALLS = [
    pytest.param("GET", "/number/search", {"country": "GB"}, "inbound-numbers", id="search"),
    pytest.param(
        "POST", "/number/buy", {"country": "GB", "msisdn": "447700900001"}, "response", id="buy"
    ),
]


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize(("method", "path", "params", "xml_root"), CALLS)
@pytest.mark.parametrize("xml", [pytest.param(False, id="json"), pytest.param(True, id="xml")])
def test_injected_statuses_are_vonage_shaped_in_json_and_xml(
    client: TestClient,
    status: int,
    method: str,
    path: str,
    params: dict[str, str],
    xml_root: str,
    xml: bool,
) -> None:
    allow_injected_statuses(client)
    add_fault(client, status=status)
    before = state(client)
    headers = {"Accept": "text/xml"} if xml else {}

    response = client.request(method, path, params=params, auth=MASTER, headers=headers)

    assert response.status_code == status
    code, label = str(status), messages.DEFAULT_LABELS[status]
    if xml:
        assert response.headers["content-type"].startswith("text/xml")
        root = ET.fromstring(response.content)
        assert root.tag == xml_root
        assert (root.findtext("error-code"), root.findtext("error-code-label")) == (code, label)
    else:
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {"error-code": code, "error-code-label": label}
    assert ("retry-after" in response.headers) == (status == 429)
    if status == 429:
        assert response.headers["retry-after"] == "1"
    assert state(client) == before
    entry = last_journal_entry(client)
    assert (entry["status"], entry["response"]) == (status, response.text)
    assert entry["fault"] == f"f1: {status} {messages.DEFAULT_LABELS[status]}"


@pytest.mark.parametrize(
    "method_failed_status",
    [pytest.param(420, id="420"), pytest.param(400, id="400"), pytest.param(200, id="200")],
)
def test_an_injected_420_follows_the_method_failed_status_setting(
    make_client: Callable[..., TestClient], method_failed_status: int
) -> None:
    client = make_client(method_failed_status=method_failed_status)
    add_fault(client, operation="buy", status=420)
    response = buy(client, "447700900001")
    assert response.status_code == method_failed_status
    assert response.json() == {"error-code": "420", "error-code-label": messages.METHOD_FAILED}
    assert "447700900001" not in {n["msisdn"] for n in state(client)["owned"]}


# -- random draws ------------------------------------------------------------------------------


def outcomes(client: TestClient, calls: int = 32) -> list[int]:
    add_fault(client, operation="search", status=429, probability=0.5)
    return [search(client).status_code for _ in range(calls)]


def test_a_seed_replays_the_same_outcomes(make_client: Callable[..., TestClient]) -> None:
    first = outcomes(make_client(seed=1234))
    second = outcomes(make_client(seed=1234))
    other = outcomes(make_client(seed=4321))

    assert first == second
    assert set(first) == {200, 429}
    assert other != first  # equal by chance once in 2**32 runs


def test_a_reset_restarts_the_seeded_sequence(make_client: Callable[..., TestClient]) -> None:
    client = make_client(seed=1234)
    first = outcomes(client)
    client.post("/_mock/reset")
    assert outcomes(client) == first
    assert client.get("/_mock/faults").json()["seed"] == 1234


def test_without_a_seed_one_is_chosen_and_shown(client: TestClient) -> None:
    assert isinstance(client.get("/_mock/faults").json()["seed"], int)


# -- drop and latency --------------------------------------------------------------------------


def test_drop_aborts_the_connection_and_is_journaled(client: TestClient) -> None:
    add_fault(client, operation="buy", drop=True, times=1)
    before = state(client)

    with pytest.raises(ConnectionAbortedError):
        buy(client, "447700900001")

    entry = last_journal_entry(client)
    assert (entry["operation"], entry["status"], entry["response"]) == ("buy", None, None)
    assert entry["fault"] == "f1: drop"
    assert state(client) == before
    assert buy(client, "447700900001").json() == SUCCESS


def test_latency_delays_the_answer_and_nothing_else(client: TestClient) -> None:
    add_fault(client, operation="search", latency_ms=30, times=1)

    response = search(client)

    assert response.status_code == 200
    assert response.json()["count"] == 21
    entry = last_journal_entry(client)
    assert entry["duration_ms"] >= 30
    assert entry["fault"] == "f1: latency 30 ms"


def test_latency_and_a_status_together(client: TestClient) -> None:
    add_fault(client, operation="buy", latency_ms=30, status=420)
    assert buy(client, "447700900001").status_code == 420
    entry = last_journal_entry(client)
    assert entry["duration_ms"] >= 30
    assert entry["fault"] == "f1: 420 method failed, latency 30 ms"


# -- rules installed at start ------------------------------------------------------------------


def fixtures_with_faults(tmp_path: Path, rules: list[dict[str, Any]]) -> Path:
    document = json.loads(SMALL.read_text()) | {"faults": rules}
    path = tmp_path / "with-faults.json"
    path.write_text(json.dumps(document))
    return path


def test_rules_in_the_fixture_document_are_active_and_survive_a_reset(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    path = fixtures_with_faults(tmp_path, [{"operation": "buy", "status": 420, "times": 1}])
    client = make_client(fixtures=path)

    assert [(r["id"], r["operation"], r["times"]) for r in faults(client)] == [("f1", "buy", 1)]
    assert buy(client, "447700900001").status_code == 420
    assert buy(client, "447700900001").status_code == 200
    assert faults(client) == []

    client.post("/_mock/reset")

    assert [(r["id"], r["fired"]) for r in faults(client)] == [("f1", 0)]
    assert buy(client, "447700900001").status_code == 420
    client.delete("/_mock/faults")
    client.post("/_mock/reset")
    assert len(faults(client)) == 1


def test_start_rules_come_after_the_fixture_rules_and_survive_a_reset(tmp_path: Path) -> None:
    path = fixtures_with_faults(tmp_path, [{"operation": "buy", "status": 420}])
    settings = make_settings(tmp_path, fixtures=path)
    app = create_app(settings, start_rules=[FaultRule(operation="search", status=429)])
    with TestClient(app, base_url=IN_PROCESS_URL) as client:
        assert [(r["id"], r["operation"]) for r in faults(client)] == [
            ("f1", "buy"),
            ("f2", "search"),
        ]
        assert search(client).status_code == 429
        assert buy(client, "447700900001").status_code == 420
        client.delete("/_mock/faults")
        assert search(client).status_code == 200

        client.post("/_mock/reset")

        assert [r["id"] for r in faults(client)] == ["f1", "f2"]
        assert search(client).status_code == 429
