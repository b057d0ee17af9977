"""The contract the Account balance and the Subaccounts API are fuzzed against: the vendor's
documents, narrowed to what the mock serves, with the live API's known deviations declared (each
with its reason), as contract.py does for the Numbers API."""

import copy
import json
from pathlib import Path
from typing import Any

SPEC = Path(__file__).resolve().parents[1] / "spec"
Schema = dict[str, Any]

BALANCE = "GET /account/get-balance"
LIST_CREDIT = "GET /{api_key}/credit-transfers"
LIST_BALANCE = "GET /{api_key}/balance-transfers"
SUBACCOUNT_RESPONSES = ("SubaccountResponse",)
# tests/data/small.json: master01 and its subaccount sub00001; master01 owns 447700900500 (GB).
EXAMPLES = {
    "TransferBalanceOrCreditRequest": {"from": "master01", "to": "sub00001", "amount": 1.5},
    "TransferNumberRequest": {
        "from": "master01",
        "to": "sub00001",
        "number": 447700900500,  # the document types it a number; the mock takes both
        "country": "GB",
    },
}


def account_document() -> Schema:
    """The Account API document with only `GET /account/get-balance`: top-up, settings and
    secrets are not served (README, "Account and Subaccounts APIs")."""
    doc = _load("account-1.0.4.json")
    doc["paths"] = {"/account/get-balance": doc["paths"]["/account/get-balance"]}
    # The 401 is `oneOf` two schemas of the same shape (missing credentials, an unprovisioned
    # application) that differ only in their examples: every body is valid under both, so none
    # is valid under exactly one. What the document means is either: `anyOf`.
    unauthorized = doc["components"]["responses"]["401"]["content"]["application/problem+json"]
    unauthorized["schema"]["anyOf"] = unauthorized["schema"].pop("oneOf")
    return doc


def subaccounts_document() -> Schema:
    """The Subaccounts API document with the deviations below."""
    doc = _load("subaccounts-1.0.8.json")
    schemas = doc["components"]["schemas"]
    # "Value is null if balance is shared with primary account", says each field's description,
    # while its type says number: a subaccount that shares the balance shows null.
    for name in SUBACCOUNT_RESPONSES:
        for field in ("balance", "credit_limit"):
            schemas[name]["properties"][field]["type"] = ["number", "null"]
    # The listings' required `start_date`, and its format, are refused with the 422 problem the
    # writes document: the document declares no error for a listing's bad query.
    unprocessable = {"$ref": "#/components/responses/UnprocessableEntityError"}
    for path in ("/{api_key}/credit-transfers", "/{api_key}/balance-transfers"):
        responses = doc["paths"][path]["get"]["responses"]
        assert "422" not in responses, f"{path} documents 422 now"
        responses["422"] = unprocessable
    # transfer-number's 403 and 404 are `oneOf` problem schemas of one shape (as the Account
    # API's 401): any body is valid under each, so `anyOf` is what they mean.
    for status in ("403", "404"):
        transfer = doc["paths"]["/{api_key}/transfer-number"]["post"]["responses"][status]
        schema = transfer["content"]["application/json"]["schema"]
        schema["anyOf"] = schema.pop("oneOf")
    # The examples name the vendor's placeholder accounts; the examples phase sends the test
    # data's instead, so that valid transfers reach a 200 (and a repeated transfer-number, the
    # 409 of a number the receiver owns already).
    for name, example in EXAMPLES.items():
        schemas[name]["example"] = example
    return doc


def _load(name: str) -> Schema:
    loaded: Schema = json.loads((SPEC / name).read_text(encoding="utf-8"))
    return copy.deepcopy(loaded)
