"""Read-only snapshots of the local exchange's state, in integer units, for test assertions.

Prices and money are centicents (1/10,000 dollar, exact on the sub-penny market too); the
`*_cents` properties are the same amounts in whole cents and raise ValueError on a sub-penny one.
"""

from __future__ import annotations

from attrs import frozen

from kalshi_ext.testing.engine import (
    CENTICENTS_PER_CENT,
    Fill,
    Market,
    Order,
    OrderStatus,
    Outcome,
    Position,
    Settlement,
    Side,
    TimeInForce,
    whole_cents,
)


@frozen
class OrderView:
    order_id: str
    client_order_id: str
    ticker: str
    side: Side
    price_centicents: int
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
            price_centicents=order.price_centicents,
            initial_count=order.initial_count,
            fill_count=order.fill_count,
            remaining_count=order.remaining,
            status=order.status,
            time_in_force=order.time_in_force,
            subaccount=order.subaccount,
            order_group_id=order.order_group_id,
        )

    @property
    def price_cents(self) -> int:
        return whole_cents(self.price_centicents, "price")


@frozen
class FillView:
    fill_id: str
    order_id: str
    ticker: str
    side: Side
    price_centicents: int
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
            price_centicents=fill.price_centicents,
            count=fill.count,
            is_taker=fill.is_taker,
            fee_cents=fill.fee_cents,
            subaccount=fill.subaccount,
        )

    @property
    def price_cents(self) -> int:
        return whole_cents(self.price_centicents, "price")


@frozen
class PositionView:
    ticker: str
    event_ticker: str
    subaccount: int
    position: int  # positive: YES contracts, negative: NO contracts
    exposure_centicents: int
    traded_cost_centicents: int
    realized_pnl_centicents: int
    fees_paid_cents: int

    @classmethod
    def of(cls, position: Position) -> PositionView:
        return cls(
            ticker=position.ticker,
            event_ticker=position.event_ticker,
            subaccount=position.subaccount,
            position=position.signed,
            exposure_centicents=position.exposure_centicents,
            traded_cost_centicents=position.traded_cost_centicents,
            realized_pnl_centicents=position.realized_pnl_centicents,
            fees_paid_cents=position.fees_paid_cents,
        )

    @property
    def exposure_cents(self) -> int:
        return whole_cents(self.exposure_centicents, "exposure")

    @property
    def traded_cost_cents(self) -> int:
        return whole_cents(self.traded_cost_centicents, "traded_cost")

    @property
    def realized_pnl_cents(self) -> int:
        return whole_cents(self.realized_pnl_centicents, "realized_pnl")


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
    """A market's resting liquidity (everyone's), as (price, contracts) levels.

    `bids`/`asks` and `best_bid`/`best_ask` are in cents (penny markets); the `*_centicents`
    ones work on every market.
    """

    ticker: str
    tick_centicents: int
    bids_centicents: tuple[tuple[int, int], ...]  # best (highest) first
    asks_centicents: tuple[tuple[int, int], ...]  # best (lowest) first
    result: Outcome | None

    @classmethod
    def of(cls, market: Market) -> BookView:
        return cls(
            market.ticker,
            market.tick_centicents,
            _levels(market.bids),
            _levels(market.asks),
            market.result,
        )

    @property
    def bids(self) -> tuple[tuple[int, int], ...]:
        return _in_cents(self.bids_centicents)

    @property
    def asks(self) -> tuple[tuple[int, int], ...]:
        return _in_cents(self.asks_centicents)

    @property
    def best_bid(self) -> int | None:
        return self.bids[0][0] if self.bids else None

    @property
    def best_ask(self) -> int | None:
        return self.asks[0][0] if self.asks else None

    @property
    def best_bid_centicents(self) -> int | None:
        return self.bids_centicents[0][0] if self.bids_centicents else None

    @property
    def best_ask_centicents(self) -> int | None:
        return self.asks_centicents[0][0] if self.asks_centicents else None


def _levels(orders: list[Order]) -> tuple[tuple[int, int], ...]:
    levels: dict[int, int] = {}
    for order in orders:  # already in priority order, so levels come out best first
        price = order.price_centicents
        levels[price] = levels.get(price, 0) + order.remaining
    return tuple(levels.items())


def _in_cents(levels: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    if any(price % CENTICENTS_PER_CENT for price, _ in levels):
        raise ValueError("this book has sub-penny prices: read bids_centicents/asks_centicents")
    return tuple((price // CENTICENTS_PER_CENT, count) for price, count in levels)
