"""The local exchange's WebSocket messages: engine events rendered as Kalshi's channel payloads.

Each engine event becomes zero or more `Publication`s: the channel it belongs to, the market it
concerns (for per-market subscriptions; None on order_group_updates, which ignores markets) and
the `msg` body, copied out of the live engine state at the moment of the event. Field names and
formats follow openapi/kalshi-ws.yaml (derived from Kalshi's AsyncAPI document); ids are the
REST ids: a fill's `trade_id` is its REST `fill_id`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from kalshi_ext.testing.engine import (
    EXCHANGE_INDEX,
    EngineEvent,
    FillBooked,
    GroupChanged,
    OrderChanged,
    Position,
    PositionChanged,
    outcome_of,
)
from kalshi_ext.testing.fixed_point import (
    count_fp,
    dollars,
    dollars_6dp,
    dollars_6dp_from_centicents,
    dollars_from_centicents,
)
from kalshi_ext.testing.routes import iso

JSON = dict[str, Any]

# Channel -> the `type` of its data frames.
MESSAGE_TYPES: dict[str, str] = {
    "fill": "fill",
    "user_orders": "user_order",
    "market_positions": "market_position",
    "order_group_updates": "order_group_updates",
}
SEQUENCED_CHANNELS = frozenset({"order_group_updates"})


class Publication(NamedTuple):
    channel: str
    market_ticker: str | None
    msg: JSON


def publications(event: EngineEvent) -> list[Publication]:
    """What the channels carry for one engine event (a fill also moves the position)."""
    if isinstance(event, FillBooked):
        return [
            Publication("fill", event.fill.ticker, fill_msg(event)),
            Publication(
                "market_positions",
                event.position.ticker,
                market_position_msg(event.user_id, event.position),
            ),
        ]
    if isinstance(event, OrderChanged):
        return [Publication("user_orders", event.order.ticker, user_order_msg(event))]
    if isinstance(event, PositionChanged):
        msg = market_position_msg(event.user_id, event.position)
        return [Publication("market_positions", event.position.ticker, msg)]
    return [Publication("order_group_updates", None, order_group_msg(event))]


def fill_msg(event: FillBooked) -> JSON:
    fill, order = event.fill, event.order
    outcome = outcome_of(fill.side)
    msg: JSON = {
        "trade_id": fill.fill_id,
        "order_id": fill.order_id,
        "market_ticker": fill.ticker,
        "exchange_index": EXCHANGE_INDEX,
        "is_taker": fill.is_taker,
        "side": "yes",  # legacy: V2 orders are all on the YES leg, bought (bid) or sold (ask)
        "yes_price_dollars": dollars_from_centicents(fill.price_centicents),
        "count_fp": count_fp(fill.count),
        "fee_cost": dollars_6dp(fill.fee_cents),
        "action": "buy" if fill.side == "bid" else "sell",
        "outcome_side": outcome,
        "book_side": fill.side,
        "ts": int(fill.created),
        "ts_ms": int(fill.created * 1000),
        "post_position_fp": count_fp(event.position.signed),
        "purchased_side": outcome,
        "subaccount": fill.subaccount,
    }
    if order.client_order_id:
        msg["client_order_id"] = order.client_order_id
    return msg


def user_order_msg(event: OrderChanged) -> JSON:
    order = event.order
    msg: JSON = {
        "order_id": order.order_id,
        "user_id": event.user_id,
        "ticker": order.ticker,
        "exchange_index": EXCHANGE_INDEX,
        "status": order.status,
        "side": "yes",
        "is_yes": True,
        "outcome_side": outcome_of(order.side),
        "book_side": order.side,
        "yes_price_dollars": dollars_from_centicents(order.price_centicents),
        "fill_count_fp": count_fp(order.fill_count),
        "remaining_count_fp": count_fp(order.remaining),
        "initial_count_fp": count_fp(order.initial_count),
        "taker_fill_cost_dollars": dollars_6dp_from_centicents(order.taker_cost_centicents),
        "maker_fill_cost_dollars": dollars_6dp_from_centicents(order.maker_cost_centicents),
        "taker_fees_dollars": dollars_6dp(order.taker_fees_cents),
        "maker_fees_dollars": dollars_6dp(order.maker_fees_cents),
        "client_order_id": order.client_order_id,
        "created_time": iso(order.created),
        "created_ts_ms": int(order.created * 1000),
        "self_trade_prevention_type": order.self_trade_prevention,
        "last_update_time": iso(order.last_update),
        "last_updated_ts_ms": int(order.last_update * 1000),
        "subaccount_number": order.subaccount,
    }
    if order.order_group_id is not None:
        msg["order_group_id"] = order.order_group_id
    if order.expiration_ts is not None:
        msg["expiration_time"] = iso(order.expiration_ts)
        msg["expiration_ts_ms"] = order.expiration_ts * 1000
    if event.reason is not None:
        msg["last_update_reason"] = event.reason
    return msg


def market_position_msg(user_id: str, position: Position) -> JSON:
    return {
        "user_id": user_id,
        "market_ticker": position.ticker,
        "position_fp": count_fp(position.signed),
        "position_cost_dollars": dollars_from_centicents(position.exposure_centicents),
        "realized_pnl_dollars": dollars_from_centicents(position.realized_pnl_centicents),
        "fees_paid_dollars": dollars(position.fees_paid_cents),
        "position_fee_cost_dollars": dollars(position.fees_paid_cents),
        "volume_fp": count_fp(position.traded_contracts),
        "subaccount": position.subaccount,
    }


def order_group_msg(event: GroupChanged) -> JSON:
    msg: JSON = {
        "event_type": event.event_type,
        "order_group_id": event.group.group_id,
        "ts_ms": event.ts_ms,
    }
    if event.event_type in ("created", "limit_updated"):
        msg["contracts_limit_fp"] = count_fp(event.group.contracts_limit)
    return msg
