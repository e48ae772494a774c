"""Proof under faults: random order flows and random faults on one LocalExchange; at quiescence
watch_fills has yielded exactly the exchange's fills and live_portfolio equals the exchange.

`make test` runs FEED_FAULT_EXAMPLES (default 200) seeded examples; a longer run:

    KALSHI_FEED_EXAMPLES=2000 .venv/bin/python -m pytest -q tests/integration/test_fill_feed_faults.py
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshi_ext import AsyncClient
from kalshi_ext.errors import KalshiError
from kalshi_ext.feed_io import AsyncFillFeed, AsyncLivePortfolio
from kalshi_ext.testing import LocalExchange

EXAMPLES = int(os.environ.get("KALSHI_FEED_EXAMPLES", "200"))
TICKERS = ("KXDEMO-26DEC31-T50", "KXDEMO-26DEC31-T60")
FAST = {"retry_base_delay": 0.005, "retry_max_delay": 0.02, "ws_max_retries": 50}
RECONCILE_S = 0.2
FEED = {"overlap_s": 1.0, "rest_lag_s": 0.0, "reconcile_every_s": RECONCILE_S}
QUIESCENCE_TIMEOUT_S = 10.0
REST_PATHS = ("/portfolio/fills", "/portfolio/orders", "/portfolio/positions", "/portfolio/balance")
STREAM_CHANNELS = ("fill", "user_orders", "market_positions")


@pytest.fixture(scope="module")
def exchange() -> Iterator[LocalExchange]:
    with LocalExchange(seed=7) as ex:
        yield ex


ticker = st.sampled_from(TICKERS)
order_steps = st.one_of(
    st.tuples(st.just("rest"), ticker, st.integers(1, 3), st.integers(1, 5)),
    st.tuples(st.just("take"), ticker, st.sampled_from([60, 6, 150]), st.sampled_from([1, 0, 2])),
    st.tuples(st.just("hit"), ticker, st.sampled_from([8, 3, 40]), st.sampled_from([1, 0, 2])),
    st.tuples(st.just("amend"), st.integers(0, 9), st.integers(-2, 2), st.integers(0, 3)),
    st.tuples(st.just("cancel"), st.integers(0, 9)),
    st.tuples(st.just("other_rest"), ticker, st.integers(1, 5)),
)
fault_steps = st.one_of(
    st.tuples(st.just("drop")),
    st.tuples(st.just("suppress"), st.sampled_from(STREAM_CHANNELS)),
    st.tuples(st.just("delay_reply"), st.floats(0.01, 0.15)),
    st.tuples(
        st.just("channel_error"), st.sampled_from(STREAM_CHANNELS), st.sampled_from([10, 25])
    ),
    st.tuples(st.just("rest_5xx"), st.sampled_from(REST_PATHS), st.integers(1, 2)),
    st.tuples(st.just("slow_page"), st.sampled_from(REST_PATHS), st.floats(0.01, 0.1)),
    st.tuples(st.just("stall"), st.floats(0.01, 0.3)),
    st.tuples(st.just("pause"), st.floats(0, 0.05)),
)
# Every scenario starts with a fill, so the feed always has one to deliver and to resume after.
scenarios = st.lists(st.one_of(order_steps, order_steps, fault_steps), min_size=3, max_size=16).map(
    lambda steps: [("take", TICKERS[0], 100, 2), *steps]
)


def resting_own(exchange: LocalExchange) -> list[Any]:
    return [o for o in exchange.orders if o.status == "resting"]


async def apply(step: tuple[Any, ...], exchange: LocalExchange, client: AsyncClient) -> None:
    kind = step[0]
    if kind == "rest":
        _, name, below, count = step
        book = exchange.book(name)
        # below=1: a new best bid of its own; 2: joins the best; 3: behind it. Always rests.
        price = max(1, min((book.best_ask or 99) - 1, (book.best_bid or 2) + 2 - below))
        await client.create_order(ticker=name, side="bid", count=count, price=Decimal(price) / 100)
    elif kind == "take":
        _, name, count, levels = step
        ask = exchange.book(name).best_ask
        if ask is not None:  # sweeps up to `levels` more levels; what is left rests
            price = min(99, ask + levels)
            await client.create_order(
                ticker=name, side="bid", count=count, price=Decimal(price) / 100
            )
    elif kind == "hit":
        _, name, count, levels = step
        bid = exchange.book(name).best_bid
        if bid is not None:  # another trader sells into the best bids (ours, perhaps)
            exchange.add_other_order(name, "ask", max(1, bid - levels), count)
    elif kind in ("amend", "cancel"):
        orders = resting_own(exchange)
        if not orders:
            return
        order = orders[step[1] % len(orders)]
        if kind == "cancel":
            await client.cancel_order(order_id=order.order_id)
            return
        _, _, price_move, extra = step
        best_ask = exchange.book(order.ticker).best_ask or 99
        price = min(best_ask, max(1, order.price_cents + price_move))
        await client.amend_order(
            order_id=order.order_id,
            ticker=order.ticker,
            side="bid",
            price=Decimal(price) / 100,
            count=order.fill_count + max(1, order.remaining_count + extra - 1),
        )
    elif kind == "other_rest":
        _, name, offset = step
        exchange.add_other_order(name, "bid", max(1, 20 - offset), 3)
    elif kind == "drop":
        exchange.inject_ws_fault(kind="drop")
    elif kind == "suppress":
        exchange.inject_ws_fault(kind="suppress", channel=step[1])
    elif kind == "delay_reply":
        exchange.inject_ws_fault(kind="delay_reply", delay_s=step[1])
    elif kind == "channel_error":
        exchange.inject_ws_fault(kind="error", channel=step[1], code=step[2])
    elif kind == "rest_5xx":
        exchange.inject_fault(method="GET", path=step[1], kind="status", status=503, times=step[2])
    elif kind == "slow_page":
        exchange.inject_fault(method="GET", path=step[1], kind="delay", delay_s=step[2])
    elif kind == "pause":
        await asyncio.sleep(step[1])


def exchange_view(exchange: LocalExchange) -> tuple[Any, Any, int]:
    orders = {
        o.order_id: (o.remaining_count, o.fill_count, o.price_cents) for o in resting_own(exchange)
    }
    positions = {
        p.ticker: (p.position, p.exposure_cents, p.realized_pnl_cents, p.fees_paid_cents)
        for p in exchange.positions
        if p.subaccount == 0
    }
    return orders, positions, exchange.balance_cents()


def cents(dollars: str) -> int:
    return int(Decimal(dollars) * 100)


def live_view(live: AsyncLivePortfolio) -> tuple[Any, Any, int]:
    orders = {
        o.order_id: (
            int(Decimal(o.remaining_count_fp)),
            int(Decimal(o.fill_count_fp)),
            cents(o.yes_price_dollars),
        )
        for o in live.orders.values()
    }
    positions = {
        p.ticker: (
            int(Decimal(p.position_fp)),
            cents(p.market_exposure_dollars),
            cents(p.realized_pnl_dollars),
            cents(p.fees_paid_dollars),
        )
        for p in live.positions.values()
    }
    return orders, positions, live.balance.balance


async def scenario(
    exchange: LocalExchange, steps: list[tuple[Any, ...]], max_buffered: int
) -> None:
    async with exchange.async_client(ws_base_url=exchange.ws_url, **FAST) as client:
        options = {"reconcile_every_s": RECONCILE_S, "max_buffered": max_buffered}
        async with client.live_portfolio(**options) as live:  # type: ignore[arg-type]
            feed: AsyncFillFeed = client.watch_fills(**FEED, max_buffered=max_buffered)  # type: ignore[arg-type]
            got: list[str] = []
            stall = [0.0]

            async def consume() -> None:
                async for fill in feed:
                    got.append(fill.fill_id)
                    if stall[0]:  # a consumer that stops reading for a while
                        pause, stall[0] = stall[0], 0.0
                        await asyncio.sleep(pause)

            consumer = asyncio.create_task(consume())
            try:
                # The flow starts once the feed has subscribed and read its first backfill, so
                # its fills come from the stream and from later backfills, as in production.
                started = feed.resume_point.complete_before_ms
                while feed.resume_point.complete_before_ms == started and not consumer.done():
                    await asyncio.sleep(0.005)
                for step in steps:
                    if step[0] == "stall":
                        stall[0] = step[1]
                        continue
                    # A rejected order (funds, a race with a fill) is not the point here.
                    with contextlib.suppress(KalshiError):
                        await apply(step, exchange, client)
                exchange.clear_faults()
                exchange.clear_ws_faults()
                await quiescence(exchange, feed, got, live, consumer)
            finally:
                consumer.cancel()
                await asyncio.gather(consumer, return_exceptions=True)


async def quiescence(
    exchange: LocalExchange,
    feed: AsyncFillFeed,
    got: list[str],
    live: AsyncLivePortfolio,
    consumer: asyncio.Task[None],
) -> None:
    expected = [f.fill_id for f in exchange.fills]
    settled_after_ms = int(time.time() * 1000)
    deadline = time.monotonic() + QUIESCENCE_TIMEOUT_S
    while True:
        if consumer.done():
            consumer.result()  # the feed raised: fail with its error
            raise AssertionError("watch_fills ended")
        complete = feed.resume_point.complete_before_ms > settled_after_ms
        if complete and sorted(got) == sorted(expected):
            break
        if time.monotonic() > deadline:
            missing = set(expected) - set(got)
            raise AssertionError(f"fills missing {missing}, got {len(got)} of {len(expected)}")
        await asyncio.sleep(0.02)
    assert len(got) == len(set(got)), "a fill was delivered twice"
    try:
        await live.wait_for(
            lambda view: view.reconciles > 0 and live_view(view) == exchange_view(exchange),
            timeout=QUIESCENCE_TIMEOUT_S,
        )
    except TimeoutError:
        assert live_view(live) == exchange_view(exchange)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=scenarios, max_buffered=st.sampled_from([2, 10_000, 10_000]))
def test_fills_and_the_live_view_survive_random_faults(
    exchange: LocalExchange, steps: list[tuple[Any, ...]], max_buffered: int
) -> None:
    exchange.reset()
    asyncio.run(scenario(exchange, steps, max_buffered))
