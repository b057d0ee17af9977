"""Accounts and subaccounts, their credit, and the credential check."""

import hmac
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from mock_server.domain.errors import AuthenticationFailed, MethodFailed


@dataclass(slots=True)
class Account:
    """An account; with `parent`, a subaccount of the (primary) account with that api_key.

    A suspended account cannot authenticate on any API. A subaccount that uses the primary
    account's balance is charged there. `credit_limit` is how far below zero the balance may go
    (bookkeeping moved by credit transfers); `created_at` is ISO 8601 UTC, as Vonage shows it.
    """

    api_key: str
    api_secret: str
    balance: Decimal
    parent: str | None = None
    name: str | None = None
    suspended: bool = False
    use_primary_balance: bool = False
    credit_limit: Decimal = Decimal("0.00")
    created_at: str | None = None


class Accounts:
    """The registry of accounts, keyed by api_key."""

    def __init__(self, accounts: Iterable[Account]) -> None:
        self._by_key = {account.api_key: account for account in accounts}

    def __iter__(self) -> Iterator[Account]:
        return iter(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)

    def get(self, api_key: str) -> Account | None:
        return self._by_key.get(api_key)

    def add(self, account: Account) -> None:
        self._by_key[account.api_key] = account

    def authenticate(self, api_key: str | None, api_secret: str | None) -> Account:
        """The account these credentials belong to; AuthenticationFailed otherwise.

        The secret is compared in constant time, and against a dummy when the key is unknown, so
        that timing tells nothing about which keys exist.
        """
        account = self._by_key.get(api_key or "")
        expected = account.api_secret if account else "\0" * 16
        secret_ok = hmac.compare_digest((api_secret or "").encode(), expected.encode())
        if account is None or not secret_ok or account.suspended:
            raise AuthenticationFailed()
        return account

    def payer(self, account: Account) -> Account:
        """The account whose balance pays for what `account` buys: its primary's when it uses
        the primary account's balance, its own otherwise."""
        if account.use_primary_balance and account.parent is not None:
            return self._by_key.get(account.parent, account)
        return account

    def subaccounts_of(self, primary: Account) -> list[Account]:
        """The subaccounts of `primary`, in the order they were opened."""
        return [account for account in self._by_key.values() if account.parent == primary.api_key]

    def acting_on(self, caller: Account, target_api_key: str | None) -> Account:
        """The account an operation applies to: the caller, or one of its own subaccounts."""
        if not target_api_key or target_api_key == caller.api_key:
            return caller
        target = self._by_key.get(target_api_key)
        if target is None or target.parent != caller.api_key:
            raise MethodFailed()
        return target
