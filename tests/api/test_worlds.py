"""Worlds through the HTTP API, in process: made, reached by their credentials, isolated from
each other and from the base world, reset, dropped, bounded."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support.accounts import MASTER, SUB

from mock_server import worlds

Auth = tuple[str, str]


def make_world(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/_mock/worlds", json=body or None)
    assert response.status_code == 201, response.text
    world: dict[str, Any] = response.json()
    return world


def primary(world: dict[str, Any]) -> Auth:
    found = [a for a in world["accounts"] if a["role"] == "primary" and a["name"] == "Master"]
    return found[0]["api_key"], found[0]["api_secret"]


def subaccount(world: dict[str, Any], parent: Auth) -> Auth:
    found = [a for a in world["accounts"] if a["parent"] == parent[0]]
    return found[0]["api_key"], found[0]["api_secret"]


def owned(client: TestClient, auth: Auth) -> list[str]:
    response = client.get("/account/numbers", params={"size": 100}, auth=auth)
    assert response.status_code == 200, response.text
    return [number["msisdn"] for number in response.json().get("numbers", [])]


def available(client: TestClient, auth: Auth, country: str = "US") -> list[str]:
    response = client.get("/number/search", params={"country": country, "size": 100}, auth=auth)
    assert response.status_code == 200, response.text
    return [number["msisdn"] for number in response.json().get("numbers", [])]


def buy(client: TestClient, auth: Auth, msisdn: str, country: str = "US") -> int:
    data = {"country": country, "msisdn": msisdn}
    return client.post("/number/buy", data=data, auth=auth).status_code


def balance(client: TestClient, auth: Auth) -> float:
    response = client.get("/account/get-balance", auth=auth)
    assert response.status_code == 200, response.text
    value: float = response.json()["value"]
    return value


def test_a_world_starts_as_the_loaded_state_under_fresh_credentials(client: TestClient) -> None:
    world = make_world(client, name="worker 1")
    assert world["id"].startswith("w")
    assert world["name"] == "worker 1"
    keys = {account["api_key"] for account in world["accounts"]}
    assert len(keys) == 4
    assert not keys & {"master01", "sub00001", "other001", "stranger"}
    roles = {account["name"]: account["role"] for account in world["accounts"]}
    assert roles["Master"] == "primary"
    mine = primary(world)
    sub = subaccount(world, mine)
    assert owned(client, mine) == owned(client, MASTER)
    assert owned(client, sub) == owned(client, SUB)
    assert available(client, mine) == available(client, MASTER)
    assert balance(client, mine) == balance(client, MASTER)
    # The fixtures' own credentials are not the world's, and the world's not the base's.
    assert client.get("/account/numbers", auth=(mine[0], MASTER[1])).status_code == 401


def test_what_one_world_does_no_other_world_sees(client: TestClient) -> None:
    one, two = make_world(client), make_world(client)
    first, second = primary(one), primary(two)
    before = balance(client, MASTER)
    assert balance(client, first) == before
    assert buy(client, first, "12015550100") == 200
    # The same number is still for sale in the other world and in the base world.
    assert "12015550100" in available(client, second)
    assert "12015550100" in available(client, MASTER)
    assert buy(client, second, "12015550100") == 200
    assert buy(client, MASTER, "12015550100") == 200
    assert "12015550100" in owned(client, first)
    assert balance(client, MASTER) < before
    assert balance(client, first) == balance(client, second)
    cancel = {"country": "US", "msisdn": "12015550100"}
    assert client.post("/number/cancel", data=cancel, auth=first).status_code == 200
    assert "12015550100" not in owned(client, first)
    assert "12015550100" in owned(client, second)
    assert "12015550100" in owned(client, MASTER)


def test_journal_faults_and_state_are_the_world_s_own(client: TestClient) -> None:
    world = make_world(client)
    wid, mine = world["id"], primary(world)
    rule = {"operation": "search", "status": 420}
    assert client.post("/_mock/faults", params={"world": wid}, json=rule).status_code == 201
    assert client.get("/number/search", params={"country": "US"}, auth=mine).status_code == 420
    assert client.get("/number/search", params={"country": "US"}, auth=MASTER).status_code == 200
    base_faults = client.get("/_mock/faults").json()["faults"]
    assert base_faults == []
    mine_journal = client.get("/_mock/requests", params={"world": wid}).json()["requests"]
    base_journal = client.get("/_mock/requests").json()["requests"]
    assert [entry["api_key"] for entry in mine_journal] == [mine[0]]
    assert mine[0] not in {entry["api_key"] for entry in base_journal}
    count = client.get("/_mock/requests/count", params={"world": wid, "status": 420}).json()
    assert count == {"count": 1}
    state = client.get("/_mock/state", params={"world": wid}).json()
    assert {a["api_key"] for a in state["accounts"]} == {a["api_key"] for a in world["accounts"]}


def test_control_writes_land_in_the_world_named(client: TestClient) -> None:
    world = make_world(client)
    wid, mine = world["id"], primary(world)
    entry = {
        "country": "GB", "type": "mobile-lvn", "features": ["SMS"], "cost": "1.00",
        "msisdn": "447700800123",
    }  # fmt: skip
    assert client.post("/_mock/numbers", params={"world": wid}, json=entry).status_code == 201
    assert "447700800123" in available(client, mine, "GB")
    assert "447700800123" not in available(client, MASTER, "GB")
    account = {"api_key": "abcd0001", "api_secret": "Secret0000000001", "balance": "5.00"}
    assert client.post("/_mock/accounts", params={"world": wid}, json=account).status_code == 201
    assert client.get("/account/numbers", auth=("abcd0001", "Secret0000000001")).status_code == 200
    # Its api_key is taken now: the base world cannot open it too.
    assert client.post("/_mock/accounts", json=account).status_code == 409


def test_a_world_reset_goes_back_to_its_start_and_keeps_its_credentials(
    client: TestClient,
) -> None:
    world = make_world(client)
    wid, mine = world["id"], primary(world)
    assert buy(client, mine, "12015550101") == 200
    created = client.post(f"/accounts/{mine[0]}/subaccounts", json={"name": "made here"}, auth=mine)
    assert created.status_code == 200, created.text
    made = (created.json()["api_key"], created.json()["secret"])
    assert client.get("/account/numbers", auth=made).status_code == 200
    client.post("/_mock/faults", params={"world": wid}, json={"operation": "buy", "status": 420})
    reset = client.post(f"/_mock/worlds/{wid}/reset")
    assert reset.status_code == 200
    assert reset.json()["owned"] == 5
    assert client.get("/_mock/faults", params={"world": wid}).json()["faults"] == []
    assert client.get("/_mock/requests", params={"world": wid}).json()["requests"] == []
    assert "12015550101" not in owned(client, mine)
    # The subaccount made after the start is gone with the rest; the world's own keys stay.
    assert client.get("/account/numbers", auth=made).status_code == 401
    # The same through /_mock/reset?world=.
    assert buy(client, mine, "12015550101") == 200
    assert client.post("/_mock/reset", params={"world": wid}).status_code == 200
    assert "12015550101" not in owned(client, mine)


def test_a_base_reset_leaves_the_worlds_alone(client: TestClient) -> None:
    world = make_world(client)
    mine = primary(world)
    assert buy(client, mine, "12015550102") == 200
    rule = {"operation": "cancel", "status": 420}
    assert client.post("/_mock/faults", params={"world": world["id"]}, json=rule).status_code == 201
    assert client.post("/_mock/reset").status_code == 200
    assert "12015550102" in owned(client, mine)
    assert len(client.get("/_mock/faults", params={"world": world["id"]}).json()["faults"]) == 1


def test_a_deleted_world_s_credentials_stop_working(client: TestClient) -> None:
    world = make_world(client)
    wid, mine = world["id"], primary(world)
    assert client.delete(f"/_mock/worlds/{wid}").status_code == 204
    assert client.get("/account/numbers", auth=mine).status_code == 401
    missing = client.get(f"/_mock/worlds/{wid}")
    assert missing.status_code == 404
    assert wid in missing.json()["detail"]
    assert client.get("/_mock/requests", params={"world": wid}).status_code == 404
    assert client.delete(f"/_mock/worlds/{wid}").status_code == 404
    assert client.delete("/_mock/worlds/base").status_code == 409


def test_worlds_are_listed_base_first(client: TestClient) -> None:
    made = [make_world(client, name=f"w{i}")["id"] for i in range(3)]
    listing = client.get("/_mock/worlds").json()
    assert [w["id"] for w in listing["worlds"]] == ["base", *made]
    assert listing["max_worlds"] == 100
    one = client.get(f"/_mock/worlds/{made[0]}").json()
    assert one["name"] == "w0"
    assert len(one["accounts"]) == 4
    assert client.get("/_mock/health").json()["worlds"] == 3


def test_a_world_can_start_from_a_document_of_its_own(client: TestClient) -> None:
    document = {
        "accounts": [{"api_key": "master01", "api_secret": "X" * 16, "balance": "3.00"}],
        "available": [
            {
                "country": "GB", "type": "landline", "features": ["VOICE"], "cost": "0.50",
                "msisdn": "442079460009",
            }
        ],
    }  # fmt: skip
    world = make_world(client, name="own", fixtures=document)
    (account,) = world["accounts"]
    auth = (account["api_key"], account["api_secret"])
    assert account["api_key"] != "master01"
    assert balance(client, auth) == 3.0
    assert available(client, auth, "GB") == ["442079460009"]
    assert buy(client, auth, "442079460009", "GB") == 200
    assert client.post(f"/_mock/worlds/{world['id']}/reset").json()["owned"] == 0


def test_a_bad_document_makes_no_world(client: TestClient) -> None:
    document = {"accounts": [{"api_key": "a", "api_secret": "s", "balance": "x"}]}
    response = client.post("/_mock/worlds", json={"fixtures": document})
    assert response.status_code == 400
    assert client.get("/_mock/worlds").json()["worlds"][1:] == []


def test_an_unknown_world_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/_mock/state", params={"world": "nosuch"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "nosuch" in response.json()["detail"]


def test_a_world_state_cannot_take_another_world_s_keys(client: TestClient) -> None:
    world = make_world(client)
    document = {"accounts": [{"api_key": "master01", "api_secret": "Y" * 16, "balance": "1.00"}]}
    response = client.put("/_mock/state", params={"world": world["id"]}, json=document)
    assert response.status_code == 409
    assert "master01" in response.json()["detail"]
    mine = primary(world)
    assert client.get("/account/numbers", auth=mine).status_code == 200


def test_more_worlds_than_the_limit_is_a_409_naming_it(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(max_worlds=2)
    make_world(client)
    make_world(client)
    response = client.post("/_mock/worlds")
    assert response.status_code == 409
    assert "--max-worlds" in response.json()["detail"]
    assert len(client.get("/_mock/worlds").json()["worlds"]) == 3


class Clock:
    """Stands in for the worlds' monotonic clock: time passes when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(worlds, "time", clock)
    return clock


def test_an_idle_world_expires_and_says_so(
    make_client: Callable[..., TestClient], clock: Clock
) -> None:
    client = make_client(world_idle_timeout=60, max_worlds=1)
    world = make_world(client)
    wid, mine = world["id"], primary(world)
    clock.now += 59
    assert client.get("/account/numbers", auth=mine).status_code == 200
    clock.now += 61
    assert client.get("/account/numbers", auth=mine).status_code == 401
    gone = client.get(f"/_mock/worlds/{wid}")
    assert gone.status_code == 404
    assert "expired" in gone.json()["detail"]
    # Its place is free again.
    make_world(client)


def test_use_keeps_a_world_alive(make_client: Callable[..., TestClient], clock: Clock) -> None:
    client = make_client(world_idle_timeout=60)
    world = make_world(client)
    mine = primary(world)
    for _ in range(4):
        clock.now += 50
        assert client.get("/account/numbers", auth=mine).status_code == 200
    clock.now += 50
    assert client.get(f"/_mock/worlds/{world['id']}").status_code == 200
    clock.now += 61
    assert len(client.get("/_mock/worlds").json()["worlds"]) == 1


def test_no_idle_timeout_keeps_worlds(make_client: Callable[..., TestClient], clock: Clock) -> None:
    client = make_client(world_idle_timeout=0)
    world = make_world(client)
    clock.now += 10**9
    assert client.get("/account/numbers", auth=primary(world)).status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"name": 3}, {"unknown": 1}, {"name": "x" * 201}, [1]],
    ids=["name-not-text", "unknown-field", "name-too-long", "not-an-object"],
)
def test_a_bad_world_request_is_a_400(client: TestClient, body: Any) -> None:
    response = client.post("/_mock/worlds", json=body)
    assert response.status_code == 400
    assert len(client.get("/_mock/worlds").json()["worlds"]) == 1


def test_a_state_file_keeps_worlds_across_restarts(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    state_file = tmp_path / "state.json"
    first = make_client(state_file=state_file)
    kept, dropped = make_world(first, name="kept"), make_world(first)
    mine = primary(kept)
    assert buy(first, mine, "12015550103") == 200
    assert first.delete(f"/_mock/worlds/{dropped['id']}").status_code == 204
    first.__exit__(None, None, None)

    again = make_client(state_file=state_file)
    listing = again.get("/_mock/worlds").json()["worlds"]
    assert [(w["id"], w["name"]) for w in listing] == [("base", None), (kept["id"], "kept")]
    assert "12015550103" in owned(again, mine)
    assert "12015550103" not in owned(again, MASTER)
    assert again.get("/account/numbers", auth=primary(dropped)).status_code == 401
    # A reset still goes back to the world's start, and that is kept too.
    assert again.post(f"/_mock/worlds/{kept['id']}/reset").status_code == 200
    again.__exit__(None, None, None)
    third = make_client(state_file=state_file)
    assert "12015550103" not in owned(third, mine)


def test_a_world_that_cannot_be_saved_is_not_made(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    state_file = tmp_path / "state.json"
    client = make_client(state_file=state_file)
    # Where the worlds' folders go is a file: nothing can be written there.
    (tmp_path / "state.json.worlds").write_text("in the way")
    response = client.post("/_mock/worlds")
    assert response.status_code == 503
    assert client.get("/_mock/worlds").json()["worlds"][1:] == []


def test_worlds_made_at_once_stay_within_the_limit(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    # With a state file, making a world waits for its files: others are asked for meanwhile.
    client = make_client(state_file=tmp_path / "state.json", max_worlds=3)
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: client.post("/_mock/worlds").status_code, range(8)))
    assert sorted(statuses) == [201] * 3 + [409] * 5
    worlds = client.get("/_mock/worlds").json()["worlds"]
    assert len(worlds) == 4
    keys = [
        a["api_key"]
        for w in worlds[1:]
        for a in client.get(f"/_mock/worlds/{w['id']}").json()["accounts"]
    ]
    assert len(set(keys)) == len(keys) == 12


def test_inbound_traffic_is_simulated_in_the_world_named(client: TestClient) -> None:
    world = make_world(client)
    mine = primary(world)
    assert buy(client, mine, "12015550104") == 200
    sms = {"from": "447700900999", "to": "12015550104", "text": "hello"}
    # Owned in the world, with no moHttpUrl yet: a 409 naming it; the base world owns nothing
    # of the kind: a 404.
    in_world = client.post("/_mock/inbound/sms", params={"world": world["id"]}, json=sms)
    assert in_world.status_code == 409
    assert in_world.json()["field"] == "moHttpUrl"
    assert client.post("/_mock/inbound/sms", json=sms).status_code == 404


def test_a_world_s_document_is_bounded_as_a_state_document(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(max_control_body_bytes=1024, max_state_bytes=4096)
    accounts = [
        {"api_key": f"key{i:05d}", "api_secret": "S" * 16, "balance": "1.00"} for i in range(30)
    ]
    small = {"fixtures": {"accounts": accounts[:20]}}  # over 1 KiB, under 4 KiB
    assert client.post("/_mock/worlds", json=small).status_code == 201
    large = {"fixtures": {"accounts": accounts * 3}}
    refused = client.post("/_mock/worlds", json=large)
    assert refused.status_code == 413
    assert "--max-state-bytes" in refused.json()["detail"]
    assert len(client.get("/_mock/worlds").json()["worlds"]) == 2
