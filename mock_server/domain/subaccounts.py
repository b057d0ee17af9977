"""The Subaccounts API on the state: a primary account's subaccounts, the transfers of balance
and credit between them, and moving a number from one to another.

Plain Python, no HTTP. Each `plan_*` checks against the state, raising the API's problems
(`ApiProblem`), and returns the change to make; nothing changes until the runtime applies it.
"""

import re
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal

from mock_server.domain import messages
from mock_server.domain.accounts import Account
from mock_server.domain.changes import AddAccount, ModifyAccount, MoveFunds, MoveNumber
from mock_server.domain.errors import (
    AccountNotFound,
    InvalidNumberTransfer,
    NumberNotFound,
    TransferConflict,
    Unprovisioned,
    ValidationFailed,
)
from mock_server.domain.inventory import Inventory
from mock_server.domain.transfers import Transfer, TransferKind, timestamp

# Vonage's rule for an API secret (the SDKs check it too): 8-25 characters, a lower case letter,
# an upper case letter and a digit.
SECRET = re.compile(r"^(?=.*[a-z])(?=.*[A-Z])(?=.*\d).{8,25}$")
NAME_MAX = 80
# The largest amount the fixture format holds (12 digits, two of them decimals): a transfer
# beyond it could never be written to the state file and loaded back.
MAX_AMOUNT = Decimal("9999999999.99")


@dataclass(frozen=True, slots=True)
class NewSubaccount:
    name: str
    secret: str | None = None
    # Vonage's default: a new subaccount shares the primary account's balance.
    use_primary_balance: bool = True


@dataclass(frozen=True, slots=True)
class SubaccountChanges:
    suspended: bool | None = None
    use_primary_balance: bool | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class FundsTransfer:
    kind: TransferKind
    from_key: str
    to_key: str
    amount: Decimal
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class NumberTransfer:
    from_key: str
    to_key: str
    number: str
    country: str | None = None


def primary_for(caller: Account, api_key: str) -> Account:
    """The primary account a call under `/accounts/{api_key}/` acts for: the caller itself.

    A subaccount is not provisioned for the Subaccounts API (403); another account's key is
    answered as unknown (404), so a caller cannot probe which keys exist.
    """
    if caller.parent is not None:
        raise Unprovisioned(caller.api_key)
    if api_key != caller.api_key:
        raise AccountNotFound(api_key)
    return caller


def subaccount_of(inventory: Inventory, primary: Account, api_key: str) -> Account:
    """`primary`'s subaccount `api_key` (a copy); AccountNotFound otherwise."""

    def find(i: Inventory) -> Account:
        account = i.accounts.get(api_key)
        if account is None or account.parent != primary.api_key:
            raise AccountNotFound(api_key)
        return _copy(account)

    return inventory.read(find)


def subaccounts(inventory: Inventory, primary: Account) -> list[Account]:
    """`primary`'s subaccounts (copies), in the order they were opened."""
    return inventory.read(lambda i: [_copy(a) for a in i.accounts.subaccounts_of(primary)])


def plan_create(inventory: Inventory, primary: Account, new: NewSubaccount) -> AddAccount:
    """A new subaccount of `primary`, with a fresh api_key (and secret, unless given)."""
    problems: dict[str, str] = {}
    if not 1 <= len(new.name) <= NAME_MAX:
        problems["name"] = messages.REASON_NAME
    if new.secret is not None and not SECRET.match(new.secret):
        problems["secret"] = messages.REASON_CREDENTIAL_FORMAT
    if problems:
        raise ValidationFailed(problems)
    return inventory.read(
        lambda i: AddAccount(
            Account(
                api_key=_new_api_key(i),
                api_secret=new.secret or _new_secret(),
                balance=Decimal("0.00"),
                parent=primary.api_key,
                name=new.name,
                use_primary_balance=new.use_primary_balance,
                created_at=timestamp(datetime.now(UTC)),
            )
        )
    )


def plan_modify(
    inventory: Inventory, primary: Account, api_key: str, changes: SubaccountChanges
) -> ModifyAccount:
    """New settings for `primary`'s subaccount `api_key`."""
    if changes.name is not None and not 1 <= len(changes.name) <= NAME_MAX:
        raise ValidationFailed({"name": messages.REASON_NAME})
    subaccount_of(inventory, primary, api_key)
    return ModifyAccount(api_key, changes.suspended, changes.use_primary_balance, changes.name)


def plan_transfer(inventory: Inventory, primary: Account, request: FundsTransfer) -> MoveFunds:
    """Balance or credit moved between `primary` and one of its subaccounts.

    422 naming the field when an account is not of the family, both are subaccounts, the amount
    is not positive, or the sender has not that much; a subaccount that uses the primary
    account's balance has no balance of its own to send or receive.
    """

    def plan(i: Inventory) -> MoveFunds:
        source = _family_member(i, primary, request.from_key, "from")
        target = _family_member(i, primary, request.to_key, "to")
        _check_pair(source, target)
        amount = request.amount
        if not _is_amount(amount):
            raise ValidationFailed({"amount": messages.REASON_AMOUNT})
        if request.kind is TransferKind.BALANCE:
            for field, account in (("from", source), ("to", target)):
                if account.use_primary_balance and account.parent is not None:
                    reason = messages.REASON_SHARED_BALANCE.format(api_key=account.api_key)
                    raise ValidationFailed({field: reason})
            if source.balance < amount:
                reason = messages.REASON_INSUFFICIENT_BALANCE.format(
                    api_key=source.api_key, balance=source.balance
                )
                raise ValidationFailed({"amount": reason})
        elif source.credit_limit < amount:
            reason = messages.REASON_INSUFFICIENT_CREDIT.format(
                api_key=source.api_key, credit=source.credit_limit
            )
            raise ValidationFailed({"amount": reason})
        transfer = Transfer(
            kind=request.kind,
            id=str(uuid.uuid4()),
            amount=amount,
            from_key=source.api_key,
            to_key=target.api_key,
            created_at=timestamp(datetime.now(UTC)),
            reference=request.reference,
        )
        return MoveFunds(transfer)

    return inventory.read(plan)


def plan_transfer_number(
    inventory: Inventory, primary: Account, request: NumberTransfer
) -> MoveNumber:
    """`number` moved, configuration and all, between `primary` and one of its subaccounts."""
    texts = {"number": request.number, "from_key": request.from_key, "to_key": request.to_key}

    def plan(i: Inventory) -> MoveNumber:
        family = {primary.api_key, *(a.api_key for a in i.accounts.subaccounts_of(primary))}
        source, target = i.accounts.get(request.from_key), i.accounts.get(request.to_key)
        if (
            source is None
            or target is None
            or not {source.api_key, target.api_key} <= family
            or source.api_key == target.api_key
            or primary.api_key not in (source.api_key, target.api_key)
        ):
            raise InvalidNumberTransfer(messages.NUMBER_TRANSFER_INVALID.format(**texts))
        owned = i.owner_of(request.number)
        if owned is not None and owned[0] == target.api_key:
            raise TransferConflict(messages.NUMBER_TRANSFER_CONFLICT.format(**texts))
        if (
            owned is None
            or owned[0] != source.api_key
            or (request.country is not None and owned[1].attributes.country != request.country)
        ):
            raise NumberNotFound(messages.NUMBER_TRANSFER_MISSING.format(**texts))
        return MoveNumber(request.number, source.api_key, target.api_key)

    return inventory.read(plan)


def _is_amount(amount: Decimal) -> bool:
    """Above 0, at most two decimals, and no more than an account's balance can hold."""
    exponent = amount.as_tuple().exponent
    return (
        amount.is_finite()
        and isinstance(exponent, int)
        and exponent >= -2
        and Decimal(0) < amount <= MAX_AMOUNT
    )


def _family_member(inventory: Inventory, primary: Account, api_key: str, field: str) -> Account:
    account = inventory.accounts.get(api_key)
    if account is None or primary.api_key not in (account.api_key, account.parent):
        raise ValidationFailed({field: messages.REASON_NOT_IN_FAMILY})
    return account


def _check_pair(source: Account, target: Account) -> None:
    if source.api_key == target.api_key:
        raise ValidationFailed({"to": messages.REASON_SAME_ACCOUNT})
    if source.parent is not None and target.parent is not None:
        raise ValidationFailed({"to": messages.REASON_NOT_PARENT_CHILD})


def _new_api_key(inventory: Inventory) -> str:
    while True:
        api_key = secrets.token_hex(4)
        if inventory.accounts.get(api_key) is None and api_key not in inventory.keys_elsewhere:
            return api_key


def _new_secret() -> str:
    # Always meets Vonage's rule: a lower, an upper and a digit, 16 characters in all.
    return "Aa1" + secrets.token_urlsafe(10)[:13].replace("-", "x").replace("_", "y")


def _copy(account: Account) -> Account:
    # A copy: the caller renders it after the lock is released, while writes may go on.
    return replace(account)
