"""mock_server.simulation.rate_limits: per-account sliding windows, driven by a fake clock."""

import pytest

from mock_server.domain.operations import Operation
from mock_server.simulation.rate_limits import RateLimiter, RateLimits, Window


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# One step: at this time, this account makes this call, and is let through (None) or told to wait.
Step = tuple[float, str, str, float | None]


def run(steps: list[Step], limits: RateLimits | None = None) -> list[float | None]:
    clock = FakeClock()
    limiter = RateLimiter(limits or RateLimits(), clock)
    outcomes = []
    for at, api_key, operation, _ in steps:
        clock.now = at
        outcomes.append(limiter.check(api_key, operation))
    return outcomes


def expected(steps: list[Step]) -> list[object]:
    return [None if wait is None else pytest.approx(wait) for *_, wait in steps]


@pytest.mark.parametrize(
    "steps",
    [
        pytest.param(
            [
                (0.0, "a", "buy", None),
                (0.1, "a", "buy", None),
                (0.2, "a", "buy", None),
                (0.5, "a", "buy", 0.5),
                (1.0, "a", "buy", None),
            ],
            id="three-pass-fourth-waits-for-the-window",
        ),
        pytest.param(
            [
                (0.0, "a", "search", None),
                (0.0, "a", "update", None),
                (0.0, "a", "cancel", None),
                (0.0, "a", "buy", 1.0),
            ],
            id="every-operation-counts-overall",
        ),
        pytest.param(
            [
                (0.0, "a", "list", None),
                (0.5, "a", "list", 0.5),
                (0.5, "a", "search", None),
                (1.0, "a", "list", None),
            ],
            id="list-once-per-second",
        ),
        pytest.param(
            [
                (0.0, "a", "list", None),
                (0.1, "a", "search", None),
                (0.2, "a", "search", None),
                (0.3, "a", "search", 0.7),
            ],
            id="list-counts-toward-overall",
        ),
        pytest.param(
            [
                (0.0, "a", "search", None),
                (0.1, "a", "list", None),
                (0.2, "a", "search", None),
                (0.5, "a", "list", 0.6),
            ],
            id="the-longer-wait-of-both-windows",
        ),
        pytest.param(
            [
                (0.0, "a", "buy", None),
                (0.0, "a", "buy", None),
                (0.0, "a", "buy", None),
                (0.0, "b", "buy", None),
                (0.0, "b", "list", None),
                (0.0, "a", "buy", 1.0),
                (0.0, "b", "list", 1.0),
            ],
            id="accounts-are-independent",
        ),
        pytest.param(
            [
                (0.0, "a", "buy", None),
                (0.0, "a", "buy", None),
                (0.0, "a", "buy", None),
                (0.5, "a", "buy", 0.5),
                (0.9, "a", "buy", 0.1),
                (1.0, "a", "buy", None),
                (1.0, "a", "buy", None),
                (1.0, "a", "buy", None),
            ],
            id="refused-calls-are-not-counted",
        ),
        pytest.param(
            [
                (0.0, "a", "search", None),
                (0.0, "a", "search", None),
                (0.0, "a", "search", None),
                (0.5, "a", "list", 0.5),
                (1.0, "a", "list", None),
            ],
            id="a-list-refused-overall-is-not-counted-as-a-list",
        ),
        pytest.param(
            [
                (0.0, "a", "list", None),
                (0.5, "a", "list", 0.5),
                (0.999, "a", "list", 0.001),
                (2.0, "a", "list", None),
                (2.0, "a", "list", 1.0),
            ],
            id="the-window-slides",
        ),
    ],
)
def test_vonage_limits(steps: list[Step]) -> None:
    assert run(steps) == expected(steps)


@pytest.mark.parametrize(
    ("limits", "steps"),
    [
        pytest.param(
            RateLimits(per_second=0.5),
            [(0.0, "a", "buy", None), (1.0, "a", "buy", 1.0), (2.0, "a", "buy", None)],
            id="half-a-call-per-second-is-one-per-two-seconds",
        ),
        pytest.param(
            RateLimits(per_second=2.5),
            [
                (0.0, "a", "buy", None),
                (0.0, "a", "buy", None),
                (0.0, "a", "buy", None),
                (1.0, "a", "buy", 0.2),
                (1.2, "a", "buy", None),
            ],
            id="two-and-a-half-per-second-is-three-per-1.2-seconds",
        ),
        pytest.param(
            RateLimits(per_second=10, list_per_second=2),
            [
                (0.0, "a", "list", None),
                (0.0, "a", "list", None),
                (0.0, "a", "list", 1.0),
                (0.0, "a", "buy", None),
            ],
            id="higher-limits",
        ),
    ],
)
def test_other_limits(limits: RateLimits, steps: list[Step]) -> None:
    assert run(steps, limits) == expected(steps)


@pytest.mark.parametrize(
    ("per_second", "window"),
    [
        pytest.param(3.0, Window(3, 1.0), id="3/s"),
        pytest.param(1.0, Window(1, 1.0), id="1/s"),
        pytest.param(0.5, Window(1, 2.0), id="0.5/s"),
        pytest.param(2.5, Window(3, 1.2), id="2.5/s"),
        pytest.param(100.0, Window(100, 1.0), id="100/s"),
    ],
)
def test_window_for_rate(per_second: float, window: Window) -> None:
    found = Window.for_rate(per_second)
    assert found.calls == window.calls
    assert found.seconds == pytest.approx(window.seconds)


def test_the_enum_and_its_text_are_the_same_operation() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(), clock)
    assert limiter.check("a", Operation.LIST) is None
    assert limiter.check("a", "list") == pytest.approx(1.0)


def test_reset_forgets_every_call() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(), clock)
    assert [limiter.check("a", "list") for _ in range(2)] == [None, pytest.approx(1.0)]
    limiter.reset()
    assert [limiter.check("a", "list") for _ in range(2)] == [None, pytest.approx(1.0)]


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"per_second": 0}, id="zero"),
        pytest.param({"list_per_second": -1}, id="negative"),
        pytest.param({"per_second": float("nan")}, id="nan"),
    ],
)
def test_limits_must_be_positive(fields: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be above 0"):
        RateLimits(**fields)
