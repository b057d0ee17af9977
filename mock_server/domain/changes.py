"""The changes a write makes to the state, planned (checked) apart from being applied.

An operation first plans its change against the current state, which raises the domain's errors
and changes nothing; the change is applied only once it may be (the runtime makes it durable in
between). A change holds plain values, so the state file can record it and replay it at start.
"""

from dataclasses import dataclass

from mock_server.domain.accounts import Account
from mock_server.domain.pool import Block
from mock_server.domain.transfers import Transfer


@dataclass(frozen=True, slots=True)
class Buy:
    """`api_key` buys `msisdn` from the pool and is charged its price."""

    api_key: str
    msisdn: str


@dataclass(frozen=True, slots=True)
class Cancel:
    """`api_key` gives `msisdn` back to the pool; its configuration is dropped."""

    api_key: str
    msisdn: str


@dataclass(frozen=True, slots=True)
class Update:
    """The configuration fields of an owned number set (None clears a field)."""

    api_key: str
    msisdn: str
    fields: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True, slots=True)
class AddNumbers:
    """Blocks of numbers put on sale."""

    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class AddAccount:
    """An account or subaccount opened."""

    account: Account


@dataclass(frozen=True, slots=True)
class ModifyAccount:
    """A subaccount's settings changed (None leaves a setting as it is)."""

    api_key: str
    suspended: bool | None = None
    use_primary_balance: bool | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class MoveFunds:
    """Balance or credit limit moved between two accounts, and the transfer recorded."""

    transfer: Transfer


@dataclass(frozen=True, slots=True)
class MoveNumber:
    """An owned number moved, with its configuration, from one account to another."""

    msisdn: str
    from_key: str
    to_key: str


Change = Buy | Cancel | Update | AddNumbers | AddAccount | ModifyAccount | MoveFunds | MoveNumber
