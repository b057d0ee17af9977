"""End-to-end fixtures: a real `python -m mock_server` process, and the data it was started with.

Each test module that asks for `mock_server` gets its own server process (module scope), on free
ports of 127.0.0.1, with a fresh TLS directory and `tests/data/e2e.json` loaded: modules never see
each other's purchases. The fixture that starts the process always stops it.
"""

from collections.abc import Iterator

import pytest
from support.data import E2EData, load_e2e_data
from support.sdks import SdkClients
from support.servers import MockServer, mock_client, start_mock_server, stop_mock_server

from mock_server.testing.client import MockClient


@pytest.fixture(scope="session")
def e2e_data() -> E2EData:
    return load_e2e_data()


@pytest.fixture(scope="module")
def mock_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    """A server of this module's own, started with tests/data/e2e.json; stopped after the module."""
    server = start_mock_server(tmp_path_factory.mktemp("mock-server"))
    try:
        yield server
    finally:
        stop_mock_server(server)


@pytest.fixture
def sdks() -> Iterator[SdkClients]:
    """Official clients, each trusting only its own server's CA; closed after the test."""
    clients = SdkClients()
    try:
        yield clients
    finally:
        clients.close()


@pytest.fixture
def mock(mock_server: MockServer) -> MockClient:
    """The module's server, back to its fixtures, with no rules and an empty journal."""
    client = mock_client(mock_server)
    client.reset()
    return client
