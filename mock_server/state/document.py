"""The fixture file format (pydantic models, JSON Schema), loading it, and building state from it.

Number attributes use Vonage's wire names (`initialPrice`, `moHttpUrl`, ...) so that a number in a
fixture reads like a number in an API response.
"""

import contextlib
import functools
import gc
import json
import re
import weakref
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetPydanticSchema,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import core_schema

from mock_server.domain import countries
from mock_server.domain.accounts import Account, Accounts
from mock_server.domain.errors import MockError, StateConflict
from mock_server.domain.inventory import Inventory
from mock_server.domain.phone_number import (
    CONFIG_FIELDS,
    NO_CONFIG,
    Feature,
    Limitation,
    NumberAttributes,
    NumberConfig,
    NumberType,
    OwnedNumber,
)
from mock_server.domain.pool import Block, Pool
from mock_server.domain.transfers import Transfer, TransferKind
from mock_server.domain.wire import (
    COUNTRY_FORMAT,
    MSISDN_FORMAT,
    MessagesCallbackType,
    VoiceCallbackType,
    anchored,
    wire_name,
)
from mock_server.simulation.faults import FaultRule
from mock_server.state.export import owned_data

_SURROGATE = re.compile("[\ud800-\udfff]")


def _encodable(value: str) -> str:
    # JSON can carry lone surrogates ("\ud800"); UTF-8, and so the state file and every answer,
    # cannot: refuse them where the document comes in. Strings with a pattern, a length, or a
    # set of values are refused them already (pydantic checks those in UTF-8); free text is not.
    if _SURROGATE.search(value):
        raise ValueError("contains a lone surrogate, which UTF-8 cannot encode")
    return value


# Free text: any string UTF-8 can carry.
Text = Annotated[str, AfterValidator(_encodable)]

Country = Annotated[str, StringConstraints(pattern=anchored(COUNTRY_FORMAT))]
Msisdn = Annotated[str, StringConstraints(pattern=anchored(MSISDN_FORMAT))]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
Timestamp = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")]


class FixtureError(MockError):
    """A fixture file that cannot be loaded: names the file, the entry and the field."""

    def __init__(self, path: Path | str, location: str, problem: str) -> None:
        self.path, self.location, self.problem = str(path), location, problem
        super().__init__(f"{path}: {location}: {problem}")


class _Model(BaseModel):
    # Vonage's names on the wire (`initialPrice`, `moHttpUrl`), from the one list of them.
    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, frozen=True, alias_generator=wire_name
    )


class AccountEntry(_Model):
    """An account; with `parent`, a subaccount of the account with that api_key."""

    api_key: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    api_secret: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    balance: Money = Field(Decimal("0.00"), description="Credit in euros.")
    parent: Text | None = Field(None, description="api_key of the master account.")
    name: Text | None = Field(None, description="A label for people; the Subaccounts API shows it.")
    suspended: bool = Field(False, description="A suspended account cannot authenticate.")
    use_primary_account_balance: bool = Field(
        False, description="A subaccount charged on its primary account's balance."
    )
    credit_limit: Money = Field(
        Decimal("0.00"), description="How far below zero the balance may go, in euros."
    )
    created_at: Timestamp | None = Field(None, description="When it was opened (UTC).")

    def account(self) -> Account:
        return Account(
            self.api_key,
            self.api_secret,
            self.balance,
            self.parent,
            self.name,
            self.suspended,
            self.use_primary_account_balance,
            self.credit_limit,
            self.created_at,
        )


class TransferEntry(_Model):
    """A credit or balance transfer made through the Subaccounts API."""

    kind: TransferKind
    id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    amount: Money
    from_: Text = Field(alias="from")
    to: Text
    created_at: Timestamp
    reference: Text | None = None

    def transfer(self) -> Transfer:
        return Transfer(
            self.kind,
            self.id,
            self.amount,
            self.from_,
            self.to,
            self.created_at,
            self.reference,
        )


class LimitationEntry(_Model):
    feature: Literal["SMS", "VOICE", "MMS"]
    type: Literal["INBOUND", "OUTBOUND"]
    reach: Literal["DOMESTIC", "INTERNATIONAL"]


class NumberEntry(_Model):
    """What a number is: shared by every number of a range."""

    country: Country
    type: NumberType
    features: list[Feature] = Field(min_length=1)
    cost: Money = Field(description="Monthly rent in euros.")
    initial_price: Money = Field(Decimal("0.00"), description="Setup fee.")
    limitations: list[LimitationEntry] = Field(default_factory=list)

    @field_validator("country")
    @classmethod
    def _known_country(cls, country: str) -> str:
        problem = countries.country_problem(country)
        if problem is not None:
            raise ValueError(problem)
        return country

    @field_validator("features")
    @classmethod
    def _distinct(cls, features: list[Feature]) -> list[Feature]:
        if len(set(features)) != len(features):
            raise ValueError("features must not repeat")
        return features

    def attributes(self) -> NumberAttributes:
        return _interned_attributes(
            self.country,
            self.type,
            frozenset(self.features),
            self.cost,
            self.initial_price,
            tuple(self.limitations),
        )


@functools.lru_cache(maxsize=4096)
def _interned_attributes(
    country: str,
    type: NumberType,
    features: frozenset[Feature],
    cost: Decimal,
    initial_price: Decimal,
    limitations: tuple["LimitationEntry", ...],
) -> NumberAttributes:
    """One shared object per distinct set of attributes: a hundred thousand owned numbers from a
    few ranges hold a few of them, built once (attributes are frozen, so sharing is safe)."""
    return NumberAttributes(
        country=country,
        type=type,
        features=features,
        cost=cost,
        initial_price=initial_price,
        limitations=tuple(Limitation(**lim.model_dump()) for lim in limitations),
    )


def _of_country(msisdn: str, info: ValidationInfo) -> str:
    """`msisdn`, when its calling code is its entry's country's (validated before it)."""
    country = info.data.get("country")
    problem = countries.number_problem(country, msisdn) if country else None
    if problem is not None:
        raise ValueError(problem)
    return msisdn


class MsisdnRange(_Model):
    start: Msisdn
    end: Msisdn

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if len(self.start) != len(self.end) or int(self.start) > int(self.end):
            raise ValueError("range start and end must have the same length, start <= end")
        return self


class AvailableEntry(NumberEntry):
    """Numbers to buy: one `msisdn`, or a `range` of them sharing these attributes."""

    msisdn: Msisdn | None = None
    range: MsisdnRange | None = None

    @field_validator("msisdn")
    @classmethod
    def _msisdn_of_country(cls, msisdn: str | None, info: ValidationInfo) -> str | None:
        return None if msisdn is None else _of_country(msisdn, info)

    @field_validator("range")
    @classmethod
    def _range_of_country(
        cls, bounds: MsisdnRange | None, info: ValidationInfo
    ) -> MsisdnRange | None:
        if bounds is not None:
            _of_country(bounds.start, info)
            _of_country(bounds.end, info)
        return bounds

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.msisdn is None) == (self.range is None):
            raise ValueError("give exactly one of msisdn and range")
        return self

    def bounds(self) -> tuple[str, str]:
        if self.range is not None:
            return self.range.start, self.range.end
        assert self.msisdn is not None
        return self.msisdn, self.msisdn


class OwnedEntry(NumberEntry):
    """A number owned by the account `api_key`, with its configuration."""

    api_key: Text
    msisdn: Msisdn
    app_id: Text | None = None
    mo_http_url: Text | None = None
    mo_smpp_sys_type: Text | None = None
    voice_callback_type: VoiceCallbackType | None = None
    voice_callback_value: Text | None = None
    voice_status_callback: Text | None = None
    messages_callback_type: MessagesCallbackType | None = None
    messages_callback_value: Text | None = None

    @field_validator("msisdn")
    @classmethod
    def _msisdn_of_country(cls, msisdn: str, info: ValidationInfo) -> str:
        return _of_country(msisdn, info)

    def owned_number(self) -> OwnedNumber:
        # The fields the entry gave (most give none): a set intersection, not eight reads.
        given = self.model_fields_set & _CONFIG_SET
        if not given:
            return OwnedNumber(self.msisdn, self.attributes(), NO_CONFIG)
        config = NumberConfig(**{name: getattr(self, name) for name in given})
        return OwnedNumber(self.msisdn, self.attributes(), config)

    def item(self) -> "OwnedItem":
        return OwnedItem(self.api_key, self.owned_number())


_CONFIG_SET = frozenset(CONFIG_FIELDS)


class OwnedItem(NamedTuple):
    """An `owned` entry as loaded: its owner and the number, built as it is validated.

    A document keeps these rather than its OwnedEntry models: 100,000 owned numbers would hold
    well over 100 MB of models beside the state. Inventories built from the document share the
    numbers (a change replaces a number, never alters it).
    """

    api_key: str
    number: OwnedNumber

    @property
    def msisdn(self) -> str:
        return self.number.msisdn


def _owned_schema(source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
    # Validated and described as an OwnedEntry (the same JSON Schema, the same errors), kept as
    # an OwnedItem, written back in the fixture format.
    return core_schema.no_info_after_validator_function(
        OwnedEntry.item,
        handler.generate_schema(OwnedEntry),
        serialization=core_schema.plain_serializer_function_ser_schema(_owned_data),
    )


def _owned_data(item: OwnedItem) -> dict[str, Any]:
    return owned_data(item.api_key, item.number)


Owned = Annotated[OwnedItem, GetPydanticSchema(_owned_schema)]


class FixtureFile(_Model):
    """A whole fixture file: accounts, the available pool, owned numbers."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        frozen=True,
        title="vonage-numbers-mock fixtures",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    schema_: Text | None = Field(None, alias="$schema", description="Path or URL of this schema.")
    accounts: list[AccountEntry] = Field(min_length=1)
    address_required_countries: list[Country] = Field(
        default_factory=list,
        description="Countries whose numbers need a local address: buying answers the "
        "dashboard 420.",
    )
    available: list[AvailableEntry] = Field(default_factory=list)
    owned: list[Owned] = Field(default_factory=list)
    faults: list[FaultRule] = Field(
        default_factory=list, description="Fault rules installed at start (and after a reset)."
    )
    transfers: list[TransferEntry] = Field(
        default_factory=list, description="Credit and balance transfers made, oldest first."
    )


_FAULT_LIST = TypeAdapter(list[FaultRule])
# Inventories built by check_consistency and not yet taken by build_inventory, by document id.
_checked: dict[int, Inventory] = {}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the fixture format, generated from the models."""
    return FixtureFile.model_json_schema(by_alias=True)


def load_fixture_file(path: Path) -> FixtureFile:
    """Read and validate a fixture file; FixtureError names the file, entry and field at fault."""
    try:
        with _no_collection():
            # Validated from the bytes, with no document of Python objects built first.
            fixtures = FixtureFile.model_validate_json(path.read_bytes())
    except (OSError, ValidationError):
        # Refused (or unreadable): read again the slow way, which gives the same verdict with
        # the words people saw before. Pydantic words some errors differently for JSON input,
        # and its parser refuses a lone surrogate ("\ud800") naming only a line and column.
        return parse_fixtures(_read_json(path), path)
    check_consistency(fixtures, path)
    return fixtures


def load_fault_file(path: Path) -> list[FaultRule]:
    """A JSON list of fault rules (`--faults`); FixtureError names the file, rule and field."""
    raw = _read_json(path)
    try:
        return _FAULT_LIST.validate_python(raw)
    except ValidationError as error:
        first = error.errors()[0]
        raise FixtureError(path, location_text(first["loc"]), first["msg"]) from error


def parse_fixtures(raw: object, source: Path | str = "<fixtures>") -> FixtureFile:
    try:
        with _no_collection():
            fixtures = FixtureFile.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        raise FixtureError(source, location_text(first["loc"]), first["msg"]) from error
    check_consistency(fixtures, source)
    return fixtures


def build_inventory(fixtures: FixtureFile, source: Path | str = "<fixtures>") -> Inventory:
    """Fresh domain state from fixtures (each call gives an independent state; owned numbers,
    which no change alters, are shared).

    The document is replayed through the inventory's own operations, so a fixture obeys the
    same rules as a change at run time; the first conflict becomes a FixtureError naming the
    entry and field.
    """
    checked = _checked.pop(id(fixtures), None)
    return checked if checked is not None else _replay(fixtures, source)


def _replay(fixtures: FixtureFile, source: Path | str) -> Inventory:
    inventory = Inventory(
        Accounts(()),
        Pool(),
        (),
        fixtures.address_required_countries,
        (entry.transfer() for entry in fixtures.transfers),
    )
    with _located(source, "accounts"):
        inventory.add_accounts([entry.account() for entry in fixtures.accounts])
    for i, entry in enumerate(fixtures.available):
        with _located(source, f"available[{i}].{'range' if entry.range else 'msisdn'}", False):
            inventory.add_available([Block.of_range(*entry.bounds(), entry.attributes())])
    with _located(source, "owned"):
        inventory.add_owned(fixtures.owned)
    return inventory


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    """The cyclic garbage collector paused: a large document makes hundreds of thousands of
    objects and no cycles, and the collections their allocations set off cost a seventh of
    loading 100,000 owned numbers."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


@contextlib.contextmanager
def _located(source: Path | str, location: str, add_field: bool = True) -> Iterator[None]:
    """A domain conflict as a FixtureError at `location` (followed by the field the domain
    names, when `add_field`)."""
    try:
        yield
    except StateConflict as conflict:
        where = location + (conflict.field or "") if add_field else location
        raise FixtureError(source, where, conflict.detail) from conflict


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise FixtureError(path, "file", error.strerror or str(error)) from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise FixtureError(path, "file", f"not valid JSON: {error}") from error


def location_text(loc: Sequence[int | str]) -> str:
    """A pydantic error location as people write it: `available[3].cost`."""
    text = ""
    if not loc:
        return "document"
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def check_consistency(fixtures: FixtureFile, source: Path | str) -> None:
    """What a schema cannot say (unique keys, known parents, no overlaps): FixtureError if the
    document breaks a rule of the domain."""
    # Checking builds the state; the next build of the same document takes that state rather
    # than replaying it again (a start with 100,000 owned numbers would pay twice). Forgotten
    # when the document is.
    with _no_collection():
        _checked[id(fixtures)] = _replay(fixtures, source)
    weakref.finalize(fixtures, _checked.pop, id(fixtures), None)
