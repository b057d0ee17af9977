"""Requests to no Numbers API route: journaled as `unmatched`, with the closest route as a hint."""

import difflib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from mock_server.control.api import PREFIX
from mock_server.domain import messages
from mock_server.domain.errors import VonageError
from mock_server.domain.operations import JournalEvent
from mock_server.simulation.journal import Journal, JournalEntry, redact, response_excerpt
from mock_server.simulation.request_log import log_request
from mock_server.vonage import credentials as auth
from mock_server.vonage.request import request_params

logger = logging.getLogger("uvicorn.error")
# How many distinct unmatched paths are remembered as already warned about: a client that sends
# endless made-up paths costs this much memory, and no more.
WARNED_PATHS = 256


def closest_route(method: str, path: str, routes: Sequence[tuple[str, str]]) -> str | None:
    """The known route a request most likely meant, as "METHOD /path", or None.

    The right path with the wrong method names that path's method; otherwise the closest path.
    """
    for known_method, known_path in routes:
        if known_path == path:
            return f"{known_method} {known_path}"
    methods = dict((p, m) for m, p in routes)
    found = difflib.get_close_matches(path, list(methods), n=1, cutoff=0.6)
    return f"{methods[found[0]]} {found[0]}" if found else None


def is_vonage_path(path: str) -> bool:
    """Whether a path is outside the control plane (whose own 404s are its own business)."""
    return path != PREFIX and not path.startswith(PREFIX + "/")


class UnmatchedRecorder:
    """Journals unmatched requests and warns once per path (of the WARNED_PATHS latest).

    A request is journaled where its api_key's calls are (`journal_of`: the journal of the
    world it names), the base world's when it names none.
    """

    def __init__(
        self,
        journal_of: Callable[[str | None], Journal],
        routes: Sequence[tuple[str, str]],
        log_requests: bool = False,
    ) -> None:
        self.journal_of, self.routes = journal_of, routes
        self.log_requests = log_requests  # --log-requests: a line for these calls too
        self._warned: OrderedDict[str, None] = OrderedDict()

    async def record(self, request: Request, response: Response, started: float) -> None:
        method, path = request.method, request.scope["path"]
        route = closest_route(method, path, self.routes)
        hint = messages.UNMATCHED_HINT.format(route=route) if route else None
        params = await _params(request)
        given = auth.credentials(request.headers.get("authorization"), params)
        entry = self.journal_of(given.api_key).record(
            JournalEntry(
                time=datetime.now(UTC),
                method=method,
                path=path,
                operation=JournalEvent.UNMATCHED.value,
                api_key=given.api_key,
                params=redact(params),
                status=response.status_code,
                response=response_excerpt(bytes(response.body), [given.api_secret]),
                duration_ms=round((time.perf_counter() - started) * 1000, 3),
                hint=hint,
            )
        )
        if self.log_requests:
            log_request(entry)
        self._warn(method, path, hint)

    def _warn(self, method: str, path: str, hint: str | None) -> None:
        if path in self._warned:
            self._warned.move_to_end(path)
            return
        self._warned[path] = None
        if len(self._warned) > WARNED_PATHS:
            self._warned.popitem(last=False)
        logger.warning(messages.UNMATCHED_WARNING, method, path, hint or messages.UNMATCHED_NO_HINT)


async def _params(request: Request) -> dict[str, str]:
    # What the client sent, when it can be read: a body too large, or gone, leaves nothing.
    try:
        return await request_params(request)
    except (VonageError, ClientDisconnect):
        return {}
