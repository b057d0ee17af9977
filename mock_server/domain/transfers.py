"""Credit and balance transfers between a primary account and its subaccounts: the records and
the ledger that keeps them, in the order they were made."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class TransferKind(StrEnum):
    BALANCE = "balance"
    CREDIT = "credit"


@dataclass(frozen=True, slots=True)
class Transfer:
    """One transfer of `amount` euros of balance or credit limit from one account to another."""

    kind: TransferKind
    id: str
    amount: Decimal
    from_key: str
    to_key: str
    created_at: str
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class TransferQuery:
    """What `GET /accounts/{api_key}/{kind}-transfers` lists: transfers of one kind within the
    primary account's family, made at or after `start`, before `end` when given, and touching
    one of `subaccounts` when given."""

    kind: TransferKind
    family: frozenset[str]
    start: datetime
    end: datetime | None = None
    subaccounts: frozenset[str] = frozenset()

    def admits(self, transfer: Transfer) -> bool:
        made = parse_timestamp(transfer.created_at)
        parties = {transfer.from_key, transfer.to_key}
        return (
            transfer.kind is self.kind
            and parties <= self.family
            and made >= self.start
            and (self.end is None or made <= self.end)
            and (not self.subaccounts or bool(parties & self.subaccounts))
        )


class Ledger:
    """Every transfer made, oldest first."""

    def __init__(self, transfers: Iterable[Transfer] = ()) -> None:
        self._transfers = list(transfers)

    def __iter__(self) -> Iterator[Transfer]:
        return iter(self._transfers)

    def __len__(self) -> int:
        return len(self._transfers)

    def record(self, transfer: Transfer) -> None:
        self._transfers.append(transfer)

    def select(self, query: TransferQuery) -> list[Transfer]:
        return [transfer for transfer in self._transfers if query.admits(transfer)]


def timestamp(moment: datetime) -> str:
    """A moment as Vonage writes it: `2019-03-02T16:34:49Z` (UTC, whole seconds)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: str) -> datetime:
    """An ISO 8601 moment with a zone (`Z` or an offset); ValueError otherwise."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("a time zone is required")
    return moment
