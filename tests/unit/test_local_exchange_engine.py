"""The local exchange engine, fixed-point strings and cursors: no HTTP, a fake clock."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Literal, get_args

import attrs
import pytest
from attrs import frozen
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_ext.testing import paging
from kalshi_ext.testing.engine import (
    Engine,
    Order,
    OrderRequest,
    Outcome,
    SelfTradePrevention,
    Side,
    TimeInForce,
    crosses,
    opening_unit,
    taker_fee_cents,
)
from kalshi_ext.testing.exchange_error import ExchangeError
from kalshi_ext.testing.fixed_point import (
    count_fp,
    dollars,
    dollars_average,
    parse_count,
    parse_price_cents,
)

T = "KXDEMO-26DEC31-T50"
START = 100_000


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def engine(clock: FakeClock) -> Engine:
    engine = Engine(seed=3, starting_balance_cents=START, clock=clock)
    # An empty book for T, so each test lays out exactly the liquidity it needs.
    market = engine.markets[T]
    market.bids.clear()
    market.asks.clear()
    return engine


def place(engine: Engine, side: Side, price: int, count: int, **options: Any) -> Order:
    return engine.place_order(attrs.evolve(OrderRequest(T, side, price, count), **options)).order


# ---- fees and fixed point ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "price", "cents"),
    [(10, 50, 18), (1, 50, 2), (100, 1, 7), (1, 99, 1), (3, 30, 5), (25, 75, 33)],
)
def test_taker_fee_is_kalshis_rounded_up_schedule(count: int, price: int, cents: int) -> None:
    assert taker_fee_cents(count, price) == cents


@given(st.integers(1, 99))
def test_prices_round_trip(cents: int) -> None:
    assert parse_price_cents(dollars(cents), "price") == cents
    assert parse_price_cents(f"0.{cents:02d}", "price") == cents


@given(st.integers(1, 10**9))
def test_counts_round_trip(count: int) -> None:
    assert parse_count(count_fp(count), "count") == count
    assert parse_count(str(count), "count") == count


@pytest.mark.parametrize(
    "bad", ["0.565", "1.00", "0.00", "-0.50", "0.5600001", "", "abc", 56, None]
)
def test_bad_prices_are_rejected(bad: object) -> None:
    with pytest.raises(ExchangeError) as caught:
        parse_price_cents(bad, "price")
    assert caught.value.status == 400


@pytest.mark.parametrize("bad", ["2.5", "0", "-1", "1.005", "ten", 3])
def test_bad_counts_are_rejected(bad: object) -> None:
    with pytest.raises(ExchangeError):
        parse_count(bad, "count")


def test_dollar_strings() -> None:
    assert dollars(5) == "0.0500"
    assert dollars(-1234) == "-12.3400"
    assert dollars_average(100, 3) == "0.333333"
    assert dollars_average(150, 3) == "0.5000"
    assert dollars_average(0, 7) == "0.0000"


# ---- matching -----------------------------------------------------------------------------


def test_price_then_time_priority(engine: Engine) -> None:
    early = engine.add_other_order(T, "ask", 52, 5)
    late = engine.add_other_order(T, "ask", 52, 5)
    better = engine.add_other_order(T, "ask", 51, 2)
    execution = engine.place_order(OrderRequest(T, "bid", 52, 4))
    assert execution.fill_count == 4
    assert (better.remaining, early.remaining, late.remaining) == (0, 3, 5)
    assert [f.price for f in engine.fills] == [51, 52]
    assert execution.yes_price_total_cents == 51 * 2 + 52 * 2


def test_self_trade_taker_at_cross_stops_the_taker(engine: Engine) -> None:
    own_ask = place(engine, "ask", 55, 3)
    engine.add_other_order(T, "ask", 56, 3)
    taker = place(engine, "bid", 56, 5, self_trade_prevention="taker_at_cross")
    assert taker.status == "canceled" and taker.fill_count == 0
    assert own_ask.status == "resting" and own_ask.remaining == 3


def test_self_trade_maker_cancels_the_resting_order_and_continues(engine: Engine) -> None:
    own_ask = place(engine, "ask", 55, 3)
    engine.add_other_order(T, "ask", 56, 3)
    taker = place(engine, "bid", 56, 5, self_trade_prevention="maker")
    assert own_ask.status == "canceled"
    assert (taker.fill_count, taker.remaining, taker.status) == (3, 2, "resting")


def test_reduce_only_is_capped_by_the_position(engine: Engine) -> None:
    engine.add_other_order(T, "ask", 40, 10)
    place(engine, "bid", 40, 3)
    engine.add_other_order(T, "bid", 45, 10)
    sell = place(engine, "ask", 45, 8, reduce_only=True, time_in_force="immediate_or_cancel")
    assert sell.fill_count == 3
    (position,) = engine.positions.values()
    assert position.signed == 0
    assert position.realized_pnl_cents == (45 - 40) * 3


def test_expired_orders_are_canceled(engine: Engine, clock: FakeClock) -> None:
    order = place(engine, "bid", 20, 2, expiration_ts=int(clock.now) + 60)
    assert engine.available_cents(0) == START - 40
    clock.now += 61
    engine.expire()
    assert order.status == "canceled"
    assert engine.available_cents(0) == START


def test_group_limit_uses_a_rolling_window(engine: Engine, clock: FakeClock) -> None:
    group = engine.create_group(0, 5)
    engine.add_other_order(T, "ask", 50, 100)
    first = place(engine, "bid", 50, 3, order_group_id=group.group_id)
    assert first.fill_count == 3 and not group.triggered
    clock.now += 16  # the first fills leave the 15 s window
    second = place(engine, "bid", 50, 5, order_group_id=group.group_id)
    assert second.fill_count == 5 and group.triggered
    with pytest.raises(ExchangeError, match="order_group_triggered"):
        place(engine, "bid", 50, 1, order_group_id=group.group_id)
    engine.reset_group(group.group_id, 0)
    assert place(engine, "bid", 10, 1, order_group_id=group.group_id).status == "resting"


def test_amend_keeps_priority_when_shrinking_and_loses_it_when_growing(engine: Engine) -> None:
    engine.add_other_order(T, "bid", 30, 4)
    mine = place(engine, "bid", 30, 5)
    engine.add_other_order(T, "bid", 30, 6)
    assert engine.queue_position(mine) == 4
    engine.amend_order(
        mine.order_id,
        subaccount=0,
        ticker=T,
        side="bid",
        price=30,
        count=3,
        client_order_id=None,
        updated_client_order_id=None,
        expiration_ts=None,
    )
    assert engine.queue_position(mine) == 4
    engine.amend_order(
        mine.order_id,
        subaccount=0,
        ticker=T,
        side="bid",
        price=30,
        count=7,
        client_order_id=None,
        updated_client_order_id=None,
        expiration_ts=None,
    )
    assert engine.queue_position(mine) == 10


def test_amend_that_cannot_be_funded_leaves_the_order_untouched(engine: Engine) -> None:
    order = place(engine, "bid", 10, 10)
    queue = engine.queue_position(order)
    with pytest.raises(ExchangeError, match="insufficient_balance"):
        engine.amend_order(
            order.order_id,
            subaccount=0,
            ticker=T,
            side="bid",
            price=90,
            count=5_000,
            client_order_id=None,
            updated_client_order_id=None,
            expiration_ts=None,
        )
    assert (order.price, order.remaining, order.status) == (10, 10, "resting")
    assert engine.queue_position(order) == queue
    assert engine.available_cents(0) == START - 100


def test_insufficient_balance_counts_fees_and_the_resting_part(engine: Engine) -> None:
    engine.add_other_order(T, "ask", 50, 10)
    budget = 50 * 10 + taker_fee_cents(10, 50) + 50 * 5
    engine.withdraw(START - budget + 1)
    with pytest.raises(ExchangeError, match="insufficient_balance"):
        place(engine, "bid", 50, 15)
    engine.deposit(1)
    assert place(engine, "bid", 50, 15).remaining == 5
    assert engine.available_cents(0) == 0


def test_settlement_pays_the_winning_side(engine: Engine) -> None:
    engine.add_other_order(T, "bid", 40, 10)
    place(engine, "ask", 40, 10)  # 10 NO at 60 cents each
    fee = taker_fee_cents(10, 40)
    (settlement,) = engine.settle(T, "no")
    assert (settlement.no_count, settlement.no_cost_cents, settlement.revenue_cents) == (
        10,
        600,
        1000,
    )
    assert engine.accounts[0].cash_cents == START - 600 - fee + 1000


# ---- invariants under random activity ------------------------------------------------------


@frozen
class Place:
    side: Side
    price: int
    count: int
    time_in_force: TimeInForce
    self_trade_prevention: SelfTradePrevention


@frozen
class OtherTrader:
    side: Side
    price: int
    count: int


@frozen
class Touch:
    """Cancel, amend or decrease one of the account's resting orders (picked by index)."""

    kind: Literal["cancel", "amend", "decrease"]
    index: int
    price: int
    count: int


Op = Place | OtherTrader | Touch
_sides = st.sampled_from(get_args(Side))
_prices = st.integers(1, 99)
_counts = st.integers(1, 40)
_ops = st.one_of(
    st.builds(
        Place,
        _sides,
        _prices,
        _counts,
        st.sampled_from(get_args(TimeInForce)),
        st.sampled_from(get_args(SelfTradePrevention)),
    ),
    st.builds(OtherTrader, _sides, _prices, _counts),
    st.builds(
        Touch,
        st.sampled_from(["cancel", "amend", "decrease"]),
        st.integers(0, 50),
        _prices,
        _counts,
    ),
)


def _apply(engine: Engine, op: Op) -> None:
    resting = [o for o in engine.orders.values() if o.status == "resting"]
    fills_before = len(engine.fills)
    try:
        if isinstance(op, Place):
            engine.place_order(
                OrderRequest(
                    T,
                    op.side,
                    op.price,
                    op.count,
                    time_in_force=op.time_in_force,
                    self_trade_prevention=op.self_trade_prevention,
                )
            )
        elif isinstance(op, OtherTrader):
            engine.add_other_order(T, op.side, op.price, op.count)
        elif resting:
            target = resting[op.index % len(resting)]
            if op.kind == "cancel":
                engine.cancel_order(target.order_id, 0)
            elif op.kind == "decrease":
                engine.decrease_order(
                    target.order_id, subaccount=0, reduce_by=op.count, reduce_to=None
                )
            else:
                engine.amend_order(
                    target.order_id,
                    subaccount=0,
                    ticker=T,
                    side=target.side,
                    price=op.price,
                    count=target.fill_count + op.count,
                    client_order_id=None,
                    updated_client_order_id=None,
                    expiration_ts=None,
                )
    except ExchangeError as error:
        assert error.code == "insufficient_balance", error
    # Every trade respects both limits: makers trade at their own price, takers within theirs.
    for fill in engine.fills[fills_before:]:
        order = engine.orders[fill.order_id]
        if fill.is_taker:
            assert crosses(order.side, order.price, fill.price), (fill, order)
        else:
            assert fill.price == order.price, (fill, order)


def _check_invariants(engine: Engine, start: int) -> None:
    market = engine.markets[T]
    assert engine.available_cents(0) >= 0
    bids, asks = market.bids, market.asks
    assert [(-o.price, o.priority) for o in bids] == sorted((-o.price, o.priority) for o in bids)
    assert [(o.price, o.priority) for o in asks] == sorted((o.price, o.priority) for o in asks)
    if bids and asks:
        assert bids[0].price < asks[0].price, "the book is crossed"
    in_book = {id(o) for o in bids + asks}
    for order in engine.orders.values():
        assert order.fill_count + order.remaining <= order.initial_count
        assert (order.status == "resting") == (id(order) in in_book)
        assert (order.status == "resting") == (order.remaining > 0)
        # Executed: filled to the end. Not fill_count == initial_count: a decrease (or an amend
        # down) takes contracts off without filling them, and the rest can still fill.
        assert order.status != "executed" or (order.remaining == 0 and order.fill_count > 0)

    # Cash follows from the fills alone: opening costs and fees out, 100 per redeemed YES/NO pair.
    bought: dict[str, int] = defaultdict(int)
    cash = start
    for fill in engine.fills:
        bought[fill.side] += fill.count
        cash -= opening_unit(fill.side, fill.price) * fill.count + fill.fee_cents
    cash += 100 * min(bought["bid"], bought["ask"])
    assert engine.accounts[0].cash_cents == cash
    position = engine.positions.get((0, T))
    net = bought["bid"] - bought["ask"]
    assert (position.signed if position else 0) == net


@settings(max_examples=80, deadline=None)
@given(st.lists(_ops, max_size=40), st.sampled_from(get_args(Outcome)))
def test_random_activity_keeps_the_books_and_the_money_coherent(
    ops: list[Op], result: Outcome
) -> None:
    clock = FakeClock()
    engine = Engine(seed=1, starting_balance_cents=20_000, clock=clock)
    for op in ops:
        _apply(engine, op)
        _check_invariants(engine, 20_000)
        clock.now += 1
    cash_before = engine.accounts[0].cash_cents
    position = engine.positions.get((0, T))
    held = position.count if position else 0
    winning = position is not None and position.outcome == result
    engine.settle(T, result)
    assert engine.accounts[0].cash_cents == cash_before + (100 * held if winning else 0)
    assert engine.available_cents(0) == engine.accounts[0].cash_cents
    assert all(o.status != "resting" for o in engine.orders.values())


# ---- cursors ----------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 60), st.integers(1, 9), st.integers(0, 8), st.integers(0, 5))
def test_cursor_walk_sees_every_item_once_while_the_list_grows(
    size: int, limit: int, grow_at_page: int, growth: int
) -> None:
    items = list(range(1, size + 1))
    seen: list[int] = []
    after = None
    pages = 0
    while True:
        chunk, cursor = paging.page(items, lambda i: i, kind="k", limit=limit, after=after)
        seen += chunk
        pages += 1
        if pages == grow_at_page:
            items += list(range(len(items) + 1, len(items) + 1 + growth))
        if not cursor:
            break
        after = paging.decode_cursor(cursor, "k")
    assert len(seen) == len(set(seen))
    assert set(range(1, size + 1)) <= set(seen)


def test_cursors_are_bound_to_their_list() -> None:
    cursor = paging.encode_cursor("orders", 42)
    assert paging.decode_cursor(cursor, "orders") == 42
    for bad in ("garbage!", paging.encode_cursor("fills", 42), "eyJrIjoib3JkZXJzIn0"):
        with pytest.raises(ExchangeError):
            paging.decode_cursor(bad, "orders")


@pytest.mark.parametrize(("raw", "limit"), [(None, 100), ("", 100), ("1", 1), ("500", 500)])
def test_limits(raw: str | None, limit: int) -> None:
    assert paging.parse_limit(raw, 500) == limit


@pytest.mark.parametrize("raw", ["0", "501", "-1", "1.5", "x"])
def test_bad_limits(raw: str) -> None:
    with pytest.raises(ExchangeError):
        paging.parse_limit(raw, 500)
