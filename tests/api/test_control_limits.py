"""The control plane's stores are bounded (issue 15, item 8): fault rules (--max-fault-rules),
accounts (--max-accounts) and the journal (--journal-size, read a page at a time). At a limit,
a 409 problem names it and the setting that raises it, and nothing changes."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from support.accounts import MASTER
from support.data import SMALL, make_settings
from support.servers import run_server_cli

from mock_server.domain import messages
from mock_server.domain.errors import LimitReached
from mock_server.serving.app import create_app
from mock_server.simulation.journal import PAGE_LIMIT
from mock_server.vonage.rendering import PROBLEM_JSON

SMALL_ACCOUNTS = 4
RULE = {"operation": "buy", "status": 420}


def limit_detail(limit: int, what: str, setting: str) -> str:
    flag = "--" + setting.replace("_", "-")
    variable = "NUMBERS_MOCK_" + setting.upper()
    return messages.LIMIT_REACHED.format(limit=limit, what=what, flag=flag, variable=variable)


def assert_limit(response: Any, detail: str) -> dict[str, Any]:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert (body["title"], body["detail"]) == (messages.LIMIT_REACHED_TITLE, detail)
    return body


# -- fault rules -------------------------------------------------------------------------------


def test_one_fault_rule_past_the_limit_is_a_409(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_fault_rules=2)
    for _ in range(2):
        assert client.post("/_mock/faults", json=RULE).status_code == 201

    refused = client.post("/_mock/faults", json=RULE)

    assert_limit(refused, limit_detail(2, "fault rules", "max_fault_rules"))
    assert len(client.get("/_mock/faults").json()["faults"]) == 2
    # Room again once a rule goes.
    first = client.get("/_mock/faults").json()["faults"][0]["id"]
    assert client.delete(f"/_mock/faults/{first}").status_code == 204
    assert client.post("/_mock/faults", json=RULE).status_code == 201


def test_a_faults_file_over_the_limit_stops_the_start(tmp_path: Path) -> None:
    rules = tmp_path / "faults.json"
    rules.write_text(json.dumps([RULE] * 3))
    args = ["--no-https", "--fixtures", str(SMALL), "--faults", str(rules),
            "--max-fault-rules", "2", "--tls-dir", str(tmp_path / "tls")]  # fmt: skip
    result = run_server_cli(*args)
    assert result.returncode == 2, result.stderr
    assert limit_detail(2, "fault rules", "max_fault_rules") in result.stderr
    assert "Traceback" not in result.stderr


# -- accounts ----------------------------------------------------------------------------------


def test_one_account_past_the_limit_is_a_409(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_accounts=SMALL_ACCOUNTS + 1)
    new = {"api_key": "extra001", "api_secret": "ExtraSecret00001"}
    assert client.post("/_mock/accounts", json=new).status_code == 201
    before = client.get("/_mock/state").json()

    refused = client.post("/_mock/accounts", json=new | {"api_key": "extra002"})

    assert_limit(refused, limit_detail(SMALL_ACCOUNTS + 1, "accounts", "max_accounts"))
    assert client.get("/_mock/state").json() == before
    assert client.get("/account/numbers", auth=("extra002", "ExtraSecret00001")).status_code == 401


def test_a_state_with_too_many_accounts_is_a_409(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_accounts=SMALL_ACCOUNTS)
    before = client.get("/_mock/state").json()
    extra = {"api_key": "extra001", "api_secret": "ExtraSecret00001"}
    document = before | {"accounts": [*before["accounts"], extra]}

    refused = client.put("/_mock/state", json=document)

    body = assert_limit(refused, limit_detail(SMALL_ACCOUNTS, "accounts", "max_accounts"))
    assert body["field"] == "accounts"
    assert client.get("/_mock/state").json() == before
    # The same document at the limit is taken.
    assert client.put("/_mock/state", json=before).status_code == 200


def test_fixtures_with_too_many_accounts_are_refused(tmp_path: Path) -> None:
    with pytest.raises(LimitReached) as refused:
        create_app(make_settings(tmp_path, max_accounts=SMALL_ACCOUNTS - 1))
    assert str(refused.value).endswith(limit_detail(SMALL_ACCOUNTS - 1, "accounts", "max_accounts"))


def test_a_state_file_with_too_many_accounts_is_refused(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    with TestClient(create_app(make_settings(tmp_path, state_file=state_file))):
        pass  # the start writes the state: SMALL's accounts
    assert state_file.exists()
    document = json.loads(SMALL.read_text())
    master = document["accounts"][0]["api_key"]
    fewer = document | {
        "accounts": document["accounts"][:1],
        "owned": [n for n in document.get("owned", []) if n["api_key"] == master],
    }
    fixtures = tmp_path / "fewer.json"
    fixtures.write_text(json.dumps(fewer))
    settings = make_settings(
        tmp_path, fixtures=fixtures, state_file=state_file, max_accounts=SMALL_ACCOUNTS - 1
    )
    with pytest.raises(LimitReached) as refused:
        create_app(settings)
    assert str(refused.value) == "accounts: " + limit_detail(
        SMALL_ACCOUNTS - 1, "accounts", "max_accounts"
    )


# -- the journal -------------------------------------------------------------------------------


def test_the_journal_size_has_a_ceiling(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="journal_size"):
        make_settings(tmp_path, journal_size=100_001)
    assert make_settings(tmp_path, journal_size=100_000).journal_size == 100_000


def test_the_journal_is_read_a_page_at_a_time(client: TestClient) -> None:
    for _ in range(5):
        client.get("/account/numbers", auth=MASTER)
    pages, after, more = [], 0, True
    while more:
        page = client.get("/_mock/requests", params={"limit": 2, "after": after}).json()
        pages.append([entry["id"] for entry in page["requests"]])
        after, more = page["next"], page["more"]
    assert [len(p) for p in pages] == [2, 2, 1]
    ids = [i for p in pages for i in p]
    assert ids == sorted(ids)
    assert len(set(ids)) == 5
    whole = client.get("/_mock/requests").json()
    assert [e["id"] for e in whole["requests"]] == ids
    assert (whole["more"], whole["next"]) == (False, ids[-1])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"limit": PAGE_LIMIT + 1}, "limit", id="a-limit-past-the-page"),
        pytest.param({"after": -1}, "after", id="a-negative-cursor"),
        pytest.param({"after": "first"}, "after", id="a-cursor-that-is-no-id"),
    ],
)
def test_bad_paging_is_a_400(client: TestClient, params: dict[str, Any], field: str) -> None:
    response = client.get("/_mock/requests", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["field"] == field
