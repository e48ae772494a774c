"""watch_fills' decisions: merge the fill stream with REST backfills, every fill exactly once.

Kalshi's ``fill`` channel carries no sequence number, so a frame lost in a disconnect, a
resubscribe, a channel error or a slow consumer cannot be seen on the stream. The feed
therefore never trusts the stream alone:

- It subscribes first, then reads ``GET /portfolio/fills`` from ``min_ts`` (a *backfill*), then
  reads the stream. Every fill made before the backfill's read is in REST; every fill made after
  the subscription is on the stream; the two overlap, and the overlap is removed by fill id
  (the WebSocket ``trade_id`` is the REST ``fill_id``), never by amounts or list position.
- After every reconnect, terminal channel error or reported loss it backfills again from the
  last point known complete, less an overlap; periodically too (``reconcile_every_s``), because
  a frame the server never sent is reported by nobody.
- REST may show a fill a little after the stream does (``rest_lag_s``): a backfill started at
  ``t`` vouches only for fills before ``t - rest_lag_s``, so a fill REST does not show yet is not
  taken as absent: the next backfill (scheduled for when the lag has passed) covers it again.

The *complete-before* time is the invariant everything rests on: every wanted fill made before
it has been delivered. It moves forward only when a backfill's fills have all been handed to the
consumer. The de-duplication window keeps the ids of delivered fills made at or after
``complete_before - overlap_s`` (the lowest ``min_ts`` any later backfill reads from); an older
fill is dropped without looking it up, because the invariant says it was delivered already. So
memory holds the fills of about ``reconcile_every_s + rest_lag_s + overlap_s`` seconds, however
long the feed runs.

Nothing here does I/O: :func:`feed_flow` yields what to do next and the sync and async drivers
in ``kalshi_ext.feed_io`` do it.
"""

from __future__ import annotations

import functools
import math
import operator
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

import attrs

from kalshi_ext.decoding import _settable_directly
from kalshi_ext.errors import KalshiError
from kalshi_generated.models import Fill
from kalshi_generated.types import UNSET, Unset
from kalshi_generated.ws.types import Unset as WsUnset

DEFAULT_OVERLAP_S = 5.0
DEFAULT_REST_LAG_S = 1.0
DEFAULT_RECONCILE_EVERY_S = 60.0
DEFAULT_MAX_BACKFILL_FAILURES = 8
_BACKFILL_RETRY_CAP_S = 30.0


class FillNotFoundError(KalshiError, LookupError):
    """``since=`` named a fill id that /portfolio/fills does not list."""


# ---- fills from either source ---------------------------------------------------------------


def fill_time_ms(fill: Fill) -> int:
    """When a fill was made, in Unix milliseconds (created_time, else the legacy ts seconds)."""
    created = fill.created_time
    if type(created) is datetime or not isinstance(created, Unset):
        return _datetime_ms(created)
    if not isinstance(fill.ts, Unset):
        return fill.ts * 1000
    raise ValueError(f"fill {fill.fill_id!r} carries neither created_time nor ts")


def _as_ms(moment: int | datetime) -> int:
    """A time of the fill feed's window in Unix ms (an int is one already)."""
    return moment if isinstance(moment, int) else _datetime_ms(moment)


def _datetime_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError(f"a naive datetime has no time zone: {moment!r}; pass an aware one")
    return (moment - _EPOCH) // _ONE_MS  # integer microseconds, floored: exact


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)


def _ms_datetime(ts_ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ts_ms)


@functools.lru_cache(maxsize=1024)  # fills come in bursts within a second
def _second_start(second: int) -> datetime:
    return _EPOCH + timedelta(seconds=second)


# A second's start plus one of these is _ms_datetime, exactly, at a tenth of its cost.
_MILLISECONDS = tuple(timedelta(milliseconds=ms) for ms in range(1000))


def normalize_rest_fill(fill: Fill) -> Fill:
    """A REST fill as the stream would give it: created_time at millisecond precision (the
    stream's ts_ms) and fee_cost in canonical form (the stream sends 6 decimals, REST 4)."""
    created = fill.created_time
    fee_cost = canonical_dollars(fill.fee_cost)
    if (isinstance(created, Unset) or created.microsecond % 1000 == 0) and (
        fee_cost == fill.fee_cost
    ):
        return fill
    if not isinstance(created, Unset):
        created = created.replace(microsecond=created.microsecond // 1000 * 1000)
    return attrs.evolve(fill, created_time=created, fee_cost=fee_cost)


@functools.lru_cache(maxsize=4096)
def canonical_dollars(amount: str) -> str:
    """A dollar string with trailing zeros dropped down to 4 decimals, exactly:
    "0.010000" -> "0.0100", "0.012345" -> "0.012345", "0.0100" unchanged."""
    whole, dot, fraction = amount.partition(".")
    if not dot or len(fraction) <= 4 or not fraction.isdigit():
        return amount
    return f"{whole}.{fraction[:4]}{fraction[4:].rstrip('0')}"


def fill_from_stream(msg: Any) -> Fill:
    """The REST ``Fill`` for a WebSocket ``fill`` message (its generated model, or its JSON).

    ``trade_id`` becomes ``fill_id`` (and the legacy ``trade_id``), ``market_ticker`` also
    ``ticker``, ``ts_ms`` ``created_time``, ``subaccount`` ``subaccount_number``;
    ``no_price_dollars`` is ``1 - yes_price_dollars`` at the same precision.
    Stream-only fields (``post_position_fp``, ``client_order_id``, ``purchased_side``) have no
    place in the REST model and are left out.
    """
    source = SimpleNamespace(**msg) if isinstance(msg, Mapping) else msg
    try:
        trade_id = source.trade_id
        ts_ms = getattr(source, "ts_ms", None)
        ts_ms = int(source.ts) * 1000 if ts_ms is None or isinstance(ts_ms, Unset) else int(ts_ms)
        yes_price = source.yes_price_dollars
        ticker = source.market_ticker
        subaccount = getattr(source, "subaccount", UNSET)
        if isinstance(subaccount, Unset | WsUnset):  # the WS model's own UNSET is not REST's
            subaccount = UNSET
        return Fill(
            fill_id=trade_id,
            exchange_index=source.exchange_index,
            trade_id=trade_id,
            order_id=source.order_id,
            ticker=ticker,
            market_ticker=ticker,
            outcome_side=source.outcome_side,
            book_side=source.book_side,
            count_fp=source.count_fp,
            yes_price_dollars=yes_price,
            no_price_dollars=_complement(yes_price),
            is_taker=source.is_taker,
            fee_cost=canonical_dollars(source.fee_cost),
            side=getattr(source, "side", UNSET),
            action=getattr(source, "action", UNSET),
            created_time=_ms_datetime(ts_ms),
            subaccount_number=subaccount,
            ts=ts_ms // 1000,
        )
    except (AttributeError, TypeError, ValueError, ArithmeticError) as exc:
        raise ValueError(f"not a fill message: {type(exc).__name__}: {exc}") from None


def decode_stream_fill(msg: Any) -> Fill:
    """A ``fill`` frame's decoded JSON ``msg`` straight to the REST ``Fill``: equal to
    ``fill_from_stream(ws.Fill.from_dict(msg))`` for every input (a test proves it on varied
    frames), without building the WebSocket model in between. watch_fills' stream decodes
    ``fill`` frames with it.

    The fast path reads each key once, maps the prices through cached string functions (no
    Decimal per fill) and builds ``created_time`` from a cached start of its second. Anything
    it does not take as is (a key missing, ``ts_ms`` not an int, a price that is not one) goes
    to the reference conversion, so its result, or its error, is the reference's.
    """
    try:
        if _SLOTS_SETTABLE and type(msg) is dict:
            ts_ms = msg["ts_ms"]
            if type(ts_ms) is int:
                trade_id = msg["trade_id"]
                ticker = msg["market_ticker"]
                yes_price = msg["yes_price_dollars"]
                subaccount = msg.get("subaccount", UNSET)
                second, millisecond = divmod(ts_ms, 1000)
                msg["ts"]  # required by the WS model, unused when ts_ms is there
                msg["post_position_fp"], msg["purchased_side"]  # required too
                fill = _new_fill(Fill)
                fill.fill_id = trade_id
                fill.exchange_index = msg["exchange_index"]
                fill.trade_id = trade_id
                fill.order_id = msg["order_id"]
                fill.ticker = ticker
                fill.market_ticker = ticker
                fill.outcome_side = msg["outcome_side"]
                fill.book_side = msg["book_side"]
                fill.count_fp = msg["count_fp"]
                fill.yes_price_dollars = yes_price
                fill.no_price_dollars = _complement(yes_price)
                fill.is_taker = msg["is_taker"]
                fill.fee_cost = canonical_dollars(msg["fee_cost"])
                fill.side = msg["side"]
                fill.action = msg["action"]
                fill.created_time = _second_start(second) + _MILLISECONDS[millisecond]
                fill.subaccount_number = subaccount
                fill.ts = second
                fill.additional_properties = {}
                return fill
    except Exception:  # not taken as is: the reference decides (value or error)
        pass
    return _reference_stream_fill(msg)


def _reference_stream_fill(msg: Any) -> Fill:
    from kalshi_generated.ws.models import Fill as WsFill

    try:
        source = WsFill.from_dict(msg)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"not a fill message: {type(exc).__name__}: {exc}") from None
    return fill_from_stream(source)


# object.__new__ itself (a C call): a Python function around it cost a frame per fill.
_new_fill = cast(Callable[[type[Fill]], Fill], object.__new__)


# Slots filled one by one equal Fill(...) only for a plain slotted attrs class (no validators,
# converters or hooks), as kalshi_ext.decoding checks for its compiled decoders; at a third of
# __init__'s cost. Otherwise every fill takes the reference conversion.
_SLOTS_SETTABLE = _settable_directly(Fill)


@functools.lru_cache(maxsize=4096)  # a few hundred prices recur: Decimal is the costly part
def _complement(yes_price_dollars: str) -> str:
    """1 - price at the price's own precision: "0.7500" -> "0.2500"."""
    price = Decimal(yes_price_dollars)
    exponent = price.as_tuple().exponent
    if not isinstance(exponent, int):  # NaN or infinity
        raise ValueError(f"yes_price_dollars is not a price: {yes_price_dollars!r}")
    return str((Decimal(1) - price).quantize(Decimal(1).scaleb(exponent)))


def wanted_tickers(market_tickers: Iterable[str] | None) -> frozenset[str] | None:
    """market_tickers= as a set (None: every market). An empty list is refused: the stream
    would follow every market and the feed keep none of it, staying empty forever."""
    if market_tickers is None:
        return None
    if isinstance(market_tickers, str):
        raise TypeError("market_tickers must be a list of tickers, not one str")
    tickers = frozenset(market_tickers)
    if not tickers:
        raise ValueError("market_tickers is empty: pass None for every market, or some tickers")
    return tickers


# ---- the resume point -------------------------------------------------------------------------


@attrs.frozen
class ResumePoint:
    """Where a later ``watch_fills(since=...)`` continues, so a restart delivers only newer fills.

    ``complete_before_ms``: every fill made before this time has been delivered.
    ``delivered``: (fill id, time in ms) of the fills delivered at or after
    ``complete_before_ms - overlap`` (a restart backfills from there and skips these).
    ``last_fill_id`` / ``last_fill_ts_ms``: the last fill delivered, for display and logs.
    ``not_before_ms``: the feed's own ``since`` while a restart's backfill still reaches back
    before it (fills made earlier were never wanted, so a restart must not hand them over).
    Save it (``to_dict()`` is JSON-ready) after handling each fill; ``from_dict`` reads it back.
    """

    complete_before_ms: int
    delivered: tuple[tuple[str, int], ...] = ()
    last_fill_id: str | None = None
    last_fill_ts_ms: int | None = None
    not_before_ms: int | None = None

    @property
    def last_fill_time(self) -> datetime | None:
        return None if self.last_fill_ts_ms is None else _ms_datetime(self.last_fill_ts_ms)

    @property
    def complete_before(self) -> datetime:
        return _ms_datetime(self.complete_before_ms)

    def to_dict(self) -> dict[str, Any]:
        return {
            "complete_before_ms": self.complete_before_ms,
            "delivered": [[fill_id, ts_ms] for fill_id, ts_ms in self.delivered],
            "last_fill_id": self.last_fill_id,
            "last_fill_ts_ms": self.last_fill_ts_ms,
            "not_before_ms": self.not_before_ms,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ResumePoint:
        try:
            delivered = tuple((str(i), int(t)) for i, t in data.get("delivered", ()))
            last_ts = data.get("last_fill_ts_ms")
            not_before = data.get("not_before_ms")
            return cls(
                complete_before_ms=int(data["complete_before_ms"]),
                delivered=delivered,
                last_fill_id=data.get("last_fill_id"),
                last_fill_ts_ms=None if last_ts is None else int(last_ts),
                not_before_ms=None if not_before is None else int(not_before),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(
                f"not a ResumePoint.to_dict() value ({type(exc).__name__}: {exc})"
            ) from None


Since = ResumePoint | datetime | str | None


# ---- the policy -------------------------------------------------------------------------------


@attrs.frozen
class Backfill:
    """One REST walk over /portfolio/fills that the driver runs, newest first."""

    reason: str
    started_at: float  # the client's wall clock when the walk began
    min_ts: int | None  # seconds, inclusive; None: walk until `until_fill_id`
    until_fill_id: str | None = None
    market_tickers: frozenset[str] | None = None

    @property
    def filters(self) -> dict[str, Any]:
        """Arguments for client.iter_fills()."""
        filters: dict[str, Any] = {}
        if self.min_ts is not None:
            filters["min_ts"] = self.min_ts
        if self.market_tickers is not None and len(self.market_tickers) == 1:
            (filters["ticker"],) = self.market_tickers
        return filters

    def wants(self, fill: Fill) -> bool:
        return self.market_tickers is None or fill.market_ticker in self.market_tickers

    def is_last(self, fill: Fill) -> bool:
        """True for the fill that ends a walk looking for `until_fill_id` (excluded itself)."""
        return self.until_fill_id is not None and fill.fill_id == self.until_fill_id


class BackfillResult:
    """The fills a backfill read (newest first, as REST lists them) and whether it found its
    `until_fill_id`."""

    def __init__(self) -> None:
        self.fills: list[Fill] = []
        self.found: Fill | None = None
        # Fills of the found fill's millisecond that REST lists after it: made before it, so
        # the caller saw them; a later backfill reading that millisecond must skip them.
        self.before_found: list[str] = []

    def add(self, backfill: Backfill, fill: Fill) -> bool:
        """Take one fill of the walk; False when the walk should stop."""
        if self.found is not None:
            if fill_time_ms(fill) < fill_time_ms(self.found):
                return False
            self.before_found.append(fill.fill_id)
            return True
        if backfill.is_last(fill):
            self.found = fill
            return True
        if backfill.wants(fill):
            self.fills.append(fill)
        return True


class FillFeedPolicy:
    """The state and decisions of one watch_fills: what to deliver, when and what to backfill."""

    def __init__(
        self,
        since: Since = None,
        *,
        market_tickers: Iterable[str] | None = None,
        overlap_s: float = DEFAULT_OVERLAP_S,
        rest_lag_s: float = DEFAULT_REST_LAG_S,
        reconcile_every_s: float | None = DEFAULT_RECONCILE_EVERY_S,
        max_backfill_failures: int = DEFAULT_MAX_BACKFILL_FAILURES,
        wall: Callable[[], float] = time.time,
    ) -> None:
        for name, value in (("overlap_s", overlap_s), ("rest_lag_s", rest_lag_s)):
            if not (isinstance(value, int | float) and value >= 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        if reconcile_every_s is not None and not (
            isinstance(reconcile_every_s, int | float) and reconcile_every_s > 0
        ):
            raise ValueError(f"reconcile_every_s must be > 0 or None, got {reconcile_every_s!r}")
        self.market_tickers = wanted_tickers(market_tickers)
        self._wall = wall
        self._overlap_ms = int(overlap_s * 1000)
        self._rest_lag_s = float(rest_lag_s)
        self._reconcile_every_s = reconcile_every_s
        self._max_failures = max_backfill_failures
        self._floor_ms = 0  # _window_floor_ms(), kept as _complete_ms moves
        # Delivered fill id -> its time: ms, or (from stream_fills) the fill's aware
        # created_time itself, turned into ms only when read (_as_ms): a datetime compares
        # with the window's bound at a tenth of the cost of converting it, per stream fill.
        self._seen: dict[str, int | datetime] = {}
        self._pending: deque[Fill] = deque()  # a backfill's fills not yet handed over
        self._confirm_on_drain: int | None = None
        self._last: tuple[str, int | datetime] | None = None
        self._not_before_ms: int | None = None
        # Whether stream fills are held to _not_before_ms too. Not with since=None: the cut is
        # this machine's clock, and a fill the stream sends was made after the subscription
        # whatever its time says (a clock running ahead of the exchange's would drop it).
        self._stream_cut = True
        self._until_fill_id: str | None = None
        self._failures = 0
        # The last stream_fills batch (its accepted fills, the last fill before it) and the
        # iterator the driver hands it over from.
        self._handing: tuple[list[Fill], tuple[str, int | datetime] | None] = ([], None)
        self._handing_iter: Iterator[Fill] = iter(())
        self.rereads = 0  # fills backfills listed that had been delivered already (the overlap)
        now = wall()
        self._subscribed_at = self._last_backfill_at = now
        if isinstance(since, ResumePoint):
            self._complete_ms = since.complete_before_ms
            self._not_before_ms = since.not_before_ms
            self._seen.update(since.delivered)
            if since.last_fill_id is not None and since.last_fill_ts_ms is not None:
                self._last = (since.last_fill_id, since.last_fill_ts_ms)
        elif isinstance(since, datetime):
            self._complete_ms = self._not_before_ms = _datetime_ms(since)
        elif isinstance(since, str):
            if not since:
                raise ValueError("since= must be a fill id, not an empty string")
            self._complete_ms = 0
            self._until_fill_id = since
        elif since is None:
            self._complete_ms = self._not_before_ms = int(now * 1000)
            self._stream_cut = False
        else:
            raise TypeError(
                "since must be a ResumePoint, an aware datetime, a fill id (str) or None, "
                f"not {type(since).__name__}"
            )
        self._due_at: float | None = now
        self._due_reason = "start"

    # -- what the consumer sees ------------------------------------------------------------

    @property
    def resume_point(self) -> ResumePoint:
        floor = self._window_floor_ms()
        not_handed = self._not_handed()
        held = self._last
        if not_handed:
            skip = {fill.fill_id for fill in not_handed}
            delivered = tuple(
                (i, ms)
                for i, t in self._seen.items()
                if (ms := _as_ms(t)) >= floor and i not in skip
            )
            batch, before = self._handing
            handed = len(batch) - len(not_handed)
            if handed:
                fill_id = batch[handed - 1].fill_id
                held = (fill_id, self._seen[fill_id])
            else:
                held = before
        else:
            delivered = tuple((i, ms) for i, t in self._seen.items() if (ms := _as_ms(t)) >= floor)
        last_id, last_ts = (held[0], _as_ms(held[1])) if held is not None else (None, None)
        not_before = self._not_before_ms
        if not_before is not None and not_before <= floor:
            not_before = None  # no backfill reads that far back any more
        return ResumePoint(self._complete_ms, delivered, last_id, last_ts, not_before)

    @property
    def subscribed_at(self) -> float:
        return self._subscribed_at

    @property
    def window_size(self) -> int:
        """How many fill ids the de-duplication window holds now."""
        return len(self._seen)

    # -- stream input ----------------------------------------------------------------------

    def stream_fill(self, fill: Fill) -> bool:
        """True if the consumer should get this stream fill (and it is recorded as delivered)."""
        fill_id = fill.fill_id
        if fill_id in self._seen:
            return False
        created = fill.created_time
        if type(created) is datetime and created.tzinfo is not None:  # fill_time_ms, inlined
            ts_ms = (created - _EPOCH) // _ONE_MS
        else:
            ts_ms = fill_time_ms(fill)
        if ts_ms < self._floor_ms:
            return False  # before complete_before - overlap: a backfill delivered it already
        if self._stream_cut and self._not_before_ms is not None and ts_ms < self._not_before_ms:
            return False
        if self.market_tickers is not None and fill.market_ticker not in self.market_tickers:
            return False
        self._seen[fill_id] = ts_ms
        self._last = (fill_id, ts_ms)
        return True

    def stream_fills(self, fills: list[Fill]) -> Iterator[Fill]:
        """The fills of a received batch the consumer should get, in order: what
        :meth:`stream_fill` decides for each in turn (a test proves it), in one loop.

        They are recorded as delivered at once; the driver hands them over from the returned
        iterator, and until it has, :attr:`resume_point` leaves out the ones still in it (a
        restart must not skip a fill the consumer never held).
        """
        seen = self._seen
        # Below the window floor or before `since`: both dropped, so one bound does for both.
        lowest_ms = self._floor_ms
        not_before = self._not_before_ms if self._stream_cut else None
        if not_before is not None and not_before > lowest_ms:
            lowest_ms = not_before
        # The same bound as a datetime: for a whole-ms bound, created_time < it exactly when
        # fill_time_ms(fill) (created_time floored to ms) < lowest_ms.
        lowest = _ms_datetime(lowest_ms)
        tickers = self.market_tickers
        accepted: list[Fill] = []
        for fill in fills:
            fill_id = fill.fill_id
            if fill_id in seen:
                continue
            created = fill.created_time
            moment: int | datetime
            if type(created) is datetime and created.tzinfo is not None:
                if created < lowest:
                    continue
                moment = created
            else:
                moment = fill_time_ms(fill)
                if moment < lowest_ms:
                    continue
            if tickers is not None and fill.market_ticker not in tickers:
                continue
            seen[fill_id] = moment
            accepted.append(fill)
        self._handing = (accepted, self._last)
        if accepted:
            last_id = accepted[-1].fill_id
            self._last = (last_id, seen[last_id])
        handing = self._handing_iter = iter(accepted)
        return handing

    def steady(self) -> bool:
        """Nothing pending and no backfill due: stream fills are all there is to decide."""
        if self._pending:
            return False
        due = self._next_due()
        return due is None or due[0] > self._wall()

    def _not_handed(self) -> list[Fill]:
        """The fills of the last stream_fills batch the driver has not handed over yet."""
        remaining = operator.length_hint(self._handing_iter)
        return self._handing[0][-remaining:] if remaining else []

    def subscribed(self, reason: str) -> None:
        """The stream (re)subscribed, after a loss it may not have reported: backfill now."""
        self._subscribed_at = self._wall()
        self.lost(reason)

    def lost(self, reason: str) -> None:
        """The stream may have lost fills (reported loss, channel error, bad frame): backfill."""
        now = self._wall()
        if self._due_at is None or self._due_at > now:
            self._due_at, self._due_reason = now, reason

    # -- backfills --------------------------------------------------------------------------

    def seconds_until_due(self) -> float | None:
        """How long the driver may wait on the stream before the next backfill is due."""
        if self._pending:
            return 0.0
        due = self._next_due()
        return None if due is None else max(0.0, due[0] - self._wall())

    def due_backfill(self) -> Backfill | None:
        """The backfill to run now, if one is due and the last one's fills are all handed over."""
        if self._pending:
            return None
        due = self._next_due()
        now = self._wall()
        if due is None or due[0] > now:
            return None
        if self._until_fill_id is not None:
            return Backfill(due[1], now, None, self._until_fill_id, self.market_tickers)
        min_ts = max(0, (self._complete_ms - self._overlap_ms) // 1000)
        return Backfill(due[1], now, min_ts, None, self.market_tickers)

    def _next_due(self) -> tuple[float, str] | None:
        if self._due_at is not None:
            return self._due_at, self._due_reason
        if self._reconcile_every_s is None:
            return None
        return self._last_backfill_at + self._reconcile_every_s, "periodic"

    def backfill_read(self, backfill: Backfill, result: BackfillResult) -> None:
        """A backfill's walk finished: queue its new fills, oldest first, for delivery."""
        if backfill.until_fill_id is not None:
            if result.found is None:
                raise FillNotFoundError(
                    f"since={backfill.until_fill_id!r}: /portfolio/fills does not list that fill; "
                    "pass the fill id of a fill of this account, a datetime or a ResumePoint"
                )
            found_ms = fill_time_ms(result.found)
            self._seen[result.found.fill_id] = found_ms
            self._seen.update(dict.fromkeys(result.before_found, found_ms))
            # Later backfills read from found_ms - overlap: the fills before the found one
            # were the caller's already (the walk only read back to it), never hand them over.
            self._complete_ms = self._not_before_ms = found_ms
            self._until_fill_id = None
        self._failures = 0
        self._last_backfill_at = backfill.started_at
        self._due_at = None
        # REST lists newest first; reversed and stably sorted by time, ties keep REST's order.
        fresh: dict[str, Fill] = {}
        for fill in reversed(result.fills):
            fill_id = fill.fill_id
            ts_ms = fill_time_ms(fill)
            if fill_id in self._seen:
                self._seen[fill_id] = ts_ms  # a resumed id gets its exact time
                self.rereads += 1
                continue
            if self._not_before_ms is not None and ts_ms < self._not_before_ms:
                continue
            fresh[fill_id] = normalize_rest_fill(fill)
        self._pending.extend(sorted(fresh.values(), key=fill_time_ms))
        # Vouch only for what REST must show by now; if the stream was subscribed more recently
        # than that, a fill in between could be in neither: look again once the lag has passed.
        vouched_ms = int((backfill.started_at - self._rest_lag_s) * 1000)
        self._confirm_on_drain = max(self._complete_ms, vouched_ms)
        if vouched_ms < int(self._subscribed_at * 1000):
            self._due_at = self._subscribed_at + self._rest_lag_s
            self._due_reason = "rest_lag"
        if not self._pending:
            self._drained()

    def backfill_failed(self, backfill: Backfill, error: BaseException) -> float:
        """A backfill failed after the client's own retries: retry it later (the delay is
        returned) or, after max_backfill_failures in a row, re-raise the error."""
        self._failures += 1
        if self._failures >= self._max_failures:
            raise error
        delay: float = min(_BACKFILL_RETRY_CAP_S, 0.5 * 2**self._failures)
        self._due_at = self._wall() + delay
        self._due_reason = backfill.reason
        return delay

    def next_pending(self) -> Fill | None:
        """The next backfilled fill to hand over (recorded as delivered), or None."""
        if not self._pending:
            return None
        fill = self._pending.popleft()
        ts_ms = fill_time_ms(fill)
        self._seen[fill.fill_id] = ts_ms
        if self._last is None or ts_ms >= _as_ms(self._last[1]):
            self._last = (fill.fill_id, ts_ms)
        if not self._pending:
            self._drained()
        return fill

    def _drained(self) -> None:
        """Every fill of the last backfill is handed over: complete_before moves forward."""
        if self._confirm_on_drain is not None:
            self._complete_ms = max(self._complete_ms, self._confirm_on_drain)
            self._confirm_on_drain = None
        floor = self._window_floor_ms()
        self._seen = {i: t for i, t in self._seen.items() if _as_ms(t) >= floor}

    @property
    def _complete_ms(self) -> int:
        return self._complete_before_ms

    @_complete_ms.setter
    def _complete_ms(self, value: int) -> None:
        self._complete_before_ms = value
        self._floor_ms = self._window_floor_ms()

    def _window_floor_ms(self) -> int:
        # The lowest time a later backfill can read from (min_ts is whole seconds).
        return max(0, (self._complete_before_ms - self._overlap_ms) // 1000 * 1000)


# ---- the flow the drivers run -----------------------------------------------------------------


@attrs.frozen
class Receive:
    """Wait up to `timeout` seconds (None: forever) for stream events; the driver sends back
    the events that are there (a list, empty when the wait timed out)."""

    timeout: float | None


@attrs.define  # not frozen: one per fill, and a frozen class's __init__ costs thrice as much
class Deliver:
    """Hand this fill to the consumer."""

    fill: Fill


FeedAction = Backfill | Receive | Deliver
EventKind = str  # "fill", "subscribed", "lost", "other"
Classify = Callable[[Any], tuple[EventKind, Any]]


def feed_flow(policy: FillFeedPolicy, classify: Classify) -> Generator[FeedAction, Any, None]:
    """watch_fills as a generator of actions.

    Backfill: the driver walks /portfolio/fills and sends back a BackfillResult (or throws the
    KalshiError in); Receive: it sends back a list of stream events; Deliver: it hands the fill
    to the consumer. `classify` maps a stream event to (kind, payload): ("fill", a Fill),
    ("subscribed", reason) after a (re)subscription, ("lost", reason) for a reported loss or an
    error, ("other", None) for anything else.
    """
    # The drivers start the flow once the stream is subscribed: the REST lag is counted from
    # now, not from when watch_fills() was called (its stream opens at the first next()).
    policy.subscribed("start")
    backlog: deque[Any] = deque()
    while True:
        fill = policy.next_pending()
        if fill is not None:
            yield Deliver(fill)
            continue
        backfill = policy.due_backfill()
        if backfill is not None:
            try:
                result = yield backfill
            except KalshiError as error:
                # Keep reading the stream meanwhile: its fills are still delivered, once.
                policy.backfill_failed(backfill, error)
                continue
            policy.backfill_read(backfill, result)
            continue
        if not backlog:
            backlog.extend((yield Receive(policy.seconds_until_due())))
            continue
        # A received batch in one run, without asking for backfills between its fills (nothing
        # queues one but a loss or the clock; a periodic one waits at most a batch). A loss or
        # resubscription ends the run: its backfill runs before the events behind it.
        stream_fill = policy.stream_fill
        while backlog:
            kind, payload = classify(backlog.popleft())
            if kind == "fill":
                if stream_fill(payload):
                    yield Deliver(payload)
            elif kind == "subscribed":
                policy.subscribed(payload)
                break
            elif kind == "lost":
                policy.lost(payload)
                break


def steady_fills(
    policy: FillFeedPolicy, events: list[Any], plain_fills: Callable[[list[Any]], list[Fill] | None]
) -> Iterator[Fill] | None:
    """The steady state's fast path, for the drivers: the fills to hand over from a batch the
    flow's Receive got, or None when the batch must go to the flow instead.

    Taken only when feed_flow would run the batch as one plain run of stream fills: nothing
    pending, no backfill due now, and no loss or resubscription among the events
    (``plain_fills`` gives the batch's fills in order, or None if it holds one). Then the
    policy decides the whole batch in one loop (:meth:`FillFeedPolicy.stream_fills`, equal to
    the flow's per-fill decisions) and the driver yields the fills straight from the returned
    iterator. It then waits for the next batch itself, as long as the flow's next Receive would
    (:meth:`FillFeedPolicy.seconds_until_due`), and hands the flow only a batch this declines:
    the flow, still at its Receive, then runs any backfill now due before the batch's events.
    """
    if not policy.steady():
        return None
    fills = plain_fills(events)
    return None if fills is None else policy.stream_fills(fills)
