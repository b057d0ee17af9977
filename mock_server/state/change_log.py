"""The state file's records: one change per line, framed by a checksum, and back again.

A record is `<crc32 of the JSON, 8 hex digits> <compact JSON>\n`, the JSON an object whose `op`
names the change. The checksum tells a whole record from one cut short by a crash.
"""

import json
import zlib
from typing import Any

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
from mock_server.domain.phone_number import CONFIG_FIELDS
from mock_server.domain.pool import Block
from mock_server.state.document import AccountEntry, AvailableEntry, TransferEntry
from mock_server.state.export import account_data, block_data, transfer_data

_CHECKSUM_DIGITS = 8


class RecordError(ValueError):
    """A line that is not a whole, well-formed record."""


def encode(change: Change) -> bytes:
    """The record of a change, newline included."""
    payload = json.dumps(_data(change), ensure_ascii=False, separators=(",", ":")).encode()
    return b"%08x %s\n" % (zlib.crc32(payload), payload)


def decode(line: bytes) -> Change:
    """The change a record holds (the line without its newline); RecordError if it is damaged."""
    checksum, _, payload = line.partition(b" ")
    if len(checksum) != _CHECKSUM_DIGITS or checksum != b"%08x" % zlib.crc32(payload):
        raise RecordError("its checksum does not match: the record is damaged")
    try:
        return _change(json.loads(payload))
    except (ValueError, KeyError, TypeError) as error:
        raise RecordError(f"not a change the mock writes: {error}") from error


def _data(change: Change) -> dict[str, Any]:
    match change:
        case Buy(api_key, msisdn):
            return {"op": "buy", "api_key": api_key, "msisdn": msisdn}
        case Cancel(api_key, msisdn):
            return {"op": "cancel", "api_key": api_key, "msisdn": msisdn}
        case Update(api_key, msisdn, fields):
            return {"op": "update", "api_key": api_key, "msisdn": msisdn, "fields": dict(fields)}
        case AddNumbers(blocks):
            return {"op": "add_numbers", "available": [block_data(block) for block in blocks]}
        case AddAccount(account):
            return {"op": "add_account", "account": account_data(account)}
        case ModifyAccount(api_key, suspended, use_primary_balance, name):
            settings = {
                "suspended": suspended,
                "use_primary_account_balance": use_primary_balance,
                "name": name,
            }
            changed = {key: value for key, value in settings.items() if value is not None}
            return {"op": "modify_account", "api_key": api_key, **changed}
        case MoveFunds(transfer):
            return {"op": "transfer", "transfer": transfer_data(transfer)}
        case MoveNumber(msisdn, from_key, to_key):
            return {"op": "transfer_number", "msisdn": msisdn, "from": from_key, "to": to_key}


def _change(data: dict[str, Any]) -> Change:
    op = data["op"]
    if op == "buy":
        return Buy(str(data["api_key"]), str(data["msisdn"]))
    if op == "cancel":
        return Cancel(str(data["api_key"]), str(data["msisdn"]))
    if op == "update":
        fields = dict(data["fields"])
        if not set(fields) <= set(CONFIG_FIELDS):
            raise ValueError(
                f"unknown configuration fields {sorted(set(fields) - set(CONFIG_FIELDS))}"
            )
        return Update(str(data["api_key"]), str(data["msisdn"]), tuple(fields.items()))
    if op == "add_numbers":
        entries = [AvailableEntry.model_validate(entry) for entry in data["available"]]
        return AddNumbers(
            tuple(Block.of_range(*entry.bounds(), entry.attributes()) for entry in entries)
        )
    if op == "add_account":
        entry = AccountEntry.model_validate(data["account"])
        return AddAccount(entry.account())
    if op == "modify_account":
        return ModifyAccount(
            str(data["api_key"]),
            _optional_bool(data.get("suspended")),
            _optional_bool(data.get("use_primary_account_balance")),
            None if data.get("name") is None else str(data["name"]),
        )
    if op == "transfer":
        return MoveFunds(TransferEntry.model_validate(data["transfer"]).transfer())
    if op == "transfer_number":
        return MoveNumber(str(data["msisdn"]), str(data["from"]), str(data["to"]))
    raise ValueError(f"unknown op {op!r}")


def _optional_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(f"not a boolean: {value!r}")
