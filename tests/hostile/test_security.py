"""Security properties: constant-time comparison of credentials, no secret in the logs or the
journal, the admin token enforced, loopback-only by default, bounded requests and journal."""

import ast
import base64
import itertools
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient
from support.accounts import MASTER, SUB
from support.data import REPO_ROOT, SMALL
from support.refusals import BUY, FOR_SALE, FORM, LIST, XML, basic, refusal, unchanged
from support.servers import free_port, start_mock_server, stop_mock_server
from support.waiting import wait_for

import mock_server

PACKAGE = Path(mock_server.__file__).resolve().parent
FORMATS = [pytest.param(False, id="json"), pytest.param(True, id="xml")]


# -- constant time ------------------------------------------------------------------------------


def _function(module: str, qualified_name: str) -> ast.FunctionDef:
    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    *outer, name = qualified_name.split(".")
    scope: ast.AST = tree
    for class_name in outer:
        scope = next(
            n for n in ast.walk(scope) if isinstance(n, ast.ClassDef) and n.name == class_name
        )
    return next(n for n in ast.walk(scope) if isinstance(n, ast.FunctionDef) and n.name == name)


def _compare_digest_calls(function: ast.FunctionDef) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(function)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "compare_digest"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "hmac"
    ]


def _names(node: ast.AST) -> set[str]:
    return {
        n.id if isinstance(n, ast.Name) else n.attr
        for n in ast.walk(node)
        if isinstance(n, ast.Name | ast.Attribute)
    }


@pytest.mark.parametrize(
    ("module", "function", "given"),
    [
        pytest.param("domain/accounts.py", "Accounts.authenticate", "api_secret", id="api secret"),
        pytest.param("control/api.py", "admin_denial", "given", id="admin token"),
    ],
)
def test_credentials_are_compared_with_hmac_compare_digest(
    module: str, function: str, given: str
) -> None:
    calls = _compare_digest_calls(_function(module, function))
    assert calls, f"{module} {function} does not call hmac.compare_digest"
    assert any(given in _names(arg) for call in calls for arg in call.args)


def test_no_secret_or_token_is_compared_with_equality() -> None:
    """Nowhere in the package is a secret or a token compared with == or != (which stop at the
    first differing character, and so leak it through timing)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and any(
                isinstance(op, ast.Eq | ast.NotEq) for op in node.ops
            ):
                names = _names(node)
                if any(word in name.lower() for name in names for word in ("secret", "token")):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {ast.unparse(node)}")
    assert not found


WRONG_SECRETS = [
    pytest.param("MasterSecret0002", id="same length, last character"),
    pytest.param("XasterSecret0001", id="same length, first character"),
    pytest.param("masterSecret0001", id="same length, case"),
    pytest.param(SUB[1], id="another account's secret, same length"),
    pytest.param("MasterSecret000\u00e9", id="same characters, more bytes"),
    pytest.param("Master", id="shorter"),
    pytest.param("MasterSecret0001x", id="longer"),
    pytest.param("MasterSecret0001\x00", id="NUL appended"),
    pytest.param("", id="empty"),
    pytest.param("\u2603" * 40, id="non-ASCII, much longer"),
]


@pytest.mark.parametrize("xml", FORMATS)
@pytest.mark.parametrize("secret", WRONG_SECRETS)
def test_a_wrong_secret_of_any_length_is_a_401(client: TestClient, xml: bool, secret: str) -> None:
    accept = XML if xml else {}
    with unchanged(client):
        via_header = client.get(LIST, headers={**accept, "Authorization": basic(MASTER[0], secret)})
        refusal(via_header, LIST, 401, xml)
        via_query = client.get(
            LIST, params={"api_key": MASTER[0], "api_secret": secret}, headers=accept
        )
        refusal(via_query, LIST, 401, xml)
        form = {"api_key": MASTER[0], "api_secret": secret, "country": "GB", "msisdn": FOR_SALE}
        refusal(client.post(BUY, data=form, headers=accept), BUY, 401, xml)
    # The right one, the same ways: the refusals above were about the secret alone.
    assert client.get(LIST, auth=MASTER).status_code == 200
    assert (
        client.get(LIST, params={"api_key": MASTER[0], "api_secret": MASTER[1]}).status_code == 200
    )


@pytest.mark.parametrize("api_key", ["master0", "master011", "MASTER01", "", "\u00e9"])
def test_an_unknown_key_with_a_real_secret_is_a_401(client: TestClient, api_key: str) -> None:
    with unchanged(client):
        refusal(client.get(LIST, auth=(api_key, MASTER[1])), LIST, 401)


# -- nothing secret in the logs or the journal --------------------------------------------------

ADMIN_TOKEN = "AdminToken-7c41d0e9f2"
WRONG_TOKEN = "AdminToken-0000000000"
WRONG_SECRET = "WrongSecret00001"


def _secrets() -> dict[str, str]:
    """Every secret the calls below carry, and the forms they take on the wire."""
    values = {
        "secret": MASTER[1],
        "wrong secret": WRONG_SECRET,
        "subaccount secret": SUB[1],
        "admin token": ADMIN_TOKEN,
        "wrong admin token": WRONG_TOKEN,
    }
    for key, secret in ((MASTER[0], MASTER[1]), (MASTER[0], WRONG_SECRET), (SUB[0], SUB[1])):
        values[f"basic {key}:{secret}"] = basic(key, secret).removeprefix("Basic ")
    return values


EXERCISED_CALLS = 19
"""The Vonage calls `_exercise` makes: nine per credential pair, one as the subaccount."""


def _exercise(url: str) -> None:
    """Calls carrying secrets in the query, the form and the Basic header, failing ones too."""
    good, bad = MASTER, (MASTER[0], WRONG_SECRET)
    call = requests.Session()
    call.trust_env = False
    for key, secret in (good, bad):
        call.get(f"{url}{LIST}", params={"api_key": key, "api_secret": secret}, timeout=10)
        call.get(f"{url}{LIST}", auth=(key, secret), timeout=10)
        call.get(f"{url}{LIST}", headers={"Authorization": f"Basic {secret}"}, timeout=10)
        form = {"api_key": key, "api_secret": secret, "country": "GB", "msisdn": "447700900002"}
        call.post(f"{url}{BUY}", data=form, timeout=10)
        call.post(f"{url}{BUY}", data={**form, "msisdn": "+44"}, timeout=10)  # a 400
        call.post(f"{url}{BUY}", data={**form, "pad": "x" * 70000}, timeout=10)  # a 413
        call.post(f"{url}/number/update?api_key={key}&api_secret={secret}", timeout=10)
        call.get(f"{url}{LIST}", auth=(key, secret), headers={"X-Mock-Fault": "500"}, timeout=10)
        call.post(
            f"{url}/number/buy",
            data={"country": "GB", "msisdn": "447700900003", "target_api_key": SUB[0]},
            auth=(key, secret),
            timeout=10,
        )
    call.get(f"{url}{LIST}", auth=SUB, timeout=10)
    for token in (ADMIN_TOKEN, WRONG_TOKEN):
        call.get(f"{url}/_mock/faults", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    call.close()


def _truncated_post(port: int) -> None:
    """A form carrying the secret, cut short: the path where the server logs an error."""
    body = f"api_key={MASTER[0]}&api_secret={MASTER[1]}&country=GB".encode()
    head = b"POST /number/buy HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += f"Content-Type: {FORM}\r\nContent-Length: {len(body) + 50}\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head + body)
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(65536):
            pass


def _journal_holding(url: str, count: int) -> requests.Response | None:
    """The journal, once it holds `count` entries."""
    journal = requests.get(
        f"{url}/_mock/requests", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10
    )
    assert journal.status_code == 200, journal.text
    return journal if len(journal.json()["requests"]) >= count else None


@pytest.mark.e2e
def test_no_secret_in_the_debug_log_nor_in_the_journal(tmp_path: Path) -> None:
    server = start_mock_server(
        tmp_path,
        fixtures=SMALL,
        https=False,
        extra_args=["--log-level", "debug", "--log-requests", "--admin-token", ADMIN_TOKEN],
    )
    try:
        _exercise(server.http_url)
        _truncated_post(server.http_port)
        # The server is done with the cut-short post once it has journaled it (no answer sent).
        journal = wait_for(
            lambda: _journal_holding(server.http_url, EXERCISED_CALLS + 1),
            "the cut-short post in the journal",
        )
    finally:
        stop_mock_server(server)
    entries = journal.json()["requests"]
    assert len(entries) == EXERCISED_CALLS + 1  # every call above, the cut-short one last
    assert (entries[-1]["method"], entries[-1]["path"], entries[-1]["status"]) == (
        "POST",
        "/number/buy",
        None,
    )
    # Secrets given as parameters are recorded as "***", never as themselves.
    assert {e["params"]["api_secret"] for e in entries if "api_secret" in e["params"]} == {"***"}
    logs = server.stdout() + server.stderr()
    # uvicorn writes nothing at DEBUG for plain HTTP calls (its per-connection lines are at its
    # TRACE level); the start block shows that --log-level debug replaced the helper's warning
    # level, and the request log (--log-requests) has a line per call.
    assert f"INFO:     vonage-numbers-mock {mock_server.__version__} ready" in logs, logs
    assert logs.count(" operation=") >= len(entries), logs
    for where, text in (("journal", journal.text), ("log", logs)):
        leaked = [name for name, value in _secrets().items() if value in text]
        assert not leaked, f"{where} shows: {leaked}"


# -- the admin token ----------------------------------------------------------------------------


def test_the_admin_token_is_enforced(make_client: Callable[..., TestClient]) -> None:
    """A smoke test (tests/api/test_control_admin_token.py has the rest)."""
    client = make_client(admin_token=ADMIN_TOKEN)
    assert client.get("/_mock/state").status_code == 401
    wrong = client.get("/_mock/state", headers={"Authorization": f"Bearer {WRONG_TOKEN}"})
    assert wrong.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    assert ADMIN_TOKEN not in wrong.text
    right = client.get("/_mock/state", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert right.status_code == 200
    assert client.get("/_mock/health").status_code == 200


# -- loopback only, unless told otherwise -------------------------------------------------------


def _local_ipv4_addresses() -> set[str]:
    """The machine's own IPv4 addresses: the host name's, and every local one the kernel has."""
    addresses = set()
    try:
        for *_, address in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            addresses.add(str(address[0]))
    except OSError:
        pass
    trie = Path("/proc/net/fib_trie")
    if trie.exists():
        lines = trie.read_text().splitlines()
        for previous, line in itertools.pairwise(lines):
            if "/32 host LOCAL" in line:
                addresses.add(previous.split("--")[-1].strip())
    return addresses


def _listeners(port: int) -> list[str]:
    """The local addresses (hex, as /proc/net/tcp{,6} write them) listening on `port`."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.append(address)
    return found


@pytest.fixture
def default_server(tmp_path: Path) -> Iterator[tuple[int, int]]:
    """`python -m mock_server` with its defaults but the ports (and the TLS directory, kept out
    of the user's home): no --host."""
    http_port, https_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBERS_MOCK_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    command = [sys.executable, "-m", "mock_server", "--port", str(http_port)]
    command += ["--https-port", str(https_port), "--tls-dir", str(tmp_path / "tls")]
    with (tmp_path / "server.log").open("wb") as log:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                url = f"http://127.0.0.1:{http_port}/_mock/health"
                with urllib.request.urlopen(url, timeout=2) as answer:
                    if answer.status == 200 and _listeners(https_port):
                        break
            except OSError:
                pass
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield http_port, https_port
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.e2e
def test_by_default_the_server_listens_on_loopback_only(default_server: tuple[int, int]) -> None:
    for port in default_server:
        listening = _listeners(port)
        if Path("/proc/net/tcp").exists():
            # 0100007F is 127.0.0.1 as /proc writes it; 0.0.0.0 or :: would be every interface.
            assert listening == ["0100007F"], listening
        for address in sorted(_local_ipv4_addresses()):
            if address.startswith("127."):
                continue
            with socket.socket() as sock:
                sock.settimeout(5)
                with pytest.raises(ConnectionRefusedError):
                    sock.connect((address, port))


# -- bounded sizes ------------------------------------------------------------------------------


@pytest.mark.parametrize("xml", FORMATS)
def test_request_bodies_are_bounded(client: TestClient, xml: bool) -> None:
    limit = 64 * 1024
    form = b"country=GB&msisdn=447700900700&pad="
    at_limit = form + b"x" * (limit - len(form))
    headers = {"content-type": FORM, **(XML if xml else {})}
    with unchanged(client):
        answer = client.post(BUY, content=at_limit, headers=headers, auth=MASTER)
        refusal(answer, BUY, 420, xml)  # read: the number is another account's
        answer = client.post(BUY, content=at_limit + b"x", headers=headers, auth=MASTER)
        refusal(answer, BUY, 413, xml)


def test_the_journal_is_bounded(make_client: Callable[..., TestClient]) -> None:
    client = make_client(journal_size=3)
    for index in range(1, 8):
        client.get(LIST, params={"index": str(index)}, auth=MASTER)
    journal = client.get("/_mock/requests").json()
    assert journal["capacity"] == 3
    assert [e["params"]["index"] for e in journal["requests"]] == ["5", "6", "7"]


@pytest.mark.e2e
def test_journal_size_bounds_the_journal_of_a_real_server(tmp_path: Path) -> None:
    server = start_mock_server(
        tmp_path, fixtures=SMALL, https=False, extra_args=["--journal-size", "4"]
    )
    try:
        for index in range(1, 11):
            answer = requests.get(
                f"{server.http_url}{LIST}", params={"index": str(index)}, auth=MASTER, timeout=10
            )
            assert answer.status_code == 200
        journal = requests.get(f"{server.http_url}/_mock/requests", timeout=10).json()
    finally:
        stop_mock_server(server)
    assert journal["capacity"] == 4
    assert [e["params"]["index"] for e in journal["requests"]] == ["7", "8", "9", "10"]


def test_the_journal_keeps_no_basic_credentials(client: TestClient) -> None:
    client.get(LIST, auth=MASTER)
    client.get(LIST, headers={"Authorization": basic(MASTER[0], WRONG_SECRET)})
    text = json.dumps(client.get("/_mock/requests").json())
    assert MASTER[1] not in text
    assert WRONG_SECRET not in text
    assert base64.b64encode(f"{MASTER[0]}:".encode()).decode()[:8] not in text
