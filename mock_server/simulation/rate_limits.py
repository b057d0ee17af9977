"""Per-account request limits, as Vonage answers them with a 429: sliding windows per api_key."""

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from mock_server.domain.operations import Operation

OVERALL = "all"  # the bucket every call counts in; a listing also counts in Operation.LIST's


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Requests per second per account. Vonage publishes no Numbers figure; these are the ones
    reported (an SDK comment, a secondary source): 3/s overall, 1/s to list owned numbers."""

    per_second: float = 3.0
    list_per_second: float = 1.0

    def __post_init__(self) -> None:
        for name in ("per_second", "list_per_second"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be above 0")


@dataclass(frozen=True, slots=True)
class Window:
    """A rate as a sliding window: at most `calls` calls in any `seconds`.

    A rate r allows ceil(r) calls per ceil(r)/r seconds: 3/s is 3 calls per second, 0.5/s is one
    call per 2 s, 2.5/s is 3 calls per 1.2 s. The long-run rate is exactly r, and the burst is the
    smallest whole number of calls that is not below it.
    """

    calls: int
    seconds: float

    @classmethod
    def for_rate(cls, per_second: float) -> "Window":
        calls = math.ceil(per_second)
        return cls(calls, calls / per_second)


class RateLimiter:
    """Counts each account's recent calls and refuses those over its limits."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self._windows = {
            OVERALL: Window.for_rate(limits.per_second),
            Operation.LIST.value: Window.for_rate(limits.list_per_second),
        }
        self._clock = clock
        self._lock = threading.Lock()
        self._calls: dict[tuple[str, str], deque[float]] = {}

    def check(self, api_key: str, operation: str) -> float | None:
        """None when the call is allowed (and then it is counted); otherwise the seconds until it
        would be allowed (> 0), and the call is not counted: a client that waits that long gets
        through."""
        buckets = (OVERALL, Operation.LIST.value) if operation == Operation.LIST else (OVERALL,)
        with self._lock:
            now = self._clock()
            waits = [self._wait(api_key, bucket, now) for bucket in buckets]
            if any(waits):
                return max(waits)
            for bucket in buckets:
                self._calls[api_key, bucket].append(now)
            return None

    def reset(self) -> None:
        """Forget every call counted so far."""
        with self._lock:
            self._calls.clear()

    def _wait(self, api_key: str, bucket: str, now: float) -> float:
        """Seconds until `bucket` of `api_key` has room, 0 when it has room now."""
        window = self._windows[bucket]
        # maxlen: only the last `calls` timestamps can ever decide, so memory stays bounded.
        calls = self._calls.setdefault((api_key, bucket), deque(maxlen=window.calls))
        while calls and now - calls[0] >= window.seconds:
            calls.popleft()
        if len(calls) < window.calls:
            return 0.0
        # Strictly positive: floats that differ never subtract to 0, and the loop kept
        # now - calls[0] below window.seconds.
        return window.seconds - (now - calls[0])
