"""Value types of a phone number: its type, features, attributes and configuration."""

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from enum import StrEnum


class NumberType(StrEnum):
    LANDLINE = "landline"
    MOBILE_LVN = "mobile-lvn"
    LANDLINE_TOLL_FREE = "landline-toll-free"


class Feature(StrEnum):
    SMS = "SMS"
    VOICE = "VOICE"
    MMS = "MMS"


# Vonage lists features in this order (`["VOICE", "SMS", "MMS"]` in its examples).
FEATURE_ORDER = (Feature.VOICE, Feature.SMS, Feature.MMS)


@dataclass(frozen=True, slots=True)
class Limitation:
    """A 1.1.0 `limitations` entry: a feature restricted in direction and reach."""

    feature: str
    type: str
    reach: str


@dataclass(frozen=True, slots=True)
class NumberAttributes:
    """What a number is, wherever it sits: shared by every number of a range."""

    country: str
    type: NumberType
    features: frozenset[Feature]
    cost: Decimal
    initial_price: Decimal = Decimal("0.00")
    limitations: tuple[Limitation, ...] = ()

    @property
    def ordered_features(self) -> list[str]:
        return [f.value for f in FEATURE_ORDER if f in self.features]

    @property
    def price(self) -> Decimal:
        """What buying the number charges: the setup fee and the first month's rent."""
        return self.initial_price + self.cost


@dataclass(frozen=True, slots=True)
class NumberConfig:
    """How an owned number is configured; every field optional, cleared on cancel."""

    app_id: str | None = None
    mo_http_url: str | None = None
    mo_smpp_sys_type: str | None = None
    voice_callback_type: str | None = None
    voice_callback_value: str | None = None
    voice_status_callback: str | None = None
    messages_callback_type: str | None = None
    messages_callback_value: str | None = None

    def updated(self, changes: dict[str, str | None]) -> "NumberConfig":
        return replace(self, **changes)

    def linked_applications(self) -> set[str]:
        """Applications the number is linked to: `app_id`, or the deprecated `app` callbacks."""
        apps = {self.app_id} if self.app_id else set()
        if self.voice_callback_type == "app" and self.voice_callback_value:
            apps.add(self.voice_callback_value)
        if self.messages_callback_type == "app" and self.messages_callback_value:
            apps.add(self.messages_callback_value)
        return apps


CONFIG_FIELDS = tuple(f.name for f in fields(NumberConfig))
# Most numbers are not configured: they share this one (configurations are frozen).
NO_CONFIG = NumberConfig()


class UpdateMode(StrEnum):
    """What `POST /number/update` does to the configuration fields a call leaves out."""

    # Cleared: the live API replaces the configuration with what the call sends. Setting a voice
    # link on the live API removed the number's SMS webhook (Nexmo/nexmo-cli#83), and the
    # official CLIs unlink an application by sending the number without `app_id`.
    REPLACE = "replace"
    # Kept: the mock's earlier behaviour, which is not what Vonage does.
    MERGE = "merge"


def update_fields(given: Mapping[str, str | None], mode: UpdateMode) -> dict[str, str | None]:
    """The fields an update sets (None clears one): those given, and with REPLACE every other
    configuration field cleared. Empty values arrive as None and clear in both modes."""
    if mode is UpdateMode.MERGE:
        return dict(given)
    return {name: given.get(name) for name in CONFIG_FIELDS}


@dataclass(slots=True)
class OwnedNumber:
    msisdn: str
    attributes: NumberAttributes
    config: NumberConfig = NO_CONFIG


@dataclass(frozen=True, slots=True)
class AvailableNumber:
    msisdn: str
    attributes: NumberAttributes
