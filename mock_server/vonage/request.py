"""What a request carries: the runtime it goes to, its parameters, the credentials it sends."""

from functools import lru_cache
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, Request

from mock_server.domain import messages
from mock_server.domain.errors import InvalidParameters, PayloadTooLarge
from mock_server.runtime import Runtime

FORM = "application/x-www-form-urlencoded"
# The Numbers API's largest legitimate body or query string (an update with every field) is well
# under 10 KiB: anything over 64 KiB is answered 413.
MAX_BODY_BYTES = 64 * 1024
REMEMBERED_QUERY_BYTES = 2048
# Where a request's body is kept once read (the scope lives as long as the request).
_BODY_KEY = "mock_server.body"


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


# Dependencies are `async def`: FastAPI runs plain `def` ones in a thread pool, a hop that costs
# more than the work they do.
async def get_runtime(request: Request) -> Runtime:
    return runtime_of(request)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def request_params(request: Request) -> dict[str, str]:
    """Query string and form body merged; the first value of a name wins, the query's first.

    The Vonage CLI posts its parameters in the query string with an empty form body, the SDKs
    post a form body: both must work, as they do against the real API.
    """
    if len(request.scope.get("query_string", b"")) > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    query = request.scope.get("query_string", b"")
    # Short queries (every real one) are remembered; a long one is parsed and forgotten.
    parse = _query_params if len(query) <= REMEMBERED_QUERY_BYTES else _query_params.__wrapped__
    params = dict(parse(query))
    if request.method in ("POST", "PATCH"):
        content_type = request.headers.get("content-type", FORM).split(";")[0].strip().lower()
        body = await request_body(request)
        if body and content_type == FORM:
            try:
                pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
            except (UnicodeDecodeError, ValueError) as error:
                raise InvalidParameters({"body": messages.FIELD_INVALID}) from error
            for name, value in pairs:
                params.setdefault(name, value)
    return params


@lru_cache(maxsize=256)
def _query_params(query_string: bytes) -> tuple[tuple[str, str], ...]:
    """The query's parameters, the first value of each name, as Starlette's `query_params`
    reads them. Remembered: clients repeat the same queries, and parsing one costs more than
    answering it from the answer cache."""
    params: dict[str, str] = {}
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        params.setdefault(name, value)
    return tuple(params.items())


async def request_body(request: Request) -> bytes:
    """The body, read no further than MAX_BODY_BYTES (PayloadTooLarge beyond); read once, so
    that the parameters and a JSON body (the Subaccounts API's) can both come from it."""
    cached: bytes | None = request.scope.get(_BODY_KEY)
    if cached is None:
        cached = request.scope[_BODY_KEY] = await _bounded_body(request)
    return cached


async def _bounded_body(request: Request) -> bytes:
    """The body, read no further than MAX_BODY_BYTES (PayloadTooLarge beyond)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise PayloadTooLarge()
    return bytes(body)
