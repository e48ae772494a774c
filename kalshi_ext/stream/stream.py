"""Stream and AsyncStream: what users iterate; the sync one is a thin shell over the async one.

    async with async_client.stream(channels=["fill", "user_orders"]) as stream:
        async for event in stream:
            ...

    with client.stream(channels=["fill"]) as stream:        # a background event-loop thread
        for event in stream:
            ...

Both yield :data:`~kalshi_ext.stream.events.Event` values in the order the server sent them and
raise :class:`~kalshi_ext.stream.errors.StreamConnectionError` (never a silent end) when the
connection cannot be restored. ``Stream`` runs each call of ``AsyncStream`` on one background
event loop per client: one socket implementation, two shells.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import itertools
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Mapping
from concurrent.futures import Executor
from types import TracebackType
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, Self, TypeVar
from urllib.parse import urlsplit

import attrs

from kalshi_ext.auth import KalshiAuth
from kalshi_ext.config import KalshiConfig
from kalshi_ext.stream.buffer import DEFAULT_MAX_BUFFERED, EventBuffer
from kalshi_ext.stream.connection import Connection, Signer
from kalshi_ext.stream.events import Event, Subscription
from kalshi_ext.stream.protocol import Decoder, StreamProtocol

if TYPE_CHECKING:
    from kalshi_ext.client import AsyncClient, Client

__all__ = ["AsyncStream", "BackgroundLoop", "Stream", "StreamStats", "portfolio_decoders"]

P = ParamSpec("P")
T = TypeVar("T")

_SYNC_BATCH = 256  # events moved to the consumer's thread per hop across threads


def portfolio_decoders() -> dict[str, Decoder]:
    """A data frame's ``type`` → a decoder of its ``msg`` into the generated model.

    The decoders are kalshi_ext.decoding's: equal to the model's ``from_dict`` for every input,
    compiled for speed (a fill decodes about twice as fast).
    """
    from kalshi_ext.decoding import decoder_for
    from kalshi_generated.ws.models import Fill, MarketPosition, OrderGroupUpdate, UserOrder

    return {
        "fill": decoder_for(Fill),
        "user_order": decoder_for(UserOrder),
        "market_position": decoder_for(MarketPosition),
        "order_group_updates": decoder_for(OrderGroupUpdate),
    }


def handshake_signer(auth: KalshiAuth, ws_base_url: str, executor: Executor | None) -> Signer:
    """Signs ``timestamp + "GET" + <ws path>`` afresh for every connection attempt.

    The path is that of ``ws_base_url`` (``/trade-api/ws/v2`` on Kalshi's hosts), which the
    config's host policy has already checked, so the headers go only where the config allows.
    """
    path = urlsplit(ws_base_url).path or "/"

    async def sign() -> Mapping[str, str]:
        if executor is None:
            return auth.sign_headers("GET", path)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(executor, auth.sign_headers, "GET", path)

    return sign


@attrs.frozen
class StreamStats:
    """Counters of one stream, for monitoring."""

    connects: int  # successful handshakes (1 + reconnects)
    buffered: int  # events waiting for the consumer
    peak_buffered: int  # the most data events waiting at once
    max_buffered: int
    lost: int  # data messages dropped because the consumer was max_buffered behind
    duplicates_dropped: int  # repeated seq frames
    stale_frames_dropped: int  # frames of a sid already unsubscribed or replaced


class AsyncStream:
    """A live portfolio stream: ``async with`` opens it, ``async for`` reads its events."""

    def __init__(
        self,
        *,
        config: KalshiConfig,
        sign: Signer,
        headers: Mapping[str, str],
        channels: Iterable[str],
        market_tickers: Iterable[str] | None = None,
        max_buffered: int = DEFAULT_MAX_BUFFERED,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        decoders: Mapping[str, Decoder] | None = None,
    ) -> None:
        self._buffer = EventBuffer(max_buffered)
        self._connection = Connection(
            config=config,
            sign=sign,
            headers=headers,
            decoders=portfolio_decoders() if decoders is None else decoders,
            buffer=self._buffer,
            sleep=sleep,
        )
        self._connection.protocol.add_intents(channels, market_tickers)
        self._opened = False

    @classmethod
    def for_client(
        cls,
        client: AsyncClient | Client,
        channels: Iterable[str],
        market_tickers: Iterable[str] | None,
        max_buffered: int,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        *,
        decoders: Mapping[str, Decoder] | None = None,
    ) -> AsyncStream:
        from kalshi_ext.client import user_agent

        config = client.config
        return cls(
            config=config,
            sign=handshake_signer(client.auth, config.ws_base_url, client._signing_pool),
            headers={"User-Agent": user_agent(), **config.extra_headers},
            channels=channels,
            market_tickers=market_tickers,
            max_buffered=max_buffered,
            sleep=sleep,
            decoders=decoders,
        )

    async def open(self) -> Self:
        """Connect and subscribe; raises StreamHandshakeError / StreamConnectionError /
        StreamCommandError when that fails."""
        if self._opened:
            raise RuntimeError("this stream is already open; a stream is opened once")
        self._opened = True
        try:
            await self._connection.open()
        except BaseException:
            await self._connection.close()
            raise
        return self

    async def close(self) -> None:
        """Close the socket (within ws_close_timeout); iteration then ends after the buffered
        events."""
        await self._connection.close()

    async def __aenter__(self) -> Self:
        return await self.open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        # An async generator resumes one frame per event, where an `async def __anext__` would
        # build a coroutine per event: this loop runs once per frame.
        buffer = self._buffer
        if not self._opened:
            raise RuntimeError("open the stream first: `async with client.stream(...) as s`")
        while await buffer.wait():
            for event in buffer.drain():
                yield event

    async def __anext__(self) -> Event:
        """The next event (``async for`` is faster; this is for reading one at a time)."""
        if not self._opened:
            raise RuntimeError("open the stream first: `async with client.stream(...) as s`")
        return await self._buffer.get()

    def take_left(self, limit: int) -> list[Event]:
        """Up to ``limit`` events left in a closed stream; raises its end when none is left."""
        events = list(itertools.islice(self._buffer.drain(), limit))
        if not events:
            self._buffer.raise_end()
            raise StopAsyncIteration  # not finished, but nothing will run it any more
        return events

    async def next_batch(
        self, limit: int = _SYNC_BATCH, *, timeout: float | None = None
    ) -> list[Event]:
        """The next events: waits for one (at most ``timeout`` seconds: then ``[]``), returns up
        to ``limit`` of those already there. At the end of a closed stream: StopAsyncIteration
        (or the error that ended it)."""
        return await self._buffer.get_batch(limit, timeout)

    # ---- subscriptions ----------------------------------------------------------------------

    @property
    def subscriptions(self) -> tuple[Subscription, ...]:
        """What the stream is subscribed to (restored on every reconnect)."""
        return self._connection.protocol.subscriptions()

    async def subscribe(
        self, channels: Iterable[str], market_tickers: Iterable[str] | None = None
    ) -> list[Subscription]:
        """Subscribe to more channels (each at most once per stream)."""
        channels = tuple(channels) if not isinstance(channels, str) else channels

        def start(protocol: StreamProtocol) -> list[int]:
            return protocol.subscribe(channels, market_tickers)

        return await self._connection.request(start)

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        """Stop the channels' subscriptions."""
        channels = tuple(channels) if not isinstance(channels, str) else channels
        await self._connection.request(lambda protocol: protocol.unsubscribe(channels))

    async def add_markets(self, channel: str, market_tickers: Iterable[str]) -> tuple[str, ...]:
        """Follow more markets on a channel subscribed with market_tickers=; the new list."""
        tickers = tuple(market_tickers) if not isinstance(market_tickers, str) else market_tickers
        (result,) = await self._connection.request(
            lambda protocol: [protocol.update_markets(channel, "add_markets", tickers)]
        )
        return tuple(result)

    async def delete_markets(self, channel: str, market_tickers: Iterable[str]) -> tuple[str, ...]:
        """Stop following markets on a channel; the list left."""
        tickers = tuple(market_tickers) if not isinstance(market_tickers, str) else market_tickers
        (result,) = await self._connection.request(
            lambda protocol: [protocol.update_markets(channel, "delete_markets", tickers)]
        )
        return tuple(result)

    async def list_subscriptions(self) -> list[Subscription]:
        """The server's list of this connection's subscriptions (channel and sid)."""
        (result,) = await self._connection.request(lambda protocol: [protocol.list_subscriptions()])
        return list(result)

    @property
    def stats(self) -> StreamStats:
        protocol = self._connection.protocol
        return StreamStats(
            connects=self._connection.connects,
            buffered=len(self._buffer),
            peak_buffered=self._buffer.peak_data,
            max_buffered=self._buffer.max_buffered,
            lost=self._buffer.lost_total,
            duplicates_dropped=protocol.duplicates_dropped,
            stale_frames_dropped=protocol.stale_frames_dropped,
        )


class BackgroundLoop:
    """One event loop in a daemon thread: where a sync client's streams live."""

    def __init__(self) -> None:
        self.streams: weakref.WeakSet[AsyncStream] = weakref.WeakSet()  # closed by close()
        # Calls waiting on the loop: close() fails those the stopped loop never ran, or a
        # thread that called in while it stopped (a stream's close on the way out) would wait
        # forever.
        self._waiting: dict[concurrent.futures.Future[Any], Coroutine[Any, Any, Any]] = {}
        self._guard = threading.Lock()
        self._stopping = False
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="kalshi-stream-loop", daemon=True
        )
        self._thread.start()

    @property
    def closed(self) -> bool:
        return self._stopping or self._loop.is_closed()

    @property
    def on_loop_thread(self) -> bool:
        """Whether the caller runs on the loop's own thread (where run() would wait forever)."""
        return threading.current_thread() is self._thread

    def schedule(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Start the coroutine on the loop without waiting for it (from the loop's thread)."""
        with self._guard:
            if self._stopping or self._loop.is_closed():
                coroutine.close()
                return
            self._loop.call_soon_threadsafe(self._loop.create_task, coroutine)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        if self.on_loop_thread:
            # A sync stream's call from the loop's own thread (a callback, or the garbage
            # collector finalizing an abandoned iterator there) would wait for itself.
            coroutine.close()
            raise RuntimeError("a blocking stream call cannot run on the client's stream loop")
        with self._guard:
            if self._stopping or self._loop.is_closed() or not self._thread.is_alive():
                coroutine.close()
                raise RuntimeError("the client's stream loop is closed")
            future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
            self._waiting[future] = coroutine
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            if self._stopping:
                raise RuntimeError("the client's stream loop is closed") from None
            raise
        except BaseException:
            # The caller stopped waiting (Ctrl-C, a signal handler's exception): stop the call
            # too, or a read would go on and take events for no one.
            future.cancel()
            raise
        finally:
            with self._guard:
                self._waiting.pop(future, None)

    def close(self) -> None:
        if not self._thread.is_alive():
            return

        async def cancel_all() -> None:
            # Streams still open close cleanly (close frame, session) before the rest stops.
            await asyncio.gather(*(stream.close() for stream in list(self.streams)))
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(cancel_all(), self._loop).result()
        with self._guard:
            self._stopping = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        with self._guard:
            for future, coroutine in self._waiting.items():
                future.cancel()  # never ran (or never finished) on the stopped loop
                if inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED:
                    coroutine.close()  # never started: no "never awaited" warning
        self._loop.close()


def _blocking(
    method: Callable[Concatenate[AsyncStream, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[Stream, P], T]:
    """The sync form of an AsyncStream method: run on the client's background loop."""

    def call(self: Stream, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._loop.run(method(self._async, *args, **kwargs))

    call.__name__, call.__qualname__ = method.__name__, f"Stream.{method.__name__}"
    call.__doc__ = method.__doc__
    call.__wrapped__ = method  # type: ignore[attr-defined]  # inspect/help show its parameters
    return call


class Stream:
    """The sync stream: ``with`` opens it, ``for`` reads its events; see AsyncStream."""

    def __init__(self, loop: BackgroundLoop, make: Callable[[], AsyncStream]) -> None:
        self._loop = loop

        async def build() -> AsyncStream:
            return make()  # made on the loop that will run it

        self._async = loop.run(build())
        loop.streams.add(self._async)
        self._batch: list[Event] = []
        self._position = 0

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> Event:
        if self._position >= len(self._batch):
            try:
                if self._loop.closed:  # the client was closed: what was received, then the end
                    self._batch = self._async.take_left(_SYNC_BATCH)
                else:
                    self._batch = self._loop.run(self._async.next_batch(_SYNC_BATCH))
            except StopAsyncIteration:
                raise StopIteration from None
            self._position = 0
        event = self._batch[self._position]
        self._position += 1
        return event

    def next_batch(self, limit: int = _SYNC_BATCH, *, timeout: float | None = None) -> list[Event]:
        """The next events, as AsyncStream.next_batch; StopIteration at the end of the stream."""
        left = self._batch[self._position :]
        if left:  # taken from the loop by __next__ and not handed out yet: those first
            self._batch, self._position = left[limit:], 0
            return left[:limit]
        try:
            if self._loop.closed:  # the client was closed: what was received, then the end
                return self._async.take_left(limit)
            return self._loop.run(self._async.next_batch(limit, timeout=timeout))
        except StopAsyncIteration:
            raise StopIteration from None

    @property
    def subscriptions(self) -> tuple[Subscription, ...]:
        return self._async.subscriptions

    @property
    def stats(self) -> StreamStats:
        return self._async.stats

    def open(self) -> Self:
        self._loop.run(self._async.open())
        return self

    def close(self) -> None:
        """Close the socket (within ws_close_timeout); iteration then ends after the buffered
        events. Closing the client closed it already: then this does nothing."""
        if self._loop.closed:
            return
        if self._loop.on_loop_thread:  # e.g. an abandoned feed finalized there by the GC
            self._loop.schedule(self._async.close())
            return
        try:
            self._loop.run(self._async.close())
        except RuntimeError:
            if not self._loop.closed:
                raise  # the client's close() closed this stream meanwhile

    subscribe = _blocking(AsyncStream.subscribe)
    unsubscribe = _blocking(AsyncStream.unsubscribe)
    add_markets = _blocking(AsyncStream.add_markets)
    delete_markets = _blocking(AsyncStream.delete_markets)
    list_subscriptions = _blocking(AsyncStream.list_subscriptions)
