"""Portfolio streams: decoding 100,000 fill frames against a raw floor; a stalled consumer's memory.

Decoding. A server process sends `--frames` fill frames (the AsyncAPI example, a fresh trade_id
each, written in bulk so that the server is never the bottleneck) on every fill subscription.
Floor: aiohttp's ws_connect with the same signed handshake, one subscribe command, then
``receive()`` + ``json.loads`` per frame, nothing else (text frames, as json.loads parses str
faster than bytes; the stream reads them the same way). Ours:
``AsyncClient.stream(["fill"])`` iterated until every frame arrived as a typed StreamMessage
(the reader task, routing by sid, the generated Fill model, the event buffer, ``async for``),
once with the default json.loads and once with ``ws_json_loads=orjson.loads``. Rounds alternate
the sides; each verdict judges the median of the per-round ratios (see bench._common) of the
client process's CPU time: on a shared machine a side's wall time also measures whatever else
ran, while its CPU time is what decoding costs. Wall times and their ratios are printed too.

Memory. A consumer opens a stream and reads nothing until the server has sent `--frames`
frames, then drains it: the traced peak (tracemalloc) must stay bounded, and what was delivered
plus what MessagesLost reports must add up to every frame sent.

Latency (from a crossing order's REST reply to its fill event) is bench/bench_stream_latency.py.

Run: PYTHONPATH=. python bench/bench_stream.py [--frames 100000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import orjson

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
from bench._ws_server import running_ws_server
from kalshi_ext import AsyncClient, KalshiConfig, MessagesLost, StreamMessage
from kalshi_ext.stream import DEFAULT_MAX_BUFFERED

TARGET_RATIO = 1.5
MEMORY_BOUND_MB = 64.0
WS_PATH = "/trade-api/ws/v2"


class Clocks:
    """A round's CPU time (the client process's: the server runs in its own) and wall time."""

    def __init__(self) -> None:
        self.wall: dict[str, list[float]] = {}

    def timed(
        self, name: str, side: Callable[[], Awaitable[None]]
    ) -> Callable[[], Awaitable[float]]:
        async def run() -> float:
            cpu, wall = time.process_time(), time.perf_counter()
            await side()
            self.wall.setdefault(name, []).append(time.perf_counter() - wall)
            return time.process_time() - cpu

        return run


async def floor_round(ws_url: str, pem: bytes, frames: int, loads: Callable[[Any], Any]) -> None:
    auth = floor_auth(pem)
    async with aiohttp.ClientSession() as session:
        headers = auth.sign_headers("GET", WS_PATH)
        async with session.ws_connect(
            ws_url, headers=headers, decode_text=True, max_msg_size=0
        ) as ws:
            await ws.send_str(
                json.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"]}})
            )
            seen = 0
            while seen < frames:
                message = await ws.receive()
                if loads(message.data)["type"] == "fill":
                    seen += 1


async def ours_round(client: AsyncClient, frames: int) -> None:
    async with client.stream(["fill"], max_buffered=frames + 1) as stream:
        seen = 0
        async for event in stream:
            if isinstance(event, StreamMessage):
                seen += 1
                if seen == frames:
                    break
            else:
                raise AssertionError(f"unexpected event {event!r}")


async def decoding(ws_url: str, base_url: str, frames: int, rounds: int) -> int:
    pem = rsa_pem()
    config = KalshiConfig(base_url=base_url, ws_base_url=ws_url)
    plain = AsyncClient(key_id=KEY_ID, private_key=pem, config=config)
    fast = AsyncClient(
        key_id=KEY_ID,
        private_key=pem,
        config=KalshiConfig(base_url=base_url, ws_base_url=ws_url, ws_json_loads=orjson.loads),
    )
    clocks = Clocks()
    sides = {
        name: clocks.timed(name, side)
        for name, side in {
            "floor: receive + json.loads": lambda: floor_round(ws_url, pem, frames, json.loads),
            "ours: stream, json.loads": lambda: ours_round(plain, frames),
            "ours: stream, orjson.loads": lambda: ours_round(fast, frames),
        }.items()
    }
    try:
        await ours_round(plain, min(frames, 5000))  # warm-up: imports, first connection
        results = await interleaved_async(rounds, sides)
    finally:
        await plain.close()
        await fast.close()
    floor = results["floor: receive + json.loads"]
    floor_wall = clocks.wall["floor: receive + json.loads"]
    rows = []
    for name, values in results.items():
        cpu, wall = median(values), median(clocks.wall[name])
        rows.append(
            [
                name,
                f"{cpu / frames * 1e6:.2f}",
                f"{median(paired_ratios(values, floor)):.2f}",
                f"{wall:.2f}",
                f"{frames / wall:,.0f}",
                f"{median(paired_ratios(clocks.wall[name], floor_wall)):.2f}",
            ]
        )
    print_table(
        f"decoding {frames:,} fill frames, median of {rounds} rounds (CPU: the client process)",
        ["side", "CPU µs/frame", "CPU ratio", "wall s", "frames/s", "wall ratio"],
        rows,
    )
    plain_ratio = median(paired_ratios(results["ours: stream, json.loads"], floor))
    fast_ratio = median(paired_ratios(results["ours: stream, orjson.loads"], floor))
    print(f"  ratio ours/floor (CPU): json.loads {plain_ratio:.2f}, orjson.loads {fast_ratio:.2f}")
    return verdict(
        "bench_stream decoding",
        [
            (
                f"stream with json.loads <= {TARGET_RATIO}x the floor ({plain_ratio:.2f}x)",
                plain_ratio <= TARGET_RATIO,
            ),
            (
                f"stream with orjson.loads faster than the json.loads floor ({fast_ratio:.2f}x)",
                fast_ratio < 1.0,
            ),
        ],
    )


async def stalled_consumer(
    ws_url: str, base_url: str, frames: int, max_buffered: int = DEFAULT_MAX_BUFFERED
) -> tuple[float, int, int, int]:
    """(peak MB, messages delivered, messages reported lost, max_buffered)."""
    config = KalshiConfig(base_url=base_url, ws_base_url=ws_url)
    async with AsyncClient(key_id=KEY_ID, private_key=rsa_pem(), config=config) as client:
        tracemalloc.start()
        try:
            async with client.stream(["fill"], max_buffered=max_buffered) as stream:
                while stream.stats.peak_buffered + stream.stats.lost < frames:
                    await asyncio.sleep(0.05)  # the consumer reads nothing meanwhile
                peak = tracemalloc.get_traced_memory()[1]
                delivered = lost = 0
                async for event in stream:
                    if isinstance(event, StreamMessage):
                        delivered += 1
                    elif isinstance(event, MessagesLost):
                        lost += event.count
                    if delivered + lost >= frames:
                        break
                bound = stream.stats.max_buffered
        finally:
            tracemalloc.stop()
    return peak / 2**20, delivered, lost, bound


async def memory(ws_url: str, base_url: str, frames: int) -> int:
    peak_mb, delivered, lost, bound = await stalled_consumer(ws_url, base_url, frames)
    print(
        f"stalled consumer: {frames:,} frames sent while it read nothing (max_buffered={bound:,})"
    )
    print(f"  memory peak {peak_mb:.1f} MB traced; delivered {delivered:,}, reported lost {lost:,}")
    return verdict(
        "bench_stream memory",
        [
            (
                f"peak bounded: {peak_mb:.1f} MB <= {MEMORY_BOUND_MB:.0f} MB",
                peak_mb <= MEMORY_BOUND_MB,
            ),
            (
                f"nothing lost silently: delivered + reported lost == {frames:,}",
                delivered + lost == frames and delivered == bound,
            ),
        ],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--frames", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with running_ws_server(args.frames) as (ws_url, base_url):
        speed = asyncio.run(decoding(ws_url, base_url, args.frames, args.rounds))
        memory_code = asyncio.run(memory(ws_url, base_url, args.frames))
    return max(speed, memory_code)


if __name__ == "__main__":
    sys.exit(main())
