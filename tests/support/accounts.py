"""The accounts the tests act as: credentials of the small data set, the shipped primary."""

from dataclasses import dataclass
from decimal import Decimal

# tests/data/small.json: a master account, its subaccount, a poor account and an unknown key.
MASTER = ("master01", "MasterSecret0001")
SUB = ("sub00001", "SubSecret0000001")
POOR = ("other001", "OtherSecret00001")
STRANGER = ("stranger", "Stranger00000001")


@dataclass(frozen=True)
class Account:
    api_key: str
    api_secret: str
    balance: Decimal
    parent: str | None = None

    @property
    def auth(self) -> tuple[str, str]:
        return (self.api_key, self.api_secret)


# The shipped fixtures' primary account (README, "Default credentials and data").
PRIMARY = Account("1a2b3c4d", "MockSecret123456", Decimal("1000.00"), None)
