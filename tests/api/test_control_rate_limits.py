"""Per-account rate limits (`rate_limit="vonage"`), driven by a fake clock: no test waits."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support.accounts import MASTER, STRANGER

from mock_server.domain import messages

RATE_LIMITED = {"error-code": "429", "error-code-label": messages.RATE_LIMITED}
SUCCESS = {"error-code": "200", "error-code-label": messages.SUCCESS}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def limited(
    make_client: Callable[..., TestClient], clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> TestClient:
    client = make_client(rate_limit="vonage")
    use_clock(client, clock, monkeypatch)
    return client


def use_clock(client: TestClient, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Drive the app's limiter by `clock` (see mock_server.simulation.rate_limits.RateLimiter)."""
    app: Any = client.app
    monkeypatch.setattr(app.state.runtime.base.rate_limiter, "_clock", clock)


def search(client: TestClient, auth: tuple[str, str] = MASTER, **headers: str):
    return client.get("/number/search", params={"country": "GB"}, auth=auth, headers=headers)


def list_owned(client: TestClient, auth: tuple[str, str] = MASTER):
    return client.get("/account/numbers", auth=auth)


def buy(client: TestClient, msisdn: str, auth: tuple[str, str] = MASTER):
    return client.post("/number/buy", data={"country": "GB", "msisdn": msisdn}, auth=auth)


def test_the_fourth_call_within_a_second_is_429(limited: TestClient, clock: FakeClock) -> None:
    assert search(limited).status_code == 200
    assert buy(limited, "447700900001").status_code == 200
    clock.now += 0.9
    assert search(limited).status_code == 200

    refused = search(limited)

    assert (refused.status_code, refused.json()) == (429, RATE_LIMITED)
    assert refused.headers["retry-after"] == "1"
    clock.now += 0.1  # a second after the first call
    assert search(limited).status_code == 200


def test_a_refused_buy_changes_nothing_and_is_journaled(
    limited: TestClient, clock: FakeClock
) -> None:
    for _ in range(3):
        search(limited)
    before = limited.get("/_mock/state").json()

    response = buy(limited, "447700900001")

    assert (response.status_code, response.json()) == (429, RATE_LIMITED)
    assert limited.get("/_mock/state").json() == before
    entry = limited.get("/_mock/requests", params={"status": "429"}).json()["requests"]
    assert [(e["operation"], e["api_key"], e["fault"]) for e in entry] == [
        ("buy", "master01", None)
    ]


def test_a_second_listing_within_a_second_is_429(limited: TestClient, clock: FakeClock) -> None:
    assert list_owned(limited).status_code == 200
    clock.now += 0.5

    refused = list_owned(limited)

    assert (refused.status_code, refused.json()) == (429, RATE_LIMITED)
    assert refused.headers["retry-after"] == "1"
    # The overall limit still has room for the other operations.
    assert search(limited).status_code == 200
    clock.now += 0.5
    assert list_owned(limited).status_code == 200


def test_a_429_is_answered_in_xml_when_asked(limited: TestClient) -> None:
    list_owned(limited)
    response = limited.get("/account/numbers", auth=MASTER, headers={"Accept": "text/xml"})
    assert response.status_code == 429
    assert b"<inbound-numbers><error-code>429</error-code>" in response.content


def test_another_account_is_unaffected(limited: TestClient) -> None:
    for _ in range(3):
        search(limited)
    assert list_owned(limited).status_code == 429

    assert [search(limited, STRANGER).status_code for _ in range(2)] == [200, 200]
    assert list_owned(limited, STRANGER).status_code == 200


def test_refused_calls_do_not_count(limited: TestClient, clock: FakeClock) -> None:
    for _ in range(3):
        search(limited)
    for _ in range(5):
        assert search(limited).status_code == 429
    clock.now += 1.0
    assert [search(limited).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_bad_credentials_are_401_and_not_counted(limited: TestClient) -> None:
    for _ in range(5):
        assert search(limited, (MASTER[0], "WrongSecret0000")).status_code == 401
    assert [search(limited).status_code for _ in range(3)] == [200, 200, 200]
    assert search(limited, (MASTER[0], "WrongSecret0000")).status_code == 401


def test_a_reset_forgets_the_calls_counted(limited: TestClient) -> None:
    for _ in range(3):
        search(limited)
    assert search(limited).status_code == 429
    limited.post("/_mock/reset")
    assert search(limited).status_code == 200


def test_custom_rates_are_settings(
    make_client: Callable[..., TestClient], clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(rate_limit="vonage", rate_limit_per_second=5, rate_limit_list_per_second=2)
    use_clock(client, clock, monkeypatch)
    assert [list_owned(client).status_code for _ in range(3)] == [200, 200, 429]
    assert [search(client).status_code for _ in range(4)] == [200, 200, 200, 429]


@pytest.mark.parametrize(
    "settings",
    [pytest.param({}, id="default"), pytest.param({"rate_limit": "off"}, id="off")],
)
def test_without_rate_limits_nothing_is_ever_429(
    make_client: Callable[..., TestClient], settings: dict[str, str]
) -> None:
    client = make_client(**settings)
    statuses = {list_owned(client).status_code for _ in range(10)}
    statuses |= {search(client).status_code for _ in range(10)}
    assert statuses == {200}
