"""The fill feed: recovery after a 1-second outage with 1,000 fills; steady-state throughput.

Recovery. A LocalExchange (in this process) and ``AsyncClient.watch_fills()`` with its default
settings (overlap 5 s, REST lag 1 s, reconcile every 60 s). The account rests one large bid; the
feed's connection is cut (``drop``) and every handshake refused for one second (``refuse``),
during which other traders' asks fill the bid 1,000 times, one fill each. Reported: the time
from the reconnect (the exchange accepting the new connection) to the consumer holding the last
of the 1,000 missed fills; the REST requests (``GET /portfolio/fills`` pages) that took; and
how many fills those pages re-read that were delivered before the outage (the overlap).
Targets: every missed fill delivered exactly once; one page walk (the pages of one backfill).

Throughput. The stream benchmark's server (bench/_ws_server.py, its own process) sends
``--frames`` fill frames on a fill subscription as fast as the socket takes them. Floor: the bare
``AsyncClient.stream(["fill"])`` iterated until every frame arrived as a StreamMessage. Ours:
``AsyncClient.watch_fills()`` over the same server until every fill arrived as a REST ``Fill``
(classification, conversion, de-duplication by id; the REST side is a LocalExchange with an
empty account, so its one initial backfill is one empty page). Rounds alternate the sides; the
verdict judges the median of the per-round ratios of the client process's CPU time (the server
runs elsewhere), as bench_stream does. Target: ours <= 1.2x the bare stream.

Run: PYTHONPATH=. python bench/bench_feed.py [--fills 1000] [--frames 50000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection

from bench import _ws_server
from bench._common import interleaved_async, median, paired_ratios, print_table, verdict
from kalshi_ext import AsyncClient, KalshiConfig, MessagesLost, StreamMessage
from kalshi_ext.testing import LocalExchange

TICKER = "KXDEMO-26DEC31-T50"
TARGET_RATIO = 1.2
SIDE_TIMEOUT_S = 300.0
OUTAGE_S = 1.0


# ---- recovery -----------------------------------------------------------------------------


async def recovery(fills: int) -> tuple[list[tuple[str, str]], list[tuple[str, bool]]]:
    with LocalExchange() as ex:
        config = {"retry_base_delay": 0.02, "retry_max_delay": 0.05, "ws_max_retries": 1000}
        async with ex.async_client(**config) as client:
            order = await client.create_order(
                ticker=TICKER, side="bid", count=fills + 10, price="0.50"
            )
            feed = client.watch_fills()
            got: list[str] = []
            arrived: dict[str, float] = {}

            async def consume() -> None:
                async for fill in feed:
                    got.append(fill.fill_id)
                    arrived[fill.fill_id] = time.time()

            consumer = asyncio.create_task(consume())
            ex.add_other_order(TICKER, "ask", 50, 1)  # delivered before the outage
            while len(got) < 1:
                await asyncio.sleep(0.001)
            # Past the start's REST-lag follow-up (1 s): the stream alone is delivering now.
            await asyncio.sleep(1.5)
            before = set(got)

            connections = ex.ws_connection_count
            rereads = feed.rereads
            ex.inject_ws_fault(kind="refuse", times=10_000, status=503)
            ex.inject_ws_fault(kind="drop")
            outage_start = time.time()
            for _ in range(fills):
                ex.add_other_order(TICKER, "ask", 50, 1)
            missed = [f.fill_id for f in ex.fills if f.fill_id not in before]
            await asyncio.sleep(max(0.0, OUTAGE_S - (time.time() - outage_start)))
            ex.clear_requests_log()
            ex.clear_ws_faults()  # handshakes succeed again
            deadline = time.time() + 60
            while not set(missed) <= set(got) and time.time() < deadline:
                await asyncio.sleep(0.001)
            assert ex.ws_connection_count > connections
            reconnected = feed.subscribed_at  # when the feed read the Reconnected event
            last_missed = max(arrived.get(f, float("inf")) for f in missed)
            pages = [r for r in ex.requests_log if r.path == "/portfolio/fills"]
            reread = feed.rereads - rereads  # listed again: delivered before the outage
            consumer.cancel()
            await asyncio.gather(consumer, return_exceptions=True)
            await client.cancel_order(order_id=order.order_id)
    exactly_once = sorted(got) == sorted([*before, *missed]) and len(got) == len(set(got))
    rows = [
        ("missed fills", str(len(missed))),
        ("outage (s)", f"{reconnected - outage_start:.2f}"),
        ("Reconnected read -> last missed fill (ms)", f"{(last_missed - reconnected) * 1000:.1f}"),
        ("GET /portfolio/fills pages", str(len(pages))),
        ("fills re-read from before the outage", str(reread)),
    ]
    checks = [
        (f"every one of the {len(missed)} missed fills delivered exactly once", exactly_once),
        (
            f"one page walk: {len(pages)} page(s) for {len(missed) + reread} fills at 1,000 a page",
            len(pages) == -(-(len(missed) + reread) // 1000),
        ),
    ]
    return rows, checks


# ---- throughput ---------------------------------------------------------------------------


def _serve_current_fills(count: int, ready: Connection) -> None:
    """bench/_ws_server's server with fills stamped now: the feed rightly drops stream fills
    older than what a backfill has vouched for, and the shared frame is from 2022."""
    now = time.time()
    _ws_server.FILL_MSG.update(ts=int(now), ts_ms=int(now * 1000))
    _ws_server._serve(count, ready)


@contextmanager
def running_feed_server(count: int) -> Iterator[str]:
    receiver, sender = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("spawn").Process(
        target=_serve_current_fills, args=(count, sender), daemon=True
    )
    process.start()
    try:
        if not receiver.poll(60):
            raise RuntimeError("the benchmark WebSocket server did not start")
        yield f"ws://127.0.0.1:{receiver.recv()}/trade-api/ws/v2"
    finally:
        process.terminate()
        process.join(10)


def cpu_timed(
    side: Callable[[], Awaitable[None]], wall: list[float]
) -> Callable[[], Awaitable[float]]:
    async def run() -> float:
        cpu, start = time.process_time(), time.perf_counter()
        # A side that cannot finish (frames lost where nothing can recover them) fails the run
        # instead of hanging it.
        await asyncio.wait_for(side(), SIDE_TIMEOUT_S)
        wall.append(time.perf_counter() - start)
        return time.process_time() - cpu

    return run


async def throughput(frames: int, rounds: int) -> tuple[list[list[str]], list[tuple[str, bool]]]:
    with LocalExchange() as ex, running_feed_server(frames) as ws_url:
        config = KalshiConfig(base_url=ex.base_url, ws_base_url=ws_url)
        async with AsyncClient(
            key_id=ex.key_id, private_key=ex.private_key_pem, config=config
        ) as client:

            async def bare() -> None:
                seen = 0
                async with client.stream(["fill"]) as stream:
                    async for event in stream:
                        if type(event) is StreamMessage:
                            seen += 1
                            if seen == frames:
                                return
                        elif isinstance(event, MessagesLost):  # would never reach `frames`
                            raise RuntimeError(
                                f"the bare stream dropped {event.count} frames for its slow "
                                "consumer (max_buffered): measure fewer --frames"
                            )

            async def feed() -> None:
                seen = 0
                fills = client.watch_fills(since=datetime.now(UTC) - timedelta(minutes=1))
                async for _ in fills:
                    seen += 1
                    if seen == frames:
                        break
                await fills.aclose()
                if fills.backfills != 1:
                    raise AssertionError(f"{fills.backfills} backfills in steady state")

            walls: dict[str, list[float]] = {"bare stream": [], "watch_fills": []}
            cpu = await interleaved_async(
                rounds,
                {
                    "bare stream": cpu_timed(bare, walls["bare stream"]),
                    "watch_fills": cpu_timed(feed, walls["watch_fills"]),
                },
            )
    ratios = paired_ratios(cpu["watch_fills"], cpu["bare stream"])
    rows = [
        [
            name,
            f"{median(cpu[name]):.3f}",
            f"{median(walls[name]):.3f}",
            f"{frames / median(walls[name]):,.0f}",
        ]
        for name in ("bare stream", "watch_fills")
    ]
    rows.append(["ratio (median of per-round)", f"{median(ratios):.2f}x", "", ""])
    checks = [
        (
            f"watch_fills CPU <= {TARGET_RATIO}x the bare stream's "
            f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)})",
            median(ratios) <= TARGET_RATIO,
        )
    ]
    return rows, checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fills", type=int, default=1000)
    parser.add_argument("--frames", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    rows, recovery_checks = asyncio.run(recovery(args.fills))
    print_table("Recovery after a 1 s outage", ["", "value"], [list(r) for r in rows])
    table, throughput_checks = asyncio.run(throughput(args.frames, args.rounds))
    print_table(
        f"Steady state, {args.frames:,} fill frames",
        ["side", "CPU s", "wall s", "fills/s (wall)"],
        table,
    )
    print(f"  ratio {table[-1][1]} (watch_fills / bare stream, CPU)")
    return verdict("bench_feed", [*recovery_checks, *throughput_checks])


if __name__ == "__main__":
    sys.exit(main())
