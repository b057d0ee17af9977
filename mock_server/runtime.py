"""The running mock: settings, the state as loaded, and its worlds (the base world first)."""

from collections.abc import Sequence
from pathlib import Path

from mock_server.domain.inventory import Inventory
from mock_server.settings import Settings, limit_reached
from mock_server.simulation.faults import FaultRule
from mock_server.simulation.webhooks import WebhookSender
from mock_server.state.document import FixtureFile, build_inventory
from mock_server.state.export import state_document
from mock_server.state.persistence import Persistence
from mock_server.worlds import BASE, World, Worlds


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
        self.ca_cert = ca_cert
        # The loaded state, never changed: what the base world starts and resets from, and
        # what new worlds copy. Built once; the document itself is not kept.
        self._pristine = build_inventory(fixtures)
        persistence = Persistence(settings.state_file) if settings.state_file else None
        self.base = World(
            BASE,
            None,
            settings,
            [*fixtures.faults, *start_rules],
            self._fresh,
            persistence,
        )
        self.worlds = Worlds(settings, self.base, self._pristine, start_rules)
        # Probes of moHttpUrl (--verify-webhooks) and the simulated inbound SMS and calls.
        self.webhooks = WebhookSender(settings.webhook_timeout, settings.webhook_destinations)
        # Read (and written, when new) now, not when serving starts: a broken or unwritable
        # state file stops the start up front, with a one-line message.
        resumed = settings.state_file is not None and settings.state_file.exists()
        self._saved = persistence.open(self._fresh) if persistence else None
        if self._saved is not None:  # a state file's accounts, perhaps from a larger limit
            self.check_accounts(len(self._saved.accounts), "accounts")
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
        return self.base.ready

    def start(self) -> None:
        """The state at start: the state file's when there is one, else the fixtures'; and
        the worlds the state file kept."""
        saved, self._saved = self._saved, None
        if saved is None:
            saved = self._fresh()
            if self.base.persistence is not None:
                self.base.persistence.file.save(state_document(saved))
        self.base.install(saved)
        self.worlds.load_saved()

    async def stop(self) -> None:
        await self.worlds.stop()

    def _fresh(self) -> Inventory:
        """A copy of the loaded state under its own credentials (costs no number for sale)."""
        pristine = self._pristine
        return pristine.renamed_copy(
            {
                account.api_key: (account.api_key, account.api_secret)
                for account in pristine.accounts
            }
        )
