"""Signed GET /portfolio/balance: Client.get_balance() against a raw httpx floor, per call.

Floor: one httpx.Client (same keep-alive), one KalshiAuth.sign_headers() call and json.loads of
the body per request. Ours: Client.get_balance(), which adds the operation table, the retry loop,
the auth flow and the GetBalanceResponse model. Rounds alternate the two sides (A B, B A, ...);
the figures are medians over rounds of the mean time per call within a round.

Run: PYTHONPATH=. python bench/bench_balance.py [--calls 2000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable

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
from bench._server import BALANCE, BALANCE_PATH, BASE_PATH, running_server, server_description
from kalshi_ext import Client, KalshiConfig

TARGET_RATIO = 1.15


def per_call_us(calls: int, call: Callable[[], object]) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        for _ in range(calls):
            call()
        return (time.perf_counter() - start) / calls * 1e6

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=2000, help="calls per side per round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=200, help="untimed calls per side first")
    args = parser.parse_args(argv)

    pem = rsa_pem()
    with running_server() as base_url:
        client = Client(key_id=KEY_ID, private_key=pem, config=KalshiConfig(base_url=base_url))
        auth = floor_auth(pem)
        http = httpx.Client(base_url=base_url)
        signed_path = BASE_PATH + BALANCE_PATH

        def floor_call() -> object:
            response = http.get(BALANCE_PATH, headers=auth.sign_headers("GET", signed_path))
            if response.status_code != 200:
                raise RuntimeError(f"floor: HTTP {response.status_code}")
            return json.loads(response.content)

        def ours_call() -> object:
            return client.get_balance()

        # Both sides must get the real answer, or the comparison means nothing.
        if floor_call() != BALANCE or client.get_balance().to_dict() != BALANCE:
            raise RuntimeError("a side did not read the expected balance")
        for _ in range(args.warmup):
            floor_call()
            ours_call()

        times = interleaved(
            args.rounds,
            {
                "floor": per_call_us(args.calls, floor_call),
                "ours": per_call_us(args.calls, ours_call),
            },
        )
        client.close()
        http.close()

    floor_us, ours_us = median(times["floor"]), median(times["ours"])
    ratio = ours_us / floor_us
    paired = median(paired_ratios(times["ours"], times["floor"]))
    print_table(
        f"bench_balance: signed GET {BALANCE_PATH}, {args.calls} calls x {args.rounds} rounds, "
        "interleaved (µs per call)",
        ["side", "median", "min", "max"],
        [
            [
                label,
                f"{median(times[key]):.1f}",
                f"{min(times[key]):.1f}",
                f"{max(times[key]):.1f}",
            ]
            for key, label in (
                ("floor", "floor: httpx.Client + sign_headers + json.loads"),
                ("ours", "ours: Client.get_balance()"),
            )
        ],
    )
    print(f"  server: {server_description()}")
    print(f"  ratio ours/floor: per-round median {paired:.3f}   of medians {ratio:.3f}")
    return verdict(
        "bench_balance",
        [(f"ours/floor {paired:.3f} <= {TARGET_RATIO} (per-round median)", paired <= TARGET_RATIO)],
    )


if __name__ == "__main__":
    sys.exit(main())
