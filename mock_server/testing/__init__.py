"""Tools for tests: `running_mock()`, the pytest plugin and the control API's client."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mock_server.testing.client import MockClient
    from mock_server.testing.running import NumbersMock, running_mock

__all__ = ["MockClient", "NumbersMock", "running_mock"]

_HOMES = {
    "MockClient": "mock_server.testing.client",
    "NumbersMock": "mock_server.testing.running",
    "running_mock": "mock_server.testing.running",
}


def __getattr__(name: str) -> Any:
    # Imported on first use: the pytest plugin lives in this package, and loading it must not
    # start FastAPI and uvicorn in test runs that never ask for a mock.
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES[name]), name)
