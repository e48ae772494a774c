"""live_portfolio's pure parts: applying snapshots and stream messages, and the flow's schedule."""

from __future__ import annotations

from typing import Any

import pytest

from kalshi_ext.feed import Receive
from kalshi_ext.live import (
    BalanceChanged,
    LivePolicy,
    LivePosition,
    OrderChanged,
    PortfolioState,
    PositionChanged,
    PositionRemoved,
    Publish,
    ReadBalance,
    ReadOrder,
    Reconciled,
    Snapshot,
    TakeSnapshot,
    live_flow,
    order_from_stream,
)
from kalshi_generated.models import GetBalanceResponse, MarketPosition
from kalshi_generated.ws.models import MarketPosition as StreamPosition
from kalshi_generated.ws.models import UserOrder

TICKER = "KXDEMO-26DEC31-T50"


def user_order(
    order_id: str, status: str = "resting", updated_ms: int = 1_000, **extra: Any
) -> UserOrder:
    return UserOrder.from_dict(
        {
            "order_id": order_id,
            "user_id": "u1",
            "ticker": TICKER,
            "exchange_index": 0,
            "status": status,
            "side": "yes",
            "is_yes": True,
            "outcome_side": "yes",
            "book_side": "bid",
            "yes_price_dollars": "0.4500",
            "fill_count_fp": "0.00",
            "remaining_count_fp": "5.00",
            "initial_count_fp": "5.00",
            "taker_fill_cost_dollars": "0.000000",
            "maker_fill_cost_dollars": "0.000000",
            "taker_fees_dollars": "0.000000",
            "maker_fees_dollars": "0.000000",
            "client_order_id": "c-" + order_id,
            "created_time": None,
            "created_ts_ms": 500,
            "last_updated_ts_ms": updated_ms,
            **extra,
        }
    )


def stream_position(position_fp: str) -> StreamPosition:
    return StreamPosition.from_dict(
        {
            "user_id": "u1",
            "market_ticker": TICKER,
            "position_fp": position_fp,
            "position_cost_dollars": "1.0000",
            "realized_pnl_dollars": "0.0000",
            "fees_paid_dollars": "0.0100",
            "position_fee_cost_dollars": "0.0100",
            "volume_fp": "3.00",
        }
    )


def rest_position(position_fp: str) -> MarketPosition:
    return MarketPosition.from_dict(
        {
            "ticker": TICKER,
            "exchange_index": 0,
            "total_traded_dollars": "1.0000",
            "position_fp": position_fp,
            "market_exposure_dollars": "1.0000",
            "realized_pnl_dollars": "0.0000",
            "fees_paid_dollars": "0.0100",
            "last_updated_ts": "2026-01-01T00:00:00Z",
        }
    )


def balance(cents: int) -> GetBalanceResponse:
    return GetBalanceResponse(
        balance=cents, balance_dollars=f"{cents / 100:.4f}", portfolio_value=0, updated_ts=0
    )


def test_a_user_order_reads_as_the_rest_order() -> None:
    order = order_from_stream(user_order("o1"))
    assert order.type_ == "limit" and order.no_price_dollars == "0.5500"
    assert order.created_time is not None and order.last_update_time is not None


def test_stream_orders_move_through_the_view_and_older_ones_are_ignored() -> None:
    state = PortfolioState()
    (change,) = state.apply_order(order_from_stream(user_order("o1", updated_ms=1_000)))
    assert isinstance(change, OrderChanged) and "o1" in state.orders
    later = order_from_stream(user_order("o1", "canceled", updated_ms=2_000))
    assert state.apply_order(later) == [OrderChanged(later, "stream")]
    assert state.orders == {} and state.order_status("o1") == "canceled"
    assert state.apply_order(later) == []  # said already
    # An out-of-date copy of a resting order does not overwrite a newer one.
    state.apply_order(order_from_stream(user_order("o2", updated_ms=3_000, fill_count_fp="1.00")))
    assert state.apply_order(order_from_stream(user_order("o2", updated_ms=2_500))) == []
    assert state.orders["o2"].fill_count_fp == "1.00"


def test_a_snapshot_corrects_the_view_and_names_orders_that_ended_unseen() -> None:
    state = PortfolioState()
    state.apply_order(order_from_stream(user_order("ended")))
    state.apply_position(LivePosition.from_stream(stream_position("2.00")))
    kept = order_from_stream(user_order("kept"))
    changes, gone = state.apply_snapshot(Snapshot([kept], [rest_position("3.00")], balance(500)))
    assert gone == ["ended"]
    assert [type(c) for c in changes] == [OrderChanged, PositionChanged, BalanceChanged]
    assert state.positions[TICKER].position_fp == "3.00"
    assert state.balance is not None and state.balance.balance == 500


def test_a_position_two_snapshots_no_longer_list_leaves_the_view() -> None:
    state = PortfolioState()
    state.apply_position(LivePosition.from_stream(stream_position("2.00")))
    held = state.positions[TICKER]
    empty = Snapshot([], [], balance(500))
    # One snapshot without it may be a REST read lagging the stream: kept.
    assert state.apply_snapshot(empty)[0] == [BalanceChanged(balance(500))]
    assert state.positions[TICKER] == held
    changes, _ = state.apply_snapshot(empty)  # the second in a row: gone
    assert changes == [PositionRemoved(held, "snapshot")]
    assert state.positions == {}
    # Listed again (even flat), it is back; a snapshot that lists it changes nothing more.
    changes, _ = state.apply_snapshot(Snapshot([], [rest_position("0.00")], balance(500)))
    assert [type(c) for c in changes] == [PositionChanged]
    assert state.apply_snapshot(Snapshot([], [rest_position("0.00")], balance(500)))[0] == []


def test_a_stream_update_between_two_snapshots_keeps_the_position() -> None:
    state = PortfolioState()
    state.apply_position(LivePosition.from_stream(stream_position("2.00")))
    empty = Snapshot([], [], balance(500))
    state.apply_snapshot(empty)
    state.apply_position(LivePosition.from_stream(stream_position("3.00")))  # still there
    state.apply_snapshot(empty)  # the first omission since that message
    assert state.positions[TICKER].position_fp == "3.00"
    state.apply_snapshot(empty)
    assert state.positions == {}


def test_market_tickers_filter_the_view() -> None:
    state = PortfolioState(["OTHER"])
    assert state.apply_order(order_from_stream(user_order("o1"))) == []
    assert state.apply_position(LivePosition.from_stream(stream_position("1.00"))) == []


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def classify(event: tuple[str, Any]) -> tuple[str, Any]:
    return event


def test_the_flow_snapshots_first_reads_the_balance_when_quiet_and_reconciles_after_a_loss() -> (
    None
):
    clock = Clock()
    state = PortfolioState()
    flow = live_flow(LivePolicy(reconcile_every_s=30, wall=clock), state, classify)
    assert flow.send(None) == Receive(0.0)  # apply what is buffered before the snapshot
    assert flow.send([]) == TakeSnapshot("start")
    action = flow.send(Snapshot([order_from_stream(user_order("o1"))], [], balance(100)))
    assert isinstance(action, Publish) and isinstance(action.changes[-1], Reconciled)
    assert flow.send(None) == Receive(30.0)
    canceled = ("user_order", user_order("o1", "canceled", updated_ms=5_000))
    assert isinstance(flow.send([canceled]), Publish)
    assert flow.send(None) == Receive(0.0)  # the balance is stale: poll until quiet
    assert flow.send([]) == ReadBalance()
    assert isinstance(flow.send(balance(150)), Publish)
    assert flow.send(None) == Receive(30.0)
    # A reported loss: drain, snapshot, and read back an order that ended unseen.
    state.apply_order(order_from_stream(user_order("o2")))
    assert flow.send([("lost", "messages_lost")]) == Receive(0.0)
    assert flow.send([]) == TakeSnapshot("messages_lost")
    assert flow.send(Snapshot([], [], balance(150))) == ReadOrder("o2")
    action = flow.send(order_from_stream(user_order("o2", "executed", updated_ms=9_000)))
    assert isinstance(action, Publish)
    assert state.order_status("o2") == "executed" and state.orders == {}
    clock.now = 31
    assert flow.send(None) == Receive(0.0)
    assert flow.send([]) == TakeSnapshot("periodic")


def test_a_snapshot_lagging_a_cancel_does_not_bring_the_order_back_to_resting() -> None:
    # The stream said the order was canceled; REST, a moment behind, still lists it resting.
    # An order never leaves canceled or executed: the view keeps it out of the book.
    state = PortfolioState()
    state.apply_order(order_from_stream(user_order("o1", updated_ms=1_000)))
    state.apply_order(order_from_stream(user_order("o1", "canceled", updated_ms=2_000)))
    stale = order_from_stream(user_order("o1", updated_ms=1_000))
    changes, gone = state.apply_snapshot(Snapshot([stale], [], balance(0)))
    assert state.orders == {}
    assert state.order_status("o1") == "canceled"
    assert gone == [] and not [c for c in changes if isinstance(c, OrderChanged)]


def test_an_empty_market_tickers_list_is_a_clear_error_not_an_empty_view() -> None:
    with pytest.raises(ValueError, match="market_tickers"):
        PortfolioState([])


def test_a_subaccounts_position_message_is_not_mixed_into_the_primary_view() -> None:
    from kalshi_ext.feed_io import classify_live_event
    from kalshi_ext.stream.events import StreamMessage

    primary = StreamMessage("market_positions", 1, None, stream_position("2.00"))
    assert classify_live_event(primary) == ("market_position", primary.msg)
    explicit = StreamPosition.from_dict({**stream_position("2.00").to_dict(), "subaccount": 0})
    assert classify_live_event(StreamMessage("market_positions", 1, None, explicit))[0] == (
        "market_position"
    )
    other = StreamPosition.from_dict({**stream_position("5.00").to_dict(), "subaccount": 3})
    assert classify_live_event(StreamMessage("market_positions", 1, None, other)) == (
        "other",
        None,
    )
