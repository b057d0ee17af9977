"""The Account API's route: `GET /account/get-balance`, through the same endpoint as the
Numbers API (credentials, rate limits, faults, journal), answered by its own renderer.

`POST /account/top-up` is not served: it needs the `trx` of an earlier auto-reload payment, and
the mock takes no payments (its balances are set through the control API), so no reference
could ever be valid. The README says so.
"""

from decimal import Decimal

from fastapi import APIRouter
from starlette.responses import Response

from mock_server.domain.accounts import Account
from mock_server.domain.inventory import Inventory
from mock_server.domain.operations import Operation
from mock_server.vonage import account_rendering
from mock_server.vonage.routes import Call, Edge, Handler, add_routes


async def get_balance(call: Call, caller: Account) -> Response:
    """The balance that pays for the caller's purchases: a subaccount that uses the primary
    account's balance sees the primary's. Auto-reload is never on: the mock takes no payments."""

    def balance(inventory: Inventory) -> Decimal:
        return inventory.accounts.payer(caller).balance

    return account_rendering.balance(call.world.inventory.read(balance))


HANDLERS: dict[Operation, tuple[str, Handler]] = {
    Operation.GET_BALANCE: ("GET", get_balance),
}
ROUTES: tuple[tuple[str, str], ...] = tuple(
    (method, operation.path) for operation, (method, _) in HANDLERS.items()
)


def create_router(edge: Edge) -> APIRouter:
    """The Account API's routes, answering through `edge` and the Account API's renderer."""
    return add_routes(APIRouter(), edge, HANDLERS, account_rendering.error)
