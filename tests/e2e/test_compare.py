"""`vonage-numbers-mock compare`, run as the installed console script against real mock processes:
it finds exactly the differences that settings make, none between identical mocks, and never
prints a secret."""

import json
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from support.data import E2E_FIXTURES, REPO_ROOT, E2EData
from support.servers import MockServer, free_port, server_env, start_mock_server, stop_mock_server

from mock_server.compare.command import (
    EXIT_BAD_CONFIG,
    EXIT_DIFFERENT,
    EXIT_SAME,
    EXIT_UNREACHABLE,
    MISSING_CREDENTIALS,
    STARTED_HERE,
)
from mock_server.compare.plan import PLAN, WRONG_SECRET
from mock_server.compare.structure import ABSENT

SCRIPT = Path(sys.executable).parent / "vonage-numbers-mock"
VARIED_SETTINGS = (
    "--empty-numbers",
    "omit",
    "--xml-names",
    "camel",
    "--method-failed-status",
    "200",
)


def _expected_differences() -> set[tuple[str, str, str, str, str]]:
    """(request, aspect, where, mock, against) that VARIED_SETTINGS cause with tests/data/e2e.json.

    --xml-names camel renames the multi-word elements of the numbers in XML answers (available
    numbers have initialPrice; the one owned number has moHttpUrl and app_id); --empty-numbers
    omit drops "numbers" from the JSON search that finds nothing (XML has no element for an empty
    list either way). --method-failed-status 200 changes nothing here: it only concerns 420
    answers, and no request of the plan is one that can fail with 420.
    """
    renamed = {
        "search, starts with": ["initial-price"],
        "search, contains": ["initial-price"],
        "search, ends with": ["initial-price"],
        "search, wildcard": ["initial-price"],
        "owned numbers": ["mo-http-url", "app-id"],
    }
    camel = {"initial-price": "initialPrice", "mo-http-url": "moHttpUrl", "app-id": "app_id"}
    expected = {("search, no match, JSON", "key", "$.numbers", "array", ABSENT)}
    for request, names in renamed.items():
        for name in names:
            where = "/inbound-numbers/numbers/"
            expected.add((f"{request}, XML", "element", where + name, "element", ABSENT))
            expected.add((f"{request}, XML", "element", where + camel[name], ABSENT, "element"))
    return expected  # fmt: skip


@pytest.fixture(scope="module")
def default_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    server = start_mock_server(tmp_path_factory.mktemp("compare-default"))
    try:
        yield server
    finally:
        stop_mock_server(server)


@pytest.fixture(scope="module")
def varied_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    server = start_mock_server(
        tmp_path_factory.mktemp("compare-varied"), extra_args=VARIED_SETTINGS
    )
    try:
        yield server
    finally:
        stop_mock_server(server)


def compare(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # No proxy variables: every request goes straight to 127.0.0.1.
    base = {k: v for k, v in server_env(env).items() if not k.lower().endswith("_proxy")}
    base = {k: v for k, v in base.items() if not k.startswith("VONAGE_")} | dict(env or {})
    return subprocess.run(
        [str(SCRIPT), "compare", *NO_PAUSE, *args],
        cwd=REPO_ROOT, env=base, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


NO_PAUSE = ("--pause", "0")
"""First, so that a test can give its own: the pause keeps to Vonage's rate limits, and these
mocks have none (but one)."""


def against(server: MockServer) -> list[str]:
    """--against the server's HTTPS listener, trusting its CA: as a live API over TLS."""
    return ["--against", server.https_url, "--ca", str(server.ca_file)]


def credentials(e2e_data: E2EData) -> list[str]:
    return ["--api-key", e2e_data.primary.api_key, "--api-secret", e2e_data.primary.api_secret]


def reported(document: dict[str, Any]) -> set[tuple[str, str, str, str, str]]:
    return {
        (entry["name"], d["aspect"], d["where"], d["mock"], d["against"])
        for entry in document["requests"]
        for d in entry["differences"]
    }


def assert_no_secret(result: subprocess.CompletedProcess[str], e2e_data: E2EData) -> None:
    for secret in (e2e_data.primary.api_secret, WRONG_SECRET):
        assert secret not in result.stdout + result.stderr


def test_reports_exactly_what_the_settings_change(
    default_mock: MockServer, varied_mock: MockServer, e2e_data: E2EData
) -> None:
    result = compare("--mock", default_mock.http_url, "--fixtures", str(E2E_FIXTURES),
                     *against(varied_mock), *credentials(e2e_data), "--output", "json")  # fmt: skip

    assert result.returncode == EXIT_DIFFERENT, result.stderr
    document = json.loads(result.stdout)
    assert reported(document) == _expected_differences()
    assert [entry["name"] for entry in document["requests"]] == [r.name for r in PLAN]
    statuses = {(e["mock"]["status"], e["against"]["status"]) for e in document["requests"]}
    assert statuses == {(200, 200), (401, 401), (400, 400)}
    assert document["differing"] == 6
    assert_no_secret(result, e2e_data)


def test_a_mock_it_starts_itself_and_the_readable_report(
    varied_mock: MockServer, e2e_data: E2EData, tmp_path: Path
) -> None:
    data_home = tmp_path / "data"  # where the started mock would keep a CA if it served HTTPS
    env = {"NUMBERS_MOCK_COMPARE_API_KEY": e2e_data.primary.api_key,
           "NUMBERS_MOCK_COMPARE_API_SECRET": e2e_data.primary.api_secret,
           "XDG_DATA_HOME": str(data_home)}  # fmt: skip
    result = compare("--fixtures", str(E2E_FIXTURES), *against(varied_mock), env=env)

    assert result.returncode == EXIT_DIFFERENT, result.stderr
    out = result.stdout
    assert STARTED_HERE in out.splitlines()[0]
    assert "search, no match, JSON: GET /number/search?country=GB&pattern=999999" in out
    assert "  key     $.numbers  array  (absent)\n" in out
    assert "  element  /inbound-numbers/numbers/moHttpUrl    (absent)  element\n" in out
    assert "wrong secret, XML: GET /number/search?country=GB\n  same structure (401" in out
    assert out.endswith("6 of 16 requests differ (13 differences).\n")
    assert len(_expected_differences()) == 13
    assert_no_secret(result, e2e_data)
    assert not data_home.exists()


@pytest.mark.parametrize("given_mock", [True, False], ids=["given-mock", "started-mock"])
def test_identical_mocks_have_no_difference(
    default_mock: MockServer, e2e_data: E2EData, given_mock: bool
) -> None:
    mock = ["--mock", default_mock.http_url] if given_mock else []
    env = {"VONAGE_API_KEY": e2e_data.primary.api_key,
           "VONAGE_API_SECRET": e2e_data.primary.api_secret}  # fmt: skip
    result = compare(*mock, "--fixtures", str(E2E_FIXTURES), *against(default_mock), env=env)

    assert result.returncode == EXIT_SAME, result.stdout + result.stderr
    assert result.stdout.count("  same structure (") == len(PLAN)
    assert result.stdout.endswith(f"No structural difference in {len(PLAN)} requests.\n")
    assert_no_secret(result, e2e_data)


def test_https_is_verified_without_ca(default_mock: MockServer, e2e_data: E2EData) -> None:
    result = compare("--mock", default_mock.http_url, "--against", default_mock.https_url,
                     *credentials(e2e_data))  # fmt: skip

    assert result.returncode == EXIT_UNREACHABLE
    assert "CERTIFICATE_VERIFY_FAILED" in result.stderr
    assert result.stdout == ""
    assert_no_secret(result, e2e_data)


def test_missing_credentials(default_mock: MockServer, e2e_data: E2EData) -> None:
    result = compare(*against(default_mock))

    assert result.returncode == EXIT_BAD_CONFIG
    assert result.stderr == f"vonage-numbers-mock compare: {MISSING_CREDENTIALS}\n"


def test_not_a_web_address(e2e_data: E2EData) -> None:
    result = compare("--against", "ftp://rest.nexmo.com", *credentials(e2e_data))

    assert result.returncode == EXIT_BAD_CONFIG
    assert "invalid setting --against (NUMBERS_MOCK_COMPARE_AGAINST)" in result.stderr
    assert_no_secret(result, e2e_data)


def test_a_mock_that_does_not_answer(default_mock: MockServer, e2e_data: E2EData) -> None:
    stopped = f"http://127.0.0.1:{free_port()}"
    result = compare("--mock", stopped, *against(default_mock), *credentials(e2e_data))

    assert result.returncode == EXIT_UNREACHABLE
    assert result.stderr.startswith(f"vonage-numbers-mock compare: {stopped}: search, starts with")
    assert_no_secret(result, e2e_data)


def test_the_pause_keeps_to_vonage_rate_limits(tmp_path: Path, e2e_data: E2EData) -> None:
    limited = start_mock_server(tmp_path, extra_args=("--rate-limit", "vonage"))
    try:
        args = ("--fixtures", str(E2E_FIXTURES), *against(limited), *credentials(e2e_data))
        # Paced first: a hurried run drains the limiter, and its next second would be refused
        # whatever pause the run after it keeps.
        paced = compare(*args, "--pause", "1")
        hurried = compare(*args, "--output", "json")  # with NO_PAUSE
    finally:
        stop_mock_server(limited)

    assert hurried.returncode == EXIT_DIFFERENT
    requests = json.loads(hurried.stdout)["requests"]
    assert 429 in {entry["against"]["status"] for entry in requests}
    assert 429 not in {entry["mock"]["status"] for entry in requests}
    assert paced.returncode == EXIT_SAME, paced.stdout


@pytest.mark.parametrize(
    ("option", "content", "complaint"),
    [
        pytest.param("--ca", "not a certificate", "not a readable PEM certificate", id="bad-ca"),
        pytest.param("--fixtures", '{"accounts": 3}', "accounts: Input should be a valid list",
                     id="broken-fixtures"),
    ],
)  # fmt: skip
def test_bad_files_stop_it_before_any_request(
    tmp_path: Path, e2e_data: E2EData, option: str, content: str, complaint: str
) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text(content, encoding="utf-8")
    result = compare("--against", "https://127.0.0.1:9", option, str(bad), *credentials(e2e_data))

    assert result.returncode == EXIT_BAD_CONFIG
    assert complaint in result.stderr
    assert result.stdout == ""
