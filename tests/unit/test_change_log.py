"""mock_server.state.change_log: a change as one checksummed line, and back."""

import json
import zlib
from decimal import Decimal

import pytest

from mock_server.domain.accounts import Account
from mock_server.domain.changes import (
    AddAccount,
    AddNumbers,
    Buy,
    Cancel,
    Change,
    ModifyAccount,
    MoveFunds,
    MoveNumber,
    Update,
)
from mock_server.domain.phone_number import Feature, Limitation, NumberAttributes, NumberType
from mock_server.domain.pool import Block
from mock_server.domain.transfers import Transfer, TransferKind
from mock_server.state import change_log
from mock_server.state.change_log import RecordError

ATTRIBUTES = NumberAttributes(
    "GB",
    NumberType.LANDLINE,
    frozenset({Feature.VOICE, Feature.SMS}),
    Decimal("1.15"),
    Decimal("0.50"),
    (Limitation("SMS", "OUTBOUND", "INTERNATIONAL"),),
)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(Buy("master01", "447700900000"), id="buy"),
        pytest.param(Cancel("sub00001", "12015550100"), id="cancel"),
        pytest.param(
            Update("k", "447700900000", (("mo_http_url", "https://x.example/é"), ("app_id", None))),
            id="update",
        ),
        pytest.param(
            AddNumbers(
                (
                    Block.of_range("442079460000", "442079460099", ATTRIBUTES),
                    Block.of_range("442079469999", "442079469999", ATTRIBUTES),
                )
            ),
            id="add-numbers",
        ),
        pytest.param(
            AddAccount(Account("new00001", "Secret0000000001", Decimal("2.50"), "master01", "Zoë")),
            id="add-account",
        ),
        pytest.param(
            AddAccount(
                Account(
                    "5ub4cc01",
                    "Aa1secretSecret",
                    Decimal("0.00"),
                    "master01",
                    "Dept A",
                    suspended=True,
                    use_primary_balance=True,
                    credit_limit=Decimal("25.00"),
                    created_at="2026-01-02T03:04:05Z",
                )
            ),
            id="add-subaccount-with-settings",
        ),
        pytest.param(ModifyAccount("sub00001", suspended=True), id="modify-suspend"),
        pytest.param(ModifyAccount("sub00001", False, True, "Renamed Zoë"), id="modify-everything"),
        pytest.param(
            MoveFunds(
                Transfer(
                    TransferKind.BALANCE,
                    "07b5-46e1",
                    Decimal("12.50"),
                    "master01",
                    "sub00001",
                    "2026-01-02T03:04:05Z",
                    "for Q1",
                )
            ),
            id="balance-transfer",
        ),
        pytest.param(
            MoveFunds(
                Transfer(
                    TransferKind.CREDIT,
                    "c1",
                    Decimal("5.00"),
                    "sub00001",
                    "master01",
                    "2026-01-02T03:04:05Z",
                )
            ),
            id="credit-transfer-no-reference",
        ),
        pytest.param(MoveNumber("447700900500", "master01", "sub00001"), id="transfer-number"),
    ],
)
def test_a_change_round_trips_through_one_line(change: Change) -> None:
    line = change_log.encode(change)

    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    assert change_log.decode(line[:-1]) == change  # blocks compare by value


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b'{"op":"buy"}', id="no-checksum"),
        pytest.param(b'00000000 {"op":"buy","api_key":"k","msisdn":"1"}', id="wrong-checksum"),
        pytest.param(change_log.encode(Buy("k", "447700900000"))[:-5], id="cut-short"),
    ],
)
def test_a_damaged_line_is_a_record_error(line: bytes) -> None:
    with pytest.raises(RecordError, match="checksum"):
        change_log.decode(line)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"op": "steal", "api_key": "k"}, id="unknown-op"),
        pytest.param({"op": "buy", "api_key": "k"}, id="missing-field"),
        pytest.param(
            {"op": "update", "api_key": "k", "msisdn": "1", "fields": {"x": 1}}, id="bad-field"
        ),
        pytest.param({"op": "add_account", "account": {"api_key": ""}}, id="invalid-account"),
        pytest.param(
            {"op": "modify_account", "api_key": "k", "suspended": "yes"}, id="modify-not-boolean"
        ),
        pytest.param({"op": "transfer", "transfer": {"kind": "gift"}}, id="bad-transfer"),
        pytest.param({"op": "transfer_number", "msisdn": "1", "from": "a"}, id="number-no-to"),
    ],
)
def test_a_well_framed_line_that_is_no_change_is_a_record_error(payload: dict[str, object]) -> None:
    data = json.dumps(payload).encode()
    line = b"%08x %s" % (zlib.crc32(data), data)

    with pytest.raises(RecordError, match="not a change"):
        change_log.decode(line)
