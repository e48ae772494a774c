"""The stream benchmarks still run: every side of bench_stream reads its frames, the stalled
consumer's loss adds up, and the latency bench sees each order's fill. No timing is asserted."""

from __future__ import annotations

import json

import orjson

from bench._common import KEY_ID, rsa_pem
from bench._ws_server import running_ws_server
from bench.bench_stream import floor_round, ours_round, stalled_consumer
from bench.bench_stream_latency import measure
from kalshi_ext import AsyncClient, KalshiConfig
from kalshi_ext.testing import LocalExchange

FRAMES = 300


async def test_every_decoding_side_reads_every_frame() -> None:
    with running_ws_server(FRAMES) as (ws_url, base_url):
        pem = rsa_pem()
        await floor_round(ws_url, pem, FRAMES, json.loads)
        for loads in (None, orjson.loads):
            config = KalshiConfig(base_url=base_url, ws_base_url=ws_url, ws_json_loads=loads)
            async with AsyncClient(key_id=KEY_ID, private_key=pem, config=config) as client:
                await ours_round(client, FRAMES)  # raises on any event but a fill message


async def test_the_stalled_consumer_gets_a_prefix_and_the_count_of_the_rest() -> None:
    with running_ws_server(FRAMES) as (ws_url, base_url):
        _, delivered, lost, bound = await stalled_consumer(ws_url, base_url, FRAMES, 100)
    assert (delivered, lost, bound) == (100, FRAMES - 100, 100)


async def test_the_latency_bench_sees_each_fill() -> None:
    async with LocalExchange() as ex:
        assert len(await measure(ex, 5)) == 5
