"""The dashboard: the page at /_mock/ui, its static files, and the inventory routes it reads.

The page, its script and its style sheet hold no data, so they are served without the admin
token: a browser cannot send `Authorization: Bearer` when it navigates, and the page asks for the
token itself (kept in sessionStorage) and sends it on every fetch. The data routes below, like
every other control route, need the token when one is set.
"""

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import FileResponse, Response

from mock_server.control.api import WorldDep
from mock_server.domain.errors import ControlProblem, InvalidParameters, NotFound
from mock_server.domain.inventory import Inventory, SearchQuery
from mock_server.domain.phone_number import NumberType
from mock_server.vonage.queries import search_query
from mock_server.vonage.rendering import available_wire

UI_DIR = Path(__file__).parent / "ui"
INDEX = "index.html"
NO_SUCH_FILE = "no such file in the dashboard"
# A flat directory of lower-case names: nothing a request names can leave it.
_ASSET_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\.(html|css|js|svg)")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "js": "text/javascript; charset=utf-8",
    "svg": "image/svg+xml",
}
# The page loads nothing from elsewhere (it must work offline) and runs no inline script, so
# the policy can be strict: a value injected into the page could not run or call out.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        "form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

pages = APIRouter(prefix="/ui", tags=["dashboard"], include_in_schema=False)
data = APIRouter(prefix="/inventory", tags=["mock"])


# -- the page ----------------------------------------------------------------------------------


def _asset(name: str) -> Response:
    match = _ASSET_NAME.fullmatch(name)
    path = UI_DIR / name
    if match is None or not path.is_file():
        raise NotFound(None, NO_SUCH_FILE)
    return FileResponse(path, media_type=MEDIA_TYPES[match.group(1)], headers=SECURITY_HEADERS)


@pages.get("")
@pages.get("/")
async def index() -> Response:
    """The dashboard page (no data in it: it fetches everything with the admin token)."""
    return _asset(INDEX)


@pages.get("/{name}")
async def asset(name: str) -> Response:
    """The page's script, style sheet and icon."""
    return _asset(name)


# -- the data it reads -------------------------------------------------------------------------


def inventory_summary(inventory: Inventory) -> dict[str, Any]:
    """Numbers for sale per country and per type (exact, and read at one moment: they add up).

    A country stays listed, at 0, once sold out: a range stays in the pool, bought numbers and
    all.
    """
    availability = inventory.availability()
    countries = []
    for country in sorted(availability):
        counts = availability[country]
        types = {kind.value: counts[kind] for kind in NumberType if kind in counts}
        countries.append({"country": country, "total": sum(counts.values()), "types": types})
    return {
        "total": sum(entry["total"] for entry in countries),
        "types": [number_type.value for number_type in NumberType],
        "countries": countries,
    }


@data.get("/summary", summary="Numbers for sale per country and type (exact counts).")
async def summary(world: WorldDep) -> dict[str, Any]:
    return inventory_summary(world.inventory)


@data.get("/search", summary="A page of numbers for sale, searched as /number/search does.")
async def search(
    world: WorldDep,
    country: str | None = None,
    number_type: Annotated[str | None, Query(alias="type")] = None,
    features: str | None = None,
    pattern: str | None = None,
    search_pattern: str | None = None,
    index: str | None = None,
    size: str | None = None,
) -> dict[str, Any]:
    """Vonage's search parameters without Vonage credentials; a problem names a bad one."""
    given = {
        "country": country,
        "type": number_type,
        "features": features,
        "pattern": pattern,
        "search_pattern": search_pattern,
        "index": index,
        "size": size,
    }
    query = _parsed({name: value for name, value in given.items() if value is not None})
    page = world.inventory.search(query)
    return {
        "count": page.count,
        "index": query.page.index,
        "size": query.page.size,
        "numbers": [available_wire(number) for number in page.items],
    }


def _parsed(params: Mapping[str, str]) -> SearchQuery:
    try:
        return search_query(params)
    except InvalidParameters as error:
        # The control API answers problems, not Vonage's `{"country": "Is required."}`.
        field, message = next(iter(error.fields.items()))
        raise ControlProblem(field, message) from error
