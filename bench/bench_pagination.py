"""100,000 fills over 1,000-item pages: Client.iter_fills() against a raw httpx + json.loads floor.

Floor: one httpx.Client, one sign_headers() call per page, json.loads of each page and a loop
over its fills, following the cursor until it is empty. Ours: `for fill in
client.iter_fills(page_size=1000)`, which also builds a Fill model per item (with kalshi_ext's
compiled decoders). A third side, the floor plus the generated GetFillsResponse.from_dict per
page, shows what the same models cost when built by the generated code. Every side checks that it
saw every fill, in order. Rounds alternate the sides (A B C, C B A, ...); times are medians.

Memory is measured in separate, untimed passes (tracemalloc slows allocation): the tracemalloc
peak of Python allocations made during one full iteration, which is the target figure, and,
for reference, the growth of the process's RSS high-water mark over ours' first full pass.

Run: PYTHONPATH=. python bench/bench_pagination.py [--rounds 5] [--ours-json json|orjson]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import httpx

from bench._common import (
    KEY_ID,
    floor_auth,
    interleaved,
    median,
    paired_ratios,
    print_table,
    rsa_pem,
    verdict,
)
from bench._server import (
    BASE_PATH,
    FILLS_PATH,
    fill_template,
    make_fill,
    running_server,
    server_description,
)
from kalshi_ext import Client, KalshiConfig
from kalshi_generated.models import GetFillsResponse

TOTAL_FILLS = 100_000
PAGE_SIZE = 1000
TARGET_RATIO = 1.25
TARGET_PEAK_MB = 30.0
MB = 1024 * 1024

JsonLoads = Callable[[bytes], Any]


def loads_named(name: str) -> JsonLoads:
    if name == "orjson":
        import orjson

        return orjson.loads
    return json.loads


class Walk:
    """Full iterations over the fills, one method per side; each checks what it saw."""

    def __init__(
        self, base_url: str, pem: bytes, ours_loads: JsonLoads, total: int = TOTAL_FILLS
    ) -> None:
        config = KalshiConfig(base_url=base_url, rest_json_loads=ours_loads)
        self.client = Client(key_id=KEY_ID, private_key=pem, config=config)
        self.http = httpx.Client(base_url=base_url)
        self.auth = floor_auth(pem)
        self.total = total
        self.last_fill_id = make_fill(fill_template(), total - 1)["fill_id"]

    def ours(self) -> None:
        count, last = 0, None
        for fill in self.client.iter_fills(page_size=PAGE_SIZE):
            count += 1
            last = fill
        self._check("ours", count, last.fill_id if last is not None else None)

    def floor(self, loads: JsonLoads) -> None:
        count, last, cursor = 0, None, ""
        while True:
            page = loads(self.fetch(cursor))
            for fill in page["fills"]:
                count += 1
                last = fill
            cursor = page["cursor"]
            if not cursor:
                break
        self._check("floor", count, last["fill_id"] if last is not None else None)

    def floor_with_models(self, loads: JsonLoads) -> None:
        count, last, cursor = 0, None, ""
        while True:
            page = GetFillsResponse.from_dict(loads(self.fetch(cursor)))
            for fill in page.fills:
                count += 1
                last = fill
            cursor = page.cursor
            if not cursor:
                break
        self._check("floor+models", count, last.fill_id if last is not None else None)

    def fetch(self, cursor: str) -> bytes:
        """One page's body, fetched signed as the floor does it."""
        params: dict[str, str | int] = {"limit": PAGE_SIZE}
        if cursor:
            params["cursor"] = cursor
        headers = self.auth.sign_headers("GET", BASE_PATH + FILLS_PATH)
        response = self.http.get(FILLS_PATH, params=params, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"floor: HTTP {response.status_code}")
        return response.content

    def _check(self, side: str, count: int, last_fill_id: str | None) -> None:
        if count != self.total or last_fill_id != self.last_fill_id:
            raise RuntimeError(f"{side} saw {count} fills ending at {last_fill_id!r}")

    def close(self) -> None:
        self.client.close()
        self.http.close()


def seconds(walk: Callable[[], None]) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        walk()
        return time.perf_counter() - start

    return run


def tracemalloc_peak_mb(walk: Callable[[], None]) -> float:
    tracemalloc.start()
    try:
        walk()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / MB


def rss_high_water_growth_mb(walk: Callable[[], None]) -> float:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    walk()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024


def loads_seconds(walk: Walk, loads: JsonLoads, repeats: int = 3) -> float:
    """Median time to parse every page, without the network (bodies fetched once)."""
    bodies, cursor = [], ""
    while True:
        bodies.append(walk.fetch(cursor))
        cursor = json.loads(bodies[-1])["cursor"]
        if not cursor:
            break

    def parse_all() -> None:
        for body in bodies:
            loads(body)

    return median([seconds(parse_all)() for _ in range(repeats)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument(
        "--ours-json",
        choices=["json", "orjson"],
        default="json",
        help="KalshiConfig.rest_json_loads for our client; the floor runs json.loads (the "
        "target's floor) and, with orjson, an orjson.loads floor too",
    )
    args = parser.parse_args(argv)

    pem = rsa_pem()
    ours_loads = loads_named(args.ours_json)
    with running_server(total_fills=TOTAL_FILLS, page_size=PAGE_SIZE) as base_url:
        walk = Walk(base_url, pem, ours_loads)
        # Warm up on one page each (connections, imports, the operation table); then memory
        # first, so that the RSS high-water mark is not already raised by full passes.
        next(iter(walk.client.iter_fills(page_size=PAGE_SIZE)))
        walk.fetch("")
        ours_rss = rss_high_water_growth_mb(walk.ours)
        ours_peak = tracemalloc_peak_mb(walk.ours)
        floor_peak = tracemalloc_peak_mb(lambda: walk.floor(json.loads))

        sides: dict[str, Callable[[], float]] = {"floor": seconds(lambda: walk.floor(json.loads))}
        if args.ours_json != "json":
            sides["floor_ours_loads"] = seconds(lambda: walk.floor(ours_loads))
        sides["floor_models"] = seconds(lambda: walk.floor_with_models(ours_loads))
        sides["ours"] = seconds(walk.ours)
        times = interleaved(args.rounds, sides)
        parse_floor = loads_seconds(walk, json.loads)
        walk.close()

    loads_name = f"{args.ours_json}.loads"
    labels = {
        "floor": "floor: httpx.Client + sign_headers + json.loads",
        "floor_ours_loads": f"floor: httpx.Client + sign_headers + {loads_name}",
        "floor_models": f"floor + {loads_name} + GetFillsResponse.from_dict",
        "ours": f"ours: Client.iter_fills(page_size=1000), {loads_name}",
    }
    print_table(
        f"bench_pagination: {TOTAL_FILLS:,} fills in {PAGE_SIZE:,}-item pages, "
        f"{args.rounds} rounds, interleaved (seconds per full iteration)",
        ["side", "median", "min", "max"],
        [
            [labels[key], f"{median(v):.3f}", f"{min(v):.3f}", f"{max(v):.3f}"]
            for key, v in times.items()
        ],
    )
    floor_s, ours_s = median(times["floor"]), median(times["ours"])
    ratio = ours_s / floor_s
    paired = median(paired_ratios(times["ours"], times["floor"]))
    print(f"  server: {server_description()}")
    print(
        f"  ratio ours/floor (json.loads floor): per-round median {paired:.3f}   "
        f"of medians {ratio:.3f}"
    )
    same_loads_floor = times.get("floor_ours_loads", times["floor"])
    if args.ours_json != "json":
        print(f"  ratio ours/floor ({loads_name} floor): {ours_s / median(same_loads_floor):.3f}")
    # Differences taken round by round (the sides of a round ran back to back), then the median.
    generated = median(
        [a - b for a, b in zip(times["floor_models"], same_loads_floor, strict=True)]
    )
    ours_extra = median([a - b for a, b in zip(times["ours"], same_loads_floor, strict=True)])
    print(
        f"  where the time goes (s): HTTP+signing+loop {floor_s - parse_floor:.3f}, json.loads "
        f"{parse_floor:.3f} (floor); ours adds {ours_extra:+.3f} (100k Fill models and the "
        f"iterator), where the generated from_dict alone adds {generated:+.3f} "
        "(median per-round differences)"
    )
    print(
        f"  memory: tracemalloc peak during one iteration: ours {ours_peak:.1f} MB, "
        f"floor {floor_peak:.1f} MB; ours' RSS high-water growth: {ours_rss:.1f} MB"
    )
    return verdict(
        "bench_pagination",
        [
            (
                f"time ours/floor {paired:.3f} <= {TARGET_RATIO} (per-round median)",
                paired <= TARGET_RATIO,
            ),
            (
                f"tracemalloc peak {ours_peak:.1f} MB < {TARGET_PEAK_MB:g} MB",
                ours_peak < TARGET_PEAK_MB,
            ),
        ],
    )


if __name__ == "__main__":
    sys.exit(main())
