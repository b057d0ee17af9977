"""Worlds: complete, independent states on one server, each reached by its own credentials.

The base world is the state loaded at start, under the fixtures' own credentials. Every other
world starts as a copy of the loaded state (or of a document given when it is made) with each
account under fresh credentials, and has its own journal, fault rules, rate-limit buckets and
reset. A call lands in the world whose account its api_key names: clients need no change.

A world copied from the loaded state shares its ranges of numbers for sale (`Inventory.
renamed_copy`): making one costs the accounts and the owned numbers' indexes, never the pool.
"""

import asyncio
import json
import logging
import secrets
import shutil
import string
import time
from collections import OrderedDict
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mock_server.domain.changes import AddAccount, Change
from mock_server.domain.errors import NotFound, StateConflict, StateNotSaved
from mock_server.domain.inventory import Inventory
from mock_server.domain.transfers import timestamp
from mock_server.settings import Settings, limit_reached
from mock_server.simulation.faults import FaultPlan, FaultRule
from mock_server.simulation.journal import Journal
from mock_server.simulation.rate_limits import RateLimiter, RateLimits
from mock_server.state.document import FixtureFile, build_inventory, parse_fixtures
from mock_server.state.export import state_document
from mock_server.state.persistence import Persistence
from mock_server.state.state_file import StateFileError, encode_document

logger = logging.getLogger("uvicorn.error")

BASE = "base"
# Expired worlds remembered, so that their ids answer "expired" rather than "unknown".
EXPIRED_REMEMBERED = 1000
_ID_ALPHABET = string.ascii_lowercase + string.digits

# An account's api_key in the loaded state -> its (api_key, api_secret) in a world.
Credentials = dict[str, tuple[str, str]]


class World:
    """One state with everything that goes with it: journal, fault rules, rate limits and
    (with a state file) its own file."""

    def __init__(
        self,
        world_id: str,
        name: str | None,
        settings: Settings,
        start_rules: list[FaultRule],
        fresh: Callable[[], Inventory],
        persistence: Persistence | None = None,
        credentials: Credentials | None = None,
        created_at: str | None = None,
    ) -> None:
        self.id = world_id
        self.name = name
        self.settings = settings
        self.start_rules = start_rules
        self.credentials = credentials
        self.created_at = created_at or timestamp(datetime.now(UTC))
        self.last_used = time.monotonic()
        self.faults = FaultPlan(settings.seed, start_rules, settings.max_fault_rules)
        self.journal = Journal(settings.journal_size)
        self.rate_limiter = _rate_limiter(settings)
        self.persistence = persistence
        # What a reset goes back to: the state as this world began.
        self._fresh = fresh
        self._inventory: Inventory | None = None
        self.keys_elsewhere: Container[str] = frozenset()
        # Called with each api_key a write opens here (a subaccount), to route its calls here.
        self.on_new_key: Callable[[str], None] = lambda api_key: None

    @property
    def ready(self) -> bool:
        return self._inventory is not None

    @property
    def inventory(self) -> Inventory:
        if self._inventory is None:
            raise RuntimeError("the inventory is built when the app starts")
        return self._inventory

    def install(self, inventory: Inventory) -> None:
        inventory.keys_elsewhere = self.keys_elsewhere
        self._inventory = inventory

    def touch(self) -> None:
        self.last_used = time.monotonic()

    def idle_seconds(self, now: float) -> float:
        return now - self.last_used

    async def reset(self, keep_faults: bool = False, keep_journal: bool = False) -> None:
        """Back to the state this world began with; faults and journal cleared unless kept."""
        await self._replace(self._fresh())
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
        await self._replace(build_inventory(fixtures))

    async def write(self, plan: Callable[[Inventory], Change]) -> None:
        """Plan a change on the state and make it: with a state file, only once it is on disk
        (StateNotSaved, and nothing changed, when it cannot be written)."""
        made: list[Change] = []

        def planned(inventory: Inventory) -> Change:
            change = plan(inventory)
            made.append(change)
            return change

        if self.persistence is None:
            self.inventory.apply(planned(self.inventory))
        else:
            await self.persistence.write(lambda: self.inventory, planned)
        for change in made:
            if isinstance(change, AddAccount):
                self.on_new_key(change.account.api_key)

    def document(self) -> dict[str, Any]:
        """The whole state in the fixture format, read as one consistent snapshot."""
        return state_document(self.inventory)

    async def stop(self) -> None:
        if self.persistence is not None:
            await self.persistence.close()

    async def _replace(self, inventory: Inventory) -> None:
        """Put a new state on disk, and only then serve it: a failed write (a full disk)
        leaves both the old state and the old file in place."""
        if self.persistence is None:
            self.install(inventory)
        else:
            document = state_document(inventory)
            await self.persistence.replace(document, lambda: self.install(inventory))

    def describe(self, now: float) -> dict[str, Any]:
        """What `GET /_mock/worlds` lists of this world."""
        inventory = self.inventory
        return {
            "id": self.id,
            "name": self.name,
            "created_at": self.created_at,
            "idle_seconds": round(self.idle_seconds(now), 1),
            "accounts": len(inventory.accounts),
            "available": inventory.pool.available,
            "owned": inventory.owned_count,
        }

    def accounts(self) -> list[dict[str, Any]]:
        """Its accounts' credentials and roles, as `POST /_mock/worlds` answers them."""
        return [
            {
                "api_key": account.api_key,
                "api_secret": account.api_secret,
                "role": "primary" if account.parent is None else "subaccount",
                "parent": account.parent,
                "name": account.name,
            }
            for account in self.inventory.accounts
        ]


def _rate_limiter(settings: Settings) -> RateLimiter | None:
    if settings.rate_limit != "vonage":
        return None
    return RateLimiter(
        RateLimits(settings.rate_limit_per_second, settings.rate_limit_list_per_second)
    )


@dataclass(frozen=True, slots=True)
class Expired:
    """A world that was dropped for being idle."""

    idle_timeout: float


class Worlds:
    """The base world and the worlds made at run time; which world an api_key belongs to.

    Bounded: at most `--max-worlds` besides the base, and a world idle for `--world-idle-timeout`
    seconds is dropped (when the worlds are next looked at, so an idle server spends nothing).
    """

    def __init__(
        self,
        settings: Settings,
        base: World,
        loaded: Inventory,
        start_rules: Sequence[FaultRule] = (),
    ) -> None:
        self.settings = settings
        self.base = base
        self._loaded = loaded
        # The --faults file's rules, which every world starts with (and its fixtures' own).
        self._start_rules = list(start_rules)
        self._worlds: dict[str, World] = {}
        # api_key -> world, for every account of a world but the base.
        self._by_key: dict[str, World] = {}
        self._expired: OrderedDict[str, Expired] = OrderedDict()
        # Worlds being made (saved, with a state file): id -> the api_keys they will have.
        self._making: dict[str, set[str]] = {}
        self.directory = _worlds_directory(settings)
        self._connect(base)

    def __iter__(self) -> Iterator[World]:
        yield self.base
        yield from self._worlds.values()

    def __len__(self) -> int:
        return len(self._worlds)

    # -- lookups ------------------------------------------------------------------------------

    def for_key(self, api_key: str | None) -> World:
        """The world an api_key's calls land in: the world that has the account, else the base
        (which answers 401 for a key it does not know either)."""
        world = self._by_key.get(api_key or "")
        if world is None:
            return self.base
        if self._expire_if_idle(world, time.monotonic()):
            return self.base
        world.touch()
        return world

    def get(self, world_id: str | None) -> World:
        """The world `world_id` names (the base for None or `base`); NotFound otherwise, saying
        when it expired."""
        if world_id is None or world_id == BASE:
            return self.base
        world = self._worlds.get(world_id)
        if world is not None and not self._expire_if_idle(world, time.monotonic()):
            world.touch()
            return world
        expired = self._expired.get(world_id)
        if expired is not None:
            detail = (
                f"world {world_id!r} expired after {expired.idle_timeout:g} s without use "
                "(--world-idle-timeout)"
            )
            raise NotFound("world", detail)
        raise NotFound("world", f"no world {world_id!r}")

    def listing(self) -> list[dict[str, Any]]:
        self.sweep()
        now = time.monotonic()
        return [world.describe(now) for world in self]

    # -- changes ------------------------------------------------------------------------------

    async def create(self, name: str | None, fixtures: FixtureFile | None) -> World:
        """A new world: a copy of the loaded state (or of `fixtures`) under fresh credentials.

        LimitReached (409) past --max-worlds; with a state file, StateNotSaved when it cannot
        be written (then nothing is made)."""
        self.sweep()
        if len(self._worlds) + len(self._making) >= self.settings.max_worlds:
            raise limit_reached(None, self.settings.max_worlds, "worlds", "max_worlds")
        world_id = self._new_id()
        if fixtures is None:
            template = self._loaded
            source = None
        else:
            template = build_inventory(fixtures)
            source = fixtures
        credentials = {account.api_key: self._new_credentials() for account in template.accounts}
        world = self._world(world_id, name, template, credentials, None, None, source)
        # Held while it is saved: its place among --max-worlds, its id and its api_keys.
        self._making[world_id] = {key for key, _ in credentials.values()}
        inventory = template.renamed_copy(credentials)
        try:
            if self.directory is not None:
                document = state_document(inventory)
                try:
                    await asyncio.to_thread(self._save_world, world, source, document)
                except OSError as error:
                    logger.error("Cannot save world %s: %s", world_id, error.strerror or error)
                    raise StateNotSaved() from error
        finally:
            del self._making[world_id]
        world.install(inventory)
        self._add(world)
        logger.info("World %s made%s", world_id, f" ({name})" if name else "")
        return world

    async def delete(self, world_id: str) -> None:
        if world_id == BASE:
            raise StateConflict("world", "the base world cannot be deleted; reset it instead")
        world = self.get(world_id)
        self._remove(world)
        await world.stop()
        if self.directory is not None:
            await asyncio.to_thread(shutil.rmtree, self.directory / world_id, True)

    def rekey(self, world: World) -> None:
        """After a world's state was replaced (a reset, a new document): route its accounts'
        api_keys, and no others, to it."""
        if world is self.base:
            return
        for key in [key for key, owner in self._by_key.items() if owner is world]:
            del self._by_key[key]
        for account in world.inventory.accounts:
            self._claim(account.api_key, world)

    def check_keys(self, world: World, fixtures: FixtureFile) -> None:
        """StateConflict when a document for `world` names an api_key another world uses."""
        for i, entry in enumerate(fixtures.accounts):
            if entry.api_key in world.keys_elsewhere:
                raise StateConflict(
                    f"accounts[{i}].api_key",
                    f"api_key {entry.api_key!r} belongs to another world",
                )

    def sweep(self) -> None:
        """Drop every world idle for longer than --world-idle-timeout."""
        now = time.monotonic()
        for world in list(self._worlds.values()):
            self._expire_if_idle(world, now)

    async def stop(self) -> None:
        for world in self:
            await world.stop()

    def load_saved(self) -> None:
        """The worlds a state file kept (with --state-file), as they were."""
        if self.directory is None or not self.directory.is_dir():
            return
        for folder in sorted(self.directory.iterdir()):
            if (folder / "world.json").is_file():
                self._add(self._load(folder))

    # -- internals ----------------------------------------------------------------------------

    def _load(self, folder: Path) -> World:
        """A kept world: its credentials and origin (`world.json`, `source.json` when it began
        from a document of its own) and its state file. StateFileError (one line) if damaged."""
        meta_file = folder / "world.json"
        try:
            meta = json.loads(meta_file.read_text())
            source = folder / "source.json"
            fixtures = None
            if source.is_file():
                fixtures = parse_fixtures(json.loads(source.read_text()), source)
            template = build_inventory(fixtures) if fixtures else self._loaded
            credentials = {old: (new[0], new[1]) for old, new in meta["credentials"].items()}
            persistence = Persistence(folder / "state.json")
            inventory = persistence.open(lambda: template.renamed_copy(credentials))
            world = self._world(
                meta["id"], meta.get("name"), template, credentials, persistence,
                meta.get("created_at"), fixtures,
            )  # fmt: skip
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise StateFileError(f"{meta_file}: cannot read this world: {error}") from error
        world.install(inventory)
        return world

    def _world(
        self,
        world_id: str,
        name: str | None,
        template: Inventory,
        credentials: Credentials,
        persistence: Persistence | None,
        created_at: str | None,
        source: FixtureFile | None,
    ) -> World:
        if self.directory is not None and persistence is None:
            persistence = Persistence(self.directory / world_id / "state.json")
        own_rules = source.faults if source is not None else self.base.start_rules
        return World(
            world_id,
            name,
            self.settings,
            [*own_rules, *self._start_rules] if source is not None else own_rules,
            lambda: template.renamed_copy(credentials),
            persistence,
            credentials,
            created_at,
        )

    def _add(self, world: World) -> None:
        self._connect(world)
        self._worlds[world.id] = world
        self.rekey(world)

    def _connect(self, world: World) -> None:
        world.keys_elsewhere = _KeysElsewhere(self, world)
        if world.ready:
            world.inventory.keys_elsewhere = world.keys_elsewhere
        world.on_new_key = lambda api_key: self._claim(api_key, world)

    def _claim(self, api_key: str, world: World) -> None:
        if world is not self.base:
            self._by_key[api_key] = world

    def _remove(self, world: World) -> None:
        del self._worlds[world.id]
        for key in [key for key, owner in self._by_key.items() if owner is world]:
            del self._by_key[key]

    def _expire_if_idle(self, world: World, now: float) -> bool:
        timeout = self.settings.world_idle_timeout
        if timeout <= 0 or world.idle_seconds(now) <= timeout or world.id not in self._worlds:
            return False
        self._remove(world)
        self._expired[world.id] = Expired(timeout)
        while len(self._expired) > EXPIRED_REMEMBERED:
            self._expired.popitem(last=False)
        if self.directory is not None:
            shutil.rmtree(self.directory / world.id, ignore_errors=True)
        logger.info("World %s expired after %g s without use", world.id, timeout)
        return True

    def _new_id(self) -> str:
        while True:
            world_id = "w" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(7))
            taken = (self._worlds, self._making, self._expired)
            if not any(world_id in ids for ids in taken):
                return world_id

    def _new_credentials(self) -> tuple[str, str]:
        while True:
            api_key = secrets.token_hex(4)
            making = any(api_key in keys for keys in self._making.values())
            if (
                api_key not in self._by_key
                and not making
                and (not self.base.ready or self.base.inventory.accounts.get(api_key) is None)
            ):
                break
        # Vonage's rule for a secret: a lower, an upper and a digit, 16 characters in all.
        return api_key, "Aa1" + secrets.token_hex(7)[:13]

    def _save_world(
        self, world: World, source: FixtureFile | None, document: dict[str, Any]
    ) -> None:
        assert self.directory is not None
        folder = self.directory / world.id
        folder.mkdir(parents=True)
        try:
            if source is not None:
                (folder / "source.json").write_bytes(
                    encode_document(source.model_dump(mode="json", exclude_none=True))
                )
            meta = {
                "id": world.id,
                "name": world.name,
                "created_at": world.created_at,
                "credentials": {old: list(new) for old, new in (world.credentials or {}).items()},
            }
            (folder / "world.json").write_bytes(encode_document(meta))
            assert world.persistence is not None
            world.persistence.file.save(document)
            world.persistence.file.open()
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)
            raise


class _KeysElsewhere:
    """The api_keys `world` must not open: every other world's (a `Container` for
    `Inventory.keys_elsewhere`)."""

    def __init__(self, worlds: Worlds, world: World) -> None:
        self._worlds = worlds
        self._world = world

    def __contains__(self, api_key: object) -> bool:
        if not isinstance(api_key, str):
            return False
        owner = self._worlds._by_key.get(api_key)
        if owner is not None:
            return owner is not self._world
        base = self._worlds.base
        return (
            self._world is not base
            and base.ready
            and base.inventory.accounts.get(api_key) is not None
        )


def _worlds_directory(settings: Settings) -> Path | None:
    """Where worlds are kept with a state file: `<state file>.worlds/`, one folder each."""
    if settings.state_file is None:
        return None
    return settings.state_file.with_name(settings.state_file.name + ".worlds")
