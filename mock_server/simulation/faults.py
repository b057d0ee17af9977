"""Fault injection: rules that make chosen calls fail, stall or drop, and the plan holding them."""

import random
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from mock_server.domain import messages
from mock_server.domain.operations import EVERY_OPERATION, FaultOperation
from mock_server.domain.wire import FAULT_HEADER
from mock_server.settings import limit_reached

HEADER = FAULT_HEADER
HEADER_RULE_ID = "header"  # how a header fault is named in the journal, having no rule id
MAX_LATENCY_MS = 60_000

Status = Literal[400, 401, 420, 429, 500, 503]
Latency = float | tuple[float, float]


@dataclass(frozen=True, slots=True)
class FaultContext:
    """What a call is, as far as rules can tell calls apart."""

    operation: str
    api_key: str | None = None
    msisdn: str | None = None
    country: str | None = None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class FaultMatch(_Model):
    """Which calls a rule applies to: every field given must equal the call's value."""

    msisdn: str | None = None
    country: str | None = None
    api_key: str | None = None

    def matches(self, context: FaultContext) -> bool:
        """True when every field given equals the call's value (an empty match takes all)."""
        pairs = (
            (self.msisdn, context.msisdn),
            (self.country, context.country),
            (self.api_key, context.api_key),
        )
        return all(wanted is None or wanted == actual for wanted, actual in pairs)


class FaultRule(_Model):
    """A rule of the plan: which calls, what happens to them, and how often."""

    id: str | None = Field(None, description="Given by the plan (f1, f2, ...); ignored on input.")
    operation: FaultOperation = EVERY_OPERATION
    match: FaultMatch = Field(default_factory=FaultMatch)
    latency_ms: Latency = Field(0.0, description="Delay before answering, or [min, max].")
    drop: bool = Field(False, description="Close the connection without an answer.")
    # Declared after latency_ms and drop so that its validator sees them: a rule that does nothing
    # is then reported against a field, as every other mistake is.
    status: Status | None = Field(None, validate_default=True, description="Status to answer.")
    label: str | None = Field(
        None, min_length=1, max_length=500, description="error-code-label; by status if absent."
    )
    times: int | None = Field(None, ge=1, description="Fire this many times, then go away.")
    after: int = Field(0, ge=0, description="Let the first N matching calls through.")
    probability: float = Field(1.0, ge=0, le=1, description="Chance of firing on a matching call.")
    fired: int = Field(0, description="How many times the rule fired (read-only).")

    @field_validator("latency_ms", mode="before")
    @classmethod
    def _latency_in_bounds(cls, value: object) -> Latency:
        # Checked before the union's own validation, which would report once per member.
        latency = _as_latency(value)
        if latency is None:
            raise PydanticCustomError("fault_latency", messages.FAULT_LATENCY)
        return latency

    @field_validator("status")
    @classmethod
    def _does_something(cls, status: Status | None, info: ValidationInfo) -> Status | None:
        if not {"latency_ms", "drop"} <= info.data.keys():
            return status  # one of them is already reported; a second error would only confuse
        if status is not None and info.data["drop"]:
            raise PydanticCustomError("fault_status_and_drop", messages.FAULT_STATUS_AND_DROP)
        if status is None and not info.data["drop"] and _longest(info.data["latency_ms"]) == 0:
            raise PydanticCustomError("fault_does_nothing", messages.FAULT_DOES_NOTHING)
        return status

    @field_validator("label")
    @classmethod
    def _label_needs_status(cls, label: str | None, info: ValidationInfo) -> str | None:
        # When status itself failed it is absent from info.data, and already reported.
        if label is not None and "status" in info.data and info.data["status"] is None:
            raise PydanticCustomError("fault_label", messages.FAULT_LABEL_WITHOUT_STATUS)
        return label


def _as_latency(value: object) -> Latency | None:
    """`value` as a latency when it is one (milliseconds, or [min, max] in order), else None."""
    if isinstance(value, list | tuple) and len(value) == 2:
        low, high = _as_millis(value[0]), _as_millis(value[1])
        return (low, high) if low is not None and high is not None and low <= high else None
    return _as_millis(value)


def _as_millis(value: object) -> float | None:
    # bool is an int to Python, but `true` is no number of milliseconds.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if 0 <= value <= MAX_LATENCY_MS else None


def _longest(latency: Latency) -> float:
    return latency[1] if isinstance(latency, tuple) else latency


@dataclass(frozen=True, slots=True)
class Fault:
    """What to do to this one call, its latency already drawn."""

    rule_id: str | None  # None for a header fault
    status: int | None
    label: str | None
    latency_ms: float
    drop: bool

    def describe(self) -> str:
        """Short text for the request journal: `f1: 420 method failed`, `header: drop`."""
        effects = []
        if self.status is not None:
            effects.append(f"{self.status} {self.label}")
        if self.latency_ms > 0 or (self.status is None and not self.drop):
            effects.append(f"latency {round(self.latency_ms, 1):g} ms")
        if self.drop:
            effects.append("drop")
        return f"{self.rule_id or HEADER_RULE_ID}: {', '.join(effects)}"


@dataclass(slots=True)
class _Entry:
    """A stored rule and its counters."""

    rule: FaultRule
    seen: int = 0  # matching calls that reached this rule, for `after`
    fired: int = 0

    def applies_to(self, context: FaultContext) -> bool:
        operations = (EVERY_OPERATION, context.operation)
        return self.rule.operation in operations and self.rule.match.matches(context)

    def spent(self) -> bool:
        return self.rule.times is not None and self.fired >= self.rule.times

    def snapshot(self) -> FaultRule:
        times = None if self.rule.times is None else self.rule.times - self.fired
        return self.rule.model_copy(update={"fired": self.fired, "times": times})


class FaultPlan:
    """The installed rules, in order, and the seeded random draws that make a run repeatable."""

    def __init__(
        self,
        seed: int | None = None,
        rules: Iterable[FaultRule] = (),
        max_rules: int | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._max_rules = max_rules
        self._entries: list[_Entry] = []
        self._next_id = 1
        self._seed = secrets.randbits(32) if seed is None else seed
        self._random = _generator(self._seed)
        for rule in rules:
            self.add(rule)

    @property
    def seed(self) -> int:
        """The seed in use: chosen at random when none was given, so a run can be replayed."""
        return self._seed

    def add(self, rule: FaultRule) -> FaultRule:
        """Install `rule` after the others; returns the stored copy, with its id.

        LimitReached (a 409) when `max_rules` are installed already: every Vonage call is
        matched against each rule, so their number is its cost.
        """
        with self._lock:
            if self._max_rules is not None and len(self._entries) >= self._max_rules:
                raise limit_reached(None, self._max_rules, "fault rules", "max_fault_rules")
            # Ids are never reused, so a client holding an old id cannot remove a newer rule.
            stored = rule.model_copy(update={"id": f"f{self._next_id}", "fired": 0})
            self._next_id += 1
            self._entries.append(_Entry(stored))
            return stored

    def rules(self) -> list[FaultRule]:
        """Copies of the rules in order, with how often each fired and the `times` left."""
        with self._lock:
            return [entry.snapshot() for entry in self._entries]

    def remove(self, rule_id: str) -> bool:
        """Remove the rule with this id; False when there is none."""
        with self._lock:
            kept = [entry for entry in self._entries if entry.rule.id != rule_id]
            removed = len(kept) < len(self._entries)
            self._entries = kept
            return removed

    def clear(self) -> None:
        """Remove every rule (ids keep counting up)."""
        with self._lock:
            self._entries.clear()

    def reseed(self, seed: int | None = None) -> None:
        """Restart the random sequence: from `seed`, or from the current seed when None."""
        with self._lock:
            if seed is not None:
                self._seed = seed
            self._random = _generator(self._seed)

    def draw(self, context: FaultContext) -> Fault | None:
        """The fault for this call, or None. The first rule that fires wins; rules after it
        neither see nor count the call."""
        with self._lock:
            for entry in self._entries:
                if entry.applies_to(context) and self._triggers(entry):
                    return self._fire(entry)
            return None

    def resolve(self, rule: FaultRule, rule_id: str | None = None) -> Fault:
        """The fault a one-off rule (a header's) makes, drawing its latency like a plan rule."""
        with self._lock:
            return self._fault(rule, rule_id)

    def _triggers(self, entry: _Entry) -> bool:
        entry.seen += 1
        if entry.seen <= entry.rule.after:
            return False
        probability = entry.rule.probability
        return probability >= 1 or self._random.random() < probability

    def _fire(self, entry: _Entry) -> Fault:
        entry.fired += 1
        if entry.spent():
            self._entries.remove(entry)
        return self._fault(entry.rule, entry.rule.id)

    def _fault(self, rule: FaultRule, rule_id: str | None) -> Fault:
        latency = rule.latency_ms
        if isinstance(latency, tuple):
            latency = self._random.uniform(*latency)
        label = rule.label
        if label is None and rule.status is not None:
            label = messages.DEFAULT_LABELS[rule.status]
        return Fault(rule_id, rule.status, label, latency, rule.drop)


def _generator(seed: int) -> random.Random:
    # Not for secrets: the point is that a seed replays the same failures.
    return random.Random(seed)  # noqa: S311
