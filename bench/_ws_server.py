"""A minimal Kalshi-shaped WebSocket server for the stream benchmarks (aiohttp.web, loopback).

It answers ``subscribe`` with ``subscribed`` (one sid per channel) and then, on the ``fill``
subscription, sends ``count`` copies of a fill frame as fast as the socket takes them, each with
its own trade_id. It checks that the three KALSHI-ACCESS-* headers are present (the signature
itself is the local exchange's business). The frames are built once at start-up, so the server
spends its time writing, not encoding. It runs in its own process, off the client's GIL.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

from aiohttp import WSMsgType, web

FILL_MSG: dict[str, Any] = {
    "trade_id": "d91bc706-ee49-470d-82d8-11418bda6fed",
    "order_id": "ee587a1c-8b87-4dcf-b721-9f6f790619fa",
    "market_ticker": "HIGHNY-22DEC23-B53.5",
    "exchange_index": 0,
    "is_taker": True,
    "side": "yes",
    "yes_price_dollars": "0.7500",
    "count_fp": "278.00",
    "fee_cost": "0.010000",
    "action": "buy",
    "ts": 1671899397,
    "ts_ms": 1671899397000,
    "post_position_fp": "500.00",
    "purchased_side": "yes",
    "outcome_side": "yes",
    "book_side": "bid",
    "client_order_id": "bench-0001",
}


def fill_frames(count: int, sid: int = 1) -> list[str]:
    """`count` distinct fill frames (the AsyncAPI example with a fresh trade_id each)."""
    frames = []
    for n in range(count):
        msg = {**FILL_MSG, "trade_id": str(uuid.UUID(int=n + 1, version=4))}
        frames.append(json.dumps({"type": "fill", "sid": sid, "msg": msg}))
    return frames


def _encoded(frames: list[str]) -> bytes:
    """The frames as one run of unmasked WebSocket text frames (RFC 6455 5.2), ready to write."""
    out = bytearray()
    for frame in frames:
        payload = frame.encode()
        size = len(payload)
        if size < 126:
            out += bytes((0x81, size))
        elif size < 65536:
            out += bytes((0x81, 126)) + size.to_bytes(2, "big")
        else:
            out += bytes((0x81, 127)) + size.to_bytes(8, "big")
        out += payload
    return bytes(out)


_CHUNK = 256 * 1024


def _serve(count: int, ready: Connection) -> None:
    # Written straight to the transport in large chunks: the server must not be the bottleneck
    # (one send_str per frame costs it more than the client spends reading the frame).
    blob = _encoded(fill_frames(count))

    async def handle(request: web.Request) -> web.WebSocketResponse:
        for name in ("KALSHI-ACCESS-KEY", "KALSHI-ACCESS-SIGNATURE", "KALSHI-ACCESS-TIMESTAMP"):
            if name not in request.headers:
                raise web.HTTPUnauthorized()
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        sid = 0
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                break
            command = json.loads(message.data)
            if command.get("cmd") != "subscribe":
                continue
            for channel in command["params"]["channels"]:
                sid += 1
                reply = {
                    "id": command["id"],
                    "type": "subscribed",
                    "msg": {"channel": channel, "sid": sid},
                }
                await ws.send_str(json.dumps(reply))
                if channel == "fill":
                    transport = request.transport
                    assert transport is not None
                    for start in range(0, len(blob), _CHUNK):
                        if transport.is_closing():
                            break  # the client has what it wanted
                        transport.write(blob[start : start + _CHUNK])
                        while transport.get_write_buffer_size() > 4 * _CHUNK:
                            await asyncio.sleep(0.001)  # let the client catch up
        return ws

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/trade-api/ws/v2", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        site = web.SockSite(runner, sock)
        await site.start()
        ready.send(sock.getsockname()[1])
        await asyncio.Event().wait()

    asyncio.run(main())


@contextmanager
def running_ws_server(count: int) -> Iterator[tuple[str, str]]:
    """A server process that sends `count` fill frames per fill subscription; (ws_url, base_url)."""
    receiver, sender = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(count, sender), daemon=True
    )
    process.start()
    try:
        if not receiver.poll(60):
            raise RuntimeError("the benchmark WebSocket server did not start")
        port = receiver.recv()
        yield f"ws://127.0.0.1:{port}/trade-api/ws/v2", f"http://127.0.0.1:{port}/trade-api/v2"
    finally:
        process.terminate()
        process.join(10)
