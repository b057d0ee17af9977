"""The operations the mock serves, their names and paths: the five of the Numbers API, the
Account API's balance and the Subaccounts API's (paths with `{api_key}` are templates)."""

from enum import StrEnum
from typing import TYPE_CHECKING, Literal


class Operation(StrEnum):
    LIST = "list"
    SEARCH = "search"
    BUY = "buy"
    CANCEL = "cancel"
    UPDATE = "update"
    GET_BALANCE = "get-balance"
    LIST_SUBACCOUNTS = "list-subaccounts"
    CREATE_SUBACCOUNT = "create-subaccount"
    GET_SUBACCOUNT = "get-subaccount"
    MODIFY_SUBACCOUNT = "modify-subaccount"
    LIST_CREDIT_TRANSFERS = "list-credit-transfers"
    TRANSFER_CREDIT = "transfer-credit"
    LIST_BALANCE_TRANSFERS = "list-balance-transfers"
    TRANSFER_BALANCE = "transfer-balance"
    TRANSFER_NUMBER = "transfer-number"

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
    Operation.GET_BALANCE: "/account/get-balance",
    Operation.LIST_SUBACCOUNTS: "/accounts/{api_key}/subaccounts",
    Operation.CREATE_SUBACCOUNT: "/accounts/{api_key}/subaccounts",
    Operation.GET_SUBACCOUNT: "/accounts/{api_key}/subaccounts/{subaccount_key}",
    Operation.MODIFY_SUBACCOUNT: "/accounts/{api_key}/subaccounts/{subaccount_key}",
    Operation.LIST_CREDIT_TRANSFERS: "/accounts/{api_key}/credit-transfers",
    Operation.TRANSFER_CREDIT: "/accounts/{api_key}/credit-transfers",
    Operation.LIST_BALANCE_TRANSFERS: "/accounts/{api_key}/balance-transfers",
    Operation.TRANSFER_BALANCE: "/accounts/{api_key}/balance-transfers",
    Operation.TRANSFER_NUMBER: "/accounts/{api_key}/transfer-number",
}
# The Numbers API's operations, the only ones `BY_PATH` finds: their paths are not templates.
NUMBERS_OPERATIONS = (
    Operation.LIST,
    Operation.SEARCH,
    Operation.BUY,
    Operation.CANCEL,
    Operation.UPDATE,
)
BY_PATH = {operation.path: operation for operation in NUMBERS_OPERATIONS}


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
