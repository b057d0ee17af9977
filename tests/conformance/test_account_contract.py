"""Schemathesis fuzzing of the Account API's balance and of every Subaccounts API operation
against their vendor documents (account_contract.py), on a real server.

The path's `api_key` is the primary's own and `subaccount_key` its subaccount's, so that valid
data reaches the operations rather than the 404 for someone else's key. Every answer must be:
not a 5xx; a documented status, in the documented content type, with a body valid against the
documented schema. Valid data may still be refused for what a schema cannot say (the accounts
named in a transfer, a number the sender does not own, the secret's rule): 403, 404, 409 or 422,
each documented. Invalid data: 401 or 422. Generation is derandomized and the state reset
before each operation.
"""

from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from support.servers import MockServer

from . import account_contract

PRIMARY = {"username": "master01", "password": "MasterSecret0001"}
EXAMPLES = 60


def config(parameters: dict[str, str]) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": 20240611,
            "generation": {
                "mode": "all",
                "max-examples": EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            "auth": {"basic": PRIMARY},
            "parameters": parameters,
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "403", "404", "409", "422"]
                },
                "negative_data_rejection": {"expected-statuses": ["401", "422"]},
                "unsupported_method": {"enabled": False},
                "allow_header_conformance": {"enabled": False},
            },
            "phases": {"coverage": {"unexpected-methods": []}},
        }
    )


SUBACCOUNTS = schemathesis.openapi.from_dict(
    account_contract.subaccounts_document(),
    config=config({"path.api_key": "master01", "path.subaccount_key": "sub00001"}),
)
ACCOUNT = schemathesis.openapi.from_dict(account_contract.account_document(), config=config({}))

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
Case = schemathesis.Case[Any]
LENIENT = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def _conforms(case: Case, base_url: str, session: requests.Session) -> None:
    response = case.call_and_validate(base_url=base_url, session=session)
    media = response.headers["content-type"][0]
    assert media.startswith(("application/json", "application/problem+json")), media


@SUBACCOUNTS.parametrize()
@LENIENT
def test_subaccounts_answers_conform(
    case: Case, fresh_state: MockServer, counted_session: requests.Session
) -> None:
    # The document's server is https://api.nexmo.com/accounts: its paths start below /accounts.
    _conforms(case, f"{fresh_state.http_url}/accounts", counted_session)


@ACCOUNT.parametrize()
@LENIENT
def test_balance_answers_conform(
    case: Case, fresh_state: MockServer, counted_session: requests.Session
) -> None:
    _conforms(case, fresh_state.http_url, counted_session)
