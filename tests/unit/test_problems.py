"""The problem bodies of the Account and Subaccounts APIs, for their own problems and for the
errors every API shares."""

import pytest

from mock_server.domain import messages
from mock_server.domain.errors import (
    AccountNotFound,
    ApiProblem,
    AuthenticationFailed,
    InvalidNumberTransfer,
    InvalidParameters,
    NumberNotFound,
    RateLimited,
    StateNotSaved,
    TransferConflict,
    Unprovisioned,
    ValidationFailed,
    VonageError,
)
from mock_server.vonage.problems import problem_of


@pytest.mark.parametrize(
    ("error", "status", "title"),
    [
        pytest.param(AuthenticationFailed(), 401, messages.UNAUTHORIZED_TITLE, id="401"),
        pytest.param(Unprovisioned("k"), 403, "Authorisation error", id="unprovisioned"),
        pytest.param(InvalidNumberTransfer("x"), 403, "Invalid Number Transfer", id="invalid"),
        pytest.param(AccountNotFound("k"), 404, "Invalid API Key", id="unknown-key"),
        pytest.param(NumberNotFound("x"), 404, "Invalid Number Transfer", id="no-number"),
        pytest.param(TransferConflict("x"), 409, "Transfer Conflict", id="conflict"),
        pytest.param(ValidationFailed({"a": "b"}), 422, "Bad Request", id="validation"),
        pytest.param(StateNotSaved(), 503, messages.STATE_NOT_SAVED, id="not-saved"),
        pytest.param(VonageError("teapot", "418"), 418, "teapot", id="injected-fault"),
        pytest.param(RateLimited(2.5), 429, messages.RATE_LIMITED, id="rate-limited"),
    ],
)
def test_every_error_is_a_problem_with_its_status_and_title(
    error: ApiProblem | VonageError, status: int, title: str
) -> None:
    problem = problem_of(error)

    assert problem.status == status
    assert problem.body["title"] == title
    assert problem.body["type"].startswith("https://developer.nexmo.com/api-errors")
    assert problem.body["detail"]
    assert len(problem.body["instance"]) == 32


def test_each_answer_has_its_own_instance() -> None:
    first, second = problem_of(AuthenticationFailed()), problem_of(AuthenticationFailed())
    assert first.body["instance"] != second.body["instance"]


def test_a_validation_problem_lists_each_field_with_its_reason() -> None:
    body = problem_of(ValidationFailed({"name": "Is required", "secret": "Too short"})).body
    assert body["invalid_parameters"] == [
        {"name": "name", "reason": "Is required"},
        {"name": "secret", "reason": "Too short"},
    ]


def test_the_numbers_apis_bad_parameters_become_a_validation_problem() -> None:
    problem = problem_of(InvalidParameters({"X-Mock-Fault": "is empty"}))
    assert problem.status == 422
    assert problem.body["invalid_parameters"] == [{"name": "X-Mock-Fault", "reason": "is empty"}]


def test_a_rate_limit_keeps_its_retry_after() -> None:
    assert problem_of(RateLimited(2.5)).headers == {"Retry-After": "3"}
