"""The mock's own routes under /_mock/: health and the CA certificate."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.responses import FileResponse, Response

from mock_server.dependencies import RuntimeDep

PREFIX = "/_mock"
PEM = "application/x-pem-file"

router = APIRouter(prefix=PREFIX)


@router.get("/health", summary="Ready once the fixtures are loaded; no credentials needed.")
async def health(runtime: RuntimeDep) -> Response:
    if not runtime.ready:
        return JSONResponse({"status": "starting"}, status_code=503)
    inventory = runtime.inventory
    summary: dict[str, Any] = {
        "status": "ok",
        "accounts": len(inventory.accounts),
        "available": inventory.pool.available,
        "owned": inventory.owned_count,
    }
    return JSONResponse(summary)


@router.get("/tls/ca.pem", summary="The local CA certificate that signs the HTTPS certificate.")
async def ca_certificate(runtime: RuntimeDep) -> Response:
    if runtime.ca_cert is None:
        return JSONResponse({"detail": "no local CA: a user-supplied certificate is served"}, 404)
    return FileResponse(runtime.ca_cert, media_type=PEM, filename="vonage-numbers-mock-ca.pem")
