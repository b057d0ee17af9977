"""The official clients pointed at mock servers: the Python SDKs over HTTPS, the Node SDK."""

import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from typing import Any

import nexmo
import pytest
import requests
from vonage import Auth, HttpClientOptions, Vonage

from .accounts import Account
from .data import REPO_ROOT
from .servers import MockServer

NODE_DIR = REPO_ROOT / "tests" / "node"
NODE_DRIVER = NODE_DIR / "numbers_cycle.mjs"


def _trust_only(session: requests.Session, server: MockServer) -> None:
    # trust_env off: the environment's REQUESTS_CA_BUNDLE (which would win over `verify`) and
    # proxies play no part, so clients of several servers, each with its own CA, can coexist.
    session.trust_env = False
    session.verify = str(server.ca_file)


class SdkClients:
    """Official Python clients pointed at mock servers over HTTPS; `close()` closes them all.

    The vonage SDK takes `rest_host="127.0.0.1:PORT"` (it hard-codes https); nexmo's host is set
    through the attribute its setter guards (test_nexmo_legacy explains why). Each client trusts
    its own server's CA only.
    """

    def __init__(self) -> None:
        self._sessions: list[requests.Session] = []

    def vonage(
        self,
        server: MockServer,
        account: Account,
        api_secret: str | None = None,
        path_prefix: str = "",
    ) -> Vonage:
        """A `vonage` 4.x client; `path_prefix` ("/v1") mimics a mistyped base URL."""
        client = Vonage(
            Auth(api_key=account.api_key, api_secret=api_secret or account.api_secret),
            # rest_host for the Numbers and Account APIs, api_host for the Subaccounts API.
            HttpClientOptions(
                rest_host=server.https_hostport + path_prefix,
                api_host=server.https_hostport + path_prefix,
                timeout=10,
            ),
        )
        session = client.http_client._session  # the SDK offers no public access or close()
        _trust_only(session, server)
        self._sessions.append(session)
        return client

    def legacy(
        self, server: MockServer, account: Account, secret: str | None = None
    ) -> nexmo.Client:
        """A `nexmo` 2.5 client."""
        client = nexmo.Client(key=account.api_key, secret=secret or account.api_secret)
        client._Client__host = server.https_hostport  # type: ignore[attr-defined]
        _trust_only(client.session, server)
        self._sessions.append(client.session)
        return client

    def close(self) -> None:
        """Close every client's keep-alive connections (before its server stops, ideally)."""
        for session in self._sessions:
            session.close()
        self._sessions.clear()


def run_node_calls(
    server: MockServer,
    account: Account,
    calls: Sequence[Mapping[str, Any]],
    api_secret: str | None = None,
) -> list[dict[str, Any]]:
    """Runs `calls` through the Node SDK (tests/node/numbers_cycle.mjs) in one node process.

    One outcome per call: {"ok": true, "result"} or {"ok": false, "error": {"status", "body",
    "code", ...}}. Fails (never skips) when node or the npm packages are missing.
    """
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js (node, version 20 or later) is not on PATH", pytrace=False)
    if not (NODE_DIR / "node_modules" / "@vonage" / "server-sdk" / "package.json").exists():
        pytest.fail("run `npm ci --prefix tests/node` first", pytrace=False)
    command = {
        "restHost": server.https_url,
        "apiKey": account.api_key,
        "apiSecret": api_secret or account.api_secret,
        "calls": list(calls),
    }
    completed = subprocess.run(
        [node, str(NODE_DRIVER)],
        input=json.dumps(command),
        capture_output=True,
        text=True,
        cwd=NODE_DIR,
        env=dict(os.environ, NODE_EXTRA_CA_CERTS=str(server.ca_file)),
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, (
        f"the Node driver failed (exit {completed.returncode})\n"
        f"stdout: {completed.stdout}\nstderr: {completed.stderr}"
    )
    results: list[dict[str, Any]] = json.loads(completed.stdout)["results"]
    assert len(results) == len(calls), results
    return results
