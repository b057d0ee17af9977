"""A Testcontainers container of the mock's image that hands out a `vonage` client and `MockClient`.

Needs the `testcontainers` extra (`pip install 'vonage-numbers-mock[testcontainers]'`):

    with VonageNumbersMockContainer("vonage-numbers-mock:latest") as mock:
        numbers = mock.get_vonage_client().numbers        # over HTTPS, trusting the mock's CA
        mock.get_control_client().add_fault("buy", status=420, times=1)
"""

import http.client
import json
import tempfile
import time
from pathlib import Path
from typing import Any, Self

from testcontainers.core.container import DockerContainer

from mock_server.testing.client import MockApiError, MockClient

HTTP_PORT = 8080
HTTPS_PORT = 8443
DEFAULT_IMAGE = "vonage-numbers-mock:latest"
# The shipped fixtures' first master account, which the image loads unless told otherwise.
DEFAULT_API_KEY = "1a2b3c4d"
DEFAULT_API_SECRET = "MockSecret123456"  # noqa: S105 (a published test credential)
POLL_SECONDS = 0.2
ALLOWED_HOSTS = "NUMBERS_MOCK_ALLOWED_HOSTS"


class ContainerNotReady(RuntimeError):
    """The container exited, or did not answer /_mock/health in time."""


class VonageNumbersMockContainer(DockerContainer):
    """The mock's image with HTTP (8080) and HTTPS (8443) published; started once it is healthy."""

    def __init__(
        self,
        image: str = DEFAULT_IMAGE,
        *,
        api_key: str = DEFAULT_API_KEY,
        api_secret: str = DEFAULT_API_SECRET,
        admin_token: str | None = None,
        startup_timeout: float = 60.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(image, **kwargs)
        self.with_exposed_ports(HTTP_PORT, HTTPS_PORT)
        if admin_token is not None:
            self.with_env("NUMBERS_MOCK_ADMIN_TOKEN", admin_token)
        self.api_key, self.api_secret = api_key, api_secret
        self.admin_token = admin_token
        self.startup_timeout = startup_timeout
        self._ca_dir: tempfile.TemporaryDirectory[str] | None = None

    def start(self) -> Self:
        """Start the container, wait for /_mock/health, and fetch the CA; stop it on failure."""
        try:
            self._allow_docker_host()
            super().start()
            self._wait_until_healthy()
            self._ca_dir = tempfile.TemporaryDirectory(prefix="numbers-mock-ca-")
            self.ca_file.write_bytes(self.get_control_client().ca_certificate())
        except BaseException:
            self.stop()
            raise
        return self

    def _allow_docker_host(self) -> None:
        # The control API answers only to host names it serves (IP addresses always): a remote
        # Docker daemon reached by name (DOCKER_HOST=tcp://docker:2375) must be one of them.
        if ALLOWED_HOSTS not in self.env:
            self.with_env(ALLOWED_HOSTS, json.dumps([self.get_docker_client().host()]))

    def stop(self, force: bool = True, delete_volume: bool = True) -> None:
        """Remove the container and the fetched CA; a second call does nothing."""
        if self._ca_dir is not None:
            self._ca_dir.cleanup()
            self._ca_dir = None
        if self._container is None:
            self.get_docker_client().client.close()
            return
        super().stop(force=force, delete_volume=delete_volume)
        self._container = None

    # -- where it answers ------------------------------------------------------------------

    def get_http_url(self) -> str:
        """The plain-HTTP base URL (the control API and the Vonage routes both answer there)."""
        return f"http://{self._host_port(HTTP_PORT)}"

    def get_https_host(self) -> str:
        """`host:port` of the HTTPS listener: the `rest_host` the official SDKs take."""
        return self._host_port(HTTPS_PORT)

    @property
    def ca_file(self) -> Path:
        """The mock's CA certificate (PEM), fetched at start and deleted at stop."""
        if self._ca_dir is None:
            raise ContainerNotReady("the container is not started")
        return Path(self._ca_dir.name, "ca.pem")

    # -- clients ---------------------------------------------------------------------------

    def get_control_client(self, timeout: float = 10.0) -> MockClient:
        """A `MockClient` on the control API (/_mock/)."""
        return MockClient(self.get_http_url(), admin_token=self.admin_token, timeout=timeout)

    def get_vonage_client(
        self, api_key: str | None = None, api_secret: str | None = None, timeout: int = 10
    ) -> Any:
        """A `vonage.Vonage` client on the mock over HTTPS, trusting the mock's CA and only it."""
        from vonage import Auth, HttpClientOptions, Vonage

        client = Vonage(
            Auth(api_key=api_key or self.api_key, api_secret=api_secret or self.api_secret),
            HttpClientOptions(rest_host=self.get_https_host(), timeout=timeout),
        )
        # The SDK takes no CA option, but each client owns its requests session: verifying there
        # keeps the trust to this client instead of the process-wide REQUESTS_CA_BUNDLE. With
        # trust_env off, such variables (and proxy ones) cannot override it for this client.
        session = client.http_client._session
        session.verify = str(self.ca_file)
        session.trust_env = False
        return client

    # -- plumbing --------------------------------------------------------------------------

    def _host_port(self, port: int) -> str:
        return f"{self.get_container_host_ip()}:{self.get_exposed_port(port)}"

    def _wait_until_healthy(self) -> None:
        control = self.get_control_client(timeout=POLL_SECONDS * 10)
        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                if control.health()["status"] == "ok":
                    return
            except (OSError, http.client.HTTPException, MockApiError):
                pass  # not listening yet, or still loading its state (503)
            self._raise_if_exited()
            if time.monotonic() > deadline:
                raise ContainerNotReady(
                    f"{self.image} did not answer /_mock/health within {self.startup_timeout} s"
                    f"\n{self._logs_tail()}"
                )
            time.sleep(POLL_SECONDS)

    def _raise_if_exited(self) -> None:
        container = self.get_wrapped_container()
        container.reload()
        if container.status in ("exited", "dead"):
            raise ContainerNotReady(
                f"{self.image} exited before it was healthy\n{self._logs_tail()}"
            )

    def _logs_tail(self, lines: int = 20) -> str:
        stdout, stderr = self.get_logs()
        text = (stdout + stderr).decode("utf-8", "replace")
        return "\n".join(text.splitlines()[-lines:])
