"""simulation.faults: rules and their validation, the plan's draws, and the X-Mock-Fault header."""

import threading
from typing import Any

import pytest
from pydantic import ValidationError

from mock_server.domain import messages
from mock_server.simulation.fault_header import FaultHeaderError, parse_fault_header
from mock_server.simulation.faults import HEADER, Fault, FaultContext, FaultPlan, FaultRule

BUY = FaultContext("buy", api_key="master01", msisdn="447700900010", country="GB")
CANCEL = FaultContext("cancel", api_key="master01", msisdn="447700900010", country="GB")
SEARCH = FaultContext("search", api_key="master01", country="GB")


def rule(**fields: Any) -> FaultRule:
    return FaultRule.model_validate({"status": 420, **fields})


def statuses(plan: FaultPlan, context: FaultContext, calls: int) -> list[int | None]:
    """The status each of `calls` identical calls gets (None: no fault)."""
    return [fault.status if (fault := plan.draw(context)) else None for _ in range(calls)]


# -- rules -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param({}, "status", messages.FAULT_DOES_NOTHING, id="does-nothing"),
        pytest.param({"latency_ms": 0}, "status", messages.FAULT_DOES_NOTHING, id="zero-latency"),
        pytest.param(
            {"latency_ms": [0, 0]}, "status", messages.FAULT_DOES_NOTHING, id="zero-range"
        ),
        pytest.param(
            {"operation": "buy", "times": 1}, "status", messages.FAULT_DOES_NOTHING, id="no-effect"
        ),
        pytest.param(
            {"status": 420, "drop": True},
            "status",
            messages.FAULT_STATUS_AND_DROP,
            id="status+drop",
        ),
        pytest.param(
            {"latency_ms": 100, "label": "slow"},
            "label",
            messages.FAULT_LABEL_WITHOUT_STATUS,
            id="label-without-status",
        ),
        pytest.param({"status": 404}, "status", None, id="status-not-injectable"),
        pytest.param({"status": "420"}, "status", None, id="status-as-text"),
        pytest.param({"status": 420, "label": ""}, "label", None, id="empty-label"),
        pytest.param({"status": 420, "label": "x" * 501}, "label", None, id="label-too-long"),
        pytest.param({"drop": True, "operation": "delete"}, "operation", None, id="operation"),
        pytest.param({"drop": True, "match": {"number": "1"}}, "match", None, id="match-key"),
        pytest.param({"drop": True, "msisdn": "1"}, "msisdn", None, id="unknown-field"),
        pytest.param({"latency_ms": -1}, "latency_ms", messages.FAULT_LATENCY, id="negative"),
        pytest.param({"latency_ms": 60_001}, "latency_ms", messages.FAULT_LATENCY, id="too-long"),
        pytest.param(
            {"latency_ms": [300, 100]}, "latency_ms", messages.FAULT_LATENCY, id="range-reversed"
        ),
        pytest.param(
            {"latency_ms": [0, 60_001]}, "latency_ms", messages.FAULT_LATENCY, id="range-too-long"
        ),
        pytest.param(
            {"latency_ms": [1, 2, 3]}, "latency_ms", messages.FAULT_LATENCY, id="range-of-three"
        ),
        pytest.param({"latency_ms": "500"}, "latency_ms", messages.FAULT_LATENCY, id="text"),
        pytest.param({"latency_ms": True}, "latency_ms", messages.FAULT_LATENCY, id="boolean"),
        pytest.param(
            {"latency_ms": float("nan")}, "latency_ms", messages.FAULT_LATENCY, id="not-a-number"
        ),
        pytest.param({"drop": True, "times": 0}, "times", None, id="times-zero"),
        pytest.param({"drop": True, "after": -1}, "after", None, id="after-negative"),
        pytest.param({"drop": True, "probability": 1.5}, "probability", None, id="probability>1"),
        pytest.param({"drop": True, "probability": -0.1}, "probability", None, id="probability<0"),
    ],
)
def test_an_invalid_rule_names_the_field(
    fields: dict[str, Any], field: str, message: str | None
) -> None:
    with pytest.raises(ValidationError) as raised:
        FaultRule.model_validate(fields)
    errors = raised.value.errors()
    assert len(errors) == 1
    assert errors[0]["loc"][0] == field
    if message is not None:
        assert errors[0]["msg"] == message


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"status": 420}, {"status": 420, "operation": "*"}, id="status"),
        pytest.param({"drop": True}, {"drop": True, "status": None}, id="drop"),
        pytest.param({"latency_ms": 250}, {"latency_ms": 250.0}, id="latency"),
        pytest.param({"latency_ms": [100, 300]}, {"latency_ms": (100.0, 300.0)}, id="range"),
        pytest.param({"latency_ms": [0, 60_000]}, {"latency_ms": (0.0, 60_000.0)}, id="widest"),
        pytest.param(
            {"status": 503, "latency_ms": 200}, {"status": 503, "latency_ms": 200.0}, id="both"
        ),
        pytest.param(
            {"drop": True, "latency_ms": 5}, {"drop": True, "latency_ms": 5.0}, id="slow-drop"
        ),
        pytest.param(
            {"status": 420, "label": "custom", "times": 2, "after": 1, "probability": 0.5},
            {"label": "custom", "times": 2, "after": 1, "probability": 0.5},
            id="everything",
        ),
    ],
)
def test_a_valid_rule_is_accepted(fields: dict[str, Any], expected: dict[str, Any]) -> None:
    accepted = FaultRule.model_validate(fields)
    assert {name: getattr(accepted, name) for name in expected} == expected


def test_a_rule_round_trips_through_json_with_a_range_as_a_list() -> None:
    stored = FaultPlan(seed=1).add(rule(latency_ms=[10, 20], match={"country": "GB"}))
    dumped = stored.model_dump(mode="json")
    assert dumped["latency_ms"] == [10.0, 20.0]
    assert dumped["match"] == {"msisdn": None, "country": "GB", "api_key": None}
    assert FaultRule.model_validate(dumped) == stored


# -- the plan: ids, listing, removal -----------------------------------------------------------


def test_ids_follow_insertion_order_and_overwrite_what_was_given() -> None:
    plan = FaultPlan(seed=1, rules=[rule(id="mine", fired=7)])
    second, third = plan.add(rule(status=500)), plan.add(rule(drop=True, status=None))
    assert [r.id for r in plan.rules()] == ["f1", "f2", "f3"]
    assert (second.id, third.id) == ("f2", "f3")
    assert [r.fired for r in plan.rules()] == [0, 0, 0]


def test_remove_and_clear_and_ids_are_never_reused() -> None:
    plan = FaultPlan(seed=1, rules=[rule(), rule(status=500)])
    assert plan.remove("f1") is True
    assert plan.remove("f1") is False
    assert plan.remove("f9") is False
    assert [r.id for r in plan.rules()] == ["f2"]
    plan.clear()
    assert plan.rules() == []
    assert plan.draw(BUY) is None
    assert plan.add(rule()).id == "f3"


def test_fired_counts_and_times_shows_what_is_left() -> None:
    plan = FaultPlan(seed=1, rules=[rule(times=5), rule(status=500)])
    statuses(plan, BUY, 3)
    first, second = plan.rules()
    assert (first.fired, first.times) == (3, 2)
    assert (second.fired, second.times) == (0, None)


# -- the plan: which calls, how often ----------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "context", "fires"),
    [
        pytest.param({}, BUY, True, id="any-operation"),
        pytest.param({"operation": "buy"}, BUY, True, id="same-operation"),
        pytest.param({"operation": "buy"}, CANCEL, False, id="other-operation"),
        pytest.param({"match": {"msisdn": "447700900010"}}, CANCEL, True, id="msisdn"),
        pytest.param({"match": {"msisdn": "447700900011"}}, CANCEL, False, id="other-msisdn"),
        pytest.param({"match": {"msisdn": "447700900010"}}, SEARCH, False, id="call-without-one"),
        pytest.param({"match": {"country": "GB"}}, SEARCH, True, id="country"),
        pytest.param({"match": {"country": "gb"}}, SEARCH, False, id="country-exact"),
        pytest.param({"match": {"api_key": "master01"}}, BUY, True, id="api-key"),
        pytest.param({"match": {"api_key": "sub00001"}}, BUY, False, id="other-api-key"),
        pytest.param(
            {"operation": "buy", "match": {"country": "GB", "api_key": "master01"}},
            BUY,
            True,
            id="all-fields",
        ),
        pytest.param(
            {"match": {"country": "GB", "api_key": "sub00001"}}, BUY, False, id="one-field-differs"
        ),
    ],
)
def test_a_rule_fires_on_the_calls_it_matches(
    fields: dict[str, Any], context: FaultContext, fires: bool
) -> None:
    plan = FaultPlan(seed=1, rules=[rule(**fields)])
    assert (plan.draw(context) is not None) is fires


def test_a_one_shot_rule_fires_once_and_is_gone() -> None:
    plan = FaultPlan(seed=1, rules=[rule(times=1)])
    assert statuses(plan, BUY, 3) == [420, None, None]
    assert plan.rules() == []


def test_times_counts_down_to_removal() -> None:
    plan = FaultPlan(seed=1, rules=[rule(times=2)])
    assert statuses(plan, BUY, 4) == [420, 420, None, None]
    assert plan.rules() == []


def test_after_lets_the_first_matching_calls_through() -> None:
    plan = FaultPlan(seed=1, rules=[rule(after=2)])
    assert statuses(plan, BUY, 5) == [None, None, 420, 420, 420]


def test_calls_that_do_not_match_are_not_counted_for_after() -> None:
    plan = FaultPlan(seed=1, rules=[rule(operation="buy", after=1)])
    assert statuses(plan, CANCEL, 3) == [None, None, None]
    assert statuses(plan, BUY, 2) == [None, 420]


def test_the_first_matching_rule_wins() -> None:
    plan = FaultPlan(seed=1, rules=[rule(operation="buy"), rule(status=500)])
    assert statuses(plan, BUY, 2) == [420, 420]
    assert statuses(plan, CANCEL, 1) == [500]
    assert [r.fired for r in plan.rules()] == [2, 1]


def test_rules_after_the_one_that_fires_do_not_count_the_call() -> None:
    plan = FaultPlan(seed=1, rules=[rule(times=1), rule(status=500, after=1)])
    # Call 1 is f1's; f2 sees call 2 first and lets it through; call 3 is f2's.
    assert statuses(plan, BUY, 3) == [420, None, 500]


def test_a_rule_that_lets_a_call_through_leaves_it_to_the_next() -> None:
    plan = FaultPlan(seed=1, rules=[rule(after=1), rule(status=500, times=1)])
    assert statuses(plan, BUY, 3) == [500, 420, 420]


# -- the plan: random draws --------------------------------------------------------------------


def test_the_same_seed_gives_the_same_outcomes() -> None:
    plans = [FaultPlan(seed=7, rules=[rule(probability=0.5)]) for _ in range(2)]
    first, second = (statuses(plan, BUY, 60) for plan in plans)
    assert first == second
    assert 0 < first.count(420) < 60  # a coin, not a constant


def test_different_seeds_give_different_outcomes() -> None:
    outcomes = [statuses(FaultPlan(seed, [rule(probability=0.5)]), BUY, 60) for seed in (7, 8)]
    assert outcomes[0] != outcomes[1]


@pytest.mark.parametrize(
    ("probability", "expected"),
    [
        pytest.param(0.0, [None] * 200, id="never"),
        pytest.param(1.0, [420] * 200, id="always"),
    ],
)
def test_probability_bounds(probability: float, expected: list[int | None]) -> None:
    assert statuses(FaultPlan(seed=3, rules=[rule(probability=probability)]), BUY, 200) == expected


def test_reseed_restarts_the_sequence() -> None:
    plan = FaultPlan(seed=11, rules=[rule(probability=0.5)])
    first = statuses(plan, BUY, 40)
    plan.reseed()
    assert statuses(plan, BUY, 40) == first
    plan.reseed(12)
    assert plan.seed == 12
    assert statuses(plan, BUY, 40) == statuses(FaultPlan(12, [rule(probability=0.5)]), BUY, 40)


def test_a_plan_without_a_seed_reports_the_one_it_chose() -> None:
    plan = FaultPlan(rules=[rule(probability=0.5)])
    replay = FaultPlan(plan.seed, [rule(probability=0.5)])
    assert isinstance(plan.seed, int)
    assert statuses(plan, BUY, 40) == statuses(replay, BUY, 40)


def latencies(plan: FaultPlan, calls: int) -> list[float]:
    return [fault.latency_ms if (fault := plan.draw(BUY)) else -1.0 for _ in range(calls)]


def test_a_latency_range_is_drawn_within_its_bounds_and_reproducibly() -> None:
    drawn = latencies(FaultPlan(seed=5, rules=[rule(status=None, latency_ms=[100, 300])]), 200)
    assert all(100 <= value <= 300 for value in drawn)
    assert len(set(drawn)) > 100
    assert drawn == latencies(
        FaultPlan(seed=5, rules=[rule(status=None, latency_ms=[100, 300])]), 200
    )


def test_a_fixed_latency_is_used_as_given() -> None:
    plan = FaultPlan(seed=5, rules=[rule(latency_ms=120)])
    assert latencies(plan, 3) == [120.0, 120.0, 120.0]


@pytest.mark.parametrize(
    ("fields", "label"),
    [
        *(
            pytest.param({"status": status}, label, id=f"default-{status}")
            for status, label in messages.DEFAULT_LABELS.items()
        ),
        pytest.param({"status": 420, "label": "try later"}, "try later", id="own-label"),
        pytest.param({"status": None, "drop": True}, None, id="drop-has-none"),
    ],
)
def test_the_label_is_the_rules_or_the_default_of_its_status(
    fields: dict[str, Any], label: str | None
) -> None:
    fault = FaultPlan(seed=1, rules=[rule(**fields)]).draw(BUY)
    assert fault is not None
    assert fault.label == label


def test_resolve_makes_a_one_off_fault_with_the_plans_random_draws() -> None:
    header_rule = parse_fault_header("status=503; latency_ms=100-300")
    faults = [FaultPlan(seed=9).resolve(header_rule) for _ in range(2)]
    assert faults[0] == faults[1]
    assert faults[0].rule_id is None
    assert faults[0].label == messages.SERVICE_UNAVAILABLE
    assert 100 <= faults[0].latency_ms <= 300


def test_concurrent_draws_fire_a_counted_rule_exactly_its_times() -> None:
    plan = FaultPlan(seed=1, rules=[rule(times=100)])
    fired: list[int] = []

    def call() -> None:
        fired.append(sum(status is not None for status in statuses(plan, BUY, 50)))

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(fired) == 100
    assert plan.rules() == []


@pytest.mark.parametrize(
    ("fault", "text"),
    [
        pytest.param(
            Fault("f1", 420, "method failed", 0, False), "f1: 420 method failed", id="420"
        ),
        pytest.param(Fault("f2", None, None, 120, False), "f2: latency 120 ms", id="latency"),
        pytest.param(Fault(None, None, None, 0, True), "header: drop", id="header-drop"),
        pytest.param(
            Fault("f3", 503, "service unavailable", 200, False),
            "f3: 503 service unavailable, latency 200 ms",
            id="status-and-latency",
        ),
        pytest.param(Fault("f4", None, None, 123.456, True), "f4: latency 123.5 ms, drop", id="ms"),
        pytest.param(Fault("f5", None, None, 0.0, False), "f5: latency 0 ms", id="drawn-zero"),
    ],
)
def test_describe(fault: Fault, text: str) -> None:
    assert fault.describe() == text


# -- the X-Mock-Fault header -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("420", {"status": 420}, id="bare-status"),
        pytest.param(" 503 ", {"status": 503}, id="bare-status-spaces"),
        pytest.param("drop", {"drop": True}, id="drop"),
        pytest.param("DROP", {"drop": True}, id="drop-any-case"),
        pytest.param("drop=true", {"drop": True}, id="drop-key"),
        pytest.param("status=429", {"status": 429}, id="status-key"),
        pytest.param(
            'status=420; label="method failed"',
            {"status": 420, "label": "method failed"},
            id="quoted-label",
        ),
        pytest.param("status=420;label=busy", {"status": 420, "label": "busy"}, id="bare-label"),
        pytest.param(
            'status=420; label="a; b \\"c\\""', {"status": 420, "label": 'a; b "c"'}, id="escapes"
        ),
        pytest.param("latency_ms=500", {"latency_ms": 500.0}, id="latency"),
        pytest.param("latency_ms=2.5", {"latency_ms": 2.5}, id="latency-fraction"),
        pytest.param('latency_ms="500"', {"latency_ms": 500.0}, id="latency-quoted"),
        pytest.param("latency_ms=100-300", {"latency_ms": (100.0, 300.0)}, id="range"),
        pytest.param("latency_ms = 100 - 300", {"latency_ms": (100.0, 300.0)}, id="range-spaced"),
        pytest.param(
            "status=503; latency_ms=200", {"status": 503, "latency_ms": 200.0}, id="combined"
        ),
        pytest.param("420; latency_ms=50", {"status": 420, "latency_ms": 50.0}, id="bare-and-key"),
        pytest.param(
            "drop; latency_ms=50;", {"drop": True, "latency_ms": 50.0}, id="trailing-semi"
        ),
        pytest.param("Status=420", {"status": 420}, id="key-any-case"),
    ],
)
def test_header_forms(header: str, expected: dict[str, Any]) -> None:
    parsed = parse_fault_header(header)
    assert {name: getattr(parsed, name) for name in expected} == expected
    assert parsed.times == 1
    assert parsed.operation == "*"


@pytest.mark.parametrize(
    ("header", "field", "problem"),
    [
        pytest.param("", HEADER, messages.FAULT_HEADER_EMPTY, id="empty"),
        pytest.param(" ; ;", HEADER, messages.FAULT_HEADER_EMPTY, id="only-separators"),
        pytest.param("fail", HEADER, messages.FAULT_HEADER_BARE_WORD, id="unknown-word"),
        pytest.param("=420", HEADER, messages.FAULT_HEADER_BARE_WORD, id="no-key"),
        pytest.param('label="open', HEADER, messages.FAULT_HEADER_QUOTES, id="unclosed-quote"),
        pytest.param('label="a"b', "label", messages.FAULT_HEADER_QUOTES, id="text-after-quote"),
        pytest.param("times=2", "times", messages.FAULT_HEADER_UNKNOWN_KEY, id="unknown-key"),
        pytest.param("420; status=500", "status", messages.FAULT_HEADER_REPEATED, id="twice"),
        pytest.param("status=abc", "status", messages.FAULT_HEADER_STATUS, id="status-text"),
        pytest.param("status=", "status", messages.FAULT_HEADER_STATUS, id="status-empty"),
        pytest.param("status=404", "status", None, id="status-not-injectable"),
        pytest.param("latency_ms=fast", "latency_ms", messages.FAULT_HEADER_LATENCY, id="latency"),
        pytest.param("latency_ms=-5", "latency_ms", messages.FAULT_HEADER_LATENCY, id="negative"),
        pytest.param(
            "latency_ms=300-100", "latency_ms", messages.FAULT_LATENCY, id="range-reversed"
        ),
        pytest.param("latency_ms=90000", "latency_ms", messages.FAULT_LATENCY, id="too-long"),
        pytest.param("drop=maybe", "drop", messages.FAULT_HEADER_BOOLEAN, id="drop-value"),
        pytest.param("drop; 420", "status", messages.FAULT_STATUS_AND_DROP, id="drop-and-status"),
        pytest.param("latency_ms=0", "status", messages.FAULT_DOES_NOTHING, id="does-nothing"),
        pytest.param(
            "latency_ms=5; label=x", "label", messages.FAULT_LABEL_WITHOUT_STATUS, id="label-only"
        ),
    ],
)
def test_malformed_headers_name_the_key_at_fault(
    header: str, field: str, problem: str | None
) -> None:
    with pytest.raises(FaultHeaderError) as raised:
        parse_fault_header(header)
    assert raised.value.field == field
    if problem is not None:
        assert raised.value.problem == problem
    assert str(raised.value).startswith(f"{field}: ")
