"""The running mock's state: settings, fixtures as loaded, inventory, journal, faults, limits."""

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mock_server.domain.changes import Change
from mock_server.domain.inventory import Inventory
from mock_server.settings import Settings, limit_reached
from mock_server.simulation.faults import FaultPlan, FaultRule
from mock_server.simulation.journal import Journal
from mock_server.simulation.rate_limits import RateLimiter, RateLimits
from mock_server.simulation.webhooks import WebhookSender
from mock_server.state.document import FixtureFile, build_inventory
from mock_server.state.export import state_document
from mock_server.state.persistence import Persistence


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
        self.check_accounts(len(fixtures.accounts), "fixtures.accounts")
        self.fixtures = fixtures
        self.ca_cert = ca_cert
        self.start_rules = [*fixtures.faults, *start_rules]
        self.faults = FaultPlan(settings.seed, self.start_rules, settings.max_fault_rules)
        self.journal = Journal(settings.journal_size)
        self.rate_limiter = (
            RateLimiter(
                RateLimits(settings.rate_limit_per_second, settings.rate_limit_list_per_second)
            )
            if settings.rate_limit == "vonage"
            else None
        )
        self.persistence = Persistence(settings.state_file) if settings.state_file else None
        # Probes of moHttpUrl (--verify-webhooks) and the simulated inbound SMS and calls.
        self.webhooks = WebhookSender(settings.webhook_timeout, settings.webhook_destinations)
        # Read (and written, when new) now, not when serving starts: a broken or unwritable
        # state file stops the start up front, with a one-line message.
        resumed = settings.state_file is not None and settings.state_file.exists()
        self._saved = (
            self.persistence.open(lambda: build_inventory(fixtures)) if self.persistence else None
        )
        if self._saved is not None:  # a state file's accounts, perhaps from a larger limit
            self.check_accounts(len(self._saved.accounts), "accounts")
        self._inventory: Inventory | None = None
        # Where the state came from at start (the start block names it): fixtures or state file.
        self.loaded_from = (
            settings.state_file if resumed and settings.state_file else settings.fixtures
        )

    def check_accounts(self, count: int, field: str | None = None) -> None:
        """LimitReached (a 409) when `count` accounts would pass --max-accounts."""
        if count > self.settings.max_accounts:
            raise limit_reached(field, self.settings.max_accounts, "accounts", "max_accounts")

    @property
    def ready(self) -> bool:
        return self._inventory is not None

    @property
    def inventory(self) -> Inventory:
        if self._inventory is None:
            raise RuntimeError("the inventory is built when the app starts")
        return self._inventory

    def start(self) -> None:
        """The state at start: the state file's when there is one, else the fixtures'."""
        saved, self._saved = self._saved, None
        if saved is None:
            saved = build_inventory(self.fixtures)
            if self.persistence is not None:
                self.persistence.file.save(state_document(saved))
        self._inventory = saved

    async def stop(self) -> None:
        if self.persistence is not None:
            await self.persistence.close()

    async def reset(self, keep_faults: bool = False, keep_journal: bool = False) -> None:
        """Back to the fixtures as loaded at start; faults and journal cleared unless kept."""
        await self._install(self.fixtures)
        if not keep_faults:
            self.faults = FaultPlan(
                self.faults.seed, self.start_rules, self.settings.max_fault_rules
            )
        if not keep_journal:
            self.journal.clear()
        if self.rate_limiter is not None:
            self.rate_limiter.reset()

    async def replace_state(self, fixtures: FixtureFile) -> None:
        """Replace the whole state with a validated document."""
        await self._install(fixtures)

    async def write(self, plan: Callable[[Inventory], Change]) -> None:
        """Plan a change on the state and make it: with a state file, only once it is on disk
        (StateNotSaved, and nothing changed, when it cannot be written)."""
        if self.persistence is None:
            self.inventory.apply(plan(self.inventory))
        else:
            await self.persistence.write(lambda: self.inventory, plan)

    def document(self) -> dict[str, Any]:
        """The whole state in the fixture format, read as one consistent snapshot."""
        return state_document(self.inventory)

    async def _install(self, fixtures: FixtureFile) -> None:
        """Build the state, put it on disk, and only then serve it: a failed write (a full
        disk) leaves both the old state and the old file in place."""
        inventory = build_inventory(fixtures)

        def install() -> None:
            self._inventory = inventory

        if self.persistence is None:
            install()
        else:
            await self.persistence.replace(state_document(inventory), install)
