"""The data sets the tests start from: paths, settings on the small set, the e2e set by role."""

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from mock_server.settings import Settings

from .accounts import Account

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = REPO_ROOT / "tests" / "data"
SMALL = DATA / "small.json"
E2E_FIXTURES = DATA / "e2e.json"
DEFAULT_FIXTURES = REPO_ROOT / "fixtures" / "default.json"


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings on the small data set, HTTPS off, TLS files under `tmp_path`."""
    values: dict[str, Any] = {"fixtures": SMALL, "https_port": 0, "tls_dir": tmp_path / "tls"}
    return Settings(**(values | overrides))


@dataclass(frozen=True)
class E2EData:
    """What tests/data/e2e.json holds, by role, so tests name values instead of indexing JSON."""

    primary: Account
    subaccount: Account
    gb_pattern: str
    """Prefix (search_pattern 0) of the GB mobile-lvn numbers for sale."""
    gb_available: tuple[str, ...]
    us_pattern: str
    us_available: tuple[str, ...]
    preowned: dict[str, Any]
    """The number the primary account owns from the start, as written in the fixture file."""
    not_for_sale: str
    """A GB number in the fictional Ofcom range that nobody owns and that is not for sale."""
    raw: dict[str, Any] = field(repr=False)


def shipped_accounts() -> dict[str, Account]:
    """The accounts of fixtures/default.json, by api_key."""
    raw = json.loads(DEFAULT_FIXTURES.read_text(encoding="utf-8"))
    return {a["api_key"]: _account(a) for a in raw["accounts"]}


def _account(entry: dict[str, Any]) -> Account:
    return Account(
        entry["api_key"], entry["api_secret"], Decimal(entry["balance"]), entry.get("parent")
    )


def _expand(entry: dict[str, Any]) -> tuple[str, ...]:
    if "msisdn" in entry:
        return (entry["msisdn"],)
    start, end = entry["range"]["start"], entry["range"]["end"]
    return tuple(str(n) for n in range(int(start), int(end) + 1))


def load_e2e_data(path: Path = E2E_FIXTURES) -> E2EData:
    raw = json.loads(path.read_text(encoding="utf-8"))
    accounts = {a["api_key"]: _account(a) for a in raw["accounts"]}
    gb = tuple(n for e in raw["available"] if e["country"] == "GB" for n in _expand(e))
    us = tuple(n for e in raw["available"] if e["country"] == "US" for n in _expand(e))
    (preowned,) = [o for o in raw["owned"] if o["api_key"] == "1a2b3c4d"]
    data = E2EData(
        primary=accounts["1a2b3c4d"],
        subaccount=accounts["5e6f7a8b"],
        gb_pattern="447700900",
        gb_available=gb,
        us_pattern="1201555",
        us_available=us,
        preowned=preowned,
        not_for_sale="447700900500",
        raw=raw,
    )
    # The tests rely on these facts of the data file: fail loudly if someone edits it away.
    assert data.subaccount.parent == data.primary.api_key
    assert gb
    assert all(n.startswith(data.gb_pattern) for n in gb)
    assert us
    assert all(n.startswith(data.us_pattern) for n in us)
    assert preowned["msisdn"].startswith(data.gb_pattern)
    assert preowned["msisdn"] not in gb
    assert data.not_for_sale not in gb
    assert data.not_for_sale != preowned["msisdn"]
    return data


# The in-process clients' base URL: the control API answers only to names the mock serves, and
# starlette's TestClient would send `Host: testserver`.
IN_PROCESS_URL = "http://localhost"
