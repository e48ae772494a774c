"""Latency on the local exchange: from a crossing order's REST reply to its fill on the stream.

An AsyncClient streams `fill` from a LocalExchange while it places `--orders` orders one after
the other, each a one-contract bid at 0.99 that crosses an ask added just before it (so the
book never runs dry). For each order: the time from create_order() returning to the consumer's
`async for` receiving the fill whose order_id is the order's. The exchange sends the frame when
the engine fills the order, before its REST reply is written, so a negative figure means the
event was already in the consumer's hands when the reply arrived. The exchange runs in this
process (a server thread), as the tests use it. Reported, no target: median and p99.

Run: PYTHONPATH=. python bench/bench_stream_latency.py [--orders 300]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time

from bench._common import print_table
from kalshi_ext import StreamMessage
from kalshi_ext.testing import LocalExchange

TICKER = "KXDEMO-26DEC31-T50"


async def measure(ex: LocalExchange, orders: int) -> list[float]:
    arrived: dict[str, float] = {}
    waiting: dict[str, asyncio.Event] = {}

    async with ex.async_client() as client, client.stream(["fill"]) as stream:

        async def consume() -> None:
            async for event in stream:
                if isinstance(event, StreamMessage):
                    order_id = event.msg.order_id
                    arrived.setdefault(order_id, time.perf_counter())
                    waiting.setdefault(order_id, asyncio.Event()).set()

        consumer = asyncio.ensure_future(consume())
        latencies = []
        try:
            for _ in range(orders):
                ex.add_other_order(TICKER, "ask", 50, 1)
                placed = await client.create_order(ticker=TICKER, side="bid", count=1, price="0.99")
                replied = time.perf_counter()
                await asyncio.wait_for(
                    waiting.setdefault(placed.order_id, asyncio.Event()).wait(), 10
                )
                latencies.append(arrived[placed.order_id] - replied)
        finally:
            consumer.cancel()
    return latencies


def report(latencies: list[float]) -> None:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    print_table(
        f"REST reply of a crossing order -> its fill event, {len(latencies)} orders",
        ["", "median", "p99", "min", "max"],
        [
            [
                "ms",
                f"{statistics.median(latencies) * 1e3:.3f}",
                f"{p99 * 1e3:.3f}",
                f"{ordered[0] * 1e3:.3f}",
                f"{ordered[-1] * 1e3:.3f}",
            ]
        ],
    )
    early = sum(1 for value in latencies if value <= 0)
    print(f"  latency median {statistics.median(latencies) * 1e3:.3f} ms, p99 {p99 * 1e3:.3f} ms")
    print(f"  (the fill was already received when the REST reply returned for {early} orders)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--orders", type=int, default=300)
    args = parser.parse_args(argv)
    with LocalExchange(starting_balance_cents=100_000_000) as ex:
        latencies = asyncio.run(measure(ex, args.orders))
    report(latencies)
    return 0


if __name__ == "__main__":
    sys.exit(main())
