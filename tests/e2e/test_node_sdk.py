"""The official Node SDK (`@vonage/server-sdk` 3.x) against a real mock server over HTTPS.

tests/node/numbers_cycle.mjs builds `new Vonage(new Auth({apiKey, apiSecret}), {restHost})` with
`restHost: "https://127.0.0.1:PORT"`, and runs the Numbers calls it is given; Node trusts the
mock's CA through NODE_EXTRA_CA_CERTS. The SDK resolves GETs to the parsed JSON body, POSTs to
`{errorCode, errorCodeLabel}`, and rejects any non-2xx answer with a VetchError ("Request failed
with status code N") carrying the fetch Response, whose status and body the driver prints.

The npm packages must be installed first (`npm ci --prefix tests/node`): without them these tests
fail, they never skip.
"""

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from support.accounts import Account
from support.data import REPO_ROOT, E2EData
from support.servers import MockServer

pytestmark = pytest.mark.e2e

NODE_DIR = REPO_ROOT / "tests" / "node"
DRIVER = NODE_DIR / "numbers_cycle.mjs"
APP_ID = "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"
MO_HTTP_URL = "https://example.com/e2e/node/inbound-sms"
SUCCESS = {"errorCode": "200", "errorCodeLabel": "success"}
AUTH_FAILED_BODY = {"error-code": "401", "error-code-label": "authentication failed"}
METHOD_FAILED_BODY = {"error-code": "420", "error-code-label": "method failed"}

Call = dict[str, Any]
Run = Callable[..., list[dict[str, Any]]]


@pytest.fixture(scope="module")
def node() -> str:
    executable = shutil.which("node")
    if executable is None:
        pytest.fail("Node.js (node, version 20 or later) is not on PATH", pytrace=False)
    if not (NODE_DIR / "node_modules" / "@vonage" / "server-sdk" / "package.json").exists():
        pytest.fail(
            "the Node SDK is not installed in tests/node/node_modules: "
            "run `npm ci --prefix tests/node` first",
            pytrace=False,
        )
    return executable


@pytest.fixture
def run(node: str, mock_server: MockServer) -> Run:
    """Runs calls through the Node SDK in one node process; gives one outcome per call."""

    def run_calls(account: Account, calls: list[Call], *, api_secret: str | None = None) -> Any:
        command = {
            "restHost": mock_server.https_url,
            "apiKey": account.api_key,
            "apiSecret": api_secret or account.api_secret,
            "calls": calls,
        }
        env = dict(os.environ, NODE_EXTRA_CA_CERTS=str(mock_server.ca_file))
        completed = subprocess.run(
            [node, str(DRIVER)],
            input=json.dumps(command),
            capture_output=True,
            text=True,
            cwd=NODE_DIR,
            env=env,
            timeout=60,
            check=False,
        )
        assert completed.returncode == 0, (
            f"the Node driver failed (exit {completed.returncode})\n"
            f"stdout: {completed.stdout}\nstderr: {completed.stderr}"
        )
        output = json.loads(completed.stdout)
        assert output["sdkVersion"].startswith("3."), output
        results: list[dict[str, Any]] = output["results"]
        assert len(results) == len(calls)
        return results

    return run_calls


def ok(outcome: dict[str, Any]) -> Any:
    assert outcome["ok"], f"{outcome['op']} failed: {outcome['error']}"
    return outcome["result"]


def failed(outcome: dict[str, Any]) -> dict[str, Any]:
    assert not outcome["ok"], f"{outcome['op']} succeeded: {outcome['result']}"
    error: dict[str, Any] = outcome["error"]
    return error


def msisdns(document: dict[str, Any]) -> list[str]:
    return [n["msisdn"] for n in document.get("numbers", [])]


def by_msisdn(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["msisdn"]: n for n in document.get("numbers", [])}


def test_search_buy_list_update_cancel_cycle(run: Run, e2e_data: E2EData) -> None:
    msisdn = e2e_data.gb_available[11]  # this module's cycle number
    number = {"country": "GB", "msisdn": msisdn}
    gb_prefix = {"country": "GB", "pattern": e2e_data.gb_pattern, "searchPattern": 0}
    search = {"op": "search", "params": {**gb_prefix, "size": 100}}
    owned = {"op": "owned", "params": {"size": 100}}
    calls = [
        owned,
        search,
        {"op": "buy", "params": number},
        owned,
        search,
        {"op": "update", "params": {**number, "appId": APP_ID, "moHttpUrl": MO_HTTP_URL}},
        owned,
        {"op": "owned", "params": {"applicationId": APP_ID}},
        {"op": "cancel", "params": number},
        owned,
        search,
    ]
    (
        owned_start, found_start, bought, owned_bought, found_bought, updated, owned_updated,
        linked, cancelled, owned_end, found_end,
    ) = (ok(outcome) for outcome in run(e2e_data.primary, calls))  # fmt: skip
    preowned = e2e_data.preowned["msisdn"]

    owned_count = owned_start["count"]
    assert owned_count == len(owned_start["numbers"]) >= 1
    assert by_msisdn(owned_start)[preowned]["app_id"] == e2e_data.preowned["app_id"]
    assert by_msisdn(owned_start)[preowned]["moHttpUrl"] == e2e_data.preowned["moHttpUrl"]

    assert found_start["count"] == len(e2e_data.gb_available) == 20
    assert sorted(msisdns(found_start)) == sorted(e2e_data.gb_available)
    for available in found_start["numbers"]:
        assert (available["country"], available["type"]) == ("GB", "mobile-lvn")
        assert available["cost"] == "1.25"
        assert sorted(available["features"]) == ["SMS", "VOICE"]

    assert bought == SUCCESS
    assert owned_bought["count"] == owned_count + 1
    assert by_msisdn(owned_bought)[msisdn]["country"] == "GB"
    assert sorted(by_msisdn(owned_bought)[msisdn]["features"]) == ["SMS", "VOICE"]
    assert found_bought["count"] == 19
    assert msisdn not in msisdns(found_bought)

    assert updated == SUCCESS
    assert owned_updated["count"] == owned_count + 1
    assert by_msisdn(owned_updated)[msisdn]["app_id"] == APP_ID
    assert by_msisdn(owned_updated)[msisdn]["moHttpUrl"] == MO_HTTP_URL
    assert by_msisdn(owned_updated)[preowned]["app_id"] == e2e_data.preowned["app_id"]
    assert linked["count"] == 1
    assert msisdns(linked) == [msisdn]

    assert cancelled == SUCCESS
    assert owned_end["count"] == owned_count
    assert msisdn not in msisdns(owned_end)
    assert found_end["count"] == 20
    assert msisdn in msisdns(found_end)


def test_search_defaults_and_features(run: Run, e2e_data: E2EData) -> None:
    # Only `pattern`: the SDK sends search_pattern=1 (contains). Features are sent sorted
    # ("SMS,VOICE"), and no size: a page of 10 of the 20 matches.
    contains, features = run(
        e2e_data.primary,
        [
            {"op": "search", "params": {"country": "US", "pattern": "555011"}},
            {"op": "search", "params": {"country": "US", "features": ["VOICE", "SMS"]}},
        ],
    )
    assert sorted(msisdns(ok(contains))) == [n for n in e2e_data.us_available if "555011" in n]
    assert ok(contains)["count"] == 10
    assert ok(features)["count"] == len(e2e_data.us_available) == 20
    assert len(ok(features)["numbers"]) == 10


def test_bad_credentials_reject_with_status_401(run: Run, e2e_data: E2EData) -> None:
    listing, buying = run(
        e2e_data.primary,
        [
            {"op": "owned", "params": {}},
            {"op": "buy", "params": {"country": "US", "msisdn": e2e_data.us_available[2]}},
        ],
        api_secret="WrongSecret00000",
    )
    for outcome in (listing, buying):
        error = failed(outcome)
        assert error["name"] == "Error"  # VetchError does not set its own name
        assert error["message"] == "Request failed with status code 401"
        assert error["status"] == 401
        assert error["body"] == AUTH_FAILED_BODY

    (found,) = run(
        e2e_data.primary,
        [{"op": "search", "params": {"country": "US", "pattern": e2e_data.us_available[2]}}],
    )
    assert msisdns(ok(found)) == [e2e_data.us_available[2]]


def test_failing_operations_reject_with_status_420(run: Run, e2e_data: E2EData) -> None:
    not_owned = e2e_data.gb_available[13]
    owned = {"op": "owned", "params": {"size": 100}}
    before, *attempts, after = run(
        e2e_data.primary,
        [
            owned,
            {"op": "buy", "params": {"country": "GB", "msisdn": e2e_data.preowned["msisdn"]}},
            {"op": "buy", "params": {"country": "GB", "msisdn": e2e_data.not_for_sale}},
            {"op": "buy", "params": {"country": "US", "msisdn": not_owned}},
            {"op": "cancel", "params": {"country": "GB", "msisdn": not_owned}},
            {"op": "update", "params": {"country": "GB", "msisdn": not_owned, "appId": APP_ID}},
            owned,
        ],
    )
    for outcome in attempts:
        error = failed(outcome)
        assert error["message"] == "Request failed with status code 420", outcome
        assert error["status"] == 420, outcome
        assert error["body"] == METHOD_FAILED_BODY, outcome
        assert error["contentType"].startswith("application/json"), outcome
    assert ok(after) == ok(before)


def test_driver_reports_usage_errors(node: str) -> None:
    completed = subprocess.run(
        [node, str(DRIVER), json.dumps({"restHost": "https://127.0.0.1:9", "op": "owned"})],
        capture_output=True,
        text=True,
        cwd=NODE_DIR,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert "apiKey" in json.loads(completed.stdout)["usageError"]


def test_lockfile_pins_the_installed_sdk() -> None:
    package = json.loads((NODE_DIR / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((NODE_DIR / "package-lock.json").read_text(encoding="utf-8"))
    pinned = package["dependencies"]["@vonage/server-sdk"]
    assert re.fullmatch(r"3\.\d+\.\d+", pinned), "pin an exact 3.x version"
    assert lock["packages"]["node_modules/@vonage/server-sdk"]["version"] == pinned
    installed = NODE_DIR / "node_modules" / "@vonage" / "server-sdk" / "package.json"
    if installed.exists():  # test_node's own fixture fails the others when it is missing
        assert json.loads(installed.read_text(encoding="utf-8"))["version"] == pinned
