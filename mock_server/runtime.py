"""The running mock's state: settings, fixtures as loaded, the live inventory, the renderer."""

from pathlib import Path

from mock_server.fixtures import FixtureFile, build_inventory
from mock_server.inventory import Inventory
from mock_server.rendering import Renderer
from mock_server.settings import Settings


class Runtime:
    """What the routes work on; `reset()` is the start path and the reset path alike."""

    def __init__(self, settings: Settings, fixtures: FixtureFile, ca_cert: Path | None) -> None:
        self.settings = settings
        self.fixtures = fixtures
        self.ca_cert = ca_cert
        self.renderer = Renderer(settings.empty_numbers, settings.xml_names)
        self._inventory: Inventory | None = None

    @property
    def ready(self) -> bool:
        return self._inventory is not None

    @property
    def inventory(self) -> Inventory:
        if self._inventory is None:
            raise RuntimeError("the inventory is built when the app starts")
        return self._inventory

    def reset(self) -> None:
        """Back to the fixtures as loaded at start."""
        self._inventory = build_inventory(self.fixtures)

    def http_status(self, error_code: str) -> int:
        """The HTTP status carrying a Vonage error code (420's is a setting)."""
        if error_code == "420":
            return self.settings.method_failed_status
        return int(error_code)
