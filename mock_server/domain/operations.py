"""The five operations of the Numbers API: their names, methods and paths."""

from enum import StrEnum


class Operation(StrEnum):
    LIST = "list"
    SEARCH = "search"
    BUY = "buy"
    CANCEL = "cancel"
    UPDATE = "update"

    @property
    def path(self) -> str:
        return PATHS[self]

    @property
    def is_listing(self) -> bool:
        """List and search answer `inbound-numbers` bodies; the three POSTs `response` bodies."""
        return self in (Operation.LIST, Operation.SEARCH)


PATHS = {
    Operation.LIST: "/account/numbers",
    Operation.SEARCH: "/number/search",
    Operation.BUY: "/number/buy",
    Operation.CANCEL: "/number/cancel",
    Operation.UPDATE: "/number/update",
}
BY_PATH = {path: operation for operation, path in PATHS.items()}
