"""The control API's docs page, /_mock/docs: Swagger UI served from the package, not a CDN.

The Swagger UI files come from the `fastapi-offline` distribution (Swagger UI is Apache-2.0,
the package MIT), so the page works with no network, like the rest of the mock.
"""

from importlib.resources import files
from typing import Final

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from mock_server.control.api import PREFIX
from mock_server.domain.errors import NotFound

TITLE = "vonage-numbers-mock control API"
STATIC = files("fastapi_offline") / "static"
ASSET_PATH = "/docs/assets"
# The only files served, by name: nothing a request names can reach another file.
ASSETS: Final = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}
NO_SUCH_ASSET = "no such file of the docs page"

# The page reads the OpenAPI document, which needs the admin token: it is behind it too. Its
# static files hold no data and are open, like the dashboard's.
page = APIRouter(include_in_schema=False)
assets = APIRouter(prefix=ASSET_PATH, include_in_schema=False)


@page.get("/docs")
async def docs() -> HTMLResponse:
    base = PREFIX + ASSET_PATH
    return get_swagger_ui_html(
        openapi_url=f"{PREFIX}/openapi.json",
        title=TITLE,
        swagger_js_url=f"{base}/swagger-ui-bundle.js",
        swagger_css_url=f"{base}/swagger-ui.css",
        swagger_favicon_url=f"{base}/favicon.png",
    )


@assets.get("/{name}")
async def asset(name: str) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound(None, NO_SUCH_ASSET)
    body = (STATIC / name).read_bytes()
    # The files change only with the installed package: a browser may keep them a day.
    return Response(body, media_type=media_type, headers={"Cache-Control": "max-age=86400"})
