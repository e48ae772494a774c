"""The engine's event listener and the WebSocket frames rendered from it: no sockets, fake clock."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_ext.testing.engine import (
    Engine,
    EngineEvent,
    FillBooked,
    GroupChanged,
    OrderChanged,
    OrderRequest,
    PositionChanged,
)
from kalshi_ext.testing.ws_frames import MESSAGE_TYPES, publications
from kalshi_generated.ws import models

T = "KXDEMO-26DEC31-T50"
MODELS: dict[str, Any] = {
    "fill": models.FillMessage,
    "user_orders": models.UserOrderMessage,
    "market_positions": models.MarketPositionMessage,
    "order_group_updates": models.OrderGroupUpdatesMessage,
}


class Recorder:
    """Keeps every event with what the engine's fill list held when it was told."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.events: list[EngineEvent] = []
        self.fills_known: list[set[str]] = []
        self.frames: list[tuple[str, dict[str, Any]]] = []
        engine.listener = self

    def __call__(self, event: EngineEvent) -> None:
        self.events.append(event)
        self.fills_known.append({f.fill_id for f in self.engine.fills})
        for item in publications(event):  # rendered now, as the server does
            self.frames.append((item.channel, item.msg))


def engine() -> Engine:
    clock = iter(range(1_800_000_000, 1_900_000_000))
    return Engine(seed=3, starting_balance_cents=1_000_000, clock=lambda: float(next(clock)))


def test_a_fill_is_recorded_before_the_listener_hears_of_it() -> None:
    exchange = engine()
    recorder = Recorder(exchange)
    exchange.place_order(OrderRequest(T, "bid", 52, 30))
    booked = [(i, e) for i, e in enumerate(recorder.events) if isinstance(e, FillBooked)]
    assert booked
    for index, event in booked:
        assert event.fill.fill_id in recorder.fills_known[index]


def test_every_rendered_frame_parses_with_the_generated_models() -> None:
    exchange = engine()
    recorder = Recorder(exchange)
    group = exchange.create_group(0, 50)
    exchange.place_order(OrderRequest(T, "bid", 52, 30, order_group_id=group.group_id))
    resting = exchange.place_order(OrderRequest(T, "bid", 50, 5, client_order_id="c-1"))
    exchange.add_other_order(T, "ask", 50, 2)
    exchange.decrease_order(resting.order.order_id, subaccount=0, reduce_by=1, reduce_to=None)
    exchange.update_group_limit(group.group_id, 0, 10)
    exchange.settle(T, "yes")
    channels = {channel for channel, _ in recorder.frames}
    assert channels == set(MESSAGE_TYPES)
    for sid, (channel, msg) in enumerate(recorder.frames, start=1):
        frame = {"type": MESSAGE_TYPES[channel], "sid": sid, "msg": msg}
        if channel == "order_group_updates":
            frame["seq"] = sid
        parsed = MODELS[channel].from_dict(frame)
        assert parsed.to_dict()["msg"].keys() == msg.keys()
    reasons = [e.reason for e in recorder.events if isinstance(e, OrderChanged)]
    assert {"Trade", "Decrease", "CloseCancel"} <= set(reasons)
    assert any(isinstance(e, PositionChanged) for e in recorder.events)
    kinds = [e.event_type for e in recorder.events if isinstance(e, GroupChanged)]
    assert kinds[0] == "created" and "limit_updated" in kinds


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.booleans(),  # the account's order (True) or another trader's
            st.sampled_from(["bid", "ask"]),
            st.integers(min_value=44, max_value=56),
            st.integers(min_value=1, max_value=25),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_frames_agree_with_the_engine_state(
    actions: list[tuple[bool, Any, int, int]],
) -> None:
    exchange = engine()
    recorder = Recorder(exchange)
    for own, side, price, count in actions:
        if own:
            exchange.place_order(OrderRequest(T, side, price, count))
        else:
            exchange.add_other_order(T, side, price, count)
    fills = [msg for channel, msg in recorder.frames if channel == "fill"]
    # One fill frame per recorded fill, with the REST id as trade_id, in order.
    assert [f["trade_id"] for f in fills] == [f.fill_id for f in exchange.fills]
    # The last user_order frame of each order matches the order's final counts and status.
    last_update: dict[str, dict[str, Any]] = {}
    for channel, msg in recorder.frames:
        if channel == "user_orders":
            last_update[msg["order_id"]] = msg
    assert last_update.keys() == exchange.orders.keys()
    for order_id, order in exchange.orders.items():
        msg = last_update[order_id]
        assert msg["status"] == order.status
        assert msg["fill_count_fp"] == f"{order.fill_count}.00"
        filled = sum(int(f["count_fp"][:-3]) for f in fills if f["order_id"] == order_id)
        assert filled == order.fill_count
    # The last market_position frame is the position; each fill's post_position matches it.
    positions = [msg for channel, msg in recorder.frames if channel == "market_positions"]
    if fills:
        (position,) = exchange.positions.values()
        signed = f"{position.signed}.00" if position.signed >= 0 else f"-{-position.signed}.00"
        assert positions[-1]["position_fp"] == fills[-1]["post_position_fp"] == signed
    else:
        assert positions == []
