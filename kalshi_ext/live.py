"""live_portfolio's state and decisions: a REST snapshot kept current by the stream's events.

The view holds the account's resting orders by id (REST ``Order`` models), its positions by
ticker (:class:`LivePosition`) and its balance (REST ``GetBalanceResponse``). It starts from a
snapshot taken after the stream is subscribed (``GET /portfolio/orders?status=resting``,
``/portfolio/positions``, ``/portfolio/balance``) and then applies, in arrival order, every
``user_order`` and ``market_position`` message; ``fill`` messages and order updates mark the
balance stale, and it is read again over REST once the stream goes quiet (or after
``balance_max_stale_s`` under a steady flow), because no channel carries the balance.

Consistency guarantee: ``user_order`` and ``market_position`` messages carry an order's or a
position's whole state, not a delta, so applying them in the order the server sent them after a
snapshot ends at the newest state whichever side of the snapshot each was sent; a message older
than what the view holds (by ``last_updated_ts_ms``) is ignored. None of these channels has a
``seq``, so a lost frame cannot be seen: the view takes a fresh snapshot and reconciles after
every reconnect, reported loss (``MessagesLost``), restarted subscription or undecodable frame,
and every ``reconcile_every_s`` in any case. Hence the view is never more than one reconcile
interval behind the exchange: once the account stops changing, it equals the exchange's state at
the latest after the next reconcile (immediately if nothing was lost), and every difference it
corrects is reported as a change.

Nothing here does I/O: :func:`live_flow` yields what to do next; the drivers live in
``kalshi_ext.feed_io``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from kalshi_ext.feed import (
    _complement,
    _datetime_ms,
    _ms_datetime,
    fill_from_stream,
    wanted_tickers,
)
from kalshi_generated.models import Fill, GetBalanceResponse, MarketPosition, Order
from kalshi_generated.types import UNSET, Unset

DEFAULT_LIVE_RECONCILE_EVERY_S = 60.0
DEFAULT_BALANCE_MAX_STALE_S = 1.0
_STATUS_MEMORY = 10_000  # final statuses remembered for order_status() (oldest forgotten first)


# ---- the view's values ------------------------------------------------------------------------


@attrs.frozen
class LivePosition:
    """A position as both REST and the market_positions channel report it."""

    ticker: str
    position_fp: str  # contracts, positive YES, negative NO
    market_exposure_dollars: str  # REST market_exposure_dollars; stream position_cost_dollars
    realized_pnl_dollars: str
    fees_paid_dollars: str

    @classmethod
    def from_rest(cls, position: MarketPosition) -> LivePosition:
        return cls(
            position.ticker,
            position.position_fp,
            position.market_exposure_dollars,
            position.realized_pnl_dollars,
            position.fees_paid_dollars,
        )

    @classmethod
    def from_stream(cls, msg: Any) -> LivePosition:
        return cls(
            msg.market_ticker,
            msg.position_fp,
            msg.position_cost_dollars,
            msg.realized_pnl_dollars,
            msg.fees_paid_dollars,
        )


def order_from_stream(msg: Any) -> Order:
    """The REST ``Order`` for a ``user_order`` message (``type_`` is "limit": Kalshi's only
    order type; ``no_price_dollars`` is ``1 - yes_price_dollars``)."""
    created: datetime | Unset | None = msg.created_time
    if created is None and msg.created_ts_ms is not None:
        created = _ms_datetime(msg.created_ts_ms)
    updated_ms = getattr(msg, "last_updated_ts_ms", UNSET)
    updated = getattr(msg, "last_update_time", UNSET)
    if not isinstance(updated_ms, Unset):
        updated = _ms_datetime(updated_ms)
    expiration = getattr(msg, "expiration_time", UNSET)
    return Order(
        order_id=msg.order_id,
        user_id=msg.user_id,
        client_order_id=msg.client_order_id,
        ticker=msg.ticker,
        outcome_side=msg.outcome_side,
        book_side=msg.book_side,
        type_="limit",
        status=msg.status,
        yes_price_dollars=msg.yes_price_dollars,
        no_price_dollars=_complement(msg.yes_price_dollars),
        fill_count_fp=msg.fill_count_fp,
        remaining_count_fp=msg.remaining_count_fp,
        initial_count_fp=msg.initial_count_fp,
        taker_fill_cost_dollars=msg.taker_fill_cost_dollars,
        maker_fill_cost_dollars=msg.maker_fill_cost_dollars,
        taker_fees_dollars=msg.taker_fees_dollars,
        maker_fees_dollars=msg.maker_fees_dollars,
        side=msg.side,
        created_time=created,
        last_update_time=updated,
        expiration_time=expiration,
        self_trade_prevention_type=getattr(msg, "self_trade_prevention_type", UNSET),
        order_group_id=getattr(msg, "order_group_id", UNSET),
        subaccount_number=getattr(msg, "subaccount_number", UNSET),
        exchange_index=msg.exchange_index,
    )


def _order_state(order: Order) -> tuple[str, ...]:
    """What a change of an order is judged by (REST and the stream differ in legacy fields)."""
    return (
        order.status,
        order.yes_price_dollars,
        order.fill_count_fp,
        order.remaining_count_fp,
        order.initial_count_fp,
        order.taker_fill_cost_dollars,
        order.maker_fill_cost_dollars,
        order.taker_fees_dollars,
        order.maker_fees_dollars,
        order.client_order_id,
    )


_FINAL_STATUSES = frozenset({"canceled", "executed"})


def _updated_ms(order: Order) -> int | None:
    moment = order.last_update_time
    return None if moment is None or isinstance(moment, Unset) else _datetime_ms(moment)


# ---- changes ----------------------------------------------------------------------------------


@attrs.frozen
class OrderChanged:
    """An order's new state; ``order.status`` says whether it still rests."""

    order: Order
    source: str  # "stream" or "snapshot"


@attrs.frozen
class PositionChanged:
    position: LivePosition
    source: str


@attrs.frozen
class PositionRemoved:
    """A position a snapshot no longer lists (a settled market, say): it left the view.
    ``last`` is what the view held."""

    last: LivePosition
    source: str  # "snapshot"


@attrs.frozen
class BalanceChanged:
    balance: GetBalanceResponse


@attrs.frozen
class FillReceived:
    """A fill message (as the REST ``Fill``); the positions and balance follow on their own.
    For every fill exactly once, use ``watch_fills``: a stream fill can be lost."""

    fill: Fill


@attrs.frozen
class Reconciled:
    """A snapshot was taken and the view reconciled with it (``corrected`` differences)."""

    reason: str
    corrected: int


Change = (
    OrderChanged | PositionChanged | PositionRemoved | BalanceChanged | FillReceived | Reconciled
)


@attrs.frozen
class Snapshot:
    """What the driver read over REST for a reconcile."""

    resting_orders: list[Order]
    positions: list[MarketPosition]
    balance: GetBalanceResponse


# ---- the state --------------------------------------------------------------------------------


class PortfolioState:
    """The view, guarded by one lock: the driver writes, any thread reads copies."""

    def __init__(self, market_tickers: Iterable[str] | None = None) -> None:
        self.market_tickers = wanted_tickers(market_tickers)
        self.lock = threading.Lock()
        self._orders: dict[str, Order] = {}
        self._positions: dict[str, LivePosition] = {}
        # Positions the last snapshot did not list (and no stream message touched since): a
        # second snapshot that leaves one out removes it; one could lag a stream update.
        self._unlisted: set[str] = set()
        self._balance: GetBalanceResponse | None = None
        self._statuses: OrderedDict[str, str] = OrderedDict()
        self.snapshots = 0

    # -- reads (copies, under the lock) ----------------------------------------------------

    @property
    def orders(self) -> dict[str, Order]:
        with self.lock:
            return dict(self._orders)

    @property
    def positions(self) -> dict[str, LivePosition]:
        with self.lock:
            return dict(self._positions)

    @property
    def balance(self) -> GetBalanceResponse | None:
        with self.lock:
            return self._balance

    def order_status(self, order_id: str) -> str | None:
        """The last status seen for an order of this session (resting or final), else None."""
        with self.lock:
            return self._statuses.get(order_id)

    # -- writes ----------------------------------------------------------------------------

    def _wanted(self, ticker: str) -> bool:
        return self.market_tickers is None or ticker in self.market_tickers

    def _remember(self, order: Order) -> None:
        self._statuses[order.order_id] = order.status
        self._statuses.move_to_end(order.order_id)
        while len(self._statuses) > _STATUS_MEMORY:
            self._statuses.popitem(last=False)

    def apply_order(self, order: Order, source: str = "stream") -> list[Change]:
        if not self._wanted(order.ticker):
            return []
        with self.lock:
            held = self._orders.get(order.order_id)
            if held is not None:
                held_ms, new_ms = _updated_ms(held), _updated_ms(order)
                if held_ms is not None and new_ms is not None and new_ms < held_ms:
                    return []  # older than what the view holds
                if _order_state(held) == _order_state(order):
                    return []
            if order.status == "resting":
                if held is None and self._statuses.get(order.order_id) in _FINAL_STATUSES:
                    return []  # an order never leaves canceled/executed: a lagging REST copy
                self._orders[order.order_id] = order
            elif held is None and self._statuses.get(order.order_id) == order.status:
                return []
            else:
                self._orders.pop(order.order_id, None)
            self._remember(order)
        return [OrderChanged(order, source)]

    def apply_position(self, position: LivePosition, source: str = "stream") -> list[Change]:
        if not self._wanted(position.ticker):
            return []
        with self.lock:
            self._unlisted.discard(position.ticker)
            if self._positions.get(position.ticker) == position:
                return []
            self._positions[position.ticker] = position
        return [PositionChanged(position, source)]

    def apply_balance(self, balance: GetBalanceResponse) -> list[Change]:
        with self.lock:
            same = self._balance is not None and (
                (self._balance.balance, self._balance.portfolio_value)
                == (balance.balance, balance.portfolio_value)
            )
            self._balance = balance
        return [] if same else [BalanceChanged(balance)]

    def apply_snapshot(self, snapshot: Snapshot) -> tuple[list[Change], list[str]]:
        """Make the view equal to the snapshot; every difference is a change. Also returns the
        ids of orders the view holds as resting that the snapshot does not list: the stream
        missed how they ended, so the driver reads each (``ReadOrder``) and applies it."""
        changes: list[Change] = []
        resting = {o.order_id: o for o in snapshot.resting_orders if self._wanted(o.ticker)}
        with self.lock:
            gone = [order_id for order_id in self._orders if order_id not in resting]
            self.snapshots += 1
        for order in resting.values():
            changes += self.apply_order(order, "snapshot")
        listed = set()
        for position in snapshot.positions:
            listed.add(position.ticker)
            changes += self.apply_position(LivePosition.from_rest(position), "snapshot")
        with self.lock:
            # The snapshot lists every position of the view's tickers (the walk reads every
            # page): one that two snapshots in a row leave out, with no stream message for it
            # in between, is no longer the account's. (One snapshot could be a REST read
            # lagging the stream message that brought the position.)
            omitted = {ticker for ticker in self._positions if ticker not in listed}
            vanished = sorted(omitted & self._unlisted)
            self._unlisted = omitted - set(vanished)
            removed = [self._positions.pop(ticker) for ticker in vanished]
        changes += [PositionRemoved(position, "snapshot") for position in removed]
        changes += self.apply_balance(snapshot.balance)
        return changes, gone

    def drop_order(self, order_id: str) -> list[Change]:
        """A resting order REST no longer knows at all: it leaves the view as "unknown"."""
        with self.lock:
            order = self._orders.pop(order_id, None)
            if order is None:
                return []
            order = attrs.evolve(order, status="unknown")
            self._remember(order)
        return [OrderChanged(order, "snapshot")]


# ---- scheduling -------------------------------------------------------------------------------


class LivePolicy:
    """When to reconcile and when to read the balance again."""

    def __init__(
        self,
        *,
        reconcile_every_s: float | None = DEFAULT_LIVE_RECONCILE_EVERY_S,
        balance_max_stale_s: float = DEFAULT_BALANCE_MAX_STALE_S,
        wall: Callable[[], float] = time.monotonic,
    ) -> None:
        if reconcile_every_s is not None and not reconcile_every_s > 0:
            raise ValueError(f"reconcile_every_s must be > 0 or None, got {reconcile_every_s!r}")
        if not balance_max_stale_s >= 0:
            raise ValueError(f"balance_max_stale_s must be >= 0, got {balance_max_stale_s!r}")
        self._every = reconcile_every_s
        self._max_stale = balance_max_stale_s
        self._wall = wall
        self._reconcile_reason: str | None = "start"
        self._last_reconcile = wall()
        self._balance_stale_since: float | None = None

    def reconcile(self, reason: str) -> None:
        if self._reconcile_reason is None:
            self._reconcile_reason = reason

    def balance_stale(self) -> None:
        if self._balance_stale_since is None:
            self._balance_stale_since = self._wall()

    def due_reconcile(self) -> str | None:
        if self._reconcile_reason is not None:
            return self._reconcile_reason
        if self._every is not None and self._wall() >= self._last_reconcile + self._every:
            return "periodic"
        return None

    def reconciled(self, started_at: float) -> None:
        self._reconcile_reason = None
        self._last_reconcile = started_at
        self._balance_stale_since = None

    def balance_due(self, idle: bool) -> bool:
        """Read the balance now? When the stream is idle, or it has been stale too long."""
        since = self._balance_stale_since
        return since is not None and (idle or self._wall() - since >= self._max_stale)

    def balance_read(self) -> None:
        self._balance_stale_since = None

    def wait_s(self) -> float | None:
        """How long to wait on the stream: 0 to poll while the balance is stale."""
        if self._balance_stale_since is not None:
            return 0.0
        if self._every is None:
            return None
        return max(0.0, self._last_reconcile + self._every - self._wall())

    def now(self) -> float:
        return self._wall()


# ---- the flow ---------------------------------------------------------------------------------


@attrs.frozen
class TakeSnapshot:
    """Read resting orders, positions and the balance over REST; send back a Snapshot."""

    reason: str


@attrs.frozen
class ReadBalance:
    """Read the balance over REST; send back the GetBalanceResponse."""


@attrs.frozen
class ReadOrder:
    """Read one order over REST (GET /portfolio/orders/{id}); send back the Order, or None if
    the exchange does not know it."""

    order_id: str


@attrs.frozen
class Publish:
    """Tell waiters and change iterators about these changes (the state is already updated)."""

    changes: list[Change]


# Receive (from kalshi_ext.feed) waits for a stream event; None means the wait timed out.
LiveAction = TakeSnapshot | ReadBalance | ReadOrder | Publish | Any
LiveClassify = Callable[[Any], tuple[str, Any]]


def live_flow(
    policy: LivePolicy, state: PortfolioState, classify: LiveClassify
) -> Generator[LiveAction, Any, None]:
    """live_portfolio as a generator of actions (see TakeSnapshot, ReadBalance, Publish and
    feed.Receive). `classify` maps an event to ("user_order", msg), ("market_position", msg),
    ("fill", Fill), ("subscribed" | "lost", reason) or ("other", None)."""
    from kalshi_ext.feed import Receive

    while True:
        reason = policy.due_reconcile()
        if reason is not None:
            # Apply what the stream already holds first, so the snapshot is the newest thing.
            while events := (yield Receive(0.0)):
                changes = [c for event in events for c in _apply(policy, state, classify(event))]
                if changes:
                    yield Publish(changes)
            started = policy.now()
            snapshot = yield TakeSnapshot(reason)
            policy.reconciled(started)
            changes, gone = state.apply_snapshot(snapshot)
            for order_id in gone:
                order = yield ReadOrder(order_id)
                if order is None:
                    changes += state.drop_order(order_id)
                else:
                    changes += state.apply_order(order, "snapshot")
            changes.append(Reconciled(reason, len(changes)))
            yield Publish(changes)
            continue
        events = yield Receive(policy.wait_s())
        if not events:
            if policy.balance_due(idle=True):
                policy.balance_read()
                balance = yield ReadBalance()
                changes = state.apply_balance(balance)
                if changes:
                    yield Publish(changes)
            continue
        changes = [c for event in events for c in _apply(policy, state, classify(event))]
        if changes:
            yield Publish(changes)
        if policy.balance_due(idle=False):
            policy.balance_read()
            balance = yield ReadBalance()
            changes = state.apply_balance(balance)
            if changes:
                yield Publish(changes)


def _apply(policy: LivePolicy, state: PortfolioState, classified: tuple[str, Any]) -> list[Change]:
    kind, payload = classified
    if kind == "user_order":
        policy.balance_stale()  # placing, amending, canceling: the reserve moves
        return state.apply_order(order_from_stream(payload))
    if kind == "market_position":
        return state.apply_position(LivePosition.from_stream(payload))
    if kind == "fill":
        policy.balance_stale()
        fill = payload if isinstance(payload, Fill) else fill_from_stream(payload)
        return [FillReceived(fill)] if state._wanted(fill.market_ticker) else []
    if kind in ("subscribed", "lost"):
        policy.reconcile(payload)
    return []


def snapshot_filters(market_tickers: frozenset[str] | None) -> Mapping[str, Any]:
    """Filters for the snapshot's order and position walks (one ticker: the server filters)."""
    if market_tickers is not None and len(market_tickers) == 1:
        (ticker,) = market_tickers
        return {"ticker": ticker}
    return {}
