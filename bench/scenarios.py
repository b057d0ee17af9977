"""What wrk sends in each scenario: the Lua scripts of bench/wrk/ put together, by target."""

import json
from collections.abc import Callable
from dataclasses import dataclass

from harness import API_KEY, API_SECRET, BASIC_AUTH, BENCH

MOCK, REFERENCE, PRISM, WIREMOCK = "mock", "reference", "prism", "wiremock"
FORM = "application/x-www-form-urlencoded"
WRK_SCRIPTS = BENCH / "wrk"
# The buy/cancel numbers: a GB range added with POST /_mock/numbers before each such run. Each
# wrk thread cycles through a slice of NUMBERS_PER_THREAD of them, far more than it has
# numbers bought and not yet cancelled (LAG_PER_CONNECTION per connection), so a buy always
# finds its number free and a cancel always finds it bought.
BENCH_RANGE_START = 447400000000
NUMBERS_PER_THREAD = 50_000
LAG_PER_CONNECTION = 2
# cost 0.00: the account's balance does not run out however long the run.
BENCH_RANGE_ATTRIBUTES = {"country": "GB", "type": "mobile-lvn", "features": ["VOICE", "SMS"]}
BENCH_RANGE_COST = "0.00"

SEARCH10_PATH = "/number/search?country=GB&size=10"

# Prism checks the spec's security scheme: api_key and api_secret in the query string.
PRISM_CREDENTIALS = f"api_key={API_KEY}&api_secret={API_SECRET}"


def lua(name: str) -> str:
    """One of the Lua scripts in bench/wrk/."""
    return (WRK_SCRIPTS / name).read_text(encoding="utf-8")


def static_script(path: str, headers: dict[str, str]) -> str:
    lines = ['wrk.method = "GET"', f"wrk.path = {json.dumps(path)}"]
    lines += [
        f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}" for name, value in headers.items()
    ]
    return "\n".join(lines) + "\n" + lua("done.lua")


def post_script(path: str, body: str, headers: dict[str, str]) -> str:
    lines = [
        'wrk.method = "POST"',
        f"wrk.path = {json.dumps(path)}",
        f"wrk.body = {json.dumps(body)}",
    ]
    lines += [
        f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}" for name, value in headers.items()
    ]
    return "\n".join(lines) + "\n" + lua("done.lua")


def stateful_script(body: str, connections: int, threads: int) -> str:
    """The values buy_cancel_state.lua reads, that file, the scenario's own, done.lua."""
    lag = max(8, LAG_PER_CONNECTION * -(-connections // threads))
    prelude = "\n".join(
        (
            f"local auth = {json.dumps(BASIC_AUTH)}",
            f"local form_type = {json.dumps(FORM)}",
            f"local base, slice, lag = {BENCH_RANGE_START}, {NUMBERS_PER_THREAD}, {lag}",
        )
    )
    return "\n".join((prelude, lua("buy_cancel_state.lua"), lua(body), lua("done.lua")))


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    targets: tuple[str, ...]
    # The script for a target, given (target, connections, threads).
    script: Callable[[str, int, int], str]
    stateful: bool = False  # buys and cancels: the bench range is added before each run


def _get(path: str, accept: str | None = None) -> Callable[[str, int, int], str]:
    def script(target: str, connections: int, threads: int) -> str:
        headers = {"Authorization": BASIC_AUTH}
        if accept:
            headers["Accept"] = accept
        full = path
        if target == PRISM:
            full += ("&" if "?" in path else "?") + PRISM_CREDENTIALS
        return static_script(full, headers)

    return script


def _stateful(body: str) -> Callable[[str, int, int], str]:
    def script(target: str, connections: int, threads: int) -> str:
        return stateful_script(body, connections, threads)

    return script


REFERENCE_SCENARIO = Scenario(
    "reference", "reference: GET /number/search (1 number)", (REFERENCE,), _get("/number/search")
)
# The reference of the buy-then-cancel cycle: a POST of the same size, with no work behind it.
REFERENCE_POST_SCENARIO = Scenario(
    "reference_post",
    "reference: POST /number/buy (form body)",
    (REFERENCE,),
    lambda target, connections, threads: post_script(
        "/number/buy",
        f"country=GB&msisdn={BENCH_RANGE_START}",
        {"Authorization": BASIC_AUTH, "Content-Type": FORM},
    ),
)
SCENARIOS = (
    Scenario(
        "search10",
        "search size 10 JSON",
        (MOCK, PRISM, WIREMOCK),
        _get(SEARCH10_PATH),
    ),
    Scenario(
        "search100",
        "search size 100 JSON",
        (MOCK, PRISM),
        _get("/number/search?country=GB&size=100"),
    ),
    Scenario(
        "search100xml",
        "search size 100 XML",
        (MOCK,),
        _get("/number/search?country=GB&size=100", accept="text/xml"),
    ),
    Scenario("list", "list owned", (MOCK, PRISM), _get("/account/numbers")),
    Scenario("buycancel", "buy-then-cancel cycle", (MOCK,), _stateful("buy_cancel.lua"), True),
    Scenario(
        "mixed",
        "mixed: 50% search, 20% list, 30% buy+cancel",
        (MOCK,),
        _stateful("mixed.lua"),
        True,
    ),
)
