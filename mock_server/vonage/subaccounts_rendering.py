"""The Subaccounts API's renderer: accounts, transfers and numbers moved, in Vonage's JSON, and
its problem bodies (`application/json`, as the document gives them)."""

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from mock_server.domain.accounts import Account
from mock_server.domain.errors import ApiProblem, VonageError
from mock_server.domain.transfers import Transfer, TransferKind
from mock_server.vonage.problems import problem_of

JSON = "application/json"
# What an account opened by a fixture without `created_at` shows: Vonage always sends one, and
# the SDKs require it.
UNKNOWN_CREATED_AT = "1970-01-01T00:00:00Z"

Wire = dict[str, Any]


def account_wire(account: Account) -> Wire:
    """A primary account or a subaccount; a subaccount that shares the primary account's balance
    shows `null` balance and credit limit, as Vonage documents."""
    shared = account.use_primary_balance and account.parent is not None
    wire: Wire = {
        "api_key": account.api_key,
        "name": account.name if account.name is not None else account.api_key,
        "created_at": account.created_at or UNKNOWN_CREATED_AT,
        "suspended": account.suspended,
        "balance": None if shared else float(account.balance),
        "credit_limit": None if shared else float(account.credit_limit),
    }
    if account.parent is not None:
        wire["primary_account_api_key"] = account.parent
        wire["use_primary_account_balance"] = account.use_primary_balance
    return wire


def subaccounts_list(primary: Account, subaccounts: Sequence[Account]) -> Response:
    own = [primary, *(a for a in subaccounts if not a.use_primary_balance)]
    body = {
        "total_balance": float(sum((a.balance for a in own), Decimal(0))),
        "total_credit_limit": float(sum((a.credit_limit for a in own), Decimal(0))),
        "_embedded": {
            "primary_account": account_wire(primary),
            "subaccounts": [account_wire(a) for a in subaccounts],
        },
    }
    return respond(body)


def new_subaccount(account: Account) -> Response:
    """A subaccount just opened: the only answer that shows its secret."""
    return respond({**account_wire(account), "secret": account.api_secret})


def transfer_wire(transfer: Transfer) -> Wire:
    # The document names the id `credit_transfer_id` / `balance_transfer_id`; the Python SDK
    # reads `id`. Both are sent, with the same value.
    wire: Wire = {
        f"{transfer.kind.value}_transfer_id": transfer.id,
        "id": transfer.id,
        "amount": float(transfer.amount),
        "from": transfer.from_key,
        "to": transfer.to_key,
        "created_at": transfer.created_at,
    }
    if transfer.reference is not None:
        wire["reference"] = transfer.reference
    return wire


def transfers_list(kind: TransferKind, transfers: Sequence[Transfer]) -> Response:
    items = [transfer_wire(t) for t in transfers]
    embedded: Wire = {f"{kind.value}_transfers": items}
    if kind is TransferKind.CREDIT:
        # The document spells this list `credit-transfers`; the SDKs read `credit_transfers`.
        embedded["credit-transfers"] = items
    return respond({"_embedded": embedded})


def number_moved(number: str, country: str, from_key: str, to_key: str) -> Response:
    return respond({"number": number, "country": country, "from": from_key, "to": to_key})


def error(failure: ApiProblem | VonageError) -> Response:
    problem = problem_of(failure)
    response = respond(problem.body, problem.status)
    response.headers.update(problem.headers)
    return response


def respond(body: Wire, status: int = 200) -> Response:
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return Response(text.encode("utf-8", errors="replace"), status, media_type=JSON)
