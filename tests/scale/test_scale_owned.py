"""Inventory.list_owned through its indexes: every filter combination checked by brute force."""

import random
from decimal import Decimal

import pytest
from support.oracles import paginate

from mock_server.domain.accounts import Account, Accounts
from mock_server.domain.inventory import Inventory, NumberRef, OwnedQuery
from mock_server.domain.matching import Pattern, SearchPattern
from mock_server.domain.pagination import PageRequest
from mock_server.domain.phone_number import (
    Feature,
    NumberAttributes,
    NumberConfig,
    NumberType,
    OwnedNumber,
)
from mock_server.domain.pool import Block, Pool

KEYS = ["master01", "other001"]
APPS = ["app-a", "app-b", "app-c"]
PREFIXES = {"GB": "4477", "US": "1201", "FR": "336"}


def attributes(country: str) -> NumberAttributes:
    return NumberAttributes(country, NumberType.MOBILE_LVN, frozenset(Feature), Decimal("1.00"))


def random_config(rng: random.Random) -> NumberConfig:
    app = rng.choice(APPS)
    return rng.choice(
        [
            NumberConfig(),
            NumberConfig(app_id=app),
            NumberConfig(voice_callback_type="app", voice_callback_value=app),
            NumberConfig(messages_callback_type="app", messages_callback_value=app),
            NumberConfig(app_id=app, voice_callback_type="app", voice_callback_value="app-c"),
            NumberConfig(voice_callback_type="tel", voice_callback_value="12015550123"),
        ]
    )


def random_msisdn(rng: random.Random, country: str) -> str:
    prefix = PREFIXES[country]
    width = 12 if country == "GB" else 11
    return prefix + "".join(rng.choice("0123456789") for _ in range(width - len(prefix)))


def make_inventory(rng: random.Random, owned: int) -> Inventory:
    accounts = Accounts(Account(key, "Secret0000000001", Decimal("1000.00")) for key in KEYS)
    pool = Pool([Block.of_range("447000000000", "447000000999", attributes("GB"))])
    numbers = {}
    while len(numbers) < owned:
        country = rng.choice(list(PREFIXES))
        msisdn = random_msisdn(rng, country)
        numbers[msisdn] = OwnedNumber(msisdn, attributes(country), random_config(rng))
    return Inventory(accounts, pool, [(rng.choice(KEYS), n) for n in numbers.values()])


def random_query(rng: random.Random) -> OwnedQuery:
    pattern = None
    if rng.random() < 0.6:
        # The last five have `*`: any digits.
        text = rng.choice(
            ["4", "44", "4477", "1201", "336", "0", "12", "00", "7", "99", "123", "44*7", "*0",
             "1*", "4*4*0", "*12*"]
        )  # fmt: skip
        pattern = Pattern(text, rng.choice(list(SearchPattern)))
    return OwnedQuery(
        country=rng.choice([None, None, *PREFIXES]),
        pattern=pattern,
        has_application=rng.choice([None, None, True, False]),
        application_id=rng.choice([None, None, *APPS, "unknown"]),
        page=PageRequest(rng.choice([1, 1, 2, 3, 9, 50]), rng.choice([1, 5, 10, 100])),
    )


def check(inventory: Inventory, rng: random.Random, queries: int) -> None:
    for _ in range(queries):
        key, query = rng.choice(KEYS), random_query(rng)
        account = inventory.accounts.get(key)
        assert account is not None
        expected = paginate((n for n in inventory.owned_by(key) if query.admits(n)), query.page)
        assert inventory.list_owned(account, query) == expected, query


@pytest.mark.parametrize("seed", range(8))
def test_listing_equals_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    check(make_inventory(rng, 400), rng, 150)


@pytest.mark.parametrize("seed", range(8))
def test_listing_stays_exact_through_updates_cancels_and_buys(seed: int) -> None:
    # The first listings build the indexes and the contains / ends-with lists; every change after
    # them must reach those.
    rng = random.Random(100 + seed)
    inventory = make_inventory(rng, 300)
    check(inventory, rng, 60)
    for _ in range(6):
        for _ in range(15):
            change(inventory, rng)
        check(inventory, rng, 60)


def change(inventory: Inventory, rng: random.Random) -> None:
    key = rng.choice(KEYS)
    account = inventory.accounts.get(key)
    assert account is not None
    owned = inventory.owned_by(key)
    action = rng.choice(["update", "update", "cancel", "buy"])
    if action == "buy" or not owned:
        msisdn = f"447000000{rng.randrange(1000):03d}"
        if inventory.pool.find(msisdn) is not None:
            inventory.buy(account, NumberRef("GB", msisdn))
        return
    number = rng.choice(owned)
    ref = NumberRef(number.attributes.country, number.msisdn)
    if action == "cancel":
        inventory.cancel(account, ref)
        return
    config = random_config(rng)
    inventory.update(account, ref, {f: getattr(config, f) for f in config.__dataclass_fields__})


def test_many_changes_rebuild_the_index() -> None:
    rng = random.Random(3)
    inventory = make_inventory(rng, 200)
    check(inventory, rng, 20)
    for _ in range(400):  # more than an eighth of the numbers: the index is built anew
        change(inventory, rng)
    check(inventory, rng, 100)


def test_a_hundred_thousand_numbers_in_one_account() -> None:
    rng = random.Random(11)
    accounts = Accounts([Account(KEYS[0], "Secret0000000001", Decimal("0.00"))])
    owned = [
        OwnedNumber(str(447_700_000_000 + i), attributes("GB"), random_config(rng))
        for i in range(100_000)
    ]
    inventory = Inventory(accounts, Pool(), [(KEYS[0], n) for n in owned])
    account = inventory.accounts.get(KEYS[0])
    assert account is not None
    last = inventory.list_owned(account, OwnedQuery(page=PageRequest(1000, 100)))
    assert last.count == 100_000
    assert [n.msisdn for n in last.items] == [str(447_700_099_900 + i) for i in range(100)]
    prefix = OwnedQuery(country="GB", pattern=Pattern("44770001"), page=PageRequest(2, 100))
    page = inventory.list_owned(account, prefix)
    assert page.count == 10_000
    assert page.items[0].msisdn == "447700010100"
    ends = OwnedQuery(pattern=Pattern("77", SearchPattern.ENDS_WITH), page=PageRequest(10, 100))
    page = inventory.list_owned(account, ends)
    assert page.count == 1_000
    assert [n.msisdn for n in page.items] == [str(447_700_090_077 + 100 * i) for i in range(100)]
    linked = sum(1 for n in owned if n.config.linked_applications())
    assert inventory.list_owned(account, OwnedQuery(has_application=True)).count == linked
