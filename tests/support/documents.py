"""What a state document says: prices of numbers for sale, owners, balances, countries."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from mock_server.state.document import build_inventory, parse_fixtures


def prices_of(document: Mapping[str, Any], msisdns: list[str]) -> dict[str, Decimal]:
    """What buying each number charges (initialPrice + cost), for numbers on sale in `document`."""
    inventory = build_inventory(parse_fixtures(dict(document)))
    prices: dict[str, Decimal] = {}
    for msisdn in msisdns:
        number = inventory.pool.find(msisdn)
        assert number is not None, f"{msisdn} is not for sale in the document"
        prices[msisdn] = number.attributes.price
    return prices


def owners_in(document: Mapping[str, Any]) -> dict[str, list[str]]:
    """msisdn -> the api_keys owning it in a state document (a list, to see duplicates)."""
    owners: dict[str, list[str]] = {}
    for entry in document["owned"]:
        owners.setdefault(entry["msisdn"], []).append(entry["api_key"])
    return owners


def balances_in(document: Mapping[str, Any]) -> dict[str, Decimal]:
    return {a["api_key"]: Decimal(a["balance"]) for a in document["accounts"]}


def countries_in(document: Mapping[str, Any]) -> list[str]:
    return sorted({entry["country"] for entry in document["available"]})
