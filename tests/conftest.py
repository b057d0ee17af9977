"""Shared fixtures: settings on the small test data set and an in-process client that checks
every Vonage response against the vendor's schemas."""

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from support.data import IN_PROCESS_URL, make_settings
from support.vendor_spec import validate

from mock_server.domain.operations import BY_PATH
from mock_server.serving.app import create_app

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def server_logs_start_fresh() -> Iterator[None]:
    """A server started in this process leaves its log set-up behind: the rate limit on
    `uvicorn.error` remembers what earlier tests logged (and holds back the same kind of line
    within its interval), and the `uvicorn` logger stops propagating to the root logger, where
    `caplog` listens. Each test starts without both and gets back what it found, so that what a
    test sees in the log does not depend on the tests before it."""
    uvicorn = logging.getLogger("uvicorn")
    limited = [logging.getLogger(name) for name in ("uvicorn.error", "asyncio")]
    propagate, uvicorn.propagate = uvicorn.propagate, True
    filters = [logger.filters[:] for logger in limited]
    for logger in limited:
        logger.filters.clear()
    yield
    uvicorn.propagate = propagate
    for logger, kept in zip(limited, filters, strict=True):
        logger.filters[:] = kept


def _check_against_spec(response: httpx.Response) -> None:
    path = response.request.url.path
    if path in BY_PATH:
        response.read()
        validate(
            path,
            response.request.method,
            response.status_code,
            response.headers["content-type"],
            response.content,
        )


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """Build an in-process client on fresh state, with settings overridden as given."""
    clients: list[TestClient] = []

    def build(**overrides: Any) -> TestClient:
        client = TestClient(
            create_app(make_settings(tmp_path, **overrides)), base_url=IN_PROCESS_URL
        )
        client.event_hooks["response"] = [_check_against_spec]
        clients.append(client.__enter__())
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()
