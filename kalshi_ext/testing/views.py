"""Read-only snapshots of the local exchange's state, in integer units, for test assertions."""

from __future__ import annotations

from attrs import frozen

from kalshi_ext.testing.engine import (
    Fill,
    Market,
    Order,
    OrderStatus,
    Outcome,
    Position,
    Settlement,
    Side,
    TimeInForce,
)


@frozen
class OrderView:
    order_id: str
    client_order_id: str
    ticker: str
    side: Side
    price_cents: int
    initial_count: int
    fill_count: int
    remaining_count: int
    status: OrderStatus
    time_in_force: TimeInForce
    subaccount: int
    order_group_id: str | None

    @classmethod
    def of(cls, order: Order) -> OrderView:
        return cls(
            order_id=order.order_id,
            client_order_id=order.client_order_id,
            ticker=order.ticker,
            side=order.side,
            price_cents=order.price,
            initial_count=order.initial_count,
            fill_count=order.fill_count,
            remaining_count=order.remaining,
            status=order.status,
            time_in_force=order.time_in_force,
            subaccount=order.subaccount,
            order_group_id=order.order_group_id,
        )


@frozen
class FillView:
    fill_id: str
    order_id: str
    ticker: str
    side: Side
    price_cents: int
    count: int
    is_taker: bool
    fee_cents: int
    subaccount: int

    @classmethod
    def of(cls, fill: Fill) -> FillView:
        return cls(
            fill_id=fill.fill_id,
            order_id=fill.order_id,
            ticker=fill.ticker,
            side=fill.side,
            price_cents=fill.price,
            count=fill.count,
            is_taker=fill.is_taker,
            fee_cents=fill.fee_cents,
            subaccount=fill.subaccount,
        )


@frozen
class PositionView:
    ticker: str
    event_ticker: str
    subaccount: int
    position: int  # positive: YES contracts, negative: NO contracts
    exposure_cents: int
    traded_cost_cents: int
    realized_pnl_cents: int
    fees_paid_cents: int

    @classmethod
    def of(cls, position: Position) -> PositionView:
        return cls(
            ticker=position.ticker,
            event_ticker=position.event_ticker,
            subaccount=position.subaccount,
            position=position.signed,
            exposure_cents=position.exposure_cents,
            traded_cost_cents=position.traded_cost_cents,
            realized_pnl_cents=position.realized_pnl_cents,
            fees_paid_cents=position.fees_paid_cents,
        )


@frozen
class SettlementView:
    ticker: str
    subaccount: int
    result: Outcome
    yes_count: int
    no_count: int
    revenue_cents: int

    @classmethod
    def of(cls, settlement: Settlement) -> SettlementView:
        return cls(
            ticker=settlement.ticker,
            subaccount=settlement.subaccount,
            result=settlement.result,
            yes_count=settlement.yes_count,
            no_count=settlement.no_count,
            revenue_cents=settlement.revenue_cents,
        )


@frozen
class BookView:
    """A market's resting liquidity (everyone's), as (price in cents, contracts) levels."""

    ticker: str
    bids: tuple[tuple[int, int], ...]  # best (highest) first
    asks: tuple[tuple[int, int], ...]  # best (lowest) first
    result: Outcome | None

    @classmethod
    def of(cls, market: Market) -> BookView:
        return cls(market.ticker, _levels(market.bids), _levels(market.asks), market.result)

    @property
    def best_bid(self) -> int | None:
        return self.bids[0][0] if self.bids else None

    @property
    def best_ask(self) -> int | None:
        return self.asks[0][0] if self.asks else None


def _levels(orders: list[Order]) -> tuple[tuple[int, int], ...]:
    levels: dict[int, int] = {}
    for order in orders:  # already in priority order, so levels come out best first
        levels[order.price] = levels.get(order.price, 0) + order.remaining
    return tuple(levels.items())
