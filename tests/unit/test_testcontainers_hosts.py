"""The Testcontainers container lets the control API answer to the Docker host's name: a remote
daemon reached by name (DOCKER_HOST=tcp://docker:2375) would otherwise get 403s (issue 15,
item 10). No container is started here: tests/container runs the image."""

import json
from typing import Any

import pytest
import testcontainers.core.container

from mock_server.testing.testcontainers import ALLOWED_HOSTS, VonageNumbersMockContainer


class _Client:
    """Stands in for testcontainers' DockerClient: a daemon reached as `docker`."""

    def __init__(self, **kwargs: Any) -> None:
        pass

    def host(self) -> str:
        return "docker"


@pytest.fixture
def container(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(testcontainers.core.container, "DockerClient", _Client)
    return VonageNumbersMockContainer()


def test_the_docker_host_s_name_is_allowed(container: Any) -> None:
    container._allow_docker_host()
    assert json.loads(container.env[ALLOWED_HOSTS]) == ["docker"]


def test_a_user_s_own_allowed_hosts_are_kept(container: Any) -> None:
    container.with_env(ALLOWED_HOSTS, '["mine"]')
    container._allow_docker_host()
    assert container.env[ALLOWED_HOSTS] == '["mine"]'
