"""The sync and async drivers of watch_fills and live_portfolio: streams and REST calls only.

Every decision is in :mod:`kalshi_ext.feed` and :mod:`kalshi_ext.live`; these drivers run their
flows: a ``Receive`` reads the next batch of stream events (with a timeout, so periodic
reconciles happen on a quiet stream), a ``Backfill`` walks ``client.iter_fills``, a
``TakeSnapshot`` walks ``client.iter_orders(status="resting")`` and
``client.iter_market_positions`` and reads the balance.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypedDict, Unpack

from kalshi_ext.errors import ClientClosedError, KalshiError, NotFoundError
from kalshi_ext.feed import (
    Backfill,
    BackfillResult,
    Deliver,
    FillFeedPolicy,
    Receive,
    ResumePoint,
    Since,
    decode_stream_fill,
    feed_flow,
    fill_from_stream,
    steady_fills,
)
from kalshi_ext.live import (
    Change,
    LivePolicy,
    LivePosition,
    PortfolioState,
    Publish,
    ReadBalance,
    ReadOrder,
    Snapshot,
    TakeSnapshot,
    live_flow,
    snapshot_filters,
)
from kalshi_ext.stream.buffer import DEFAULT_MAX_BUFFERED
from kalshi_ext.stream.events import (
    ChannelError,
    MalformedMessage,
    MessagesLost,
    Reconnected,
    StreamMessage,
    SubscriptionRestarted,
)
from kalshi_ext.stream.protocol import Decoder
from kalshi_ext.stream.stream import portfolio_decoders
from kalshi_generated.models import Fill, GetBalanceResponse, Order

if TYPE_CHECKING:
    from kalshi_ext.client import AsyncClient, Client
    from kalshi_ext.stream.stream import AsyncStream, Stream

__all__ = ["AsyncFillFeed", "AsyncLivePortfolio", "FillFeed", "LivePortfolio"]


class FeedOptions(TypedDict, total=False):
    """watch_fills' tuning (kalshi_ext.feed): see docs/fill-feed.md."""

    overlap_s: float
    rest_lag_s: float
    # None: no periodic backfill, so the de-duplication window moves only after a reconnect or
    # a loss and grows on a connection that never drops (docs/fill-feed.md).
    reconcile_every_s: float | None
    max_backfill_failures: int
    max_buffered: int  # the stream's buffer (kalshi_ext.stream); an overflow is backfilled


class LiveOptions(TypedDict, total=False):
    """live_portfolio's tuning (kalshi_ext.live): see docs/fill-feed.md."""

    reconcile_every_s: float | None
    balance_max_stale_s: float
    max_buffered: int  # the stream's buffer (kalshi_ext.stream); an overflow reconciles


def _feed_decoders() -> dict[str, Decoder]:
    """watch_fills' stream decodes a fill frame straight to the REST Fill (no WebSocket model
    in between); a frame it cannot decode is a MalformedMessage, a loss the backfill repairs."""
    return {**portfolio_decoders(), "fill": decode_stream_fill}


_BATCH = 256  # events per hop from the stream's loop, as Stream.__next__ takes them
_PAGE = 1000  # the largest page /portfolio/fills, /orders and /positions serve


# ---- reading a stream with a timeout ----------------------------------------------------------


async def _next_events(stream: AsyncStream, timeout: float | None) -> list[Any] | None:
    """The events there are (waiting up to `timeout`; [] if none came); None once the stream
    has ended (closed by us: an error ending it is raised)."""
    try:
        return await stream.next_batch(_BATCH, timeout=timeout)
    except StopAsyncIteration:
        return None


def _next_events_sync(stream: Stream, timeout: float | None) -> list[Any] | None:
    try:
        return stream.next_batch(_BATCH, timeout=timeout)
    except StopIteration:
        return None


# ---- classifying events -----------------------------------------------------------------------


def classify_fill_event(event: Any) -> tuple[str, Any]:
    """A stream event as the fill feed sees it (see feed.feed_flow)."""
    if type(event) is StreamMessage:
        if event.channel != "fill":
            return "other", None
        msg = event.msg
        if type(msg) is Fill:  # decoded by decode_stream_fill already (_feed_decoders)
            return "fill", msg
        return _stream_fill(msg)
    return _classify_marker(event, "fill")


def plain_stream_fills(events: list[Any]) -> list[Fill] | None:
    """A batch's fills as classify_fill_event sees them (other events skipped), or None if it
    holds a loss or a resubscription (see feed.steady_fills). A fill decoded already is taken
    without a call per event: this runs once per fill in the steady state."""
    # Only the "fill" decoder (_feed_decoders) makes a REST Fill: a batch of nothing else is
    # taken in one comprehension.
    fills: list[Fill] = [
        msg for event in events if type(event) is StreamMessage and type(msg := event.msg) is Fill
    ]
    if len(fills) == len(events):
        return fills
    fills = []
    append = fills.append
    for event in events:
        kind, payload = classify_fill_event(event)
        if kind == "fill":
            append(payload)
        elif kind != "other":
            return None
    return fills


def _stream_fill(msg: Any) -> tuple[str, Any]:
    if type(msg) is Fill:  # decoded by decode_stream_fill already (_feed_decoders)
        return "fill", msg
    try:
        return "fill", fill_from_stream(msg)
    except ValueError:
        return "lost", "undecodable fill"  # the backfill reads it from REST instead


def classify_live_event(event: Any) -> tuple[str, Any]:
    """A stream event as live_portfolio sees it (see live.live_flow)."""
    if type(event) is StreamMessage:
        if event.channel == "user_orders":
            return "user_order", event.msg
        if event.channel == "market_positions":
            # The view holds the primary account's positions, as /portfolio/positions lists
            # them by default: a subaccount's position (its number in `subaccount`) is not
            # mixed in under the same ticker.
            subaccount = getattr(event.msg, "subaccount", None)
            if isinstance(subaccount, int) and subaccount != 0:
                return "other", None
            return "market_position", event.msg
        if event.channel == "fill":
            return _stream_fill(event.msg)
        return "other", None
    return _classify_marker(event, None)


def _classify_marker(event: Any, channel: str | None) -> tuple[str, Any]:
    if isinstance(event, Reconnected):
        return "subscribed", "reconnected"
    if isinstance(event, SubscriptionRestarted):
        return "subscribed", f"subscription restarted (error {event.code})"
    if isinstance(event, MessagesLost):
        return "lost", "messages lost"
    if isinstance(event, MalformedMessage):
        return "lost", "malformed message"
    if isinstance(event, ChannelError) and (channel is None or event.channel in (channel, None)):
        return "lost", f"channel error {event.code}"
    return "other", None


# ---- watch_fills ------------------------------------------------------------------------------


class _FeedBase:
    """What both fill feeds expose besides iteration."""

    def __init__(
        self, policy: FillFeedPolicy, market_tickers: list[str] | None, max_buffered: int
    ) -> None:
        self._policy = policy
        self._market_tickers = market_tickers
        self._max_buffered = max_buffered
        self.backfills = 0  # REST walks made (each is one or more pages)
        # close() from a thread (task) other than the one iterating closes the stream first,
        # which ends a wait inside next(); the generator, if that thread is inside it, ends at
        # its next step, seeing _closed, and otherwise is closed here.
        self._closed = False
        self._open_stream: Any = None
        self._iterating: object = None  # the thread id (task) that started the iteration

    @property
    def rereads(self) -> int:
        """Fills the backfills listed that had been delivered already (their overlap)."""
        return self._policy.rereads

    @property
    def subscribed_at(self) -> float:
        """When (epoch seconds) the feed last read that its stream was (re)subscribed."""
        return self._policy.subscribed_at

    @property
    def resume_point(self) -> ResumePoint:
        """Pass it as ``since=`` after a restart to continue after the last fill handed over."""
        return self._policy.resume_point

    def _after_wait(self, events: list[Any] | None) -> Iterator[Fill] | None:
        """What the drivers do with a wait's events (None: the stream ended): the fills to
        hand over straight from the batch (none once the feed was closed from another thread
        or task: the driver then stops), or None to give the events to the flow."""
        if self._closed:
            return iter(())
        if events is None:  # the stream was closed under the feed: the client's close()
            raise _client_closed()
        # Decided already: no per-fill hop through the flow. The driver then waits for the
        # next batch itself, as the flow's next Receive would.
        return steady_fills(self._policy, events, plain_stream_fills)


def _client_closed() -> ClientClosedError:
    # Only the client's close() ends the feed's stream under it: a loop over the feed that just
    # ended would read as "no more fills", so it is an error (the feed never ends silently).
    return ClientClosedError("the client was closed while watch_fills was iterating")


class FillFeed(_FeedBase):
    """``client.watch_fills()``: iterate it for every fill exactly once; ``close()`` (or ``with``)
    stops it. The stream opens at the first ``next()``."""

    def __init__(
        self,
        client: Client,
        policy: FillFeedPolicy,
        market_tickers: list[str] | None,
        max_buffered: int,
    ) -> None:
        super().__init__(policy, market_tickers, max_buffered)
        self._client = client
        self._fills = self._run()

    def _run(self) -> Generator[Fill, None, None]:
        client = self._client
        self._iterating = threading.get_ident()
        with client.stream(
            channels=["fill"],
            market_tickers=self._market_tickers,
            max_buffered=self._max_buffered,
            decoders=_feed_decoders(),
        ) as stream:
            self._open_stream = stream
            if self._closed:  # closed from another thread while the stream opened
                return
            policy = self._policy
            flow = feed_flow(policy, classify_fill_event)
            action = next(flow)
            while True:
                if type(action) is Deliver:
                    yield action.fill
                    if self._closed:
                        return
                    action = flow.send(None)
                elif type(action) is Receive:
                    timeout = action.timeout
                    while True:
                        events = _next_events_sync(stream, timeout)
                        fills = self._after_wait(events)
                        if fills is None:
                            break
                        # The check follows each yield: a fill not taken from `fills` stays
                        # out of the resume point.
                        for fill in fills:
                            yield fill
                            if self._closed:
                                return
                        if self._closed:
                            return
                        timeout = policy.seconds_until_due()
                    action = flow.send(events)
                else:
                    assert isinstance(action, Backfill)
                    self.backfills += 1
                    result = BackfillResult()
                    try:
                        for fill in client.iter_fills(page_size=_PAGE, **action.filters):
                            if not result.add(action, fill):
                                break
                    except KalshiError as error:
                        action = flow.throw(error)
                        continue
                    action = flow.send(result)

    def __iter__(self) -> Iterator[Fill]:
        # The generator itself: a `for` loop then resumes it without a __next__ call per fill.
        return self._fills

    def __next__(self) -> Fill:
        return next(self._fills)

    def close(self) -> None:
        """Stop the feed. From another thread than the one iterating, that thread's loop ends
        at its next step (a wait for fills ends at once), without an error."""
        self._closed = True
        fills: Any = self._fills  # a generator object (gi_frame, gi_running)
        if fills.gi_frame is None:
            return  # closed or finished already
        if self._iterating is None or self._iterating == threading.get_ident():
            # Not started, or this thread's own (paused at a yield): closed here.
            # ValueError: another thread started it meanwhile; it ends seeing _closed.
            with contextlib.suppress(ValueError):
                fills.close()
            return
        # Another thread iterates: closing the generator here would race its next(). The
        # stream is closed (a wait inside next() ends at once) and that thread ends the
        # generator at its next step, seeing _closed.
        stream = self._open_stream
        if stream is not None:
            stream.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncFillFeed(_FeedBase):
    """``async_client.watch_fills()``: ``async for`` every fill exactly once; ``await aclose()``
    (or ``async with``) stops it."""

    def __init__(
        self,
        client: AsyncClient,
        policy: FillFeedPolicy,
        market_tickers: list[str] | None,
        max_buffered: int,
    ) -> None:
        super().__init__(policy, market_tickers, max_buffered)
        self._client = client
        self._fills = self._run()

    async def _run(self) -> AsyncIterator[Fill]:
        client = self._client
        self._iterating = asyncio.current_task()
        async with client.stream(
            channels=["fill"],
            market_tickers=self._market_tickers,
            max_buffered=self._max_buffered,
            decoders=_feed_decoders(),
        ) as stream:
            self._open_stream = stream
            if self._closed:  # closed from another task while the stream opened
                return
            policy = self._policy
            flow = feed_flow(policy, classify_fill_event)
            action = next(flow)
            while True:
                if type(action) is Deliver:
                    yield action.fill
                    if self._closed:
                        return
                    action = flow.send(None)
                elif type(action) is Receive:
                    timeout = action.timeout
                    while True:
                        try:
                            events: list[Any] | None = await stream.next_batch(
                                _BATCH, timeout=timeout
                            )
                        except StopAsyncIteration:
                            events = None
                        fills = self._after_wait(events)
                        if fills is None:
                            break
                        # The check follows each yield (the consumer may await, and another
                        # task close the feed, while it holds a fill), as in FillFeed.
                        for fill in fills:
                            yield fill
                            if self._closed:
                                return
                        if self._closed:
                            return
                        timeout = policy.seconds_until_due()
                    action = flow.send(events)
                else:
                    assert isinstance(action, Backfill)
                    self.backfills += 1
                    result = BackfillResult()
                    try:
                        async for fill in client.iter_fills(page_size=_PAGE, **action.filters):
                            if not result.add(action, fill):
                                break
                    except KalshiError as error:
                        action = flow.throw(error)
                        continue
                    action = flow.send(result)

    def __aiter__(self) -> AsyncIterator[Fill]:
        # The async generator itself: `async for` then resumes it without a coroutine per fill.
        return self._fills

    async def __anext__(self) -> Fill:
        return await anext(self._fills)

    async def aclose(self) -> None:
        """Stop the feed. From another task than the one iterating, that task's loop ends at
        its next step (a wait for fills ends at once), without an error."""
        self._closed = True
        fills: Any = self._fills  # an async generator object (ag_frame, ag_running)
        if fills.ag_frame is None:
            return  # closed or finished already
        if self._iterating is None or self._iterating is asyncio.current_task():
            if not fills.ag_running:  # not started, or this task's own, paused at a yield
                await fills.aclose()
            return
        # Another task iterates: closing the generator here would race its next __anext__().
        # The stream is closed (a wait inside it ends at once) and that task ends the
        # generator at its next step, seeing _closed.
        stream = self._open_stream
        if stream is not None:
            await stream.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _feed_parts(
    since: Since, market_tickers: Iterable[str] | None, options: FeedOptions
) -> tuple[FillFeedPolicy, list[str] | None, int]:
    settings: dict[str, Any] = dict(options)
    max_buffered = int(settings.pop("max_buffered", DEFAULT_MAX_BUFFERED))
    tickers = None if market_tickers is None else list(market_tickers)
    return FillFeedPolicy(since, market_tickers=tickers, **settings), tickers, max_buffered


def watch_fills_sync(
    client: Client,
    since: Since = None,
    market_tickers: Iterable[str] | None = None,
    **options: Unpack[FeedOptions],
) -> FillFeed:
    return FillFeed(client, *_feed_parts(since, market_tickers, options))


def watch_fills_async(
    client: AsyncClient,
    since: Since = None,
    market_tickers: Iterable[str] | None = None,
    **options: Unpack[FeedOptions],
) -> AsyncFillFeed:
    return AsyncFillFeed(client, *_feed_parts(since, market_tickers, options))


# ---- live_portfolio ---------------------------------------------------------------------------

LIVE_CHANNELS = ["user_orders", "market_positions", "fill"]


class _LiveBase:
    """The view both live portfolios expose; reading it raises what stopped the driver."""

    def __init__(
        self,
        state: PortfolioState,
        policy: LivePolicy,
        tickers: list[str] | None,
        max_buffered: int,
    ) -> None:
        self._state = state
        self._policy = policy
        self._tickers = tickers
        self._max_buffered = max_buffered
        self._error: BaseException | None = None
        self._version = 0  # bumped on every Publish

    def _check(self) -> None:
        if self._error is not None:
            raise self._error

    @property
    def orders(self) -> dict[str, Order]:
        """Resting orders by id (a copy)."""
        self._check()
        return self._state.orders

    @property
    def positions(self) -> dict[str, LivePosition]:
        """Positions by market ticker (a copy)."""
        self._check()
        return self._state.positions

    @property
    def balance(self) -> GetBalanceResponse:
        self._check()
        balance = self._state.balance
        assert balance is not None  # the context manager returns after the first snapshot
        return balance

    @property
    def reconciles(self) -> int:
        """How many snapshots the view has reconciled with."""
        return self._state.snapshots

    def order_status(self, order_id: str) -> str | None:
        """The last status seen for an order of this session, else None."""
        self._check()
        return self._state.order_status(order_id)


def _snapshot_sync(client: Client, tickers: frozenset[str] | None) -> Snapshot:
    filters = snapshot_filters(tickers)
    orders = list(client.iter_orders(status="resting", page_size=_PAGE, **filters))
    positions = list(client.iter_market_positions(page_size=_PAGE, **filters))
    return Snapshot(orders, positions, client.get_balance())


async def _snapshot_async(client: AsyncClient, tickers: frozenset[str] | None) -> Snapshot:
    filters = snapshot_filters(tickers)
    orders = [o async for o in client.iter_orders(status="resting", page_size=_PAGE, **filters)]
    positions = [p async for p in client.iter_market_positions(page_size=_PAGE, **filters)]
    return Snapshot(orders, positions, await client.get_balance())


class LivePortfolio(_LiveBase):
    """``with client.live_portfolio() as live:``: the view, kept by a background thread."""

    def __init__(
        self,
        client: Client,
        state: PortfolioState,
        policy: LivePolicy,
        tickers: list[str] | None,
        max_buffered: int,
    ) -> None:
        super().__init__(state, policy, tickers, max_buffered)
        self._client = client
        self._changed = threading.Condition()
        self._listeners: list[queue.SimpleQueue[Change | None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stream: Stream | None = None

    def _publish(self, changes: list[Change]) -> None:
        with self._changed:
            self._version += 1
            for listener in self._listeners:
                for change in changes:
                    listener.put(change)
            self._changed.notify_all()

    def _drive(self, stream: Stream) -> None:
        client = self._client
        flow = live_flow(self._policy, self._state, classify_live_event)
        try:
            action = next(flow)
            while not self._stop.is_set():
                if type(action) is Receive:
                    reply: Any = _next_events_sync(stream, action.timeout)
                    if reply is None:
                        return
                elif type(action) is Publish:
                    self._publish(action.changes)
                    reply = None
                elif type(action) is TakeSnapshot:
                    reply = _snapshot_sync(client, self._state.market_tickers)
                elif type(action) is ReadBalance:
                    reply = client.get_balance()
                else:
                    assert isinstance(action, ReadOrder)
                    try:
                        reply = client.get_order(order_id=action.order_id).order
                    except NotFoundError:
                        reply = None
                action = flow.send(reply)
        except StopIteration:
            pass
        except BaseException as error:
            if not self._stop.is_set():
                self._error = error
        finally:
            flow.close()
            with self._changed:
                for listener in self._listeners:
                    listener.put(None)
                self._changed.notify_all()

    def __enter__(self) -> Self:
        stream = self._client.stream(
            channels=LIVE_CHANNELS, market_tickers=self._tickers, max_buffered=self._max_buffered
        )
        stream.open()
        self._stream = stream
        self._thread = threading.Thread(
            target=self._drive, args=(stream,), name="kalshi-live-portfolio", daemon=True
        )
        self._thread.start()
        try:
            self.wait_for(lambda live: live.reconciles > 0)
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        self._stop.set()
        if self._stream is not None:
            self._stream.close()
        if self._thread is not None:
            self._thread.join()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def wait_for(
        self, condition: Callable[[LivePortfolio], bool], timeout: float | None = None
    ) -> None:
        """Block until ``condition(self)`` holds (checked after every change); TimeoutError
        after ``timeout`` seconds; raises what stopped the view."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while True:
                self._check()
                if condition(self):
                    return
                if self._thread is None or not self._thread.is_alive():
                    raise RuntimeError("this live portfolio is closed")
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise TimeoutError("the live portfolio's condition did not hold in time")
                self._changed.wait(left)

    def changes(self) -> Iterator[Change]:
        """Every change from this call on, in order, until the view closes (consume it or
        close it: the changes wait for the iterator)."""
        listener: queue.SimpleQueue[Change | None] = queue.SimpleQueue()
        with self._changed:  # registered now, not at the first next()
            self._listeners.append(listener)
            if self._thread is None or not self._thread.is_alive():
                listener.put(None)
        return self._drain(listener)

    def _drain(self, listener: queue.SimpleQueue[Change | None]) -> Iterator[Change]:
        try:
            while (change := listener.get()) is not None:
                yield change
            self._check()
        finally:
            with self._changed:
                self._listeners.remove(listener)


class AsyncLivePortfolio(_LiveBase):
    """``async with async_client.live_portfolio() as live:``: the view, kept by a task."""

    def __init__(
        self,
        client: AsyncClient,
        state: PortfolioState,
        policy: LivePolicy,
        tickers: list[str] | None,
        max_buffered: int,
    ) -> None:
        super().__init__(state, policy, tickers, max_buffered)
        self._client = client
        self._changed = asyncio.Condition()
        self._listeners: list[asyncio.Queue[Change | None]] = []
        self._task: asyncio.Task[None] | None = None
        self._stream: AsyncStream | None = None
        self._closing = False

    async def _publish(self, changes: list[Change]) -> None:
        async with self._changed:
            self._version += 1
            for listener in self._listeners:
                for change in changes:
                    listener.put_nowait(change)
            self._changed.notify_all()

    async def _drive(self, stream: AsyncStream) -> None:
        client = self._client
        flow = live_flow(self._policy, self._state, classify_live_event)
        try:
            action = next(flow)
            while True:
                if type(action) is Receive:
                    reply: Any = await _next_events(stream, action.timeout)
                    if reply is None:
                        return
                elif type(action) is Publish:
                    await self._publish(action.changes)
                    reply = None
                elif type(action) is TakeSnapshot:
                    reply = await _snapshot_async(client, self._state.market_tickers)
                elif type(action) is ReadBalance:
                    reply = await client.get_balance()
                else:
                    assert isinstance(action, ReadOrder)
                    try:
                        reply = (await client.get_order(order_id=action.order_id)).order
                    except NotFoundError:
                        reply = None
                action = flow.send(reply)
        except (StopIteration, StopAsyncIteration, asyncio.CancelledError):
            pass
        except BaseException as error:
            if not self._closing:
                self._error = error
        finally:
            flow.close()
            async with self._changed:
                for listener in self._listeners:
                    listener.put_nowait(None)
                self._changed.notify_all()

    async def __aenter__(self) -> Self:
        stream = self._client.stream(
            channels=LIVE_CHANNELS, market_tickers=self._tickers, max_buffered=self._max_buffered
        )
        await stream.open()
        self._stream = stream
        self._task = asyncio.create_task(self._drive(stream), name="kalshi-live-portfolio")
        try:
            await self.wait_for(lambda live: live.reconciles > 0)
        except BaseException:
            await self.aclose()
            raise
        return self

    async def aclose(self) -> None:
        self._closing = True
        if self._stream is not None:
            await self._stream.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def wait_for(
        self, condition: Callable[[AsyncLivePortfolio], bool], timeout: float | None = None
    ) -> None:
        """Wait until ``condition(self)`` holds (checked after every change); TimeoutError
        after ``timeout`` seconds; raises what stopped the view."""

        async def until() -> None:
            async with self._changed:
                while True:
                    self._check()
                    if condition(self):
                        return
                    if self._task is None or self._task.done():
                        raise RuntimeError("this live portfolio is closed")
                    await self._changed.wait()

        async with asyncio.timeout(timeout):
            await until()

    def changes(self) -> AsyncIterator[Change]:
        """Every change from this call on, in order, until the view closes."""
        listener: asyncio.Queue[Change | None] = asyncio.Queue()
        self._listeners.append(listener)  # registered now, not at the first anext()
        if self._task is None or self._task.done():
            listener.put_nowait(None)
        return self._drain(listener)

    async def _drain(self, listener: asyncio.Queue[Change | None]) -> AsyncIterator[Change]:
        try:
            while (change := await listener.get()) is not None:
                yield change
            self._check()
        finally:
            self._listeners.remove(listener)


def _live_parts(
    market_tickers: Iterable[str] | None, options: LiveOptions
) -> tuple[PortfolioState, LivePolicy, list[str] | None, int]:
    settings: dict[str, Any] = dict(options)
    max_buffered = int(settings.pop("max_buffered", DEFAULT_MAX_BUFFERED))
    tickers = None if market_tickers is None else list(market_tickers)
    return PortfolioState(tickers), LivePolicy(**settings), tickers, max_buffered


def live_portfolio_sync(
    client: Client, market_tickers: Iterable[str] | None = None, **options: Unpack[LiveOptions]
) -> LivePortfolio:
    return LivePortfolio(client, *_live_parts(market_tickers, options))


def live_portfolio_async(
    client: AsyncClient,
    market_tickers: Iterable[str] | None = None,
    **options: Unpack[LiveOptions],
) -> AsyncLivePortfolio:
    return AsyncLivePortfolio(client, *_live_parts(market_tickers, options))
