"""The dashboard's worlds: it lists them, shows any one of them in every view, remembers the
choice in its address, and goes back to the base world when the one shown is gone.

Worlds are made and dropped through the control API (plain httpx), and a number is bought in one
of them with its own credentials through the Vonage API, as a test suite using worlds would.
"""

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from support.accounts import PRIMARY
from support.browser import UI_PATH, Dashboard
from support.servers import MockServer

from mock_server.testing.client import MockClient

pytestmark = pytest.mark.e2e

GB_FOR_SALE = "447700900001"
PRIMARY_NAME = "Primary account"  # the shipped fixtures' primary account


class Worlds:
    """The control API's worlds routes; what a test makes is dropped after it."""

    def __init__(self, server: MockServer) -> None:
        self.http = httpx.Client(base_url=server.http_url, timeout=5.0)
        self.made: list[str] = []

    def make(self, name: str | None = None) -> dict[str, Any]:
        response = self.http.post("/_mock/worlds", json={"name": name} if name else None)
        assert response.status_code == 201, response.text
        world: dict[str, Any] = response.json()
        self.made.append(world["id"])
        return world

    def delete(self, world_id: str) -> None:
        response = self.http.delete(f"/_mock/worlds/{world_id}")
        assert response.status_code == 204, response.text

    def ids(self) -> list[str]:
        response = self.http.get("/_mock/worlds")
        assert response.status_code == 200, response.text
        return [world["id"] for world in response.json()["worlds"]]

    def faults(self, world_id: str) -> list[dict[str, Any]]:
        response = self.http.get("/_mock/faults", params={"world": world_id})
        assert response.status_code == 200, response.text
        faults: list[dict[str, Any]] = response.json()["faults"]
        return faults

    def buy(self, account: dict[str, Any], msisdn: str, country: str = "GB") -> None:
        """Buys with the account's credentials as form parameters, as Vonage's API takes them."""
        data = {
            "api_key": account["api_key"],
            "api_secret": account["api_secret"],
            "country": country,
            "msisdn": msisdn,
        }
        response = self.http.post("/number/buy", data=data)
        assert response.status_code == 200, response.text

    def close(self) -> None:
        for world_id in self.made:
            self.http.delete(f"/_mock/worlds/{world_id}")  # a 404 for those a test dropped
        self.http.close()


@pytest.fixture
def worlds(server: MockServer, control: MockClient) -> Iterator[Worlds]:
    made = Worlds(server)
    yield made
    made.close()


def primary_of(world: dict[str, Any]) -> dict[str, Any]:
    (account,) = [a for a in world["accounts"] if a["name"] == PRIMARY_NAME]
    return account


def gb_total(page: Page) -> int:
    cell = page.locator('#summary-body td[data-total="GB"]')
    expect(cell).not_to_be_empty()
    return int(cell.inner_text().replace(",", ""))


def choose(page: Page, world_id: str) -> None:
    page.get_by_label("World", exact=True).select_option(world_id)
    expect(page.locator("#world-select")).to_have_value(world_id)


def test_each_world_shows_its_own_state_and_a_reload_keeps_it(
    dashboard: Dashboard, worlds: Worlds
) -> None:
    alpha, beta = worlds.make("alpha"), worlds.make("beta")
    buyer = primary_of(alpha)
    worlds.buy(buyer, GB_FOR_SALE)

    dashboard.open()
    page = dashboard.page
    selector = page.get_by_label("World", exact=True)
    expect(selector.locator("option")).to_have_count(3)
    expect(selector.locator("option")).to_have_text(
        ["base (loaded at start)", f"{alpha['id']} (alpha)", f"{beta['id']} (beta)"]
    )
    expect(selector).to_have_value("base")
    base_gb = gb_total(page)

    # alpha: its bought number, its journal, one number fewer for sale, its own credentials.
    choose(page, alpha["id"])
    expect(page).to_have_url(re.compile(rf"\?world={alpha['id']}#inventory$"))
    expect(page.locator("#health")).to_contain_text(f"World {alpha['id']} (alpha):")
    expect(page.locator('#summary-body td[data-total="GB"]')).to_have_text(f"{base_gb - 1:,}")
    dashboard.show("Accounts")
    bought = page.locator(f'[data-account="{buyer["api_key"]}"] tr[data-msisdn="{GB_FOR_SALE}"]')
    expect(bought).to_be_visible()
    expect(page.locator(f'[data-account="{PRIMARY.api_key}"]')).to_have_count(0)
    dashboard.show("Journal")
    buys = page.locator('#journal-body tr[data-operation="buy"]')
    expect(buys).to_have_count(1)
    expect(buys.first).to_contain_text(f"msisdn={GB_FOR_SALE}")
    expect(buys.first).to_contain_text(buyer["api_key"])
    expect(buys.first.locator(".status")).to_have_text("200")

    dashboard.show("Worlds")
    row = page.locator(f'#worlds-body tr[data-world="{alpha["id"]}"]')
    expect(row).to_have_attribute("aria-current", "true")
    expect(row).to_contain_text("alpha")
    credentials = page.locator(f'#credentials-body tr[data-credentials="{buyer["api_key"]}"]')
    expect(page.locator("#credentials-body tr")).to_have_count(len(alpha["accounts"]))
    expect(credentials).to_contain_text(buyer["api_key"])
    expect(credentials).not_to_contain_text(buyer["api_secret"])
    credentials.get_by_role("button", name=f"Show the secret of {buyer['api_key']}").click()
    expect(credentials.locator("code.secret")).to_have_text(buyer["api_secret"])
    dashboard.screenshot("worlds")

    # beta and the base world: neither the purchase nor its journal entry.
    for other in (beta["id"], "base"):
        choose(page, other)
        expect(page.locator(f'#worlds-body tr[data-world="{other}"]')).to_have_attribute(
            "aria-current", "true"
        )
        expect(page.locator("#credentials-body tr")).to_have_count(len(beta["accounts"]))
        expect(credentials).to_have_count(0)
        dashboard.show("Accounts")
        expect(page.locator(f'tr[data-msisdn="{GB_FOR_SALE}"]')).to_have_count(0)
        expect(page.locator("#accounts section.account").first).to_be_visible()
        dashboard.show("Journal")
        expect(page.locator("#journal-empty")).to_be_visible()
        expect(page.locator('#journal-body tr[data-operation="buy"]')).to_have_count(0)
        dashboard.show("Worlds")
    expect(page).to_have_url(re.compile(r"/_mock/ui#worlds$"))
    expect(page.locator("#health")).not_to_contain_text("World")

    # A reload (or the same address elsewhere) shows the world chosen.
    choose(page, alpha["id"])
    page.reload()
    expect(page.get_by_label("World", exact=True)).to_have_value(alpha["id"])
    expect(credentials).to_be_visible()
    dashboard.show("Accounts")
    expect(bought).to_be_visible()
    assert dashboard.console_errors == []


def test_the_views_act_on_the_world_shown(dashboard: Dashboard, worlds: Worlds) -> None:
    alpha = worlds.make("alpha")
    buyer = primary_of(alpha)
    worlds.buy(buyer, GB_FOR_SALE)
    dashboard.page.goto(f"{dashboard.base_url}{UI_PATH}?world={alpha['id']}#faults")
    page = dashboard.page
    expect(page.get_by_label("World", exact=True)).to_have_value(alpha["id"])

    # A fault rule added on the page is the world's, not the base world's.
    page.get_by_role("button", name="Add rule").click()
    expect(page.locator("#faults-body tr")).to_have_count(1)
    assert [rule["operation"] for rule in worlds.faults(alpha["id"])] == ["buy"]
    assert worlds.faults("base") == []

    # "Reset state" resets the world: its purchase and its rule go; its credentials stay.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Reset state").click()
    expect(page.locator("#notice")).to_contain_text(f"World {alpha['id']} reset")
    expect(page.locator("#faults-empty")).to_be_visible()
    assert worlds.faults(alpha["id"]) == []
    dashboard.show("Accounts")
    expect(page.locator(f'[data-account="{buyer["api_key"]}"]')).to_be_visible()
    expect(page.locator(f'tr[data-msisdn="{GB_FOR_SALE}"]')).to_have_count(0)
    assert dashboard.console_errors == []


def test_the_world_shown_deleted_elsewhere_falls_back_to_base(
    dashboard: Dashboard, worlds: Worlds
) -> None:
    alpha, beta = worlds.make("alpha"), worlds.make()
    dashboard.page.goto(f"{dashboard.base_url}{UI_PATH}?world={alpha['id']}#accounts")
    page = dashboard.page
    selector = page.get_by_label("World", exact=True)
    expect(selector).to_have_value(alpha["id"])
    expect(page.locator("#health")).to_contain_text(f"World {alpha['id']} (alpha):")

    worlds.delete(alpha["id"])

    notice = page.locator("#notice")
    expect(notice).to_have_text(
        f"World {alpha['id']} is gone (no world '{alpha['id']}'): showing the base world."
    )
    expect(notice).to_be_visible()
    expect(selector).to_have_value("base")
    expect(selector.locator("option")).to_have_text(["base (loaded at start)", beta["id"]])
    expect(page).to_have_url(re.compile(r"/_mock/ui#accounts$"))
    expect(page.locator("#health")).not_to_contain_text("World")
    expect(page.locator(f'[data-account="{PRIMARY.api_key}"]')).to_be_visible()

    # An address naming a world that does not exist: the base world, with the same notice.
    page.goto(f"{dashboard.base_url}{UI_PATH}?world=wnothere#accounts")
    expect(notice).to_contain_text("World wnothere is gone (no world 'wnothere')")
    expect(selector).to_have_value("base")
    expect(page.locator(f'[data-account="{PRIMARY.api_key}"]')).to_be_visible()
    # The only errors are the browser's reports of the 404 answers that told the page.
    assert [e for e in dashboard.console_errors if "404" not in e] == []


def test_worlds_are_made_and_deleted_on_the_page(dashboard: Dashboard, worlds: Worlds) -> None:
    dashboard.open("worlds")
    page = dashboard.page
    expect(page.locator("#worlds-body tr")).to_have_count(1)

    page.get_by_label("Name (optional)").fill("from the page")
    page.get_by_role("button", name="Make world").click()
    notice = page.locator("#notice")
    expect(notice).to_contain_text("made: 3 accounts under fresh credentials")
    (made,) = [world_id for world_id in worlds.ids() if world_id != "base"]
    worlds.made.append(made)
    selector = page.get_by_label("World", exact=True)
    expect(selector).to_have_value(made)
    expect(page.locator("#worlds-body tr")).to_have_count(2)
    expect(page.locator("#credentials-heading")).to_have_text(f"Credentials of world {made}")
    expect(page.locator("#credentials-body tr")).to_have_count(3)
    base_primary = page.locator(f'#credentials-body tr[data-credentials="{PRIMARY.api_key}"]')
    expect(base_primary).to_have_count(0)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Delete world {made}").click()
    expect(notice).to_have_text(f"World {made} deleted: showing the base world.")
    expect(selector).to_have_value("base")
    expect(page.locator("#worlds-body tr")).to_have_count(1)
    assert worlds.ids() == ["base"]
    assert dashboard.console_errors == []
