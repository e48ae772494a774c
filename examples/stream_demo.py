"""Stream demo: fills and order updates arriving on a live stream while orders are placed.

python examples/stream_demo.py                      # against a built-in local exchange
python examples/stream_demo.py --demo --ticker T    # against Kalshi's demo exchange, with
                                                    # KALSHI_KEY_ID and KALSHI_PRIVATE_KEY_PATH set

One task reads the stream (fill, user_orders, market_positions) and prints every event as it
arrives; the other places orders over REST. On the local exchange the connection is also cut
once, to show the stream reconnecting and saying so.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from kalshi_ext import (
    AsyncClient,
    AsyncStream,
    KalshiError,
    MessagesLost,
    Reconnected,
    StreamMessage,
)

if TYPE_CHECKING:
    from kalshi_ext.testing import LocalExchange

LOCAL_TICKER = "KXDEMO-26DEC31-T50"
STARTED = time.monotonic()


def say(who: str, text: str) -> None:
    print(f"{time.monotonic() - STARTED:7.3f}s  {who:<6} {text}", flush=True)


def describe(event: object) -> str:
    if isinstance(event, StreamMessage):
        msg = event.msg
        if event.channel == "fill":
            return (
                f"fill        order {msg.order_id[:8]}  {msg.count_fp} @ "
                f"{msg.yes_price_dollars}  trade_id {msg.trade_id[:8]}"
            )
        if event.channel == "user_orders":
            return (
                f"user_order  order {msg.order_id[:8]}  {msg.status:<9} filled "
                f"{msg.fill_count_fp} remaining {msg.remaining_count_fp}"
            )
        if event.channel == "market_positions":
            return f"position    {msg.market_ticker}  {msg.position_fp} contracts"
        return f"{event.channel}  {msg!r}"
    if isinstance(event, Reconnected):
        return (
            f"RECONNECTED after {event.down_for * 1000:.0f} ms ({event.reason}); "
            f"subscriptions restored: {[s.channel for s in event.subscriptions]}"
        )
    if isinstance(event, MessagesLost):
        return f"LOST {event.count} messages (consumer too slow)"
    return repr(event)


async def watch(stream: AsyncStream, seen: asyncio.Queue[object]) -> None:
    async for event in stream:
        say("stream", describe(event))
        await seen.put(event)


async def until(seen: asyncio.Queue[object], wanted: type, timeout: float = 10.0) -> None:
    """Wait until the stream printed an event of type `wanted`."""
    async with asyncio.timeout(timeout):
        while not isinstance(await seen.get(), wanted):
            pass


async def trade(
    client: AsyncClient, ticker: str, seen: asyncio.Queue[object], exchange: LocalExchange | None
) -> None:
    resting = await client.create_order(ticker=ticker, side="bid", count=3, price="0.05")
    say("rest", f"placed resting bid 3 @ $0.05 -> order {resting.order_id[:8]}")
    await asyncio.sleep(0.3)
    crossing = await client.create_order(ticker=ticker, side="bid", count=2, price="0.99")
    say("rest", f"placed crossing bid 2 @ $0.99 -> order {crossing.order_id[:8]}")
    await asyncio.sleep(0.3)
    if exchange is not None:
        say("demo", "cutting the WebSocket connection (no close frame)")
        exchange.inject_ws_fault(kind="drop")
        await until(seen, Reconnected)
    again = await client.create_order(ticker=ticker, side="bid", count=1, price="0.99")
    say("rest", f"placed crossing bid 1 @ $0.99 -> order {again.order_id[:8]}")
    await asyncio.sleep(0.3)
    await client.cancel_order(order_id=resting.order_id)
    say("rest", f"canceled order {resting.order_id[:8]}")
    await asyncio.sleep(0.5)


@contextlib.asynccontextmanager
async def open_client(demo: bool) -> AsyncIterator[tuple[AsyncClient, LocalExchange | None]]:
    if demo:
        async with AsyncClient.from_env(demo=True) as client:
            yield client, None
        return
    from kalshi_ext.testing import LocalExchange

    async with LocalExchange() as exchange:
        say("demo", f"local exchange at {exchange.base_url}, WebSocket {exchange.ws_url}")
        async with exchange.async_client(retry_base_delay=0.05) as client:
            yield client, exchange


async def session(demo: bool, ticker: str) -> None:
    async with open_client(demo) as (client, exchange):
        channels = ["fill", "user_orders", "market_positions"]
        async with client.stream(channels, market_tickers=[ticker]) as stream:
            say("stream", f"subscribed: {[(s.channel, s.sid) for s in stream.subscriptions]}")
            seen: asyncio.Queue[object] = asyncio.Queue()
            reader = asyncio.ensure_future(watch(stream, seen))
            try:
                await trade(client, ticker, seen, exchange)
            finally:
                reader.cancel()
        say("stream", f"closed; {stream.stats}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--demo", action="store_true", help="use Kalshi's demo exchange")
    parser.add_argument("--ticker", help="market to trade (required with --demo)")
    args = parser.parse_args(argv)
    if args.demo and not args.ticker:
        parser.error("--demo needs --ticker (an open market on the demo exchange)")
    # The stream logs its reconnects as warnings: shown in line with the events.
    logging.basicConfig(format="         log    %(message)s", stream=sys.stdout)
    try:
        asyncio.run(session(args.demo, args.ticker or LOCAL_TICKER))
    except KalshiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("\ndone")
    return 0


if __name__ == "__main__":
    sys.exit(main())
