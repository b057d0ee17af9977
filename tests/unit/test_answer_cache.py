"""The answer cache on its own: kept per state version, dropped by every kind of change."""

from collections.abc import Callable
from decimal import Decimal

import pytest
from starlette.responses import Response
from support.data import SMALL

from mock_server.domain.accounts import Account
from mock_server.domain.inventory import Inventory, NumberRef
from mock_server.domain.phone_number import NumberAttributes, NumberType, OwnedNumber
from mock_server.domain.pool import Block
from mock_server.state.document import build_inventory, load_fixture_file
from mock_server.vonage.answer_cache import AnswerCache, CachedAnswer, journal_excerpt

MASTER = "master01"


@pytest.fixture
def inventory() -> Inventory:
    return build_inventory(load_fixture_file(SMALL))


class Renders:
    """A render function that counts its calls and answers the state's version."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, inventory: Inventory) -> Response:
        self.calls += 1
        return Response(f"v{inventory.version}".encode(), 200, {"x-kept": "1"}, "text/plain")


def _account(inventory: Inventory) -> Account:
    account = inventory.accounts.get(MASTER)
    assert account is not None
    return account


def _attributes() -> NumberAttributes:
    return NumberAttributes("NL", NumberType.MOBILE_LVN, frozenset(), Decimal("1.00"))


def _new_account(api_key: str) -> Account:
    return Account(api_key, "NewSecret0000001", Decimal("1.00"))


def _nl_range() -> list[Block]:
    return [Block.of_range("31600000000", "31600000009", _attributes())]


GB_OWNED = NumberRef("GB", "447700900500")
WRITES: list[tuple[str, Callable[[Inventory], None]]] = [
    ("buy", lambda inv: inv.buy(_account(inv), NumberRef("GB", "447700900000"))),
    ("cancel", lambda inv: inv.cancel(_account(inv), GB_OWNED)),
    ("update", lambda inv: inv.update(_account(inv), GB_OWNED, {"mo_http_url": None})),
    ("add numbers", lambda inv: inv.add_available(_nl_range())),
    ("add account", lambda inv: inv.add_account(_new_account("newacct1"))),
    ("add accounts", lambda inv: inv.add_accounts([_new_account("newacct2")])),
    ("add owned", lambda inv: inv.add_owned([(MASTER, OwnedNumber("31699", _attributes()))])),
]


@pytest.mark.parametrize("write", [w for _, w in WRITES], ids=[name for name, _ in WRITES])
def test_every_kind_of_write_advances_the_version_and_drops_kept_answers(
    inventory: Inventory, write: Callable[[Inventory], None]
) -> None:
    cache, render = AnswerCache(8), Renders()
    before = inventory.version
    first = cache.answer(inventory, "q", render)

    write(inventory)
    after = cache.answer(inventory, "q", render)

    assert inventory.version > before
    assert render.calls == 2
    assert after.body != first.body


def test_a_failed_write_leaves_the_state_and_so_may_keep_answers(inventory: Inventory) -> None:
    cache, render = AnswerCache(8), Renders()
    cache.answer(inventory, "q", render)
    with pytest.raises(Exception, match=r"."):
        inventory.buy(_account(inventory), NumberRef("GB", "449999999999"))

    again = cache.answer(inventory, "q", render)

    assert again.body == f"v{inventory.version}".encode()


def test_the_same_question_on_the_same_state_is_rendered_once(inventory: Inventory) -> None:
    cache, render = AnswerCache(8), Renders()

    first = cache.answer(inventory, ("search", "GB"), render)
    second = cache.answer(inventory, ("search", "GB"), render)

    assert render.calls == 1
    assert isinstance(second, CachedAnswer)
    assert (second.status_code, second.body) == (first.status_code, first.body)
    assert second.raw_headers == first.raw_headers
    assert second.raw_headers is not first.raw_headers  # a middleware may add to one
    assert (cache.hits, cache.misses) == (1, 1)


def test_another_question_is_rendered_on_its_own(inventory: Inventory) -> None:
    cache, render = AnswerCache(8), Renders()

    cache.answer(inventory, ("search", "GB"), render)
    cache.answer(inventory, ("search", "US"), render)

    assert render.calls == 2
    assert len(cache) == 2


def test_a_new_inventory_at_the_same_version_is_a_new_state(inventory: Inventory) -> None:
    # A reset or a state import installs a new inventory, which may well be at the same version.
    cache, render = AnswerCache(8), Renders()
    other = build_inventory(load_fixture_file(SMALL))
    assert other.version == inventory.version

    cache.answer(inventory, "q", render)
    cache.answer(other, "q", render)

    assert render.calls == 2


def test_capacity_bounds_the_kept_answers_oldest_out_first(inventory: Inventory) -> None:
    cache, render = AnswerCache(2), Renders()
    for key in ("a", "b", "c"):
        cache.answer(inventory, key, render)

    cache.answer(inventory, "c", render)
    cache.answer(inventory, "a", render)

    assert len(cache) == 2
    assert render.calls == 4  # a, b, c, then a again: it was the oldest and went


def test_capacity_zero_keeps_nothing(inventory: Inventory) -> None:
    cache, render = AnswerCache(0), Renders()

    cache.answer(inventory, "q", render)
    cache.answer(inventory, "q", render)

    assert render.calls == 2
    assert len(cache) == 0


def test_the_journal_excerpt_of_a_kept_answer_hides_the_callers_secret() -> None:
    body = b'{"echo":"Secret000000001"}'

    assert journal_excerpt(body, "Secret000000001") == '{"echo":"***"}'
    assert journal_excerpt(body, None) == body.decode()
