"""The local exchange's state machine: seeded books, matching, orders, fills, positions and money.

The model, kept small but coherent (nothing here knows about HTTP):

- Binary markets always quoted as the YES price. `bid` buys YES at `price`; `ask` sells YES at
  `price`, which is the same as buying NO at `$1 - price` (the spec's `BookSide`: "`bid` means
  buy YES, `ask` means sell YES"). So a bid has `outcome_side` "yes" and an ask "no".
- Prices and money are integer centicents (1/10,000 dollar), so a market may tick finer than a
  cent: each market has its tick (`Market.tick_centicents`: 100 for the penny markets, 10 for
  the $0.001 sub-penny one) and prices run from one tick to $1 less one tick. The cent-named
  accessors (`Order.price`, `Account.cash_cents`, `OrderRequest(price=56)`, ...) are the same
  amounts in whole cents, for the penny markets and the tests written against them.
- Whole contracts only (the local markets do not enable fractional trading).
- A crossing order trades at the resting (maker) price, best price first, then time priority.
  Takers pay Kalshi's general fee, `ceil(0.07 * count * p * (1 - p))` dollars rounded up to the
  cent, computed per fill; makers pay nothing.
- Opening a contract costs its side's price (`p` for YES, `$1 - p` for NO). Buying the side
  opposite to a held position closes it first: the YES/NO pair redeems for $1 (lots close first
  in, first out; `realized_pnl` excludes fees). Fees are whole cents.
- The available balance is cash minus the reserve of resting orders: every resting contract
  reserves its opening cost. An order must fit in the available balance: the opening cost and
  fees of its immediate fills plus the reserve of whatever part rests (held positions are not
  netted against it, which is stricter than Kalshi).
- Orders from "other traders" only exist in the books; the account's own orders, fills,
  positions and settlements are what the /portfolio API reports.
- Every change to the account's orders, fills, positions and order groups is told to
  `Engine.listener` (the WebSocket side of the local exchange) as an `EngineEvent`, after the
  change is recorded: a fill is in `Engine.fills` before anyone hears of it.
"""

from __future__ import annotations

import itertools
import random
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Literal, NamedTuple

from attrs import define, field, frozen

from kalshi_ext.testing.exchange_error import ExchangeError, invalid, not_found

Side = Literal["bid", "ask"]
Outcome = Literal["yes", "no"]
TimeInForce = Literal["fill_or_kill", "good_till_canceled", "immediate_or_cancel"]
SelfTradePrevention = Literal["taker_at_cross", "maker"]
OrderStatus = Literal["resting", "canceled", "executed"]
GroupEventType = Literal["created", "triggered", "reset", "deleted", "limit_updated"]
# Kalshi's user_order `last_update_reason` values this engine produces.
UpdateReason = Literal[
    "Trade", "Amend", "Decrease", "SelfTradeCancel", "ExpiryCancel", "CloseCancel"
]

GROUP_WINDOW_S = 15.0
MAX_SUBACCOUNT = 63
EXCHANGE_INDEX = 0

CENTICENTS_PER_CENT = 100
DOLLAR_CENTICENTS = 10_000  # what a YES/NO pair redeems for, and a winning contract pays
PENNY_TICK = 100  # $0.01
SUB_PENNY_TICK = 10  # $0.001


class SeededMarket(NamedTuple):
    ticker: str
    event_ticker: str
    mid_centicents: int  # the book's levels are 1, 2 and 3 ticks either side of it
    tick_centicents: int


SEEDED: tuple[SeededMarket, ...] = (
    SeededMarket("KXDEMO-26DEC31-T50", "KXDEMO-26DEC31", 5000, PENNY_TICK),
    SeededMarket("KXDEMO-26DEC31-T60", "KXDEMO-26DEC31", 3800, PENNY_TICK),
    SeededMarket("KXWX-26JUN30-T80", "KXWX-26JUN30", 7100, PENNY_TICK),
    SeededMarket("KXSUBPENNY-26DEC31-T25", "KXSUBPENNY-26DEC31", 2550, SUB_PENNY_TICK),
)
# (market ticker, event ticker, mid price in whole cents, rounded down) of the seeded markets:
# the older shape of SEEDED, kept for callers that unpack three fields.
SEEDED_MARKETS: tuple[tuple[str, str, int], ...] = tuple(
    (m.ticker, m.event_ticker, m.mid_centicents // CENTICENTS_PER_CENT) for m in SEEDED
)


@frozen
class Centicents:
    """A price in centicents where the engine's price arguments take whole cents (an int)."""

    value: int


PriceArg = int | Centicents  # an int is whole cents, as before sub-penny markets


def as_centicents(price: PriceArg) -> int:
    return price.value if isinstance(price, Centicents) else price * CENTICENTS_PER_CENT


def whole_cents(centicents: int, what: str) -> int:
    """An amount in whole cents; a sub-penny amount has no such value and says so."""
    cents, rest = divmod(centicents, CENTICENTS_PER_CENT)
    if rest:
        raise ValueError(
            f"{what} is ${dollars_text(centicents)}, not whole cents (a sub-penny amount): "
            "read the *_centicents value instead"
        )
    return cents


def opening_unit(side: Side, price: int, *, pair: int = 100) -> int:
    """What one contract costs to open: the YES price for a bid, the NO price for an ask.

    `pair` is $1 in the unit of `price`: 100 for cents, DOLLAR_CENTICENTS for centicents.
    """
    return price if side == "bid" else pair - price


def outcome_of(side: Side) -> Outcome:
    return "yes" if side == "bid" else "no"


def taker_fee_cents(count: int, price: int) -> int:
    """ceil(0.07 * count * p * (1 - p)) dollars, in cents, with p = price / 100."""
    return taker_fee_cents_at(count, price * CENTICENTS_PER_CENT)


def taker_fee_cents_at(count: int, price_centicents: int) -> int:
    """The same fee, rounded up to the cent, for a price in centicents (p = price / 10,000)."""
    return -(-7 * count * price_centicents * (DOLLAR_CENTICENTS - price_centicents) // 10**8)


def crosses(side: Side, limit: int, resting_price: int) -> bool:
    return resting_price <= limit if side == "bid" else resting_price >= limit


@frozen
class OrderRequest:
    """A validated CreateOrderV2 body in integer units."""

    ticker: str
    side: Side
    price: PriceArg  # whole cents, or Centicents(...) for any tick
    count: int
    time_in_force: TimeInForce = "good_till_canceled"
    self_trade_prevention: SelfTradePrevention = "taker_at_cross"
    client_order_id: str = ""
    post_only: bool = False
    reduce_only: bool = False
    cancel_order_on_pause: bool = False
    subaccount: int = 0
    order_group_id: str | None = None
    expiration_ts: int | None = None

    @property
    def price_centicents(self) -> int:
        return as_centicents(self.price)


@define
class Order:
    order_id: str
    is_own: bool
    subaccount: int
    client_order_id: str
    ticker: str
    side: Side
    price_centicents: int
    initial_count: int
    time_in_force: TimeInForce
    self_trade_prevention: SelfTradePrevention
    post_only: bool
    reduce_only: bool
    cancel_order_on_pause: bool
    order_group_id: str | None
    expiration_ts: int | None
    created: float
    seq: int
    last_update: float
    priority: int = 0
    fill_count: int = 0
    remaining: int = 0
    status: OrderStatus = "resting"
    taker_cost_centicents: int = 0
    maker_cost_centicents: int = 0
    taker_fees_cents: int = 0
    maker_fees_cents: int = 0

    @property
    def price(self) -> int:
        """The limit price in whole cents (ValueError on a sub-penny price)."""
        return whole_cents(self.price_centicents, "the order's price")


@define
class Fill:
    seq: int
    fill_id: str
    order_id: str
    ticker: str
    side: Side
    price_centicents: int
    count: int
    is_taker: bool
    fee_cents: int
    created: float
    subaccount: int

    @property
    def price(self) -> int:
        """The YES price in whole cents (ValueError on a sub-penny price)."""
        return whole_cents(self.price_centicents, "the fill's price")


@define
class Lot:
    count: int
    unit_centicents: int


@define
class Position:
    seq: int
    subaccount: int
    ticker: str
    event_ticker: str
    updated: float
    outcome: Outcome | None = None
    lots: list[Lot] = field(factory=list)
    traded_cost_centicents: int = 0
    traded_contracts: int = 0
    realized_pnl_centicents: int = 0
    fees_paid_cents: int = 0

    @property
    def realized_pnl_cents(self) -> int:
        return whole_cents(self.realized_pnl_centicents, "realized_pnl")

    @property
    def traded_cost_cents(self) -> int:
        return whole_cents(self.traded_cost_centicents, "traded_cost")

    @property
    def count(self) -> int:
        return sum(lot.count for lot in self.lots)

    @property
    def signed(self) -> int:
        """Positive for YES contracts, negative for NO (the spec's `position_fp`)."""
        return self.count if self.outcome == "yes" else -self.count

    @property
    def exposure_centicents(self) -> int:
        return sum(lot.count * lot.unit_centicents for lot in self.lots)

    @property
    def exposure_cents(self) -> int:
        return whole_cents(self.exposure_centicents, "exposure")


@define
class Settlement:
    seq: int
    subaccount: int
    ticker: str
    event_ticker: str
    result: Outcome
    yes_count: int
    yes_cost_centicents: int
    no_count: int
    no_cost_centicents: int
    revenue_cents: int
    fee_cents: int
    settled: float

    @property
    def yes_cost_cents(self) -> int:
        return whole_cents(self.yes_cost_centicents, "yes_cost")

    @property
    def no_cost_cents(self) -> int:
        return whole_cents(self.no_cost_centicents, "no_cost")


@define
class OrderGroup:
    seq: int
    group_id: str
    subaccount: int
    contracts_limit: int
    triggered: bool = False
    matches: list[tuple[float, int]] = field(factory=list)
    order_ids: list[str] = field(factory=list)

    def matched(self, now: float) -> int:
        """Contracts matched inside the rolling window ending now."""
        self.matches = [(ts, n) for ts, n in self.matches if now - ts < GROUP_WINDOW_S]
        return sum(n for _, n in self.matches)

    def allowance(self, now: float) -> int:
        return max(0, self.contracts_limit - self.matched(now))


@define
class Account:
    number: int
    cash_centicents: int
    updated: float
    netting_enabled: bool = True

    @property
    def cash_cents(self) -> int:
        return whole_cents(self.cash_centicents, "cash")


@define
class SubaccountTransfer:
    seq: int
    transfer_id: str
    client_transfer_id: str
    from_subaccount: int
    to_subaccount: int
    amount_cents: int
    created: float


@define
class IntraTransfer:
    seq: int
    transfer_id: str
    source: str
    destination: str
    source_shard: int
    destination_shard: int
    amount_centicents: int
    created: float


@define
class CashMovement:
    """A deposit or a withdrawal."""

    seq: int
    movement_id: str
    amount_cents: int
    created: float
    method: str = "ach"
    fee_cents: int = 0
    status: str = "applied"


@define
class Market:
    ticker: str
    event_ticker: str
    tick_centicents: int = PENNY_TICK
    bids: list[Order] = field(factory=list)  # best (highest) price first, then time
    asks: list[Order] = field(factory=list)  # best (lowest) price first, then time
    result: Outcome | None = None

    def book(self, side: Side) -> list[Order]:
        return self.bids if side == "bid" else self.asks

    def opposite(self, side: Side) -> list[Order]:
        return self.asks if side == "bid" else self.bids

    def insert(self, order: Order) -> None:
        book = self.book(order.side)
        book.append(order)
        if order.side == "bid":
            book.sort(key=lambda o: (-o.price_centicents, o.priority))
        else:
            book.sort(key=lambda o: (o.price_centicents, o.priority))

    def remove(self, order: Order) -> None:
        self.book(order.side).remove(order)

    def check_price(self, price_centicents: int, field: str = "price") -> None:
        """Refuse a price off this market's tick or outside one tick to $1 less one tick."""
        tick = self.tick_centicents
        if price_centicents % tick:
            raise invalid(
                f"{field} {dollars_text(price_centicents)} is off tick: prices on {self.ticker} "
                f"move in steps of ${dollars_text(tick)}"
            )
        if not tick <= price_centicents <= DOLLAR_CENTICENTS - tick:
            raise invalid(
                f"{field} {dollars_text(price_centicents)} is out of range: prices on "
                f"{self.ticker} run from {dollars_text(tick)} to "
                f"{dollars_text(DOLLAR_CENTICENTS - tick)}"
            )


def dollars_text(centicents: int) -> str:
    """0.455 for 4550, 0.01 for 100: the shortest exact dollar amount, for messages."""
    sign = "-" if centicents < 0 else ""
    whole, frac = divmod(abs(centicents), DOLLAR_CENTICENTS)
    return f"{sign}{whole}.{f'{frac:04d}'.rstrip('0').ljust(2, '0')}"


@frozen
class OrderChanged:
    """One of the account's orders was created or changed (status, counts, price)."""

    user_id: str
    order: Order
    reason: UpdateReason | None


@frozen
class FillBooked:
    """A fill of one of the account's orders, with the order and the position after it."""

    user_id: str
    fill: Fill
    order: Order
    position: Position


@frozen
class PositionChanged:
    """A position changed without a fill (settlement)."""

    user_id: str
    position: Position


@frozen
class GroupChanged:
    user_id: str
    group: OrderGroup
    event_type: GroupEventType
    ts_ms: int


# The objects inside are live engine state: a listener must copy what it keeps, before returning.
EngineEvent = OrderChanged | FillBooked | PositionChanged | GroupChanged


@frozen
class Execution:
    """What one placement or amend did right away."""

    order: Order
    fill_count: int
    yes_price_total_centicents: int  # sum of price * count over the fills, for averages
    fees_cents: int
    ts_ms: int

    @property
    def yes_price_total_cents(self) -> int:
        return whole_cents(self.yes_price_total_centicents, "yes_price_total")


@define
class _Plan:
    steps: list[tuple[Order, int]] = field(factory=list)
    self_trade_cancels: list[Order] = field(factory=list)
    halted: bool = False  # the remainder must not rest (self-trade stop or group limit reached)

    @property
    def filled(self) -> int:
        return sum(count for _, count in self.steps)

    def cost_centicents(self, side: Side) -> int:
        return sum(
            opening_unit(side, maker.price_centicents, pair=DOLLAR_CENTICENTS) * count
            + taker_fee_cents_at(count, maker.price_centicents) * CENTICENTS_PER_CENT
            for maker, count in self.steps
        )


class Engine:
    """All exchange state. Not thread-safe: the caller serialises access (LocalExchange locks)."""

    def __init__(
        self,
        *,
        seed: int = 0,
        starting_balance_cents: int = 1_000_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._rng = random.Random(seed)
        self._clock = clock
        self._seq = itertools.count(1)
        now = clock()
        self.user_id = self._new_id()
        self.markets: dict[str, Market] = {}
        self.orders: dict[str, Order] = {}  # the account's own orders, any status
        self._resting: dict[str, Order] = {}  # the account's own resting orders
        self._client_order_ids: set[str] = set()
        self.fills: list[Fill] = []
        self.positions: dict[tuple[int, str], Position] = {}
        self.settlements: list[Settlement] = []
        self.groups: dict[str, OrderGroup] = {}
        self.accounts: dict[int, Account] = {
            0: Account(0, starting_balance_cents * CENTICENTS_PER_CENT, now)
        }
        self.subaccount_transfers: list[SubaccountTransfer] = []
        self._transfers_by_client_id: dict[str, SubaccountTransfer] = {}
        self.intra_transfers: list[IntraTransfer] = []
        self.deposits: list[CashMovement] = [
            CashMovement(self._next_seq(), self._new_id(), starting_balance_cents, now)
        ]
        self.withdrawals: list[CashMovement] = []
        self.target_allocations: list[tuple[int, int]] = []
        self.resting_margin_reservation = "sum"
        # Told of every change to the account, synchronously, under the caller's lock.
        self.listener: Callable[[EngineEvent], None] | None = None
        self._seed_books(now)

    # ---- ids, time ----------------------------------------------------------------------

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _next_seq(self) -> int:
        return next(self._seq)

    def _emit(self, event: EngineEvent) -> None:
        if self.listener is not None:
            self.listener(event)

    def _order_changed(self, order: Order, reason: UpdateReason | None) -> None:
        if order.is_own:
            self._emit(OrderChanged(self.user_id, order, reason))

    def _group_changed(self, group: OrderGroup, event_type: GroupEventType) -> None:
        self._emit(GroupChanged(self.user_id, group, event_type, int(self.now() * 1000)))

    def now(self) -> float:
        return self._clock()

    def _seed_books(self, now: float) -> None:
        for seeded in SEEDED:
            ticker, tick = seeded.ticker, seeded.tick_centicents
            self.markets[ticker] = Market(ticker, seeded.event_ticker, tick)
            for offset in (1, 2, 3):
                for _ in range(2):
                    ask = Centicents(seeded.mid_centicents + offset * tick)
                    bid = Centicents(seeded.mid_centicents - offset * tick)
                    self.add_other_order(ticker, "ask", ask, self._rng.randint(5, 40))
                    self.add_other_order(ticker, "bid", bid, self._rng.randint(5, 40))

    # ---- lookups ------------------------------------------------------------------------

    def account(self, subaccount: int) -> Account:
        account = self.accounts.get(subaccount)
        if account is None:
            raise invalid(f"subaccount {subaccount} does not exist")
        return account

    def _open_market(self, ticker: str) -> Market:
        market = self.markets.get(ticker)
        if market is None:
            raise ExchangeError(400, "market_not_found", f"market {ticker!r} does not exist")
        if market.result is not None:
            raise ExchangeError(400, "market_closed", f"market {ticker!r} has settled")
        return market

    def own_order(self, order_id: str, subaccount: int | None) -> Order:
        order = self.orders.get(order_id)
        if order is None or (subaccount is not None and order.subaccount != subaccount):
            raise not_found(f"order {order_id!r}")
        return order

    def group(self, group_id: str, subaccount: int | None) -> OrderGroup:
        group = self.groups.get(group_id)
        if group is None or (subaccount is not None and group.subaccount != subaccount):
            raise not_found(f"order group {group_id!r}")
        return group

    def resting_orders(self) -> Iterable[Order]:
        return self._resting.values()

    def reserved_centicents(self, subaccount: int | None) -> int:
        return sum(
            opening_unit(o.side, o.price_centicents, pair=DOLLAR_CENTICENTS) * o.remaining
            for o in self._resting.values()
            if subaccount is None or o.subaccount == subaccount
        )

    def available_centicents(self, subaccount: int) -> int:
        return self.account(subaccount).cash_centicents - self.reserved_centicents(subaccount)

    def exposure_centicents(self, subaccount: int) -> int:
        return sum(
            p.exposure_centicents for p in self.positions.values() if p.subaccount == subaccount
        )

    def reserved_cents(self, subaccount: int | None) -> int:
        return whole_cents(self.reserved_centicents(subaccount), "the reserve")

    def available_cents(self, subaccount: int) -> int:
        return whole_cents(self.available_centicents(subaccount), "the available balance")

    def exposure_cents(self, subaccount: int) -> int:
        return whole_cents(self.exposure_centicents(subaccount), "the exposure")

    def queue_position(self, order: Order) -> int:
        """Contracts resting ahead of `order` at its price level (price-time priority)."""
        market = self.markets[order.ticker]
        return sum(
            o.remaining
            for o in market.book(order.side)
            if o.price_centicents == order.price_centicents and o.priority < order.priority
        )

    def expire(self) -> None:
        """Cancel resting orders whose expiration time has passed."""
        now = self.now()
        for order in [o for o in self._resting.values() if o.expiration_ts is not None]:
            if order.expiration_ts is not None and order.expiration_ts <= now:
                self._cancel(order, now, "ExpiryCancel")

    # ---- orders -------------------------------------------------------------------------

    def add_other_order(self, ticker: str, side: Side, price: PriceArg, count: int) -> Order:
        """Another trader's good-till-canceled limit order: it may fill the account's orders.

        `price` is whole cents, or Centicents(...) on any tick (the sub-penny market's).
        """
        now = self.now()
        market = self._open_market(ticker)
        market.check_price(as_centicents(price))
        order = self._new_order(
            OrderRequest(ticker, side, price, count), is_own=False, count=count, now=now
        )
        plan = self._plan(market, order, count, now)
        self._execute(market, order, plan, now)
        self._finish(market, order, rest=not plan.halted, now=now)
        return order

    def place_order(self, request: OrderRequest) -> Execution:
        now = self.now()
        self.expire()
        self._check_client_order_id(request.client_order_id)
        market = self._open_market(request.ticker)
        market.check_price(request.price_centicents)
        self.account(request.subaccount)
        if request.reduce_only and request.time_in_force != "immediate_or_cancel":
            raise invalid("reduce_only orders must use time_in_force 'immediate_or_cancel'")
        if request.post_only and request.time_in_force != "good_till_canceled":
            raise invalid("post_only orders must use time_in_force 'good_till_canceled'")
        if request.expiration_ts is not None:
            if request.time_in_force == "immediate_or_cancel":
                raise invalid("expiration_time cannot be combined with 'immediate_or_cancel'")
            if request.expiration_ts <= now:
                raise invalid("expiration_time must be in the future")
        group = None
        if request.order_group_id is not None:
            group = self.groups.get(request.order_group_id)
            if group is None or group.subaccount != request.subaccount:
                raise invalid(f"order group {request.order_group_id!r} does not exist")
            if group.triggered:
                raise ExchangeError(
                    400,
                    "order_group_triggered",
                    f"order group {group.group_id!r} hit its limit; reset it to place orders",
                )
        if request.post_only and self._would_cross(market, request.side, request.price_centicents):
            raise ExchangeError(400, "post_only_cross", "post_only order would cross the book")

        count = request.count
        if request.reduce_only:
            count = min(count, self._reducible(request.subaccount, request.ticker, request.side))
        order = self._new_order(request, is_own=True, count=count, now=now)
        plan = self._plan(market, order, count, now)
        if request.time_in_force == "fill_or_kill" and plan.filled < count:
            plan = _Plan(halted=True)
        rests = request.time_in_force == "good_till_canceled" and not plan.halted
        unit = opening_unit(order.side, order.price_centicents, pair=DOLLAR_CENTICENTS)
        resting_reserve = unit * (count - plan.filled) if rests else 0
        self._check_funds(request.subaccount, plan.cost_centicents(order.side) + resting_reserve)

        self.orders[order.order_id] = order
        if order.client_order_id:
            self._client_order_ids.add(order.client_order_id)
        if group is not None:
            group.order_ids.append(order.order_id)
        execution = self._execute(market, order, plan, now)
        self._finish(market, order, rest=rests, now=now)
        self._order_changed(order, "Trade" if execution.fill_count else None)
        return execution

    def amend_order(
        self,
        order_id: str,
        *,
        subaccount: int,
        ticker: str,
        side: Side,
        price: PriceArg,
        count: int,
        client_order_id: str | None,
        updated_client_order_id: str | None,
        expiration_ts: int | None,
    ) -> Execution:
        """AmendOrderV2: `count` is the new total (already filled plus the remainder to rest).

        `price` is whole cents, or Centicents(...) on any tick.
        """
        now = self.now()
        self.expire()
        order = self.own_order(order_id, subaccount)
        price_centicents = as_centicents(price)
        if order.ticker != ticker or order.side != side:
            raise invalid("ticker and side must match the order being amended")
        if client_order_id and client_order_id != order.client_order_id:
            raise invalid("client_order_id does not match the order being amended")
        if order.status != "resting":
            raise ExchangeError(400, "order_not_resting", f"order {order_id!r} is {order.status}")
        if count <= order.fill_count:
            raise invalid(
                f"count must exceed the {order.fill_count} contracts already filled; "
                "cancel the order instead"
            )
        if updated_client_order_id and updated_client_order_id != order.client_order_id:
            self._check_client_order_id(updated_client_order_id)
        if expiration_ts is not None and expiration_ts != 0 and expiration_ts <= now:
            raise invalid("expiration_time must be in the future (or 0 to remove it)")
        market = self.markets[order.ticker]
        market.check_price(price_centicents)
        new_remaining = count - order.fill_count

        if price_centicents == order.price_centicents and new_remaining <= order.remaining:
            # Same price and not larger: the order keeps its place in the queue.
            plan = _Plan()
            order.remaining = new_remaining
        else:
            if order.post_only and self._would_cross(market, side, price_centicents):
                raise ExchangeError(400, "post_only_cross", "post_only order would cross the book")
            # Plan as if the order had left the book, at its new price; put it back on failure.
            old_price = order.price_centicents
            market.remove(order)
            del self._resting[order.order_id]
            order.price_centicents = price_centicents
            plan = self._plan(market, order, new_remaining, now)
            unit = opening_unit(side, price_centicents, pair=DOLLAR_CENTICENTS)
            reserve = 0 if plan.halted else unit * (new_remaining - plan.filled)
            try:
                self._check_funds(subaccount, plan.cost_centicents(side) + reserve)
            except ExchangeError:
                order.price_centicents = old_price
                market.insert(order)
                self._resting[order.order_id] = order
                raise
            order.remaining = new_remaining
            order.priority = self._next_seq()

        order.initial_count = count
        if updated_client_order_id and updated_client_order_id != order.client_order_id:
            self._client_order_ids.add(updated_client_order_id)
            order.client_order_id = updated_client_order_id
        if expiration_ts is not None:
            order.expiration_ts = expiration_ts or None
        order.last_update = now
        if not plan.steps and order.order_id in self._resting:
            self._order_changed(order, "Amend")
            return Execution(order, 0, 0, 0, int(now * 1000))
        execution = self._execute(market, order, plan, now)
        self._finish(market, order, rest=not plan.halted, now=now)
        self._order_changed(order, "Amend")
        return execution

    def decrease_order(
        self, order_id: str, *, subaccount: int, reduce_by: int | None, reduce_to: int | None
    ) -> Order:
        now = self.now()
        self.expire()
        order = self.own_order(order_id, subaccount)
        if order.status != "resting":
            raise ExchangeError(400, "order_not_resting", f"order {order_id!r} is {order.status}")
        if (reduce_by is None) == (reduce_to is None):
            raise invalid("provide exactly one of reduce_by or reduce_to")
        if reduce_by is not None:
            target = max(0, order.remaining - reduce_by)
        else:
            assert reduce_to is not None
            if reduce_to >= order.remaining:
                raise invalid(f"reduce_to must be below the remaining count {order.remaining}")
            target = reduce_to
        if target == 0:
            self._cancel(order, now, "Decrease")
        else:
            order.remaining = target
            order.last_update = now
            self._order_changed(order, "Decrease")
        return order

    def cancel_order(self, order_id: str, subaccount: int) -> tuple[Order, int]:
        """Cancel a resting order; returns it and the contracts removed."""
        self.expire()
        order = self.own_order(order_id, subaccount)
        if order.status != "resting":
            raise not_found(f"resting order {order_id!r}")
        return order, self._cancel(order, self.now())

    def cancel_all(self, subaccount: int | None) -> list[Order]:
        now = self.now()
        canceled = [
            o for o in self._resting.values() if subaccount is None or o.subaccount == subaccount
        ]
        for order in canceled:
            self._cancel(order, now)
        return canceled

    # ---- order groups -------------------------------------------------------------------

    def create_group(self, subaccount: int, contracts_limit: int) -> OrderGroup:
        self.account(subaccount)
        group = OrderGroup(self._next_seq(), self._new_id(), subaccount, contracts_limit)
        self.groups[group.group_id] = group
        self._group_changed(group, "created")
        return group

    def delete_group(self, group_id: str, subaccount: int) -> None:
        group = self.group(group_id, subaccount)
        self._cancel_group_orders(group)
        del self.groups[group_id]
        self._group_changed(group, "deleted")

    def reset_group(self, group_id: str, subaccount: int) -> None:
        group = self.group(group_id, subaccount)
        group.matches.clear()
        group.triggered = False
        self._group_changed(group, "reset")

    def trigger_group(self, group_id: str, subaccount: int) -> None:
        self._trigger(self.group(group_id, subaccount))

    def update_group_limit(self, group_id: str, subaccount: int, contracts_limit: int) -> None:
        group = self.group(group_id, subaccount)
        group.contracts_limit = contracts_limit
        self._group_changed(group, "limit_updated")
        if group.matched(self.now()) >= contracts_limit:
            self._trigger(group)

    def _trigger(self, group: OrderGroup) -> None:
        group.triggered = True
        self._cancel_group_orders(group)
        self._group_changed(group, "triggered")

    def _cancel_group_orders(self, group: OrderGroup) -> None:
        now = self.now()
        for order_id in group.order_ids:
            order = self._resting.get(order_id)
            if order is not None:
                self._cancel(order, now)

    # ---- settlement and cash ------------------------------------------------------------

    def settle(self, ticker: str, result: Outcome) -> list[Settlement]:
        now = self.now()
        market = self._open_market(ticker)
        for order in [*market.bids, *market.asks]:
            self._cancel(order, now, "CloseCancel")
        market.result = result
        settled = []
        for position in [p for p in self.positions.values() if p.ticker == ticker]:
            yes_count = position.count if position.outcome == "yes" else 0
            no_count = position.count if position.outcome == "no" else 0
            cost = position.exposure_centicents
            revenue_cents = 100 * (yes_count if result == "yes" else no_count)
            revenue = revenue_cents * CENTICENTS_PER_CENT
            account = self.accounts[position.subaccount]
            account.cash_centicents += revenue
            account.updated = now
            position.realized_pnl_centicents += revenue - cost
            position.lots.clear()
            position.outcome = None
            position.updated = now
            settlement = Settlement(
                seq=self._next_seq(),
                subaccount=position.subaccount,
                ticker=ticker,
                event_ticker=market.event_ticker,
                result=result,
                yes_count=yes_count,
                yes_cost_centicents=cost if yes_count else 0,
                no_count=no_count,
                no_cost_centicents=cost if no_count else 0,
                revenue_cents=revenue_cents,
                fee_cents=position.fees_paid_cents,
                settled=now,
            )
            self.settlements.append(settlement)
            settled.append(settlement)
            self._emit(PositionChanged(self.user_id, position))
        return settled

    def deposit(self, amount_cents: int) -> CashMovement:
        if amount_cents <= 0:
            raise invalid("deposit amount must be positive")
        now = self.now()
        movement = CashMovement(self._next_seq(), self._new_id(), amount_cents, now)
        self.accounts[0].cash_centicents += amount_cents * CENTICENTS_PER_CENT
        self.accounts[0].updated = now
        self.deposits.append(movement)
        return movement

    def withdraw(self, amount_cents: int) -> CashMovement:
        if amount_cents <= 0:
            raise invalid("withdrawal amount must be positive")
        self._check_funds(0, amount_cents * CENTICENTS_PER_CENT)
        now = self.now()
        movement = CashMovement(self._next_seq(), self._new_id(), amount_cents, now)
        self.accounts[0].cash_centicents -= amount_cents * CENTICENTS_PER_CENT
        self.accounts[0].updated = now
        self.withdrawals.append(movement)
        return movement

    def create_subaccount(self) -> Account:
        number = len(self.accounts)
        if number > MAX_SUBACCOUNT:
            raise invalid(f"at most {MAX_SUBACCOUNT} numbered subaccounts")
        account = Account(number, 0, self.now())
        self.accounts[number] = account
        return account

    def transfer(
        self, client_transfer_id: str, from_subaccount: int, to_subaccount: int, amount_cents: int
    ) -> SubaccountTransfer:
        """Move cash between subaccounts; replaying a client_transfer_id is a no-op."""
        previous = self._transfers_by_client_id.get(client_transfer_id)
        if previous is not None:
            same = (previous.from_subaccount, previous.to_subaccount, previous.amount_cents) == (
                from_subaccount,
                to_subaccount,
                amount_cents,
            )
            if not same:
                raise invalid("client_transfer_id was already used with different parameters")
            return previous
        if amount_cents <= 0:
            raise invalid("amount must be positive")
        if from_subaccount == to_subaccount:
            raise invalid("from_subaccount and to_subaccount must differ")
        source = self.account(from_subaccount)
        destination = self.account(to_subaccount)
        self._check_funds(from_subaccount, amount_cents * CENTICENTS_PER_CENT)
        now = self.now()
        source.cash_centicents -= amount_cents * CENTICENTS_PER_CENT
        destination.cash_centicents += amount_cents * CENTICENTS_PER_CENT
        source.updated = destination.updated = now
        transfer = SubaccountTransfer(
            self._next_seq(),
            self._new_id(),
            client_transfer_id,
            from_subaccount,
            to_subaccount,
            amount_cents,
            now,
        )
        self.subaccount_transfers.append(transfer)
        if client_transfer_id:
            self._transfers_by_client_id[client_transfer_id] = transfer
        return transfer

    def intra_transfer(
        self,
        *,
        source: str,
        destination: str,
        amount_centicents: int,
        source_shard: int,
        destination_shard: int,
        source_subaccount: int,
        destination_subaccount: int,
    ) -> IntraTransfer:
        """Only the event-contract instance on shard 0 exists: this is a subaccount transfer."""
        if "margined" in (source, destination):
            raise ExchangeError(
                403, "margined_not_enabled", "the margined exchange instance is not enabled"
            )
        for shard in (source_shard, destination_shard):
            if shard != EXCHANGE_INDEX:
                raise invalid(f"exchange shard {shard} does not exist")
        if amount_centicents <= 0 or amount_centicents % 100:
            raise invalid("amount must be a positive whole number of cents (in centicents)")
        transfer = self.transfer(
            "", source_subaccount, destination_subaccount, amount_centicents // 100
        )
        record = IntraTransfer(
            self._next_seq(),
            transfer.transfer_id,
            source,
            destination,
            source_shard,
            destination_shard,
            amount_centicents,
            transfer.created,
        )
        self.intra_transfers.append(record)
        return record

    # ---- internals ----------------------------------------------------------------------

    def _check_client_order_id(self, client_order_id: str) -> None:
        if client_order_id and client_order_id in self._client_order_ids:
            raise ExchangeError(
                409,
                "order_already_exists",
                f"an order with client_order_id {client_order_id!r} already exists",
            )

    def _check_funds(self, subaccount: int, needed_centicents: int) -> None:
        available = self.available_centicents(subaccount)
        if needed_centicents > available:
            raise ExchangeError(
                400,
                "insufficient_balance",
                f"order needs ${dollars_text(needed_centicents)} but only "
                f"${dollars_text(available)} is available",
            )

    def _reducible(self, subaccount: int, ticker: str, side: Side) -> int:
        position = self.positions.get((subaccount, ticker))
        if position is None or position.outcome is None:
            return 0
        # A bid (buy YES) reduces a NO position; an ask (sell YES) reduces a YES position.
        return position.count if position.outcome != outcome_of(side) else 0

    def _would_cross(self, market: Market, side: Side, price: int) -> bool:
        opposite = market.opposite(side)
        return bool(opposite) and crosses(side, price, opposite[0].price_centicents)

    def _new_order(self, request: OrderRequest, *, is_own: bool, count: int, now: float) -> Order:
        return Order(
            order_id=self._new_id(),
            is_own=is_own,
            subaccount=request.subaccount,
            client_order_id=request.client_order_id,
            ticker=request.ticker,
            side=request.side,
            price_centicents=request.price_centicents,
            initial_count=request.count,
            time_in_force=request.time_in_force,
            self_trade_prevention=request.self_trade_prevention,
            post_only=request.post_only,
            reduce_only=request.reduce_only,
            cancel_order_on_pause=request.cancel_order_on_pause,
            order_group_id=request.order_group_id,
            expiration_ts=request.expiration_ts,
            created=now,
            seq=self._next_seq(),
            last_update=now,
            remaining=count,
        )

    def _plan(self, market: Market, taker: Order, count: int, now: float) -> _Plan:
        """Which resting orders `taker` would trade with, without changing anything."""
        plan = _Plan()
        allowance = count
        taker_group = self.groups.get(taker.order_group_id or "") if taker.is_own else None
        if taker_group is not None:
            allowance = min(count, taker_group.allowance(now))
        group_used: dict[str, int] = {}
        filled = 0
        for maker in market.opposite(taker.side):
            if filled >= allowance or not crosses(
                taker.side, taker.price_centicents, maker.price_centicents
            ):
                break
            if maker.is_own and taker.is_own:
                if taker.self_trade_prevention == "maker":
                    plan.self_trade_cancels.append(maker)
                    continue
                plan.halted = True  # taker_at_cross: stop, keep the fills matched so far
                break
            take = min(allowance - filled, maker.remaining)
            maker_group = self.groups.get(maker.order_group_id or "") if maker.is_own else None
            if maker_group is not None:
                used = group_used.get(maker_group.group_id, 0)
                take = min(take, maker_group.allowance(now) - used)
                if take <= 0:
                    continue
                group_used[maker_group.group_id] = used + take
            plan.steps.append((maker, take))
            filled += take
        if allowance < count and filled >= allowance:
            plan.halted = True  # the taker's group limit is reached: the group triggers
        return plan

    def _execute(self, market: Market, taker: Order, plan: _Plan, now: float) -> Execution:
        for maker in plan.self_trade_cancels:
            self._cancel(maker, now, "SelfTradeCancel")
        touched: list[OrderGroup] = []
        price_total = fees = filled = 0
        for maker, count in plan.steps:
            price = maker.price_centicents
            maker.remaining -= count
            maker.fill_count += count
            maker.last_update = now
            if maker.is_own:
                touched += self._own_fill(maker, price, count, is_taker=False, fee=0, now=now)
            if maker.remaining == 0:
                market.remove(maker)
                maker.status = "executed"
                self._resting.pop(maker.order_id, None)
            self._order_changed(maker, "Trade")
            taker.fill_count += count
            taker.remaining -= count
            taker.last_update = now
            if taker.is_own:
                fee = taker_fee_cents_at(count, price)
                touched += self._own_fill(taker, price, count, is_taker=True, fee=fee, now=now)
                fees += fee
            price_total += price * count
            filled += count
        for group in touched:
            if not group.triggered and group.matched(now) >= group.contracts_limit:
                self._trigger(group)
        return Execution(taker, filled, price_total, fees, int(now * 1000))

    def _finish(self, market: Market, order: Order, *, rest: bool, now: float) -> None:
        """Rest what is left of a taker, or cancel it."""
        group = self.groups.get(order.order_group_id or "") if order.is_own else None
        if group is not None and group.triggered:
            rest = False
        if rest and order.remaining > 0:
            order.status = "resting"
            if order.priority == 0:
                order.priority = self._next_seq()
            market.insert(order)
            if order.is_own:
                self._resting[order.order_id] = order
            return
        order.remaining = 0
        order.status = "executed" if order.fill_count == order.initial_count else "canceled"

    def _cancel(self, order: Order, now: float, reason: UpdateReason | None = None) -> int:
        reduced = order.remaining
        self.markets[order.ticker].remove(order)
        self._resting.pop(order.order_id, None)
        order.remaining = 0
        order.status = "canceled"
        order.last_update = now
        self._order_changed(order, reason)
        return reduced

    def _own_fill(
        self, order: Order, price: int, count: int, *, is_taker: bool, fee: int, now: float
    ) -> list[OrderGroup]:
        """Book one fill of the account's own order: cash, position, fill record, group tally.

        `price` is in centicents, `fee` in whole cents.
        """
        unit = opening_unit(order.side, price, pair=DOLLAR_CENTICENTS)
        if is_taker:
            order.taker_cost_centicents += unit * count
            order.taker_fees_cents += fee
        else:
            order.maker_cost_centicents += unit * count
            order.maker_fees_cents += fee
        account = self.accounts[order.subaccount]
        position = self._position(order.subaccount, order.ticker, now)
        cash = self._trade(position, outcome_of(order.side), unit, count)
        account.cash_centicents += cash - fee * CENTICENTS_PER_CENT
        account.updated = now
        position.fees_paid_cents += fee
        position.updated = now
        fill = Fill(
            seq=self._next_seq(),
            fill_id=self._new_id(),
            order_id=order.order_id,
            ticker=order.ticker,
            side=order.side,
            price_centicents=price,
            count=count,
            is_taker=is_taker,
            fee_cents=fee,
            created=now,
            subaccount=order.subaccount,
        )
        self.fills.append(fill)  # recorded (visible to GET /portfolio/fills) before it is told
        self._emit(FillBooked(self.user_id, fill, order, position))
        group = self.groups.get(order.order_group_id or "")
        if group is None:
            return []
        group.matches.append((now, count))
        return [group]

    def _position(self, subaccount: int, ticker: str, now: float) -> Position:
        key = (subaccount, ticker)
        position = self.positions.get(key)
        if position is None:
            event_ticker = self.markets[ticker].event_ticker
            position = Position(self._next_seq(), subaccount, ticker, event_ticker, now)
            self.positions[key] = position
        return position

    @staticmethod
    def _trade(position: Position, outcome: Outcome, unit: int, count: int) -> int:
        """Add `count` contracts of `outcome` bought at `unit` centicents; returns cash's change."""
        cash = 0
        left = count
        if position.outcome is not None and position.outcome != outcome:
            # Buying the opposite side closes held lots: each pair redeems for $1.
            while left and position.lots:
                lot = position.lots[0]
                closed = min(left, lot.count)
                cash += (DOLLAR_CENTICENTS - unit) * closed
                position.realized_pnl_centicents += (
                    DOLLAR_CENTICENTS - unit - lot.unit_centicents
                ) * closed
                lot.count -= closed
                left -= closed
                if lot.count == 0:
                    position.lots.pop(0)
            if not position.lots:
                position.outcome = None
        if left:
            position.outcome = outcome
            position.lots.append(Lot(left, unit))
            cash -= unit * left
        position.traded_cost_centicents += unit * count
        position.traded_contracts += count
        return cash
