"""Podman for the container tests: its Docker API on a private socket, and the image built from
the repository's Dockerfile (or the one NUMBERS_MOCK_IMAGE names)."""

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from testcontainers.core.config import ConnectionMode, testcontainers_config

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "localhost/vonage-numbers-mock:test"
BUILD_TIMEOUT_S = 900  # a first build installs the package from the index; later ones are cached
SERVICE_TIMEOUT_S = 30
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def _podman() -> str:
    podman = shutil.which("podman")
    if podman is None:
        # Failing, not skipping: CI must never pass without these tests. Deselect them
        # explicitly where there is no podman: -m 'not container'.
        pytest.fail("the container tests need podman (deselect them with -m 'not container')")
    return podman


@pytest.fixture(scope="session")
def docker_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """podman's Docker-compatible API on a socket of this session, set as DOCKER_HOST."""
    path = tmp_path_factory.mktemp("podman") / "podman.sock"
    url = f"unix://{path}"
    service = subprocess.Popen(
        [_podman(), "system", "service", "--time=0", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_api(path, service)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("DOCKER_HOST", url)
            # Ryuk, the reaper container, cannot be pulled here (no image registry); the tests
            # remove their containers themselves.
            patch.setattr(testcontainers_config, "ryuk_disabled", True)
            # This machine may itself be a container (/.dockerenv), which makes testcontainers
            # look for a gateway; podman publishes the ports here, on the loopback.
            patch.setattr(
                testcontainers_config, "connection_mode_override", ConnectionMode.docker_host
            )
            patch.setattr(testcontainers_config, "tc_host_override", "127.0.0.1")
            yield url
    finally:
        service.terminate()
        service.wait(timeout=SERVICE_TIMEOUT_S)


def _wait_for_api(path: Path, service: subprocess.Popen[bytes]) -> None:
    for _ in range(SERVICE_TIMEOUT_S * 10):
        if service.poll() is not None:
            pytest.fail(f"podman system service exited with {service.returncode}")
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.connect(str(path))
                return
            except OSError:
                time.sleep(0.1)  # not listening yet
    pytest.fail(f"podman's API did not listen on {path} within {SERVICE_TIMEOUT_S} s")


@pytest.fixture(scope="session")
def mock_image(docker_host: str) -> str:
    """The image under test: NUMBERS_MOCK_IMAGE, or built now (layers cached by podman)."""
    given = os.environ.get("NUMBERS_MOCK_IMAGE")
    if given:
        return given
    command = [_podman(), "build", "-q", "--format", "docker", "--network", "host", "-t", IMAGE]
    if HOST_CA_BUNDLE.exists():
        # pip inside the build reaches the package index through this machine's CA bundle.
        command += ["-v", f"{HOST_CA_BUNDLE}:{HOST_CA_BUNDLE}:ro"]
    built = subprocess.run(
        [*command, str(ROOT)], capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False
    )
    if built.returncode != 0:
        pytest.fail(f"podman build failed:\n{built.stderr[-2000:]}")
    return IMAGE
