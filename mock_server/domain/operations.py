"""The five operations of the Numbers API: their names, methods and paths."""

from enum import StrEnum
from typing import TYPE_CHECKING, Literal


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


class JournalEvent(StrEnum):
    """What the request journal records besides the operations: the mock's own webhook calls,
    and requests to no route of the Numbers API (a typo in a client's base URL or method)."""

    WEBHOOK_PROBE = "webhook-probe"
    INBOUND_SMS = "inbound-sms"
    INBOUND_CALL = "inbound-call"
    UNMATCHED = "unmatched"


# A fault rule's `operation` for every operation.
EVERY_OPERATION = "*"

# The names above as types pydantic and FastAPI validate against (and print in schemas). Built
# from the enums so that the names are written once; a type checker sees plain strings.
if TYPE_CHECKING:
    OperationName = str
    FaultOperation = str
    JournalOperation = str
else:
    _OPERATIONS = tuple(operation.value for operation in Operation)
    OperationName = Literal[_OPERATIONS]
    FaultOperation = Literal[(*_OPERATIONS, EVERY_OPERATION)]
    JournalOperation = Literal[(*_OPERATIONS, *(event.value for event in JournalEvent))]
