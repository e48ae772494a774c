"""Signed GET /portfolio/balance with 100 in flight: AsyncClient against an httpx.AsyncClient floor.

Floor: httpx.AsyncClient with its default transport (httpcore's pool), KalshiAuth.sign_headers()
called inline on the event loop, and json.loads of the body. Ours: AsyncClient.get_balance(),
which signs in its two-thread pool and sends over aiohttp. Each round is N calls made by 100
workers; rounds alternate the two sides (A B, B A, ...) on one event loop, and each side's
connections stay open across rounds (one untimed warm-up round first).

Run: PYTHONPATH=. python bench/bench_async.py [--calls 1000] [--in-flight 100] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable

import httpx

from bench._common import (
    KEY_ID,
    floor_auth,
    interleaved_async,
    median,
    paired_ratios,
    print_table,
    rsa_pem,
    verdict,
)
from bench._server import BALANCE, BALANCE_PATH, BASE_PATH, running_server, server_description
from kalshi_ext import AsyncClient, KalshiConfig

TARGET_SPEEDUP = 5.0


def requests_per_second(
    calls: int, in_flight: int, call: Callable[[], Awaitable[int]]
) -> Callable[[], Awaitable[float]]:
    """A timed round: `in_flight` workers share `calls` calls; every call must read the balance."""

    async def run() -> float:
        left = calls

        async def worker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                balance = await call()
                if balance != BALANCE["balance"]:
                    raise RuntimeError(f"read balance {balance}, expected {BALANCE['balance']}")

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(in_flight)))
        return calls / (time.perf_counter() - start)

    return run


async def measure(
    base_url: str, pem: bytes, calls: int, in_flight: int, rounds: int
) -> dict[str, list[float]]:
    auth = floor_auth(pem)
    signed_path = BASE_PATH + BALANCE_PATH
    async with (
        httpx.AsyncClient(base_url=base_url) as http,
        AsyncClient(key_id=KEY_ID, private_key=pem, config=KalshiConfig(base_url=base_url)) as ours,
    ):

        async def floor_call() -> int:
            response = await http.get(BALANCE_PATH, headers=auth.sign_headers("GET", signed_path))
            if response.status_code != 200:
                raise RuntimeError(f"floor: HTTP {response.status_code}")
            balance: int = json.loads(response.content)["balance"]
            return balance

        async def ours_call() -> int:
            return (await ours.get_balance()).balance

        sides = {
            "floor": requests_per_second(calls, in_flight, floor_call),
            "ours": requests_per_second(calls, in_flight, ours_call),
        }
        warm_up = max(in_flight, calls // 5)
        await requests_per_second(warm_up, in_flight, floor_call)()
        await requests_per_second(warm_up, in_flight, ours_call)()
        return await interleaved_async(rounds, sides)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=1000, help="calls per side per round")
    parser.add_argument("--in-flight", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    pem = rsa_pem()
    with running_server() as base_url:
        rates = asyncio.run(measure(base_url, pem, args.calls, args.in_flight, args.rounds))

    floor_rps, ours_rps = median(rates["floor"]), median(rates["ours"])
    speedup = ours_rps / floor_rps
    paired = median(paired_ratios(rates["ours"], rates["floor"]))
    print_table(
        f"bench_async: signed GET {BALANCE_PATH}, {args.calls} calls with {args.in_flight} in "
        f"flight x {args.rounds} rounds, interleaved (requests/s)",
        ["side", "median", "min", "max"],
        [
            [label, f"{median(rates[key]):.0f}", f"{min(rates[key]):.0f}", f"{max(rates[key]):.0f}"]
            for key, label in (
                ("floor", "floor: httpx.AsyncClient + inline sign_headers + json.loads"),
                ("ours", "ours: AsyncClient.get_balance()"),
            )
        ],
    )
    print(f"  server: {server_description()}")
    print(f"  ratio ours/floor: per-round median {paired:.2f}x   of medians {speedup:.2f}x")
    return verdict(
        "bench_async",
        [
            (
                f"ours/floor {paired:.2f}x >= {TARGET_SPEEDUP:g}x (per-round median)",
                paired >= TARGET_SPEEDUP,
            )
        ],
    )


if __name__ == "__main__":
    sys.exit(main())
