"""The Subaccounts API's routes, under `/accounts/{api_key}/`: parse the JSON body, call one
domain operation (`domain.subaccounts`), render with the Subaccounts API's renderer.

They go through the same endpoint as the Numbers API (credentials, rate limits, faults,
journal). Only a primary account may call them, with its own api_key in the path.
"""

import json
import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from fastapi import APIRouter
from starlette.responses import Response

from mock_server.domain import messages, subaccounts
from mock_server.domain.accounts import Account
from mock_server.domain.changes import Change
from mock_server.domain.errors import ValidationFailed
from mock_server.domain.inventory import Inventory
from mock_server.domain.operations import Operation
from mock_server.domain.subaccounts import (
    FundsTransfer,
    NewSubaccount,
    NumberTransfer,
    SubaccountChanges,
)
from mock_server.domain.transfers import TransferKind, TransferQuery, parse_timestamp
from mock_server.domain.wire import COUNTRY, MSISDN
from mock_server.vonage import subaccounts_rendering as render
from mock_server.vonage.request import request_body
from mock_server.vonage.routes import Call, Edge, Handler, add_routes

Planned = TypeVar("Planned", bound=Change)
_SURROGATE = re.compile("[\ud800-\udfff]")
Body = dict[str, Any]


# -- subaccounts ------------------------------------------------------------------------------


async def list_subaccounts(call: Call, caller: Account) -> Response:
    primary = _primary(call, caller)
    return render.subaccounts_list(primary, subaccounts.subaccounts(call.world.inventory, primary))


async def create_subaccount(call: Call, caller: Account) -> Response:
    primary = _primary(call, caller)
    body = await _json_body(call)
    new = NewSubaccount(
        name=_string(body, "name", required=True) or "",
        secret=_string(body, "secret"),
        use_primary_balance=_boolean(body, "use_primary_account_balance", default=True) is True,
    )
    added = await _write(call, lambda i: subaccounts.plan_create(i, primary, new))
    return render.new_subaccount(added.account)


async def get_subaccount(call: Call, caller: Account) -> Response:
    primary = _primary(call, caller)
    key = call.request.path_params["subaccount_key"]
    return render.respond(render.account_wire(_subaccount(call, primary, key)))


async def modify_subaccount(call: Call, caller: Account) -> Response:
    primary = _primary(call, caller)
    key = call.request.path_params["subaccount_key"]
    body = await _json_body(call)
    changes = SubaccountChanges(
        suspended=_boolean(body, "suspended"),
        use_primary_balance=_boolean(body, "use_primary_account_balance"),
        name=_string(body, "name"),
    )
    await _write(call, lambda i: subaccounts.plan_modify(i, primary, key, changes))
    return render.respond(render.account_wire(_subaccount(call, primary, key)))


# -- transfers --------------------------------------------------------------------------------


def _list_transfers(kind: TransferKind) -> Handler:
    async def list_transfers(call: Call, caller: Account) -> Response:
        primary = _primary(call, caller)
        query = _transfer_query(call, primary, kind)
        inventory = call.world.inventory
        return render.transfers_list(kind, inventory.read(lambda i: i.transfers.select(query)))

    return list_transfers


def _transfer(kind: TransferKind) -> Handler:
    async def transfer(call: Call, caller: Account) -> Response:
        primary = _primary(call, caller)
        body = await _json_body(call)
        request = FundsTransfer(
            kind=kind,
            from_key=_string(body, "from", required=True) or "",
            to_key=_string(body, "to", required=True) or "",
            amount=_amount(body),
            reference=_string(body, "reference"),
        )
        moved = await _write(call, lambda i: subaccounts.plan_transfer(i, primary, request))
        return render.respond(render.transfer_wire(moved.transfer))

    return transfer


async def transfer_number(call: Call, caller: Account) -> Response:
    primary = _primary(call, caller)
    body = await _json_body(call)
    request = NumberTransfer(
        from_key=_string(body, "from", required=True) or "",
        to_key=_string(body, "to", required=True) or "",
        number=_number(body),
        country=_country(body),
    )
    moved = await _write(call, lambda i: subaccounts.plan_transfer_number(i, primary, request))
    owned = call.world.inventory.owner_of(moved.msisdn)
    country = owned[1].attributes.country if owned is not None else request.country or ""
    return render.number_moved(moved.msisdn, country, moved.from_key, moved.to_key)


# -- parsing ----------------------------------------------------------------------------------


def _primary(call: Call, caller: Account) -> Account:
    return subaccounts.primary_for(caller, call.request.path_params["api_key"])


def _subaccount(call: Call, primary: Account, key: str) -> Account:
    return subaccounts.subaccount_of(call.world.inventory, primary, key)


async def _write(call: Call, plan: Callable[[Inventory], Planned]) -> Planned:
    """Make the change `plan` plans (durably, with a state file) and give it back."""
    planned: list[Planned] = []

    def planning(inventory: Inventory) -> Change:
        planned.append(plan(inventory))
        return planned[-1]

    await call.world.write(planning)
    return planned[-1]


async def _json_body(call: Call) -> Body:
    # Every write of the document requires its body; `{}` is a body (a PATCH changing nothing).
    raw = await request_body(call.request)
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as error:
        raise ValidationFailed({"body": messages.REASON_BODY}) from error
    if not isinstance(body, dict):
        raise ValidationFailed({"body": messages.REASON_BODY})
    return body


# A field left out takes its default; a field sent as null is refused like any other wrong type.


def _string(body: Body, name: str, required: bool = False) -> str | None:
    if name not in body:
        if required:
            raise ValidationFailed({name: messages.REASON_REQUIRED})
        return None
    value = body[name]
    # JSON can carry a lone surrogate ("\ud800"); UTF-8, and so the state file, cannot.
    if not isinstance(value, str) or _SURROGATE.search(value):
        raise ValidationFailed({name: messages.REASON_STRING})
    return value


def _boolean(body: Body, name: str, default: bool | None = None) -> bool | None:
    if name not in body:
        return default
    value = body[name]
    if not isinstance(value, bool):
        raise ValidationFailed({name: messages.REASON_BOOLEAN})
    return value


def _amount(body: Body) -> Decimal:
    if "amount" not in body:
        raise ValidationFailed({"amount": messages.REASON_REQUIRED})
    value = body["amount"]
    # A JSON number (the document's type) or a numeric string; never a boolean.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValidationFailed({"amount": messages.REASON_AMOUNT})
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise ValidationFailed({"amount": messages.REASON_AMOUNT}) from error
    if not amount.is_finite():
        raise ValidationFailed({"amount": messages.REASON_AMOUNT})
    return amount


def _number(body: Body) -> str:
    # The document types `number` as a number; the SDKs send a string. Both are taken.
    if "number" not in body:
        raise ValidationFailed({"number": messages.REASON_REQUIRED})
    value = body["number"]
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not MSISDN.fullmatch(text):
        raise ValidationFailed({"number": messages.REASON_NUMBER})
    return text


def _country(body: Body) -> str | None:
    country = _string(body, "country")
    if country is not None and not COUNTRY.fullmatch(country):
        raise ValidationFailed({"country": messages.REASON_COUNTRY})
    return country


def _transfer_query(call: Call, primary: Account, kind: TransferKind) -> TransferQuery:
    params = call.request.query_params
    start, end = params.get("start_date"), params.get("end_date")
    if start is None:
        raise ValidationFailed({"start_date": messages.REASON_REQUIRED})
    family = frozenset(
        [
            primary.api_key,
            *(a.api_key for a in subaccounts.subaccounts(call.world.inventory, primary)),
        ]
    )
    return TransferQuery(
        kind=kind,
        family=family,
        start=_moment("start_date", start),
        end=_moment("end_date", end) if end is not None else None,
        subaccounts=frozenset(params.getlist("subaccount")),
    )


def _moment(name: str, text: str) -> datetime:
    try:
        return parse_timestamp(text)
    except ValueError as error:
        raise ValidationFailed({name: messages.REASON_TIMESTAMP}) from error


HANDLERS: dict[Operation, tuple[str, Handler]] = {
    Operation.LIST_SUBACCOUNTS: ("GET", list_subaccounts),
    Operation.CREATE_SUBACCOUNT: ("POST", create_subaccount),
    Operation.GET_SUBACCOUNT: ("GET", get_subaccount),
    Operation.MODIFY_SUBACCOUNT: ("PATCH", modify_subaccount),
    Operation.LIST_CREDIT_TRANSFERS: ("GET", _list_transfers(TransferKind.CREDIT)),
    Operation.TRANSFER_CREDIT: ("POST", _transfer(TransferKind.CREDIT)),
    Operation.LIST_BALANCE_TRANSFERS: ("GET", _list_transfers(TransferKind.BALANCE)),
    Operation.TRANSFER_BALANCE: ("POST", _transfer(TransferKind.BALANCE)),
    Operation.TRANSFER_NUMBER: ("POST", transfer_number),
}
ROUTES: tuple[tuple[str, str], ...] = tuple(
    (method, operation.path) for operation, (method, _) in HANDLERS.items()
)


def create_router(edge: Edge) -> APIRouter:
    """The Subaccounts API's routes, answering through `edge` and the Subaccounts renderer."""
    return add_routes(APIRouter(), edge, HANDLERS, render.error)
