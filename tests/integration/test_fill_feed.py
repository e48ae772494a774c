"""watch_fills and live_portfolio on the LocalExchange: its WebSocket, its REST, its faults."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from kalshi_ext import Client
from kalshi_ext.errors import ClientClosedError
from kalshi_ext.feed import ResumePoint
from kalshi_ext.feed_io import FeedOptions, FillFeed
from kalshi_ext.testing import LocalExchange
from kalshi_generated.models import Fill

TICKER = "KXDEMO-26DEC31-T50"
FAST: dict[str, Any] = {"retry_base_delay": 0.01, "retry_max_delay": 0.05}
# Tight timings so faults heal in a fraction of a second (the defaults suit Kalshi).
FEED: FeedOptions = {"overlap_s": 1.0, "rest_lag_s": 0.0, "reconcile_every_s": 0.3}
NO_PERIODIC: FeedOptions = {"overlap_s": 1.0, "rest_lag_s": 0.0, "reconcile_every_s": None}


@pytest.fixture
def client(kalshi_exchange: LocalExchange) -> Iterator[Client]:
    with kalshi_exchange.client(ws_base_url=kalshi_exchange.ws_url, **FAST) as client:
        yield client


def cross(client: Client, exchange: LocalExchange, count: int = 1) -> None:
    """Buy `count` contracts at the best ask: `count` taker fills at most (one per level)."""
    best_ask = exchange.book(TICKER).best_ask
    assert best_ask is not None
    client.create_order(ticker=TICKER, side="bid", count=count, price=Decimal(best_ask) / 100)


def take(feed: FillFeed, count: int, timeout: float = 20.0) -> list[Fill]:
    """The feed's next `count` fills, read on a thread so a hang fails the test."""
    got: list[Fill] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            for _ in range(count):
                got.append(next(feed))
        except BaseException as error:
            errors.append(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    assert not errors, errors
    assert len(got) == count, f"only {len(got)} of {count} fills came in {timeout} s"
    return got


def exchange_fill_ids(exchange: LocalExchange) -> list[str]:
    return [f.fill_id for f in exchange.fills]


def test_a_fill_suppressed_on_the_stream_is_delivered_exactly_once(
    client: Client, kalshi_exchange: LocalExchange
) -> None:
    with client.watch_fills(**FEED) as feed:
        cross(client, kalshi_exchange)
        (first,) = take(feed, 1)  # the stream is open from here on
        kalshi_exchange.inject_ws_fault(kind="suppress", channel="fill")
        cross(client, kalshi_exchange)  # never sent on the stream
        cross(client, kalshi_exchange)
        later = take(feed, 2)
        cross(client, kalshi_exchange)
        (last,) = take(feed, 1)
        delivered = [first.fill_id, *(f.fill_id for f in later), last.fill_id]
        assert sorted(delivered) == sorted(exchange_fill_ids(kalshi_exchange))
        assert len(set(delivered)) == 4
        assert kalshi_exchange.pending_ws_faults == 0


def test_fills_missed_while_the_connection_was_down_arrive_once_in_order(
    client: Client, kalshi_exchange: LocalExchange
) -> None:
    with client.watch_fills(**NO_PERIODIC) as feed:
        cross(client, kalshi_exchange)
        take(feed, 1)
        kalshi_exchange.inject_ws_fault(kind="drop")
        for _ in range(3):
            cross(client, kalshi_exchange)
        rest = take(feed, 3)
        assert [f.fill_id for f in rest] == exchange_fill_ids(kalshi_exchange)[1:]
        assert feed.backfills >= 2  # the start, and the gap after the reconnect


def test_a_restart_from_the_resume_point_delivers_only_newer_fills(
    client: Client, kalshi_exchange: LocalExchange
) -> None:
    with client.watch_fills(**FEED) as feed:
        cross(client, kalshi_exchange)
        cross(client, kalshi_exchange)
        before = take(feed, 2)
        saved = feed.resume_point.to_dict()
    assert saved["last_fill_id"] == before[-1].fill_id
    cross(client, kalshi_exchange)  # while no process watches
    with client.watch_fills(ResumePoint.from_dict(saved), **FEED) as feed:
        cross(client, kalshi_exchange)
        after = take(feed, 2)
        assert [f.fill_id for f in after] == exchange_fill_ids(kalshi_exchange)[2:]


def test_a_stream_fill_reads_as_the_rest_fill(
    client: Client, kalshi_exchange: LocalExchange
) -> None:
    with client.watch_fills(**FEED) as feed:
        take(feed, 0)
        time.sleep(0.1)
        cross(client, kalshi_exchange)
        (streamed,) = take(feed, 1)
    (listed,) = client.iter_fills()
    from kalshi_ext.feed import normalize_rest_fill

    assert streamed == normalize_rest_fill(listed)


async def test_async_watch_fills_and_live_portfolio(kalshi_exchange: LocalExchange) -> None:
    client = kalshi_exchange.async_client(ws_base_url=kalshi_exchange.ws_url, **FAST)
    async with client, client.live_portfolio(reconcile_every_s=0.3) as live:
        feed = client.watch_fills(**FEED)
        # The best bid (others bid 47-49, ask 51-53): an ask at 50 trades with it first.
        resting = await client.create_order(ticker=TICKER, side="bid", count=3, price="0.50")
        await live.wait_for(lambda view: resting.order_id in view.orders, timeout=10)
        kalshi_exchange.add_other_order(TICKER, "ask", 50, 1)  # fills one of ours
        fill = await asyncio.wait_for(anext(feed), 10)
        assert fill.order_id == resting.order_id
        await live.wait_for(
            lambda view: view.orders[resting.order_id].remaining_count_fp == "2.00",
            timeout=10,
        )
        await live.wait_for(
            lambda view: view.balance.balance == kalshi_exchange.balance_cents(), timeout=10
        )
        await client.cancel_order(order_id=resting.order_id)
        await live.wait_for(lambda view: view.order_status(resting.order_id) == "canceled", 10)
        assert live.positions[TICKER].position_fp == "1.00"
        await feed.aclose()


def test_sync_live_portfolio_waits_iterates_and_heals_a_suppressed_update(
    client: Client, kalshi_exchange: LocalExchange
) -> None:
    with client.live_portfolio(reconcile_every_s=0.3) as live:
        changes = live.changes()
        kalshi_exchange.inject_ws_fault(kind="suppress", channel="user_orders")
        resting = client.create_order(ticker=TICKER, side="bid", count=2, price="0.50")
        # The order's user_order frame never came: the next reconcile finds the order.
        live.wait_for(lambda view: resting.order_id in view.orders, timeout=10)
        seen = []
        for change in changes:
            seen.append(type(change).__name__)
            if type(change).__name__ == "OrderChanged":
                break
        assert seen[-1] == "OrderChanged"
        client.cancel_order(order_id=resting.order_id)
        live.wait_for(lambda view: view.order_status(resting.order_id) == "canceled", timeout=10)
        live.wait_for(lambda view: view.balance.balance == kalshi_exchange.balance_cents(), 10)
        assert live.orders == {}
    with pytest.raises(RuntimeError, match="closed"):
        live.wait_for(lambda view: False)


def test_closing_the_client_while_watch_fills_iterates_raises_not_a_quiet_end(
    kalshi_exchange: LocalExchange,
) -> None:
    # A `for fill in feed` loop that just ended would read as "no more fills"; the feed never
    # ends silently: the client's close() is reported as ClientClosedError.
    client = kalshi_exchange.client(ws_base_url=kalshi_exchange.ws_url, **FAST)
    feed = client.watch_fills(**NO_PERIODIC)
    outcome: list[BaseException | str] = []

    def read() -> None:
        try:
            for _ in feed:
                pass
            outcome.append("ended")
        except BaseException as error:
            outcome.append(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 10
    while feed.backfills == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)
    client.close()
    reader.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], ClientClosedError), outcome


async def test_closing_the_async_client_while_watch_fills_iterates_raises(
    kalshi_exchange: LocalExchange,
) -> None:
    client = kalshi_exchange.async_client(ws_base_url=kalshi_exchange.ws_url, **FAST)
    feed = client.watch_fills(**NO_PERIODIC)

    async def read() -> None:
        async for _ in feed:
            pass

    reader = asyncio.create_task(read())
    deadline = time.monotonic() + 10
    while feed.backfills == 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)
    await client.close()
    with pytest.raises(ClientClosedError):
        await asyncio.wait_for(reader, 10)


def test_closing_a_feed_from_another_thread_ends_the_iterating_thread_cleanly(
    client: Client, kalshi_exchange: LocalExchange
) -> None:
    feed = client.watch_fills(**NO_PERIODIC)
    cross(client, kalshi_exchange)
    outcome: list[object] = []

    def read() -> None:
        try:
            outcome.append(sum(1 for _ in feed))  # blocks, waiting for fills, once the first came
        except BaseException as error:
            outcome.append(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 10
    while feed.backfills == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # the reader is inside next(), waiting on the stream
    feed.close()  # the generator is executing in the reader: the stream is closed under it
    reader.join(10)
    assert not reader.is_alive()
    assert outcome == [1], outcome  # the fill, then a clean end: no error
    feed.close()  # again: nothing left to do


async def test_closing_an_async_feed_from_another_task_ends_the_iterating_task_cleanly(
    kalshi_exchange: LocalExchange,
) -> None:
    async with kalshi_exchange.async_client(ws_base_url=kalshi_exchange.ws_url, **FAST) as client:
        feed = client.watch_fills(**NO_PERIODIC)

        async def read() -> int:
            return sum([1 async for _ in feed])

        reader = asyncio.create_task(read())
        deadline = time.monotonic() + 10
        while feed.backfills == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        await feed.aclose()
        assert await asyncio.wait_for(reader, 10) == 0


def test_closing_from_another_thread_while_the_stream_opens_ends_the_feed(
    client: Client, kalshi_exchange: LocalExchange
) -> None:
    kalshi_exchange.inject_ws_fault(kind="delay_reply", delay_s=1.0)  # the subscribe's reply
    feed = client.watch_fills(**NO_PERIODIC)
    outcome: list[object] = []

    def read() -> None:
        try:
            outcome.append([fill.fill_id for fill in feed])
        except BaseException as error:
            outcome.append(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(0.3)  # the reader is opening the stream
    feed.close()
    cross(client, kalshi_exchange)  # a fill after the close: never handed over
    reader.join(10)
    assert not reader.is_alive() and outcome == [[]], outcome


def test_closing_from_another_thread_between_two_fills_hands_over_no_more(
    client: Client, kalshi_exchange: LocalExchange
) -> None:
    feed = client.watch_fills(**NO_PERIODIC)
    cross(client, kalshi_exchange, count=3)  # three fills, likely in one batch
    (first,) = take(feed, 1)
    closer = threading.Thread(target=feed.close)
    closer.start()
    closer.join(10)
    # This thread's next step ends the feed: no error, and no fill it never got counts as
    # delivered in the resume point.
    assert list(feed) == []
    point = feed.resume_point
    assert point.last_fill_id == first.fill_id
    assert [fill_id for fill_id, _ in point.delivered] == [first.fill_id]


def test_live_portfolio_keeps_a_subaccounts_position_out_of_the_primary_view(
    client: Client, kalshi_exchange: LocalExchange
) -> None:
    number = client.create_subaccount().subaccount_number
    client.apply_subaccount_transfer(
        client_transfer_id=str(uuid.uuid4()),
        from_subaccount=0,
        to_subaccount=number,
        amount_cents=500,
    )
    with client.live_portfolio(reconcile_every_s=0.3) as live:
        best_ask = kalshi_exchange.book(TICKER).best_ask
        assert best_ask is not None
        client.create_order(
            ticker=TICKER,
            side="bid",
            count=1,
            price=Decimal(best_ask) / 100,
            subaccount=number,
        )
        changes = live.changes()
        # A reconcile after the subaccount's fill: the view is the primary account's, as
        # /portfolio/positions lists it (the subaccount's position is not mixed in).
        for change in changes:
            if type(change).__name__ == "Reconciled":
                break
        assert TICKER not in live.positions
        primary = {p.ticker for p in client.iter_market_positions()}
        assert set(live.positions) == primary


async def test_closing_an_async_feed_while_its_consumer_holds_a_fill_hands_over_no_more(
    kalshi_exchange: LocalExchange,
) -> None:
    async with kalshi_exchange.async_client(ws_base_url=kalshi_exchange.ws_url, **FAST) as client:
        feed = client.watch_fills(**NO_PERIODIC)
        got: list[Fill] = []
        holding = asyncio.Event()
        release = asyncio.Event()

        async def read() -> None:
            async for fill in feed:
                got.append(fill)
                holding.set()
                await release.wait()  # the consumer awaits while it holds the fill

        reader = asyncio.create_task(read())
        deadline = time.monotonic() + 10
        while feed.backfills == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        for _ in range(3):  # three fills (one crossing order each)
            best_ask = kalshi_exchange.book(TICKER).best_ask
            assert best_ask is not None
            await client.create_order(
                ticker=TICKER, side="bid", count=1, price=Decimal(best_ask) / 100
            )
        await asyncio.wait_for(holding.wait(), 10)
        await asyncio.sleep(0.2)  # the other fills are in the stream's buffer by now
        assert len(kalshi_exchange.fills) == 3
        # From another task than the reader's; the reader asks for its next fill while the
        # close is still under way (closing the generator there would race that request).
        closing = asyncio.create_task(feed.aclose())
        await asyncio.sleep(0)
        release.set()
        await asyncio.wait_for(closing, 10)
        await asyncio.wait_for(reader, 10)
        assert len(got) == 1
        point = feed.resume_point
        assert point.last_fill_id == got[0].fill_id
        assert [fill_id for fill_id, _ in point.delivered] == [got[0].fill_id]
