"""The running mock's state: settings, fixtures as loaded, inventory, journal, faults, limits."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mock_server.domain.inventory import Inventory
from mock_server.settings import Settings
from mock_server.simulation.faults import FaultPlan, FaultRule
from mock_server.simulation.journal import Journal
from mock_server.simulation.rate_limits import RateLimiter, RateLimits
from mock_server.simulation.webhooks import WebhookSender
from mock_server.state.document import FixtureFile, build_inventory
from mock_server.state.export import state_document
from mock_server.state.state_file import StateFile


class Runtime:
    """What the routes work on; the start path and the reset path build state the same way."""

    def __init__(
        self,
        settings: Settings,
        fixtures: FixtureFile,
        ca_cert: Path | None = None,
        start_rules: Sequence[FaultRule] = (),
    ) -> None:
        self.settings = settings
        self.fixtures = fixtures
        self.ca_cert = ca_cert
        self.start_rules = [*fixtures.faults, *start_rules]
        self.faults = FaultPlan(settings.seed, self.start_rules)
        self.journal = Journal(settings.journal_size)
        self.rate_limiter = (
            RateLimiter(
                RateLimits(settings.rate_limit_per_second, settings.rate_limit_list_per_second)
            )
            if settings.rate_limit == "vonage"
            else None
        )
        self.state_file = StateFile(settings.state_file) if settings.state_file else None
        # Probes of moHttpUrl (--verify-webhooks) and the simulated inbound SMS and calls.
        self.webhooks = WebhookSender(settings.webhook_timeout)
        # Read now, not when serving starts: a broken state file stops the start up front, with
        # the same one-line message as a broken fixtures file.
        self._saved = self.state_file.load() if self.state_file else None
        self._inventory: Inventory | None = None

    @property
    def ready(self) -> bool:
        return self._inventory is not None

    @property
    def inventory(self) -> Inventory:
        if self._inventory is None:
            raise RuntimeError("the inventory is built when the app starts")
        return self._inventory

    def start(self) -> None:
        """The state at start: the state file when there is one, else the fixtures."""
        saved, self._saved = self._saved, None
        self._install(saved or self.fixtures, write=saved is None)

    def reset(self, keep_faults: bool = False, keep_journal: bool = False) -> None:
        """Back to the fixtures as loaded at start; faults and journal cleared unless kept."""
        self._install(self.fixtures)
        if not keep_faults:
            self.faults = FaultPlan(self.faults.seed, self.start_rules)
        if not keep_journal:
            self.journal.clear()
        if self.rate_limiter is not None:
            self.rate_limiter.reset()

    def replace_state(self, fixtures: FixtureFile) -> None:
        """Replace the whole state with a validated document."""
        self._install(fixtures)

    def document(self) -> dict[str, Any]:
        """The whole state in the fixture format, read as one consistent snapshot."""
        return state_document(self.inventory)

    def persist(self) -> None:
        """Write the state file, when there is one (every change calls this before answering)."""
        if self.state_file is not None and self._inventory is not None:
            self.state_file.save(self.document())

    def _install(self, fixtures: FixtureFile, write: bool = True) -> None:
        """Build the state, put it on disk, and only then serve it: a failed write (a full
        disk) leaves both the old state and the old file in place."""
        inventory = build_inventory(fixtures)
        if write and self.state_file is not None:
            self.state_file.save(state_document(inventory))
        inventory.on_change = self.persist
        self._inventory = inventory
