"""The Account API's renderer: the balance as Vonage writes it, and its problem bodies."""

import json
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from mock_server.domain.errors import ApiProblem, VonageError
from mock_server.vonage.problems import problem_of

JSON = "application/json"
# The Account API document gives its errors as `application/problem+json`.
PROBLEM_JSON = "application/problem+json"


def balance(value: Decimal, auto_reload: bool = False) -> Response:
    """`{"value": 10.28, "autoReload": false}`: the value a JSON number, as Vonage sends it."""
    return _json({"value": float(value), "autoReload": auto_reload}, 200, JSON)


def error(failure: ApiProblem | VonageError) -> Response:
    problem = problem_of(failure)
    response = _json(problem.body, problem.status, PROBLEM_JSON)
    response.headers.update(problem.headers)
    return response


def _json(body: dict[str, Any], status: int, media_type: str) -> Response:
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return Response(text.encode("utf-8", errors="replace"), status, media_type=media_type)
