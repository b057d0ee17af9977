"""Properties of the domain, in process and without HTTP, against simple models: matching, paging,
ownership and credit, isolation between accounts, and the state document's round trip.

Every inventory is built from a generated fixture document (`build_inventory(parse_fixtures(...))`)
with ranges of two widths in one country, numbers owned inside and outside ranges, and an
address-required country. Runs are deterministic (`derandomize`), so CI sees the same examples.
"""

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.data import DEFAULT_FIXTURES
from support.oracles import paginate

from mock_server.domain.accounts import Account
from mock_server.domain.errors import AddressRequired, MethodFailed, StateConflict
from mock_server.domain.inventory import Inventory, NumberRef, OwnedQuery, SearchQuery
from mock_server.domain.matching import Pattern, SearchPattern, matches
from mock_server.domain.pagination import MAX_SIZE, PageRequest, page_of
from mock_server.domain.phone_number import (
    Feature,
    Limitation,
    NumberAttributes,
    NumberType,
    OwnedNumber,
)
from mock_server.domain.pool import Block, PoolFilter
from mock_server.state.document import build_inventory, parse_fixtures
from mock_server.state.export import state_document

SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def examples(count: int) -> settings:
    """The deterministic settings, with `count` examples."""
    return settings(SETTINGS, max_examples=count)


# -- the generated world -----------------------------------------------------------------------

MASTER_A, SUB_A1, SUB_A2, MASTER_B, SUB_B, LONER = (
    "mastera1",
    "suba0001",
    "suba0002",
    "masterb1",
    "subb0001",
    "loner001",
)
PARENTS: dict[str, str | None] = {
    MASTER_A: None,
    SUB_A1: MASTER_A,
    SUB_A2: MASTER_A,
    MASTER_B: None,
    SUB_B: MASTER_B,
    LONER: None,
}
ACCOUNTS = tuple(PARENTS)
LATE_ACCOUNTS = ("late0001", "late0002", "late0003")
APP_1 = "aaaaaaaa-bbbb-cccc-dddd-000000000001"
APP_2 = "aaaaaaaa-bbbb-cccc-dddd-000000000002"


@dataclass(frozen=True)
class Segment:
    """Numbers `prefix` + a zero-padded suffix below `span`, all of one country and width."""

    country: str
    prefix: str
    width: int
    span: int = 160

    def msisdn(self, suffix: int) -> str:
        return self.prefix + str(suffix).zfill(self.width - len(self.prefix))


# Two widths in GB (12 and 11 digits, whose order as text is not their order as numbers), the US,
# and Italy, where buying needs a local address.
SEGMENTS = (
    Segment("GB", "4477009", 12),
    Segment("GB", "44771", 11),
    Segment("US", "1201555", 11),
    Segment("IT", "3906555", 12),
)
ADDRESS_REQUIRED = ("IT",)
FEATURES = ("VOICE", "SMS", "MMS")
TYPES = tuple(t.value for t in NumberType)
CONFIG_WIRE = {
    "app_id": "app_id",
    "mo_http_url": "moHttpUrl",
    "mo_smpp_sys_type": "moSmppSysType",
    "voice_callback_type": "voiceCallbackType",
    "voice_callback_value": "voiceCallbackValue",
    "voice_status_callback": "voiceStatusCallback",
    "messages_callback_type": "messagesCallbackType",
    "messages_callback_value": "messagesCallbackValue",
}
CONFIG_VALUES: dict[str, list[str | None]] = {
    "app_id": [None, APP_1, APP_2],
    "mo_http_url": [None, "https://example.com/mo", "https://example.com/other"],
    "mo_smpp_sys_type": [None, "inbound"],
    "voice_callback_type": [None, "app", "tel", "sip"],
    "voice_callback_value": [None, APP_1, "12015550123"],
    "voice_status_callback": [None, "https://example.com/status"],
    "messages_callback_type": [None, "app"],
    "messages_callback_value": [None, APP_2],
}


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


# Strategies are built once: building them in every draw costs more than the tests themselves.
CENTS = st.integers(0, 400)
BALANCE_CENTS = st.integers(0, 1500)
LIMITATIONS = st.lists(
    st.fixed_dictionaries(
        {
            "feature": st.sampled_from(FEATURES),
            "type": st.sampled_from(["INBOUND", "OUTBOUND"]),
            "reach": st.sampled_from(["DOMESTIC", "INTERNATIONAL"]),
        }
    ),
    max_size=1,
)
NUMBER_FIELDS = st.fixed_dictionaries(
    {
        "type": st.sampled_from(TYPES),
        "features": st.lists(st.sampled_from(FEATURES), min_size=1, max_size=3, unique=True),
        "cost": CENTS.map(money),
        "initialPrice": st.sampled_from([0, 0, 50, 250]).map(money),
        "limitations": LIMITATIONS,
    }
)


CONFIG_FIELDS = st.fixed_dictionaries(
    {},
    optional={CONFIG_WIRE[name]: st.sampled_from(values) for name, values in CONFIG_VALUES.items()},
).map(lambda fields: {wire: value for wire, value in fields.items() if value is not None})
ACCOUNT_KEYS = st.sampled_from(ACCOUNTS)
# Mostly the number's own country (None); sometimes another: Vonage answers method failed.
OTHER_COUNTRY = st.sampled_from([None] * 5 + ["GB", "US", "FR"])
CHANGES = st.fixed_dictionaries(
    {}, optional={name: st.sampled_from(values) for name, values in CONFIG_VALUES.items()}
).filter(bool)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """A fixture document: the six accounts, ranges and singles for sale, numbers owned."""
    accounts = [
        {
            "api_key": key,
            "api_secret": f"Secret-{key}",
            "balance": money(draw(BALANCE_CENTS)),
            **({"parent": parent} if parent else {}),
        }
        for key, parent in PARENTS.items()
    ]
    available: list[dict[str, Any]] = []
    spanned: set[str] = set()
    for segment in SEGMENTS:
        start = draw(st.integers(0, 30))
        for _ in range(draw(st.integers(0, 3))):
            length = draw(st.integers(1, 20))
            if start + length > segment.span:
                break
            first, last = segment.msisdn(start), segment.msisdn(start + length - 1)
            bounds = {"msisdn": first} if length == 1 else {"range": {"start": first, "end": last}}
            available.append({"country": segment.country, **draw(NUMBER_FIELDS), **bounds})
            spanned.update(segment.msisdn(s) for s in range(start, start + length))
            start += length + draw(st.integers(0, 12))
    candidates = sorted(
        {segment.msisdn(s) for segment in SEGMENTS for s in range(0, 60, 3)} | spanned
    )
    owned_msisdns = draw(st.lists(st.sampled_from(candidates), max_size=8, unique=True))
    owned = [
        {
            "api_key": draw(ACCOUNT_KEYS),
            "msisdn": msisdn,
            "country": country_of(msisdn),
            **draw(NUMBER_FIELDS),
            **draw(CONFIG_FIELDS),
        }
        for msisdn in owned_msisdns
    ]
    return {
        "accounts": accounts,
        "address_required_countries": list(ADDRESS_REQUIRED),
        "available": available,
        "owned": owned,
    }


def country_of(msisdn: str) -> str:
    return next(
        s.country for s in SEGMENTS if msisdn.startswith(s.prefix) and len(msisdn) == s.width
    )


def universe(document: dict[str, Any]) -> list[str]:
    """Every number the document mentions, and a few nobody has."""
    numbers = {segment.msisdn(s) for segment in SEGMENTS for s in (0, 1, 77, 159)}
    for entry in document["available"]:
        numbers.update(bounds_of(entry))
    numbers.update(entry["msisdn"] for entry in document["owned"])
    return sorted(numbers)


def bounds_of(entry: dict[str, Any]) -> list[str]:
    if "msisdn" in entry:
        return [entry["msisdn"]]
    first, last = entry["range"]["start"], entry["range"]["end"]
    return [str(n).zfill(len(first)) for n in range(int(first), int(last) + 1)]


def attributes_of(entry: dict[str, Any]) -> NumberAttributes:
    return NumberAttributes(
        country=entry["country"],
        type=NumberType(entry["type"]),
        features=frozenset(Feature(f) for f in entry["features"]),
        cost=Decimal(entry["cost"]),
        initial_price=Decimal(entry.get("initialPrice", "0")),
        limitations=tuple(Limitation(**lim) for lim in entry.get("limitations", [])),
    )


def numeric(msisdn: str) -> int:
    """The key of "ascending MSISDN order": the numbers' order (an MSISDN never starts with 0)."""
    return int(msisdn)


# -- the model ---------------------------------------------------------------------------------


@dataclass
class Owned:
    owner: str
    attributes: NumberAttributes
    config: dict[str, str] = field(default_factory=dict)


class Model:
    """The state as a few dicts: who owns what, what is for sale at which attributes, credit."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.parents: dict[str, str | None] = {
            a["api_key"]: a.get("parent") for a in document["accounts"]
        }
        self.balances = {a["api_key"]: Decimal(a["balance"]) for a in document["accounts"]}
        # Every number some block spans (taken or not), with the block's attributes.
        self.spans: dict[str, NumberAttributes] = {}
        for entry in document["available"]:
            for msisdn in bounds_of(entry):
                self.spans[msisdn] = attributes_of(entry)
        self.owned: dict[str, Owned] = {}
        for entry in document["owned"]:
            config = {name: entry[wire] for name, wire in CONFIG_WIRE.items() if entry.get(wire)}
            self.owned[entry["msisdn"]] = Owned(entry["api_key"], attributes_of(entry), config)
        self.address_required = set(document["address_required_countries"])

    @property
    def available(self) -> dict[str, NumberAttributes]:
        return {m: a for m, a in self.spans.items() if m not in self.owned}

    def acting_on(self, caller: str, target: str | None) -> str | None:
        if not target or target == caller:
            return caller
        return target if self.parents.get(target, "") == caller else None

    def buy(self, caller: str, target: str | None, msisdn: str, country: str) -> type | None:
        buyer = self.acting_on(caller, target)
        number = self.available.get(msisdn)
        if buyer is None or number is None or number.country != country:
            return MethodFailed
        if country in self.address_required:
            return AddressRequired
        price = number.initial_price + number.cost  # the setup fee and the first month
        if self.balances[buyer] < price:
            return MethodFailed
        self.balances[buyer] -= price
        self.owned[msisdn] = Owned(buyer, number)
        return None

    def cancel(self, caller: str, target: str | None, msisdn: str, country: str) -> type | None:
        owner = self.acting_on(caller, target)
        number = self.owned.get(msisdn)
        if owner is None or number is None or number.owner != owner:
            return MethodFailed
        if number.attributes.country != country:
            return MethodFailed
        del self.owned[msisdn]
        # Back into the block that spans it (with the block's attributes), or a block of its own.
        self.spans.setdefault(msisdn, number.attributes)
        return None

    def update(
        self, caller: str, msisdn: str, country: str, changes: dict[str, Any]
    ) -> type | None:
        number = self.owned.get(msisdn)
        if number is None or number.owner != caller or number.attributes.country != country:
            return MethodFailed
        for name, value in changes.items():
            if value is None:
                number.config.pop(name, None)
            else:
                number.config[name] = value
        return None

    def add_account(self, api_key: str, parent: str | None, balance: Decimal) -> type | None:
        if api_key in self.parents:
            return StateConflict
        if parent is not None and (parent not in self.parents or self.parents[parent]):
            return StateConflict
        self.parents[api_key] = parent
        self.balances[api_key] = balance
        return None

    def add_number(self, msisdn: str, attributes: NumberAttributes) -> type | None:
        if msisdn in self.spans or msisdn in self.owned:
            return StateConflict
        self.spans[msisdn] = attributes
        return None

    def owned_by(self, api_key: str) -> dict[str, Owned]:
        return {m: n for m, n in self.owned.items() if n.owner == api_key}

    def applications(self, number: Owned) -> set[str]:
        config = number.config
        apps = {config["app_id"]} if config.get("app_id") else set()
        for kind, value in (
            ("voice_callback_type", "voice_callback_value"),
            ("messages_callback_type", "messages_callback_value"),
        ):
            if config.get(kind) == "app" and config.get(value):
                apps.add(config[value])
        return apps


# -- operations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    kind: str
    caller: str
    msisdn: str = ""
    country: str = ""
    target: str | None = None
    changes: tuple[tuple[str, str | None], ...] = ()
    balance: Decimal = Decimal(0)
    parent: str | None = None
    attributes: NumberAttributes | None = None


KINDS = st.sampled_from(["buy", "buy", "cancel", "update"])
GROWING_KINDS = st.sampled_from(["buy", "buy", "cancel", "update", "add_account", "add_number"])
NEW_KEYS = st.sampled_from([*LATE_ACCOUNTS, MASTER_A])  # MASTER_A: taken already
NEW_PARENTS = st.sampled_from([None, MASTER_A, SUB_A1, LATE_ACCOUNTS[0], "nosuchkey"])
NEW_BALANCES = st.integers(0, 1000).map(lambda cents: Decimal(cents) / 100)


@st.composite
def operation(
    draw: st.DrawFn,
    model: Model,
    numbers: list[str],
    accounts: tuple[str, ...] = ACCOUNTS,
    growth: bool = False,
) -> Op:
    """A buy, cancel or update by any of `accounts` (with `growth`, a new account or number for
    sale too). Half the time the number is one the operation can succeed on in the current
    state: for sale for a buy, the caller's or its subaccount's for a cancel or an update."""
    kind = draw(GROWING_KINDS if growth else KINDS)
    if kind == "add_account":
        return Op(kind, draw(NEW_KEYS), balance=draw(NEW_BALANCES), parent=draw(NEW_PARENTS))
    if kind == "add_number":
        number = draw(st.sampled_from(numbers))
        fields = {"country": country_of(number), **draw(NUMBER_FIELDS)}
        return Op(kind, "", number, attributes=attributes_of(fields))
    caller = draw(st.sampled_from(accounts))
    if kind == "buy":
        likely = sorted(model.available)
    else:
        family = {caller} | {a for a, p in model.parents.items() if p == caller}
        likely = sorted(m for m, n in model.owned.items() if n.owner in family)
    number = draw(st.sampled_from(likely if likely and draw(st.booleans()) else numbers))
    country = draw(OTHER_COUNTRY) or country_of(number)
    if kind == "update":
        return Op(kind, caller, number, country, changes=tuple(draw(CHANGES).items()))
    owner = model.owned[number].owner if number in model.owned else None
    likely_target = [owner] if owner is not None and model.parents.get(owner) == caller else []
    target = draw(st.sampled_from([None, None, *likely_target, *accounts, "nosuchkey"]))
    return Op(kind, caller, number, country, target=target)


def run_ops(
    data: st.DataObject,
    inventory: Inventory,
    model: Model,
    numbers: list[str],
    count: int,
    **options: Any,
) -> list[Op]:
    """Draw and apply up to `count` operations; each fails exactly when the model says so."""
    ops = []
    for _ in range(data.draw(st.integers(0, count))):
        op = data.draw(operation(model, numbers, **options))
        expected, raised = apply(inventory, model, op)
        assert raised is expected, op
        ops.append(op)
    return ops


def apply(inventory: Inventory, model: Model, op: Op) -> tuple[type | None, type | None]:
    """Run `op` on both; (what the model expects, what the inventory raised)."""
    expected: type | None
    action: Callable[[], None]
    if op.kind == "add_account":
        expected = model.add_account(op.caller, op.parent, op.balance)
        account = Account(op.caller, f"Secret-{op.caller}", op.balance, op.parent)
        action = lambda: inventory.add_account(account)  # noqa: E731
    elif op.kind == "add_number":
        assert op.attributes is not None
        expected = model.add_number(op.msisdn, op.attributes)
        block = Block.of_range(op.msisdn, op.msisdn, op.attributes)
        action = lambda: inventory.add_available([block])  # noqa: E731
    else:
        caller = inventory.accounts.get(op.caller)
        if caller is None:  # an account that was never opened: no call can carry its key
            assert op.caller not in model.parents
            return None, None
        ref = NumberRef(op.country, op.msisdn)
        if op.kind == "buy":
            expected = model.buy(op.caller, op.target, op.msisdn, op.country)
            action = lambda: inventory.buy(caller, ref, op.target)  # noqa: E731
        elif op.kind == "cancel":
            expected = model.cancel(op.caller, op.target, op.msisdn, op.country)
            action = lambda: inventory.cancel(caller, ref, op.target)  # noqa: E731
        else:
            changes = dict(op.changes)
            expected = model.update(op.caller, op.msisdn, op.country, changes)
            action = lambda: inventory.update(caller, ref, changes)  # noqa: E731
    try:
        action()
    except (MethodFailed, StateConflict) as error:
        return expected, type(error)
    return expected, None


def config_of(number: OwnedNumber) -> dict[str, str]:
    return {k: v for k, v in asdict(number.config).items() if v is not None}


def check_agrees(inventory: Inventory, model: Model, numbers: list[str]) -> None:
    """Balances, owners, configurations and the pool are the model's."""
    for api_key, balance in model.balances.items():
        account = inventory.accounts.get(api_key)
        assert account is not None
        assert account.balance == balance, api_key
        expected = {m: (n.attributes, n.config) for m, n in model.owned_by(api_key).items()}
        actual = {n.msisdn: (n.attributes, config_of(n)) for n in inventory.owned_by(api_key)}
        assert actual == expected, api_key
    assert inventory.owned_count == len(model.owned)
    available = model.available
    assert inventory.pool.available == len(available)
    for msisdn in numbers:
        found = inventory.pool.find(msisdn)
        assert (found.attributes if found else None) == available.get(msisdn), msisdn


def inventory_of(document: dict[str, Any]) -> Inventory:
    return build_inventory(parse_fixtures(document))


def account_of(inventory: Inventory, api_key: str) -> Account:
    account = inventory.accounts.get(api_key)
    assert account is not None
    return account


# -- matching ----------------------------------------------------------------------------------

patterns = st.builds(
    Pattern,
    st.text("0123456789", min_size=1, max_size=5),
    st.sampled_from(list(SearchPattern)),
)


@SETTINGS
@given(pattern=patterns, msisdn=st.from_regex(r"[1-9][0-9]{5,14}", fullmatch=True))
def test_a_pattern_matches_as_starts_contains_or_ends_with(pattern: Pattern, msisdn: str) -> None:
    expected = {
        SearchPattern.STARTS_WITH: msisdn.startswith(pattern.digits),
        SearchPattern.CONTAINS: pattern.digits in msisdn,
        SearchPattern.ENDS_WITH: msisdn.endswith(pattern.digits),
    }[pattern.mode]
    assert pattern.matches(msisdn) is expected
    assert matches(pattern, msisdn) is expected
    assert matches(None, msisdn) is True


@st.composite
def pattern_for(draw: st.DrawFn, numbers: list[str]) -> Pattern | None:
    """No pattern, random digits, or a piece of a real number where the mode looks for it."""
    mode = draw(st.sampled_from(list(SearchPattern)))
    number = draw(st.sampled_from(numbers))
    size = draw(st.integers(1, len(number)))
    start = draw(st.integers(0, len(number) - size))
    piece = {
        SearchPattern.STARTS_WITH: number[:size],
        SearchPattern.ENDS_WITH: number[-size:],
        SearchPattern.CONTAINS: number[start : start + size],
    }[mode]
    digits = draw(st.one_of(st.just(piece), st.text("0123479", min_size=1, max_size=3)))
    # Sometimes `*` (any digits) at an end or inside: the piece still matches where it did.
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(digits)))
        digits = digits[:at] + "*" + digits[at:]
    return draw(st.one_of(st.none(), st.just(Pattern(digits, mode))))


@st.composite
def searches(draw: st.DrawFn, numbers: list[str]) -> PoolFilter:
    return PoolFilter(
        country=draw(st.sampled_from(["GB", "US", "IT", "FR"])),
        type=draw(st.one_of(st.none(), st.sampled_from(list(NumberType)))),
        features=frozenset(draw(st.lists(st.sampled_from(list(Feature)), max_size=2))),
        pattern=draw(pattern_for(numbers)),
    )


def model_search(model: Model, selection: PoolFilter) -> list[tuple[str, NumberAttributes]]:
    found = [
        (m, a)
        for m, a in model.available.items()
        if a.country == selection.country
        and (selection.type is None or a.type is selection.type)
        and selection.features <= a.features
        and matches(selection.pattern, m)
    ]
    return sorted(found, key=lambda item: numeric(item[0]))


def search_pages(inventory: Inventory, selection: PoolFilter, size: int) -> list[Any]:
    """Pages 1, 2, ... until the first empty one."""
    pages = []
    for index in range(1, 10_000):
        page = inventory.search(SearchQuery(selection, PageRequest(index, size)))
        pages.append(page)
        if not page.items:
            return pages
    raise AssertionError("paging never ended")


@examples(150)
@given(data=st.data())
def test_search_finds_what_the_model_finds_page_by_page(data: st.DataObject) -> None:
    """Matching and paging of the pool, after random buys and cancels took numbers out of ranges
    and put them back: pages partition the ordered matches, and count never changes."""
    document = data.draw(documents())
    numbers = universe(document)
    inventory, model = inventory_of(document), Model(document)
    run_ops(data, inventory, model, numbers, 25)
    for _ in range(3):
        selection = data.draw(searches(numbers))
        expected = model_search(model, selection)
        size = data.draw(st.integers(1, 12))
        pages = search_pages(inventory, selection, size)
        assert {page.count for page in pages} == {len(expected)}
        assert all(len(page.items) == size for page in pages[:-2])
        listed = [(n.msisdn, n.attributes) for page in pages for n in page.items]
        assert listed == expected
        whole = inventory.search(SearchQuery(selection, PageRequest(1, MAX_SIZE)))
        assert [(n.msisdn, n.attributes) for n in whole.items] == expected[:MAX_SIZE]


# -- paging ------------------------------------------------------------------------------------


@SETTINGS
@given(
    items=st.lists(st.integers(), max_size=60),
    index=st.integers(1, 30),
    size=st.integers(1, MAX_SIZE),
    window=st.tuples(st.integers(0, 60), st.integers(0, 60)),
)
def test_a_page_is_a_slice_and_count_is_the_total(
    items: list[int], index: int, size: int, window: tuple[int, int]
) -> None:
    request = PageRequest(index, size)
    page = paginate(iter(items), request)
    assert page.count == len(items)
    assert page.items == items[(index - 1) * size : index * size]
    low, high = min(window[0], len(items)), min(max(window), len(items))
    cut = page_of(items, request, low, high)
    assert cut.count == high - low
    assert cut.items == items[low:high][(index - 1) * size : index * size]


@st.composite
def owned_queries(draw: st.DrawFn, numbers: list[str]) -> OwnedQuery:
    return OwnedQuery(
        country=draw(st.one_of(st.none(), st.sampled_from(["GB", "US", "IT", "FR"]))),
        pattern=draw(pattern_for(numbers)),
        has_application=draw(st.one_of(st.none(), st.booleans())),
        application_id=draw(st.one_of(st.none(), st.sampled_from([APP_1, APP_2]))),
    )


def model_list(model: Model, api_key: str, query: OwnedQuery) -> set[str]:
    found = set()
    for msisdn, number in model.owned_by(api_key).items():
        apps = model.applications(number)
        if (
            (query.country is None or number.attributes.country == query.country)
            and matches(query.pattern, msisdn)
            and (query.has_application is None or bool(apps) == query.has_application)
            and (query.application_id is None or query.application_id in apps)
        ):
            found.add(msisdn)
    return found


def ascending_by_width(msisdns: list[str]) -> bool:
    """Ascending among numbers of one width (the order across widths is the business of
    test_search_and_list_order_numbers_of_mixed_widths_alike)."""
    for width in {len(m) for m in msisdns}:
        same = [int(m) for m in msisdns if len(m) == width]
        if same != sorted(same):
            return False
    return True


@examples(150)
@given(data=st.data())
def test_list_owned_finds_what_the_model_finds_page_by_page(data: st.DataObject) -> None:
    document = data.draw(documents())
    numbers = universe(document)
    inventory, model = inventory_of(document), Model(document)
    # List after every few operations: the listing follows every change.
    for _ in range(data.draw(st.integers(1, 6))):
        run_ops(data, inventory, model, numbers, 6)
        api_key = data.draw(st.sampled_from(ACCOUNTS))
        query = data.draw(owned_queries(numbers))
        expected = model_list(model, api_key, query)
        whole = inventory.list_owned(
            account_of(inventory, api_key),
            OwnedQuery(
                query.country,
                query.pattern,
                query.has_application,
                query.application_id,
                PageRequest(1, MAX_SIZE),
            ),
        )
        ordered = [n.msisdn for n in whole.items]
        assert (whole.count, set(ordered)) == (len(expected), expected), (api_key, query)
        assert len(ordered) == len(expected)
        assert ascending_by_width(ordered), ordered
        size = data.draw(st.integers(1, 6))
        listed, counts = [], set()
        for index in range(1, len(expected) // size + 3):
            page = inventory.list_owned(
                account_of(inventory, api_key),
                OwnedQuery(
                    query.country,
                    query.pattern,
                    query.has_application,
                    query.application_id,
                    PageRequest(index, size),
                ),
            )
            counts.add(page.count)
            listed.extend(n.msisdn for n in page.items)
        # The pages partition the whole ordered listing; count is the total on every page.
        assert counts == {len(expected)}, (api_key, query)
        assert listed == ordered, (api_key, query)


# -- ownership and credit ----------------------------------------------------------------------


@examples(200)
@given(data=st.data())
def test_random_operations_agree_with_a_model_of_owners_and_credit(data: st.DataObject) -> None:
    """Buys, cancels and updates from several accounts (masters for their subaccounts too):
    the same outcome, 420 or success, as the model; the same owners, configurations, pool and
    balances after each; and a failed operation changes nothing at all."""
    document = data.draw(documents())
    numbers = universe(document)
    inventory, model = inventory_of(document), Model(document)
    for _ in range(data.draw(st.integers(1, 40))):
        op = data.draw(operation(model, numbers))
        before = state_document(inventory)
        expected, raised = apply(inventory, model, op)
        assert raised is expected, op
        if raised is not None:
            assert state_document(inventory) == before, op
        check_agrees(inventory, model, numbers)


# -- isolation ---------------------------------------------------------------------------------


@st.composite
def intrusions(draw: st.DrawFn, inventory: Inventory, numbers: list[str]) -> Op:
    """An account acting on a number it may not touch: another account's, or through a
    `target_api_key` that is not its own subaccount."""
    owned = [(m, api_key) for api_key, n in inventory.owned_items() for m in [n.msisdn]]
    msisdn, owner = (
        draw(st.sampled_from(owned)) if owned else (draw(st.sampled_from(numbers)), None)
    )
    # Neither the owner nor its master (who may act on it through target_api_key).
    forbidden = {owner, PARENTS[owner]} if owner is not None else set()
    caller = draw(st.sampled_from([a for a in ACCOUNTS if a not in forbidden]))
    country = country_of(msisdn)
    kind = draw(st.sampled_from(["cancel", "update", "buy"]))
    target = draw(st.sampled_from([owner, *(a for a in ACCOUNTS if PARENTS[a] != caller)]))
    if kind == "update":
        return Op(kind, caller, msisdn, country, changes=(("app_id", APP_1),))
    return Op(kind, caller, msisdn, country, target=target)


@examples(150)
@given(data=st.data())
def test_no_account_sees_or_changes_another_accounts_numbers(data: st.DataObject) -> None:
    """Except a master acting on its own subaccount through target_api_key."""
    document = data.draw(documents())
    numbers = universe(document)
    inventory, model = inventory_of(document), Model(document)
    for _ in range(data.draw(st.integers(1, 12))):
        # Some ordinary traffic, then an intrusion.
        run_ops(data, inventory, model, numbers, 4)
        op = data.draw(intrusions(inventory, numbers))
        before = state_document(inventory)
        owner = model.owned[op.msisdn].owner if op.msisdn in model.owned else None
        expected, raised = apply(inventory, model, op)
        assert raised is expected, op
        if op.kind in ("cancel", "update") or owner is not None:
            assert raised is MethodFailed, op
            assert state_document(inventory) == before, op
        # A buy through a target that is not the caller's subaccount never charges anyone.
        if (
            op.kind == "buy"
            and op.target not in (None, op.caller)
            and PARENTS.get(op.target or "") != op.caller
        ):
            assert raised is MethodFailed, op
        for api_key in ACCOUNTS:
            account = account_of(inventory, api_key)
            page = inventory.list_owned(account, OwnedQuery(page=PageRequest(1, MAX_SIZE)))
            assert sorted(n.msisdn for n in page.items) == sorted(model.owned_by(api_key))
    # A master may act on its own subaccount: buy for it, cancel for it.
    free = [m for m, a in model.available.items() if a.country not in ADDRESS_REQUIRED]
    if free:
        msisdn = free[0]
        country = country_of(msisdn)
        model.balances[SUB_A1] = account_of(inventory, SUB_A1).balance = Decimal("100.00")
        for op in (
            Op("buy", MASTER_A, msisdn, country, SUB_A1),
            Op("cancel", MASTER_A, msisdn, country, SUB_A1),
        ):
            expected, raised = apply(inventory, model, op)
            assert (expected, raised) == (None, None), op
            check_agrees(inventory, model, numbers)


# -- the state document ------------------------------------------------------------------------


@examples(150)
@given(data=st.data())
def test_the_state_document_round_trips_after_random_operations(data: st.DataObject) -> None:
    """state_document -> JSON -> build -> state_document is the identity, and the rebuilt state
    behaves the same: owners, balances, configurations and every search."""
    document = data.draw(documents())
    numbers = universe(document)
    inventory, model = inventory_of(document), Model(document)
    accounts = (*ACCOUNTS, *LATE_ACCOUNTS)
    run_ops(data, inventory, model, numbers, 40, accounts=accounts, growth=True)
    exported = state_document(inventory)
    on_disk = json.loads(json.dumps(exported))
    rebuilt = inventory_of(on_disk)
    assert state_document(rebuilt) == exported
    check_agrees(rebuilt, model, numbers)
    for api_key in accounts:
        if api_key in model.parents:
            assert [n.msisdn for n in rebuilt.owned_by(api_key)] == [
                n.msisdn for n in inventory.owned_by(api_key)
            ]
    for country in ("GB", "US", "IT"):
        selection = PoolFilter(country)
        before = search_pages(inventory, selection, MAX_SIZE)
        after = search_pages(rebuilt, selection, MAX_SIZE)
        assert [(p.count, p.items) for p in after] == [(p.count, p.items) for p in before]


@pytest.mark.parametrize("growth", [False, True], ids=["operations", "with-new-accounts"])
def test_an_exported_state_of_the_shipped_fixtures_round_trips(growth: bool) -> None:
    """The shipped fixtures too, after a deterministic sweep of buys and cancels."""
    document = json.loads(DEFAULT_FIXTURES.read_text(encoding="utf-8"))
    inventory = inventory_of(document)
    primary = account_of(inventory, "1a2b3c4d")
    if growth:
        inventory.add_account(Account("late0001", "LateSecret000001", Decimal("30.00")))
    buyer = account_of(inventory, "late0001") if growth else primary
    for n in range(0, 40, 3):
        inventory.buy(buyer, NumberRef("GB", f"4477009000{n:02d}"))
    for n in range(0, 40, 6):
        inventory.cancel(buyer, NumberRef("GB", f"4477009000{n:02d}"))
    exported = state_document(inventory)
    assert state_document(inventory_of(json.loads(json.dumps(exported)))) == exported


def test_search_and_list_orders_of_mixed_widths_are_the_documented_ones() -> None:
    """README: a search orders numbers by value (shorter first), a list by their digits as text;
    the two agree whenever numbers have one length. The shipped German numbers have 12 and 13
    digits: 493055500000 < 4915155500000 as numbers, the other way round as text."""
    inventory = inventory_of(json.loads(DEFAULT_FIXTURES.read_text(encoding="utf-8")))
    primary = account_of(inventory, "1a2b3c4d")
    german = ("493055500000", "4915155500000")
    selection = PoolFilter("DE", pattern=Pattern("00000", SearchPattern.ENDS_WITH))
    searched = [
        n.msisdn for n in inventory.search(SearchQuery(selection, PageRequest(1, 100))).items
    ]
    offered = [m for m in searched if m in german]
    for msisdn in german:
        inventory.buy(primary, NumberRef("DE", msisdn))
    listed = inventory.list_owned(primary, OwnedQuery(country="DE"))
    assert offered == sorted(german, key=numeric)
    assert [n.msisdn for n in listed.items] == sorted(german)
