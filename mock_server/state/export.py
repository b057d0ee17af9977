"""The live state as a fixture document: what the state file holds and a restart loads back."""

from dataclasses import asdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from mock_server.domain.accounts import Account
from mock_server.domain.inventory import Inventory, Snapshot
from mock_server.domain.phone_number import CONFIG_FIELDS, NumberAttributes, OwnedNumber
from mock_server.domain.pool import Block
from mock_server.domain.transfers import Transfer
from mock_server.domain.wire import wire_name

if TYPE_CHECKING:
    from mock_server.state.document import FixtureFile

CENT = Decimal("0.01")
SOURCE = "<state>"

Data = dict[str, Any]

# The document is built directly rather than validated into the pydantic models and dumped (four
# times faster with 100,000 owned numbers); the wire names come from the same list as theirs.
_INITIAL_PRICE = wire_name("initial_price")
_CONFIG_KEYS = tuple((name, wire_name(name)) for name in CONFIG_FIELDS)


def export_fixtures(inventory: Inventory) -> "FixtureFile":
    """The whole state as a FixtureFile: `build_inventory` of it reproduces the state exactly.

    Accounts with their current balances, the pool (a range stays one entry however many of its
    numbers are owned: building the state takes owned numbers out of ranges again), owned numbers
    with their own attributes and full configuration, and the address-required countries.
    FixtureError when the state could not be loaded back.
    """
    # Imported here: the document module writes owned numbers back with this one.
    from mock_server.state.document import parse_fixtures

    return parse_fixtures(state_document(inventory), SOURCE)


def state_document(inventory: Inventory | Snapshot) -> dict[str, Any]:
    """`export_fixtures` as JSON-ready data in the fixture file format.

    Wire names (`initialPrice`, `moHttpUrl`), no None fields, money as strings with two decimals
    ("998.75"), no `$schema`. Entries share no mutable parts, so the caller may change them.
    A snapshot is read as it is (nothing changes it); the inventory with no change meanwhile.
    """
    if isinstance(inventory, Snapshot):
        return _document(inventory)
    return inventory.read(_document)


def _document(inventory: Inventory | Snapshot) -> dict[str, Any]:
    numbers = _NumberData()
    return {
        "accounts": [account_data(account) for account in inventory.accounts],
        "address_required_countries": sorted(inventory.address_required),
        "available": [numbers.entry(block.attributes, _bounds(block)) for block in inventory.pool],
        "owned": [
            numbers.entry(number.attributes, _owned(api_key, number))
            for api_key, number in _owned_in_account_order(inventory)
        ],
        "transfers": [transfer_data(transfer) for transfer in inventory.transfers],
    }


class _NumberData(dict[NumberAttributes, Data]):
    """The fields of each distinct set of attributes, computed once: most numbers share a few."""

    def entry(self, attributes: NumberAttributes, fields: Data) -> Data:
        """A new entry: the attributes' fields (no part shared with other entries), then these."""
        data = self.get(attributes)
        if data is None:
            data = self[attributes] = _number(attributes)
        return {
            **data,
            "features": [*data["features"]],
            "limitations": [{**limitation} for limitation in data["limitations"]],
            **fields,
        }


def _number(attributes: NumberAttributes) -> Data:
    return {
        "country": attributes.country,
        "type": attributes.type.value,
        "features": attributes.ordered_features,
        "cost": _money(attributes.cost),
        _INITIAL_PRICE: _money(attributes.initial_price),
        "limitations": [asdict(limitation) for limitation in attributes.limitations],
    }


def _money(amount: Decimal) -> str:
    # Always two decimals: "1000.00", never "1E+3" or "0.9".
    return str(amount.quantize(CENT))


def block_data(block: Block) -> Data:
    """One block of the pool as an `available` entry of the fixture format."""
    return _NumberData().entry(block.attributes, _bounds(block))


def owned_data(api_key: str, number: OwnedNumber) -> Data:
    """An owned number as an `owned` entry of the fixture format."""
    return _NumberData().entry(number.attributes, _owned(api_key, number))


def account_data(account: Account) -> Data:
    """An account as an `accounts` entry of the fixture format."""
    data: Data = {
        "api_key": account.api_key,
        "api_secret": account.api_secret,
        "balance": _money(account.balance),
        "parent": account.parent,
        "name": account.name,
        "created_at": account.created_at,
    }
    # The Subaccounts API's settings only when set: a document of plain accounts stays as it was.
    if account.suspended:
        data["suspended"] = True
    if account.use_primary_balance:
        data["use_primary_account_balance"] = True
    if account.credit_limit:
        data["credit_limit"] = _money(account.credit_limit)
    return {key: value for key, value in data.items() if value is not None}


def transfer_data(transfer: Transfer) -> Data:
    """A credit or balance transfer as a `transfers` entry of the fixture format."""
    data: Data = {
        "kind": transfer.kind.value,
        "id": transfer.id,
        "amount": _money(transfer.amount),
        "from": transfer.from_key,
        "to": transfer.to_key,
        "created_at": transfer.created_at,
    }
    if transfer.reference is not None:
        data["reference"] = transfer.reference
    return data


def _bounds(block: Block) -> Data:
    first, last = (str(value).zfill(block.width) for value in (block.first, block.last))
    if first == last:
        return {"msisdn": first}
    return {"range": {"start": first, "end": last}}


def _owned(api_key: str, number: OwnedNumber) -> Data:
    data = {"api_key": api_key, "msisdn": number.msisdn}
    for name, key in _CONFIG_KEYS:
        value = getattr(number.config, name)
        if value is not None:
            data[key] = value
    return data


def _owned_in_account_order(inventory: Inventory | Snapshot) -> list[tuple[str, OwnedNumber]]:
    # A rebuilt inventory lists owned numbers account by account, in the order of the accounts;
    # the live one in the order accounts first owned a number. Export the former, so that a
    # round trip is exact even when accounts opened later bought in another order.
    position = {account.api_key: i for i, account in enumerate(inventory.accounts)}
    return sorted(inventory.owned_items(), key=lambda item: position.get(item[0], len(position)))
