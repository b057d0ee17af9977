"""The reference for bench/run.py: the least a FastAPI app on the mock's stack can do.

One `async def` route at the mock's search path that returns a one-number, search-like dict
(and one at the buy path that answers a POST with the success status, reading nothing),
served by uvicorn as the mock serves itself: one worker, the mock's default event loop and HTTP
parser (read from its settings, so the two cannot drift apart; `--loop` and `--http` to compare
with the mock's `--event-loop` and `--http-parser`), the same log level, no access log. Whatever
the mock costs beyond this is the mock's own work.

    .venv/bin/python bench/reference_app.py --port 8090
"""

import argparse
from typing import Any

import uvicorn
from fastapi import FastAPI

from mock_server.settings import Settings

# What a size-1 search answers (the shape of the mock's `GET /number/search` JSON).
BODY: dict[str, Any] = {
    "count": 1701,
    "numbers": [
        {
            "country": "GB",
            "msisdn": "447700900000",
            "type": "mobile-lvn",
            "features": ["VOICE", "SMS"],
            "cost": "1.25",
            "initialPrice": "0.00",
        }
    ],
}

app = FastAPI(title="bench reference")


# What a buy or a cancel answers.
SUCCESS: dict[str, Any] = {"error-code": "200", "error-code-label": "success"}


@app.get("/number/search")
async def search() -> dict[str, Any]:
    return BODY


# The no-work POST: the server reads the form body the client sends, the route ignores it.
@app.post("/number/buy")
async def buy() -> dict[str, Any]:
    return SUCCESS


def main() -> None:
    parser = argparse.ArgumentParser(description="The reference app of bench/run.py.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--log-level", default="warning")
    defaults = Settings()  # the mock's own defaults (no NUMBERS_MOCK_ variables: bench clears them)
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default=defaults.event_loop)
    parser.add_argument("--http", choices=["httptools", "h11"], default=defaults.http_parser)
    args = parser.parse_args()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        loop=args.loop,
        http=args.http,
        access_log=False,
        timeout_graceful_shutdown=1,
    )


if __name__ == "__main__":
    main()
