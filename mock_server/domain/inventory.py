"""The state of the emulated Vonage: accounts, the pool, owned numbers, and the five operations.

Plain Python, no HTTP: each public method is one Numbers API operation and raises domain errors.
Checks come before changes, so a failed operation leaves the state exactly as it was.
"""

import bisect
import itertools
import threading
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from mock_server.domain import messages
from mock_server.domain.accounts import Account, Accounts
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
from mock_server.domain.errors import AddressRequired, MethodFailed, StateConflict
from mock_server.domain.matching import Pattern, matches
from mock_server.domain.owned_index import AccountIndex
from mock_server.domain.pagination import Page, PageRequest, page_of
from mock_server.domain.phone_number import AvailableNumber, NumberType, OwnedNumber
from mock_server.domain.pool import Block, Pool, PoolFilter
from mock_server.domain.transfers import Ledger, Transfer, TransferKind

Read = TypeVar("Read")

# Every inventory made in this process gets the next number: it tells states apart for good,
# where an `id()` may be reused once one is gone.
_SERIALS = itertools.count(1)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    selection: PoolFilter
    page: PageRequest = field(default_factory=PageRequest)


@dataclass(frozen=True, slots=True)
class OwnedQuery:
    country: str | None = None
    pattern: Pattern | None = None
    has_application: bool | None = None
    application_id: str | None = None
    page: PageRequest = field(default_factory=PageRequest)

    def admits(self, number: OwnedNumber) -> bool:
        apps = number.config.linked_applications()
        return (
            (self.country is None or number.attributes.country == self.country)
            and matches(self.pattern, number.msisdn)
            and (self.has_application is None or bool(apps) == self.has_application)
            and (self.application_id is None or self.application_id in apps)
        )


@dataclass(frozen=True, slots=True)
class NumberRef:
    """The number an operation names: `country` + `msisdn`, as every POST sends them."""

    country: str
    msisdn: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The state at one moment, read like an Inventory by `state.export.state_document`."""

    accounts: list[Account]
    pool: list[Block]
    owned: dict[str, OwnedNumber]
    owner: dict[str, str]
    address_required: frozenset[str]
    transfers: list[Transfer] = field(default_factory=list)

    def owned_items(self) -> Iterator[tuple[str, OwnedNumber]]:
        """Every owned number with its owner's api_key, in ascending MSISDN order."""
        for msisdn in sorted(self.owned):
            yield self.owner[msisdn], self.owned[msisdn]


class Inventory:
    """Everything the mock knows, and the operations of the Numbers API on it."""

    def __init__(
        self,
        accounts: Accounts,
        pool: Pool,
        owned: Iterable[tuple[str, OwnedNumber]] = (),
        address_required: Iterable[str] = (),
        transfers: Iterable[Transfer] = (),
    ) -> None:
        self.accounts = accounts
        self.pool = pool
        self.transfers = Ledger(transfers)
        self.address_required = frozenset(address_required)
        self._owned: dict[str, OwnedNumber] = {}
        self._owner: dict[str, str] = {}
        self._by_account: dict[str, list[str]] = {a.api_key: [] for a in accounts}
        # Built on the first filtered listing of an account, then kept up to date.
        self._indexes: dict[str, AccountIndex] = {}
        # One lock around every operation: the server is single-threaded today, but the pytest
        # plugin and control plane may call in from other threads.
        self._lock = threading.RLock()
        # Advanced by every change (`apply` and the bulk loads): an answer rendered at one
        # version is still the right answer while the version stays the same.
        self.version = 0
        self.serial = next(_SERIALS)
        # api_keys in use outside this state (other worlds' accounts): never opened here.
        self.keys_elsewhere: Container[str] = frozenset()
        self.add_owned(owned)

    def renamed_copy(self, credentials: Mapping[str, tuple[str, str]]) -> "Inventory":
        """An independent state equal to this one, each account under the new credentials
        `credentials` gives for its api_key: `(api_key, api_secret)`.

        Costs nothing per number for sale: the copy's ranges share what is taken with this
        state's until either changes (`Pool.shared`). Owned numbers are shared objects (a change
        replaces one, never alters it); only the indexes of who owns what are copied.
        """

        def key(old: str) -> str:
            return credentials[old][0]

        with self._lock:
            accounts = Accounts(
                replace(
                    account,
                    api_key=key(account.api_key),
                    api_secret=credentials[account.api_key][1],
                    parent=None if account.parent is None else key(account.parent),
                )
                for account in self.accounts
            )
            transfers = [
                replace(transfer, from_key=key(transfer.from_key), to_key=key(transfer.to_key))
                for transfer in self.transfers
            ]
            copy = Inventory(accounts, self.pool.shared(), (), self.address_required, transfers)
            copy._owned = dict(self._owned)
            copy._owner = {msisdn: key(owner) for msisdn, owner in self._owner.items()}
            copy._by_account = {key(k): list(ms) for k, ms in self._by_account.items()}
            return copy

    def read(self, reader: Callable[["Inventory"], Read]) -> Read:
        """`reader(self)` with no operation running meanwhile: a consistent view of several
        things (the whole state for a snapshot, say). `reader` must not change anything."""
        with self._lock:
            return reader(self)

    # -- reads ------------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> Page[AvailableNumber]:
        """`GET /number/search`: the pool of one country, filtered and paged."""
        with self._lock:
            return self.pool.page(query.selection, query.page)

    def list_owned(self, account: Account, query: OwnedQuery) -> Page[OwnedNumber]:
        """`GET /account/numbers`: the account's own numbers, filtered and paged."""
        with self._lock:
            candidates = self._owned_candidates(account.api_key, query)
            page = page_of(candidates, query.page, *_starting_with(candidates, query.pattern))
            return Page(page.count, [self._owned[m] for m in page.items])

    def owned_by(self, api_key: str) -> list[OwnedNumber]:
        with self._lock:
            return [self._owned[m] for m in self._by_account.get(api_key, [])]

    def owned_items(self) -> Iterator[tuple[str, OwnedNumber]]:
        """Every owned number with its owner's api_key."""
        for api_key, msisdns in self._by_account.items():
            for msisdn in msisdns:
                yield api_key, self._owned[msisdn]

    def owner_of(self, msisdn: str) -> tuple[str, OwnedNumber] | None:
        """Who owns `msisdn` and the number as it is now (a copy: later updates leave it be)."""
        with self._lock:
            number = self._owned.get(msisdn)
            if number is None:
                return None
            return self._owner[msisdn], replace(number)

    def availability(self) -> dict[str, dict[NumberType, int]]:
        """Numbers for sale per country and type, exact and consistent with each other.

        Every (country, type) the pool has numbers of is listed, at 0 once they are all sold:
        a range stays in the pool however many of its numbers are bought.
        """
        with self._lock:
            counts: dict[str, dict[NumberType, int]] = {}
            for block in self.pool:
                by_type = counts.setdefault(block.attributes.country, {})
                kind = block.attributes.type
                by_type[kind] = by_type.get(kind, 0) + block.available
            return counts

    @property
    def owned_count(self) -> int:
        return len(self._owned)

    # -- writes -----------------------------------------------------------------------------
    # Each operation is a plan, which checks and raises the domain's errors but changes nothing,
    # and `apply`, which makes the change. The runtime makes a planned change durable before it
    # applies it; the methods named after the operations do both at once, with no state file.

    def buy(self, caller: Account, ref: NumberRef, target_api_key: str | None = None) -> None:
        """`POST /number/buy`: move a number from the pool to the account, charging its price."""
        with self._lock:
            self.apply(self.plan_buy(caller, ref, target_api_key))

    def cancel(self, caller: Account, ref: NumberRef, target_api_key: str | None = None) -> None:
        """`POST /number/cancel`: return an owned number to the pool, its configuration cleared."""
        with self._lock:
            self.apply(self.plan_cancel(caller, ref, target_api_key))

    def update(self, caller: Account, ref: NumberRef, changes: dict[str, str | None]) -> None:
        """`POST /number/update`: change an owned number's configuration (None clears a field)."""
        with self._lock:
            self.apply(self.plan_update(caller, ref, changes))

    def add_available(self, blocks: list[Block]) -> None:
        """Put numbers on sale; StateConflict when any is on sale or owned already."""
        with self._lock:
            self.apply(self.plan_add_available(blocks))

    def add_account(self, account: Account) -> None:
        """Open an account or a subaccount; StateConflict when the key is taken."""
        with self._lock:
            self.apply(self.plan_add_account(account))

    def plan_buy(self, caller: Account, ref: NumberRef, target_api_key: str | None = None) -> Buy:
        """The buy `buy` makes, checked (MethodFailed, AddressRequired) but not made."""
        with self._lock:
            buyer = self.accounts.acting_on(caller, target_api_key)
            number = self.pool.find(ref.msisdn)
            # Vonage answers the same "method failed" for unknown, owned, and wrong-country
            # numbers, so a client cannot probe other accounts' numbers.
            if number is None or number.attributes.country != ref.country:
                raise MethodFailed()
            if ref.country in self.address_required:
                raise AddressRequired()
            payer = self.accounts.payer(buyer)
            if payer.balance + payer.credit_limit < number.attributes.price:
                raise MethodFailed()
            return Buy(buyer.api_key, ref.msisdn)

    def plan_cancel(
        self, caller: Account, ref: NumberRef, target_api_key: str | None = None
    ) -> Cancel:
        """The cancel `cancel` makes, checked (MethodFailed) but not made."""
        with self._lock:
            owner = self.accounts.acting_on(caller, target_api_key)
            self._owned_by(owner, ref)
            return Cancel(owner.api_key, ref.msisdn)

    def plan_update(
        self, caller: Account, ref: NumberRef, changes: dict[str, str | None]
    ) -> Update:
        """The update `update` makes, checked (MethodFailed) but not made."""
        with self._lock:
            self._owned_by(caller, ref)
            return Update(caller.api_key, ref.msisdn, tuple(changes.items()))

    def plan_add_available(self, blocks: list[Block]) -> AddNumbers:
        """The numbers `add_available` puts on sale, checked (StateConflict) but not added."""
        with self._lock:
            staged = Pool()
            for i, block in enumerate(blocks):
                first = str(block.first).zfill(block.width)
                last = str(block.last).zfill(block.width)
                if self.pool.overlapping(first, last) or staged.overlapping(first, last):
                    message = messages.NUMBERS_ON_SALE.format(first=first, last=last)
                    raise StateConflict(f"[{i}]", message)
                owned = next((m for m in self._owned if block.holds(len(m), int(m))), None)
                if owned is not None:
                    raise StateConflict(f"[{i}]", messages.NUMBER_OWNED.format(msisdn=owned))
                staged.add(block)
            return AddNumbers(tuple(blocks))

    def plan_add_account(self, account: Account) -> AddAccount:
        """The account `add_account` opens, checked (StateConflict) but not opened."""
        with self._lock:
            problem = self._account_problem(account, {})
            if problem is not None:
                raise StateConflict(*problem)
            return AddAccount(account)

    def apply(self, change: Change) -> None:
        """Make a planned change. It must have been planned on this state, with no change
        applied since (the plan's checks are not made again); KeyError if it names nothing."""
        with self._lock:
            self.version += 1
            match change:
                case Buy(api_key, msisdn):
                    payer = self.accounts.payer(self._account(api_key))
                    taken = self.pool.take(msisdn)
                    payer.balance -= taken.attributes.price
                    self._assign(api_key, OwnedNumber(msisdn, taken.attributes))
                case Cancel(api_key, msisdn):
                    number = self._release(api_key, msisdn)
                    self.pool.give_back(AvailableNumber(number.msisdn, number.attributes))
                case Update(api_key, msisdn, fields):
                    owned = self._release(api_key, msisdn)
                    config = owned.config.updated(dict(fields))
                    # A new object rather than a changed one: a snapshot keeps the old.
                    self._assign(api_key, replace(owned, config=config))
                case AddNumbers(blocks):
                    for block in blocks:
                        self.pool.add(block)
                case AddAccount(account):
                    self._open([replace(account)])
                case ModifyAccount(api_key, suspended, use_primary_balance, name):
                    account = self._account(api_key)
                    if suspended is not None:
                        account.suspended = suspended
                    if use_primary_balance is not None:
                        account.use_primary_balance = use_primary_balance
                    if name is not None:
                        account.name = name
                case MoveFunds(transfer):
                    self._move_funds(transfer)
                case MoveNumber(msisdn, from_key, to_key):
                    self._account(to_key)
                    self._assign(to_key, self._release(from_key, msisdn))
                case _:
                    raise TypeError(f"not a change: {change!r}")

    def snapshot(self) -> "Snapshot":
        """The state as of now, taken in a few milliseconds however large it is: a later
        change does not alter it (owned numbers are replaced on change, never modified)."""
        with self._lock:
            return Snapshot(
                accounts=[replace(account) for account in self.accounts],
                pool=list(self.pool),
                owned=dict(self._owned),
                owner=dict(self._owner),
                address_required=self.address_required,
                transfers=list(self.transfers),
            )

    def add_accounts(self, accounts: Sequence[Account]) -> None:
        """Open several accounts at once, a subaccount possibly listed before its master.

        StateConflict naming the entry and field (`[2].parent`) at the first problem; then
        nothing is opened.
        """
        with self._lock:
            batch: dict[str, Account] = {}
            for account in accounts:
                batch.setdefault(account.api_key, account)
            seen: set[str] = set()
            for i, account in enumerate(accounts):
                problem = self._account_problem(account, batch, account.api_key in seen)
                if problem is not None:
                    raise StateConflict(f"[{i}].{problem[0]}", problem[1])
                seen.add(account.api_key)
            self.version += 1
            self._open(accounts)

    def _account_problem(
        self, account: Account, batch: Mapping[str, Account], listed_before: bool = False
    ) -> tuple[str, str] | None:
        """(field, message) when `account` cannot be opened together with `batch`."""
        if (
            listed_before
            or self.accounts.get(account.api_key) is not None
            or account.api_key in self.keys_elsewhere
        ):
            return "api_key", messages.ACCOUNT_EXISTS.format(api_key=account.api_key)
        if account.parent is None:
            return None
        parent = self.accounts.get(account.parent) or batch.get(account.parent)
        if parent is None or account.parent == account.api_key:
            return "parent", messages.NO_SUCH_ACCOUNT.format(api_key=account.parent)
        if parent.parent is not None:
            return "parent", messages.SUBACCOUNT_OF_SUBACCOUNT
        return None

    def _open(self, accounts: Iterable[Account]) -> None:
        for account in accounts:
            self.accounts.add(account)
            self._by_account[account.api_key] = []

    def add_owned(self, numbers: Iterable[tuple[str, OwnedNumber]]) -> None:
        """Give numbers to accounts (api_key, number), taking them out of the pool when on sale.

        StateConflict naming the entry (`[3].api_key`, `[3].msisdn`) when an account is unknown or
        a number is owned already; then nothing is given.
        """
        with self._lock:
            listed = list(numbers)
            staged: set[str] = set()
            for i, (api_key, number) in enumerate(listed):
                if self.accounts.get(api_key) is None:
                    message = messages.NO_SUCH_ACCOUNT.format(api_key=api_key)
                    raise StateConflict(f"[{i}].api_key", message)
                if number.msisdn in self._owned or number.msisdn in staged:
                    message = messages.NUMBER_OWNED_TWICE.format(msisdn=number.msisdn)
                    raise StateConflict(f"[{i}].msisdn", message)
                staged.add(number.msisdn)
            self.version += 1
            for api_key, number in listed:
                # An owned number inside an available range is simply not available.
                self.pool.withdraw(number.msisdn)
                self._owned[number.msisdn] = number
                self._owner[number.msisdn] = api_key
                self._by_account[api_key].append(number.msisdn)
                self._touch(api_key, number.msisdn)
            # Sorted once rather than number by number: 100,000 owned numbers start in a blink.
            for api_key in {api_key for api_key, _ in listed}:
                self._by_account[api_key].sort()

    # -- internals --------------------------------------------------------------------------

    def _move_funds(self, transfer: Transfer) -> None:
        source, target = self._account(transfer.from_key), self._account(transfer.to_key)
        if transfer.kind is TransferKind.BALANCE:
            source.balance -= transfer.amount
            target.balance += transfer.amount
        else:
            source.credit_limit -= transfer.amount
            target.credit_limit += transfer.amount
        self.transfers.record(transfer)

    def _owned_by(self, account: Account, ref: NumberRef) -> OwnedNumber:
        # Every caller goes on to change or drop the number: the listing index re-reads it.
        self._touch(account.api_key, ref.msisdn)
        number = self._owned.get(ref.msisdn)
        if (
            number is None
            or self._owner[ref.msisdn] != account.api_key
            or number.attributes.country != ref.country
        ):
            raise MethodFailed()
        return number

    def _account(self, api_key: str) -> Account:
        account = self.accounts.get(api_key)
        if account is None:
            raise KeyError(api_key)
        return account

    def _release(self, api_key: str, msisdn: str) -> OwnedNumber:
        """Take an owned number off its account (KeyError if the account does not own it)."""
        if self._owner[msisdn] != api_key:
            raise KeyError(msisdn)
        number = self._owned.pop(msisdn)
        del self._owner[msisdn]
        msisdns = self._by_account[api_key]
        del msisdns[bisect.bisect_left(msisdns, msisdn)]
        self._touch(api_key, msisdn)
        return number

    def _assign(self, api_key: str, number: OwnedNumber) -> None:
        self._owned[number.msisdn] = number
        self._owner[number.msisdn] = api_key
        bisect.insort(self._by_account.setdefault(api_key, []), number.msisdn)
        self._touch(api_key, number.msisdn)

    def _touch(self, api_key: str, msisdn: str) -> None:
        """The number may change or change hands: its account's index re-reads it on next use."""
        index = self._indexes.get(api_key)
        if index is not None:
            index.touch(msisdn)

    def _owned_candidates(self, api_key: str, query: OwnedQuery) -> list[str]:
        """The account's numbers passing every filter but a starts-with pattern, ascending."""
        application: bool | str | None = query.has_application
        if query.application_id is not None:
            if query.has_application is False:
                return []  # a number linked to the application is linked to some application
            application = query.application_id
        pattern = query.pattern
        if pattern is not None and not pattern.is_prefix:
            return self._index(api_key).matching(query.country, application, pattern)
        if query.country is None and application is None:
            return self._by_account.get(api_key, [])
        return self._index(api_key).select(query.country, application)

    def _index(self, api_key: str) -> AccountIndex:
        """The account's listing index, brought up to date (built anew after many changes)."""
        index = self._indexes.get(api_key)
        msisdns = self._by_account.get(api_key, [])
        if index is None or index.outdated > len(msisdns) // 8 + 64:
            index = self._indexes[api_key] = AccountIndex(self._owned[m] for m in msisdns)
        else:
            index.refresh(lambda m: self._owned[m] if self._owner.get(m) == api_key else None)
        return index


def _starting_with(msisdns: list[str], pattern: Pattern | None) -> tuple[int, int]:
    """The window `msisdns[low:high]` a starts-with pattern selects (all for other patterns)."""
    if pattern is None or not pattern.is_prefix:
        return 0, len(msisdns)
    # ":" sorts right after "9": the window is every MSISDN starting with the digits.
    low = bisect.bisect_left(msisdns, pattern.digits)
    return low, bisect.bisect_left(msisdns, pattern.digits + ":", low)
