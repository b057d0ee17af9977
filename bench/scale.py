"""The mock with 10 million numbers for sale and 100,000 owned, next to a 1,000-number pool.

    .venv/bin/python bench/scale.py            # a few minutes
    .venv/bin/python bench/scale.py --quick    # 1 start per pool, 30 requests per query

Writes two fixture files in a temporary directory, the same layout at two sizes: 8 ranges over
GB, US, FR and DE, with every 101st number owned by the default account (1a2b3c4d), so that
the big pool has exactly 10,000,000 numbers available and 100,000 owned, and the small one
1,000 available and 10 owned. For each pool it starts the mock (`--no-https --log-level
warning`), times process start to a 200 from /_mock/health, and measures with a sequential
keep-alive client (http.client) the p50 of searches of size 10 in each search_pattern mode,
of deep pages (the last page) and of listings, 200 requests each after a warm-up. Each count
the mock answers is checked against one computed here by brute force. Progress goes to
stderr, the report to stdout.
"""

import argparse
import http.client
import json
import math
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from harness import (
    API_KEY,
    API_SECRET,
    BASIC_AUTH,
    GOAL_COLUMNS,
    HOST,
    MB,
    ROOT,
    BenchError,
    Column,
    Goal,
    RssSampler,
    Server,
    free_port,
    median,
    mock_command,
    mock_source,
    percentile,
    say,
    servers_stopped_on_exit,
    table,
    tree_hwm_bytes,
)

OWNED_STRIDE = 101  # every 101st number of the ranges is owned
SIZE = 10
WARMUP_REQUESTS = 5
# A query this slow gets fewer than --requests samples.
QUERY_TIME_BUDGET_S = 20.0
# A keep-alive request stalled by Nagle's algorithm and a delayed ACK takes ~40-44 ms.
NAGLE_MS = (35.0, 50.0)


@dataclass(frozen=True)
class Layout:
    """A range's start and attributes; its length depends on the pool's size."""

    start: int
    country: str
    type: str
    features: tuple[str, ...]
    cost: str


LAYOUT = (
    Layout(442071000000, "GB", "landline", ("VOICE", "SMS"), "1.15"),
    Layout(447400000000, "GB", "mobile-lvn", ("VOICE", "SMS"), "1.25"),
    Layout(447700000000, "GB", "mobile-lvn", ("SMS",), "0.95"),
    Layout(12015000000, "US", "landline", ("VOICE", "SMS", "MMS"), "0.90"),
    Layout(14155000000, "US", "mobile-lvn", ("VOICE", "SMS", "MMS"), "0.90"),
    Layout(33170000000, "FR", "landline", ("VOICE",), "1.00"),
    Layout(33612000000, "FR", "mobile-lvn", ("VOICE", "SMS"), "3.50"),
    Layout(493012000000, "DE", "landline", ("VOICE",), "0.95"),
)


@dataclass(frozen=True)
class Range:
    layout: Layout
    first: int
    last: int

    def numbers(self) -> range:
        return range(self.first, self.last + 1)


@dataclass
class Pool:
    """A generated fixture: ranges, the owned numbers inside them, and the expected answers."""

    name: str
    available: int
    owned_count: int
    ranges: list[Range] = field(default_factory=list)
    owned: list[tuple[int, Layout]] = field(default_factory=list)

    @classmethod
    def build(cls, name: str, available: int) -> "Pool":
        owned_count = available // (OWNED_STRIDE - 1)
        total = available + owned_count
        pool = cls(name, available, owned_count)
        share, extra = divmod(total, len(LAYOUT))
        for index, layout in enumerate(LAYOUT):
            length = share + (1 if index < extra else 0)
            pool.ranges.append(Range(layout, layout.start, layout.start + length - 1))
        # Owned: the numbers at 50, 151, 252, ... counted across the ranges in order.
        offset = OWNED_STRIDE // 2
        position = 0
        for block in pool.ranges:
            size = block.last - block.first + 1
            while offset < position + size and len(pool.owned) < owned_count:
                pool.owned.append((block.first + offset - position, block.layout))
                offset += OWNED_STRIDE
            position += size
        if len(pool.owned) != owned_count:
            raise BenchError(f"{name}: placed {len(pool.owned)} owned numbers, not {owned_count}")
        return pool

    def write(self, path: Path) -> None:
        """The fixture file, streamed (the big one is ~15 MB)."""
        with path.open("w") as out:
            account = {"api_key": API_KEY, "api_secret": API_SECRET, "balance": "1000.00"}
            out.write('{"accounts": [' + json.dumps(account) + '],\n"available": [\n')
            out.write(
                ",\n".join(
                    json.dumps(
                        {
                            "range": {"start": str(r.first), "end": str(r.last)},
                            **_attributes(r.layout),
                        }
                    )
                    for r in self.ranges
                )
            )
            out.write('\n],\n"owned": [\n')
            for index, (msisdn, layout) in enumerate(self.owned):
                entry = {"msisdn": str(msisdn), "api_key": API_KEY, **_attributes(layout)}
                out.write(("" if index == 0 else ",\n") + json.dumps(entry))
            out.write("\n]}\n")

    def search_count(self, country: str, digits: str | None, mode: int) -> int:
        """The available numbers of `country` matching the pattern: in the ranges, not owned."""
        in_ranges = sum(
            range_count(block.first, block.last, digits, mode)
            for block in self.ranges
            if block.layout.country == country
        )
        owned = sum(
            1
            for number, layout in self.owned
            if layout.country == country and matches(str(number), digits, mode)
        )
        return in_ranges - owned

    def list_count(self, digits: str | None, mode: int) -> int:
        return sum(1 for number, _ in self.owned if matches(str(number), digits, mode))


def _attributes(layout: Layout) -> dict[str, Any]:
    return {
        "country": layout.country,
        "type": layout.type,
        "features": list(layout.features),
        "cost": layout.cost,
    }


def matches(msisdn: str, digits: str | None, mode: int) -> bool:
    """Vonage's search_pattern: 0 starts with (country code included), 1 contains, 2 ends with."""
    if not digits:
        return True
    if mode == 0:
        return msisdn.startswith(digits)
    if mode == 2:
        return msisdn.endswith(digits)
    return digits in msisdn


# -- counting without listing: 10 million numbers take too long to test one by one -----------


def range_count(first: int, last: int, digits: str | None, mode: int) -> int:
    """How many of the numbers first..last (all of one width) match the pattern."""
    if not digits:
        return last - first + 1
    width = len(str(first))
    if len(digits) > width:
        return 0
    if mode == 0:  # the numbers P000..P999 of the prefix P, within first..last
        scale: int = 10 ** (width - len(digits))
        low, high = int(digits) * scale, (int(digits) + 1) * scale - 1
        return max(0, min(last, high) - max(first, low) + 1)
    if mode == 2:  # the numbers congruent to the suffix, modulo 10**len
        modulus: int = 10 ** len(digits)
        rest = int(digits)

        def upto(value: int) -> int:
            return 0 if value < rest else (value - rest) // modulus + 1

        return upto(last) - upto(first - 1)
    return _containing(last, width, digits) - _containing(first - 1, width, digits)


def _containing(upto: int, width: int, pattern: str) -> int:
    """How many of 0..upto, written with `width` digits (zero-padded), contain `pattern`.

    A digit DP over a KMP automaton: per position, how many digit strings below the bound are
    in each state (the longest prefix of the pattern they end with), and how many have already
    contained it.
    """
    if upto < 0:
        return 0
    size = len(pattern)

    def advance(state: int, digit: str) -> int:
        text = pattern[:state] + digit
        while text and not pattern.startswith(text):
            text = text[1:]
        return len(text)

    moves = [[advance(state, str(digit)) for digit in range(10)] for state in range(size)]
    below = [0] * size  # strings already below the bound, by state
    below_found = 0
    bound_state, bound_found = 0, False  # the bound's own prefix
    for char in str(upto).zfill(width):
        limit = int(char)
        states, found = [0] * size, below_found * 10
        for state, count in enumerate(below):
            if count:
                for target in moves[state]:
                    if target == size:
                        found += count
                    else:
                        states[target] += count
        if bound_found:
            found += limit
        else:
            for digit in range(limit):
                target = moves[bound_state][digit]
                if target == size:
                    found += 1
                else:
                    states[target] += 1
            bound_state = moves[bound_state][limit]
            bound_found = bound_state == size
        below, below_found = states, found
    return below_found + (1 if bound_found else 0)


def check_counting() -> None:
    """The counting above against brute force on small ranges, before anything is trusted."""
    cases = [("12", 1), ("00", 1), ("4474", 0), ("447400012", 0), ("7", 2), ("050", 2)]
    cases += [("0", 1), ("999", 1), ("1201", 0), ("12", 0), ("515", 1), ("44", 1)]
    spans = [(447400000000, 447400030000), (12015000000, 12015012345), (33170099990, 33170100010)]
    for first, last in spans:
        for digits, mode in cases:
            brute = sum(1 for n in range(first, last + 1) if matches(str(n), digits, mode))
            counted = range_count(first, last, digits, mode)
            if brute != counted:
                raise BenchError(
                    f"bench/scale.py counts {counted}, not {brute}, for {digits!r} mode {mode} "
                    f"in {first}..{last}"
                )


# -- queries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    key: str
    title: str
    path: str  # /number/search or /account/numbers
    country: str | None = None
    patterns: tuple[str, ...] = ()  # one, or several taken in turn (one per request)
    mode: int = 0
    deep: bool = False  # the last page instead of the first

    def expected_counts(self, pool: Pool) -> list[int]:
        """The count the mock must answer, for each pattern in turn."""
        patterns: Sequence[str | None] = self.patterns or (None,)
        if self.path == "/account/numbers":
            return [pool.list_count(digits, self.mode) for digits in patterns]
        assert self.country is not None
        return [pool.search_count(self.country, digits, self.mode) for digits in patterns]

    def target(self, turn: int, count: int) -> tuple[str, int]:
        """The request path of this turn, and the page length expected from it."""
        params: dict[str, str | int] = {}
        if self.country:
            params["country"] = self.country
        if self.patterns:
            params["pattern"] = self.patterns[turn % len(self.patterns)]
            params["search_pattern"] = self.mode
        index = max(1, math.ceil(count / SIZE)) if self.deep else 1
        params["size"] = SIZE
        params["index"] = index
        items = max(0, min(SIZE, count - (index - 1) * SIZE))
        return f"{self.path}?{urlencode(params)}", items


def _prefixes() -> tuple[str, ...]:
    """Prefixes of 2 to 8 digits of the GB ranges: 18 of them, from 44 to 44770000."""
    found: list[str] = []
    for layout in LAYOUT:
        if layout.country == "GB":
            text = str(layout.start)
            found += [text[:length] for length in range(2, 9) if text[:length] not in found]
    return tuple(found)


# More patterns in turn than the mock keeps per block (16 recent ones): every request is new.
ROTATING_CONTAINS = tuple(f"{value:02d}" for value in range(10, 30))
ROTATING_SUFFIXES = tuple(f"{value:02d}" for value in range(20))

QUERIES = (
    Query("s0", "search GB 4474, mode 0 (starts with)", "/number/search", "GB", ("4474",), 0),
    Query("s1", "search GB 12, mode 1 (contains)", "/number/search", "GB", ("12",), 1),
    Query("s2", "search GB 7, mode 2 (ends with)", "/number/search", "GB", ("7",), 2),
    Query("r0", "search GB mode 0, 18 prefixes in turn", "/number/search", "GB", _prefixes(), 0),
    Query(
        "r1", "search GB mode 1, 20 patterns in turn", "/number/search", "GB", ROTATING_CONTAINS, 1
    ),
    Query(
        "r2", "search GB mode 2, 20 suffixes in turn", "/number/search", "GB", ROTATING_SUFFIXES, 2
    ),
    Query("d-", "last page: search GB, no pattern", "/number/search", "GB", deep=True),
    Query("d0", "last page: search GB 4474, mode 0", "/number/search", "GB", ("4474",), 0, True),
    Query("d1", "last page: search GB 12, mode 1", "/number/search", "GB", ("12",), 1, True),
    Query("d2", "last page: search GB 7, mode 2", "/number/search", "GB", ("7",), 2, True),
    Query("l-", "list owned", "/account/numbers"),
    Query("l1", "list owned 12, mode 1 (contains)", "/account/numbers", None, ("12",), 1),
    Query("ld", "last page: list owned", "/account/numbers", deep=True),
    Query(
        "lr",
        "list owned mode 1, 20 patterns in turn",
        "/account/numbers",
        None,
        ROTATING_CONTAINS,
        1,
    ),
)
SEARCH_MODE_KEYS = ("s0", "s1", "s2")
ROTATING_KEYS = ("r0", "r1", "r2", "lr")
LISTING_KEYS = ("l-", "l1")


@dataclass
class Timing:
    query: str
    expected: list[int]
    samples_ms: list[float]
    first_ms: float
    checked: int = 0
    wrong: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return self.checked > 0 and not self.wrong

    def count_text(self) -> str:
        low, high = min(self.expected), max(self.expected)
        return f"{low:,}" if low == high else f"{low:,}..{high:,}"

    @property
    def p50(self) -> float:
        return median(self.samples_ms)

    @property
    def p90(self) -> float:
        return percentile(self.samples_ms, 0.9)


@dataclass
class PoolRun:
    pool: Pool
    fixture_bytes: int
    starts: list[float] = field(default_factory=list)
    peak_rss: int = 0
    hwm_rss: int = 0
    timings: dict[str, Timing] = field(default_factory=dict)


class Client:
    """One keep-alive connection, requests one after the other."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection(HOST, port, timeout=120)
        self.headers = {"Authorization": BASIC_AUTH, "Accept": "application/json"}

    def get(self, path: str) -> tuple[float, dict[str, Any]]:
        started = time.perf_counter()
        self.connection.request("GET", path, headers=self.headers)
        response = self.connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise BenchError(f"GET {path} answered {response.status}: {body[:200]!r}")
        answer: dict[str, Any] = json.loads(body)
        return elapsed, answer

    def close(self) -> None:
        self.connection.close()


def time_query(client: Client, query: Query, expected: list[int], requests: int) -> Timing:
    """Warm-up requests, then up to `requests` timed ones; every answer's count is checked."""
    timing = Timing(query.key, expected, [], 0.0)

    def ask(turn: int) -> float:
        count = expected[turn % len(expected)]
        path, items = query.target(turn, count)
        elapsed, answer = client.get(path)
        timing.checked += 1
        got, page = answer.get("count"), len(answer.get("numbers") or [])
        if (got != count or page != items) and len(timing.wrong) < 3:
            timing.wrong.append(f"{path}: count {got} (expected {count}), {page} numbers ({items})")
        return elapsed

    timing.first_ms = ask(0)
    for turn in range(1, WARMUP_REQUESTS):
        ask(turn)
    deadline = time.perf_counter() + QUERY_TIME_BUDGET_S
    turn = WARMUP_REQUESTS
    while len(timing.samples_ms) < requests and (
        len(timing.samples_ms) < 5 or time.perf_counter() < deadline
    ):
        timing.samples_ms.append(ask(turn))
        turn += 1
    return timing


def run_pool(pool: Pool, workdir: Path, starts: int, requests: int, mock_root: Path) -> PoolRun:
    fixture = workdir / f"{pool.name}.json"
    say(f"{pool.name}: writing {fixture.name}")
    pool.write(fixture)
    result = PoolRun(pool, fixture.stat().st_size)
    say(f"{pool.name}: computing the expected counts")
    expected = {query.key: query.expected_counts(pool) for query in QUERIES}
    for attempt in range(starts):
        say(f"{pool.name}: start {attempt + 1} of {starts}")
        port = free_port()
        log = workdir / f"{pool.name}-{attempt}.log"
        server = Server.spawn("mock", mock_command(port, fixture), port, log, mock_root)
        last = attempt == starts - 1
        try:
            with RssSampler(server.pid, interval=0.02) as rss:
                result.starts.append(server.wait_ready("/_mock/health"))
                if last:
                    client = Client(port)
                    try:
                        for query in QUERIES:
                            say(f"{pool.name}: {query.title}")
                            timing = time_query(client, query, expected[query.key], requests)
                            result.timings[query.key] = timing
                    finally:
                        client.close()
            if last:
                result.peak_rss = rss.peak
                result.hwm_rss = tree_hwm_bytes(server.pid)
        finally:
            server.stop()
    return result


# -- the report --------------------------------------------------------------------------------

POOL_COLUMNS = (
    Column("pool", 38, "<"),
    Column("fixture MB", 10),
    Column("start s", 8),
    Column("starts (s)", 22, "<"),
    Column("peak RSS MB", 11),
    Column("VmHWM MB", 9),
)
QUERY_COLUMNS = (
    Column("query (size 10)", 40, "<"),
    Column("count (big)", 19),
    Column("exact", 5, "<"),
    Column("first ms", 8),
    Column("p50 ms", 7),
    Column("p90 ms", 7),
    Column("n", 4),
    Column("count (1k)", 10),
    Column("exact", 5, "<"),
    Column("p50 ms", 7),
    Column("big/1k", 6),
)


def render(big: PoolRun, small: PoolRun, requests: int, source: str) -> str:
    out = [
        "vonage-numbers-mock scale benchmark (bench/scale.py)",
        f"  big pool    {big.pool.available:,} available + {big.pool.owned_count:,} owned "
        f"(account {API_KEY}), {len(LAYOUT)} ranges over GB/US/FR/DE",
        f"  small pool  {small.pool.available:,} available + {small.pool.owned_count:,} owned, "
        "the same ranges cut short",
        f"  mock        {source}",
        f"  client      http.client, one keep-alive connection, {WARMUP_REQUESTS} warm-up "
        f"then up to {requests} requests per query",
        "",
    ]
    pool_rows = []
    for run in (big, small):
        pool_rows.append(
            [
                f"{run.pool.available:,} available / {run.pool.owned_count:,} owned",
                f"{run.fixture_bytes / MB:.1f}",
                f"{median(run.starts):.2f}",
                ", ".join(f"{value:.2f}" for value in run.starts),
                f"{run.peak_rss / MB:.0f}",
                f"{run.hwm_rss / MB:.0f}",
            ]
        )
    out.append(table(POOL_COLUMNS, pool_rows))
    out.append("")
    rows = []
    for query in QUERIES:
        a, b = big.timings[query.key], small.timings[query.key]
        rows.append(
            [
                query.title,
                a.count_text(),
                "yes" if a.exact else "NO",
                f"{a.first_ms:.2f}",
                f"{a.p50:.2f}",
                f"{a.p90:.2f}",
                str(len(a.samples_ms)),
                b.count_text(),
                "yes" if b.exact else "NO",
                f"{b.p50:.2f}",
                f"{a.p50 / b.p50:.2f}x",
            ]
        )
    out.append(table(QUERY_COLUMNS, rows))
    out.append("")
    out.append(
        textwrap.fill(
            "exact: every answer (warm-up included) had the count computed here from the "
            "generated numbers, and a page of the right length; a..b: the counts of the patterns "
            "taken in turn. first ms: the first request of the query (cold caches); p50/p90 over "
            "the n timed ones.",
            width=100,
        )
    )
    for run in (big, small):
        for query in QUERIES:
            timing = run.timings[query.key]
            out.extend(f"  WRONG ({run.pool.name} pool): {line}" for line in timing.wrong)
    if NAGLE_MS[0] <= small.timings["ld"].p50 <= NAGLE_MS[1]:
        out.append(
            textwrap.fill(
                "Even the 1k pool takes ~40 ms a request: the stall of Nagle's algorithm with "
                "delayed ACKs, not the mock's work. Are the server's sockets TCP_NODELAY (asyncio "
                "sets it only on sockets made with proto IPPROTO_TCP)?",
                width=100,
                initial_indent="  ",
                subsequent_indent="  ",
            )
        )
    out.append("")
    out.append("Goals")
    out.append(table(GOAL_COLUMNS, [goal.row() for goal in goals(big, small)]))
    return "\n".join(out)


def short(count: int) -> str:
    """10M, 1k, 2.5M: a pool's size in a goal's name."""
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if count >= size:
            return f"{count / size:g}{unit}"
    return str(count)


def goals(big: PoolRun, small: PoolRun) -> list[Goal]:
    name, ratio = (
        short(big.pool.available),
        f"{short(big.pool.available)}/{short(small.pool.available)}",
    )
    result = [
        Goal(f"{name}: start to healthy (median)", median(big.starts), "<", 1.5, "s"),
        Goal(f"{name}: peak RSS (VmHWM)", max(big.hwm_rss, big.peak_rss) / MB, "<", 150.0, "MB"),
    ]
    for key in SEARCH_MODE_KEYS:
        timing = big.timings[key]
        mode = key[1]
        exact = timing.exact
        result.append(
            Goal(
                f"{name}: search mode {mode} p50" + ("" if exact else " (count WRONG)"),
                timing.p50 if exact else None,
                "<",
                5.0,
                "ms",
            )
        )
    for key in ROTATING_KEYS:
        timing = big.timings[key]
        what = "listing" if key == "lr" else f"search mode {key[1]}"
        title = f"{name}: {what} p50, new pattern each time"
        result.append(Goal(title, timing.p50 if timing.exact else None, "<", 5.0, "ms"))
    for key in LISTING_KEYS:
        title = f"{name}: listing p50" + (", with pattern" if key != "l-" else "")
        result.append(Goal(title, big.timings[key].p50, "<", 5.0, "ms"))

    def worst(keys: Sequence[str], label: str) -> Goal:
        ratios = [(big.timings[key].p50 / small.timings[key].p50, key) for key in keys]
        value, key = max(ratios)
        title = next(query.title for query in QUERIES if query.key == key)
        title = title.removeprefix("last page: ")
        return Goal(f"{ratio} p50, worst {label}: {title}"[:50], value, "<=", 1.5, "x")

    fixed = [q.key for q in QUERIES if not q.deep and q.key not in ROTATING_KEYS]
    result.append(worst(fixed, "first page"))
    result.append(worst([q.key for q in QUERIES if q.deep], "last page"))
    result.append(worst(ROTATING_KEYS, "new pattern"))
    return result


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/scale.py", description="The mock with 10 million numbers and 100,000 owned."
    )
    parser.add_argument("--quick", action="store_true", help="1 start per pool, 30 requests")
    parser.add_argument("--starts", type=int, help="starts timed per pool (default 3)")
    parser.add_argument("--requests", type=int, help="requests per query (default 200)")
    parser.add_argument(
        "--available", type=int, default=10_000_000, help="numbers for sale in the big pool"
    )
    parser.add_argument(
        "--mock-root",
        type=Path,
        default=ROOT,
        help="run `python -m mock_server` from this checkout (default: this one)",
    )
    return parser.parse_args(argv)


def pools(available: int) -> Iterator[Pool]:
    yield Pool.build("big", available)
    yield Pool.build("small", 1_000)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    starts = args.starts or (1 if args.quick else 3)
    requests = args.requests or (30 if args.quick else 200)
    mock_root: Path = args.mock_root.resolve()
    started = time.monotonic()
    try:
        source = mock_source(mock_root)
        check_counting()
        with servers_stopped_on_exit(), tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
            big, small = [
                run_pool(pool, Path(tmp), starts, requests, mock_root)
                for pool in pools(args.available)
            ]
    except BenchError as error:
        say(f"bench/scale.py: {error}")
        return 1
    except KeyboardInterrupt:
        say("bench/scale.py: interrupted; every server it started is stopped")
        return 130
    print(render(big, small, requests, source))
    print(f"\n(whole run: {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
