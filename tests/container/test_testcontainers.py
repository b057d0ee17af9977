"""VonageNumbersMockContainer for real: the image started through podman's Docker API, driven
through the official SDK client and the control client it hands out."""

import uuid
from collections.abc import Iterator
from contextlib import closing

import docker
import pytest
from vonage_http_client import HttpRequestError
from vonage_numbers import ListOwnedNumbersFilter, NumberParams, SearchAvailableNumbersFilter

from mock_server.testing.testcontainers import ContainerNotReady, VonageNumbersMockContainer

pytestmark = pytest.mark.container

START_TIMEOUT_S = 120


@pytest.fixture
def mock(mock_image: str) -> Iterator[VonageNumbersMockContainer]:
    with VonageNumbersMockContainer(mock_image, startup_timeout=START_TIMEOUT_S) as container:
        yield container


def _owned(numbers: object, msisdn: str) -> list[str]:
    owned, _, _ = numbers.list_owned_numbers(  # type: ignore[attr-defined]
        ListOwnedNumbersFilter(pattern=msisdn, search_pattern=0)
    )
    return [number.msisdn for number in owned]


def _exists(docker_host: str, container: str) -> bool:
    with closing(docker.DockerClient(base_url=docker_host)) as client:
        try:
            client.containers.get(container)
        except docker.errors.NotFound:
            return False
        return True


def test_buy_and_cancel_through_the_sdk_client_it_hands_out(
    mock: VonageNumbersMockContainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The client trusts the mock's CA itself: a process-wide bundle must not get in its way.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem")
    numbers = mock.get_vonage_client().numbers
    found, _, _ = numbers.search_available_numbers(
        SearchAvailableNumbersFilter(country="GB", pattern="447700900", search_pattern=0, size=5)
    )
    msisdn = found[0].msisdn
    assert numbers.buy_number(NumberParams(country="GB", msisdn=msisdn)).error_code == "200"
    assert _owned(numbers, msisdn) == [msisdn]
    assert numbers.cancel_number(NumberParams(country="GB", msisdn=msisdn)).error_code == "200"
    assert _owned(numbers, msisdn) == []
    bought = mock.get_control_client().requests(operation="buy", msisdn=msisdn)
    assert [(entry["api_key"], entry["status"]) for entry in bought] == [(mock.api_key, 200)]


def test_the_control_client_it_hands_out_drives_the_container(
    mock: VonageNumbersMockContainer,
) -> None:
    control = mock.get_control_client()
    control.add_fault("buy", status=420, times=1)
    numbers = mock.get_vonage_client().numbers
    found, _, _ = numbers.search_available_numbers(
        SearchAvailableNumbersFilter(country="GB", pattern="447700900", search_pattern=0, size=1)
    )
    with pytest.raises(HttpRequestError) as refused:
        numbers.buy_number(NumberParams(country="GB", msisdn=found[0].msisdn))
    assert refused.value.response.status_code == 420
    assert _owned(numbers, found[0].msisdn) == []
    assert control.health()["owned"] == control.reset()["owned"]


def test_stop_removes_the_container_and_its_ca_file(mock_image: str, docker_host: str) -> None:
    container = VonageNumbersMockContainer(mock_image, startup_timeout=START_TIMEOUT_S).start()
    container_id, ca_file = container.get_wrapped_container().id, container.ca_file
    assert ca_file.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    container.stop()
    container.stop()  # a second stop does nothing
    assert not ca_file.exists()
    assert not _exists(docker_host, container_id)


def test_a_container_that_never_becomes_healthy_fails_its_start_and_is_removed(
    mock_image: str, docker_host: str
) -> None:
    name = f"numbers-mock-never-healthy-{uuid.uuid4().hex[:8]}"
    container = VonageNumbersMockContainer(mock_image, startup_timeout=3).with_name(name)
    container.with_command(["python", "-c", "import time; time.sleep(60)"])
    with pytest.raises(ContainerNotReady, match="did not answer /_mock/health within 3"):
        container.start()
    assert not _exists(docker_host, name)


def test_a_container_that_exits_fails_its_start_with_its_logs(mock_image: str) -> None:
    container = VonageNumbersMockContainer(mock_image).with_command(
        ["python", "-c", "raise SystemExit('no state to load')"]
    )
    with pytest.raises(
        ContainerNotReady, match=r"exited before it was healthy\n(.|\n)*no state to load"
    ):
        container.start()


@pytest.mark.usefixtures("docker_host")
def test_a_missing_image_fails_its_start() -> None:
    container = VonageNumbersMockContainer(f"localhost/no-such-image-{uuid.uuid4().hex[:8]}:none")
    with pytest.raises(docker.errors.ImageNotFound):
        container.start()
    container.stop()  # nothing was created: stopping is a no-op
