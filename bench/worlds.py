"""What a world costs: memory and time to make one, at the default fixtures and at 10 million
numbers for sale with 100,000 owned.

    .venv/bin/python bench/worlds.py            # about a minute
    .venv/bin/python bench/worlds.py --worlds 20

For each state it starts the mock (`--no-https --log-level warning --max-worlds N`), reads the
process's RSS once it is healthy, makes N worlds through `POST /_mock/worlds` (timing each),
reads the RSS after the first and after the last, and reports the cost of each world after
the first. In each world one number is bought, and
the bench checks it is owned there and not in the base world, so the worlds measured are used
ones. The big state is the one bench/scale.py generates; it is measured again with nobody
owning a number, which shows what the 10 million numbers for sale add to a world (nothing:
its ranges are shared) apart from what 100,000 owned numbers do.
"""

import argparse
import base64
import http.client
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from harness import (
    HOST,
    MB,
    ROOT,
    BenchError,
    Column,
    Server,
    free_port,
    median,
    mock_command,
    mock_source,
    say,
    servers_stopped_on_exit,
    status_kb,
    table,
)
from scale import Pool

DEFAULT_FIXTURES = ROOT / "fixtures" / "default.json"
SETTLE_S = 0.5


class Client:
    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection(HOST, port, timeout=120)

    def call(
        self, method: str, path: str, body: Any = None, auth: tuple[str, str] | None = None
    ) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        data = json.dumps(body) if body is not None else None
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        payload = response.read()
        return response.status, json.loads(payload) if payload else None


def rss_mb(server: Server) -> float:
    time.sleep(SETTLE_S)
    return status_kb(server.pid, "VmRSS") * 1024 / MB


def a_number_for_sale(client: Client, auth: tuple[str, str]) -> tuple[str, str]:
    for country in ("GB", "US", "FR", "DE"):
        status, page = client.call(
            "GET", "/number/search?" + urlencode({"country": country}), auth=auth
        )
        if status == 200 and page.get("numbers"):
            return country, page["numbers"][0]["msisdn"]
    raise BenchError("no number for sale to buy")


def measure(name: str, fixtures: Path, worlds: int, workdir: Path) -> dict[str, Any]:
    port = free_port()
    command = [*mock_command(port, fixtures), "--max-worlds", str(worlds)]
    server = Server.spawn(name, command, port, workdir / f"{name}.log")
    try:
        ready = server.wait_ready("/_mock/health")
        client = Client(port)
        before = rss_mb(server)
        first = before
        times = []
        for index in range(worlds):
            if index == 1:
                first = rss_mb(server)
            started = time.perf_counter()
            status, world = client.call("POST", "/_mock/worlds", {"name": f"bench {index}"})
            times.append((time.perf_counter() - started) * 1000)
            if status != 201:
                raise BenchError(f"{name}: POST /_mock/worlds answered {status}: {world}")
            account = next(a for a in world["accounts"] if a["role"] == "primary")
            auth = (account["api_key"], account["api_secret"])
            country, msisdn = a_number_for_sale(client, auth)
            form = urlencode({"country": country, "msisdn": msisdn})
            bought, _ = client.call("POST", "/number/buy?" + form, auth=auth)
            if bought != 200:
                raise BenchError(
                    f"{name}: buying {msisdn} in world {world['id']} answered {bought}"
                )
        after = rss_mb(server)
        status, listing = client.call("GET", "/_mock/worlds")
        if status != 200 or len(listing["worlds"]) != worlds + 1:
            raise BenchError(f"{name}: expected {worlds + 1} worlds, got {listing}")
        base_owned = listing["worlds"][0]["owned"]
        if any(w["owned"] != base_owned + 1 for w in listing["worlds"][1:]):
            raise BenchError(f"{name}: a world does not own exactly one number more than the base")
        return {
            "state": name,
            "start_s": ready,
            "rss_base_mb": before,
            "rss_after_mb": after,
            "first_mb": first - before,
            "per_world_mb": (after - first) / (worlds - 1),
            "create_p50_ms": median(times),
            "create_max_ms": max(times),
            "worlds": worlds,
        }
    finally:
        server.stop()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worlds", type=int, default=10, help="worlds made per state (2+)")
    parser.add_argument(
        "--available", type=int, default=10_000_000, help="numbers for sale in the big state"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        source = mock_source(ROOT)
        with servers_stopped_on_exit(), tempfile.TemporaryDirectory(prefix="bench-worlds-") as tmp:
            workdir = Path(tmp)
            big = Pool.build("big", args.available)
            big_file = workdir / "big.json"
            big.write(big_file)
            unowned = Pool.build("unowned", args.available)
            unowned.owned, unowned.owned_count = [], 0
            unowned_file = workdir / "unowned.json"
            unowned.write(unowned_file)
            rows = [
                measure("default fixtures", DEFAULT_FIXTURES, args.worlds, workdir),
                measure(
                    f"{big.available:,} for sale, {big.owned_count:,} owned",
                    big_file,
                    args.worlds,
                    workdir,
                ),
                measure(
                    f"{big.available + big.owned_count:,} for sale, none owned",
                    unowned_file,
                    args.worlds,
                    workdir,
                ),
            ]
    except BenchError as error:
        say(f"bench/worlds.py: {error}")
        return 1
    columns = [
        Column("state", 34, "<"),
        Column("RSS, base only", 14),
        Column(f"RSS with {args.worlds} worlds", 18),
        Column("first world", 11),
        Column("each after", 10),
        Column("make one (p50 / max)", 22),
    ]
    print(
        f"bench/worlds.py on {source}: {args.worlds} worlds per state, one number bought in each\n"
    )
    print(
        table(
            columns,
            [
                [
                    row["state"],
                    f"{row['rss_base_mb']:.0f} MB",
                    f"{row['rss_after_mb']:.0f} MB",
                    f"{row['first_mb']:.1f} MB",
                    f"{row['per_world_mb']:.1f} MB",
                    f"{row['create_p50_ms']:.1f} / {row['create_max_ms']:.1f} ms",
                ]
                for row in rows
            ],
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
