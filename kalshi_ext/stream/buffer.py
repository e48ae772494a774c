"""The events waiting for the consumer: bounded, in order, and explicit about what it dropped.

The reader never waits for the consumer (it must keep reading to answer Kalshi's pings and to
see replies), so a consumer that falls behind fills this buffer. It holds at most
``max_buffered`` data events (StreamMessage, MalformedMessage); past that, new data events are
counted instead of kept, and once the consumer frees a slot a single :class:`MessagesLost` takes
their place in the sequence, saying how many, of which channels, and from when to when. Markers
(Reconnected, SequenceGap, ...) are always kept: there are few of them, one per incident.

Memory is therefore bounded by ``max_buffered`` waiting frames plus the markers. A frame waits as
its parsed JSON and is decoded into its model when the consumer takes it; a waiting fill frame
costs about 2.7 KB, so the default 10,000 peaks near 27 MB (bench/bench_stream.py measures it).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Callable, Iterator

from kalshi_ext.config import DEFAULT_MAX_BUFFERED
from kalshi_ext.stream.events import Event, MalformedMessage, MessagesLost, StreamMessage
from kalshi_ext.stream.protocol import PendingMessage

Item = Event | PendingMessage
Materialize = Callable[[PendingMessage], Event]

__all__ = ["DEFAULT_MAX_BUFFERED", "EventBuffer"]

_DATA = frozenset({tuple, StreamMessage, MalformedMessage})  # what the bound counts


class _Loss:
    __slots__ = ("channels", "count", "since", "until")

    def __init__(self, now: float) -> None:
        self.count = 0
        self.since = now
        self.until = now
        self.channels: dict[str, int] = {}

    def marker(self) -> MessagesLost:
        return MessagesLost(self.count, self.since, self.until, dict(self.channels))


class EventBuffer:
    """A FIFO of events with a bound on data events; ``finish`` ends it (after its events)."""

    def __init__(
        self,
        max_buffered: int = DEFAULT_MAX_BUFFERED,
        *,
        materialize: Materialize | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        if isinstance(max_buffered, bool) or not isinstance(max_buffered, int) or max_buffered < 1:
            raise ValueError(f"max_buffered must be an int >= 1, got {max_buffered!r}")
        self.max_buffered = max_buffered
        self._wall = wall
        self.materialize = materialize
        self._events: deque[Item] = deque()
        self._data = 0  # data events in _events
        self._loss: _Loss | None = None
        self._end: BaseException | None = None
        self._finished = False
        self._wakeup: asyncio.Event | None = None
        self._waiting = False  # a get() is waiting for the next event
        self._timer: asyncio.TimerHandle | None = None  # wait_until's, kept from wait to wait
        self._timer_at = 0.0
        self.peak_data = 0  # the most data events held at once
        self.lost_total = 0

    def __len__(self) -> int:
        return len(self._events)

    @property
    def consumer_ready(self) -> bool:
        """A consumer waited for events and has been woken: it runs at the next yield."""
        return self._wakeup is not None and self._wakeup.is_set()

    def put_data(self, item: PendingMessage) -> None:
        """put() for a routed data frame: the hot path, once per frame."""
        data = self._data
        if data >= self.max_buffered:
            self._count_loss(item)
            return
        self._data = data = data + 1
        if data > self.peak_data:
            self.peak_data = data
        self._events.append(item)
        if self._waiting:
            self._waiting = False
            assert self._wakeup is not None
            self._wakeup.set()

    def put(self, event: Item) -> None:
        if type(event) in _DATA:
            data = self._data
            if data >= self.max_buffered:
                self._count_loss(event)
                return
            self._data = data = data + 1
            if data > self.peak_data:
                self.peak_data = data
        elif self._loss is not None:  # a marker arrives while data is being dropped
            self._close_loss()
        self._events.append(event)
        if self._waiting:
            self._waiting = False
            assert self._wakeup is not None
            self._wakeup.set()

    def _count_loss(self, event: Item) -> None:
        now = self._wall()
        loss = self._loss
        if loss is None:
            loss = self._loss = _Loss(now)
        loss.count += 1
        loss.until = now
        channel = event[0] if type(event) is tuple else getattr(event, "channel", None)
        channel = channel or "?"
        loss.channels[channel] = loss.channels.get(channel, 0) + 1
        self.lost_total += 1

    def _close_loss(self) -> None:
        assert self._loss is not None
        self._events.append(self._loss.marker())
        self._loss = None

    def finish(self, error: BaseException | None = None) -> None:
        """No more events: the consumer gets those buffered, then ``error`` (or the end)."""
        if self._finished:
            return
        self._finished = True
        self._end = error
        if self._loss is not None:
            self._close_loss()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._wakeup is not None:
            self._waiting = False
            self._wakeup.set()

    def take(self, limit: int) -> list[Event]:
        """Up to ``limit`` buffered events, without waiting (raises the end when drained)."""
        if not self._events:
            self.raise_end()
            return []
        return list(itertools.islice(self.drain(), limit))

    def raise_end(self) -> None:
        """At the end of a finished buffer: raise its error, or StopAsyncIteration."""
        if self._finished:
            if self._end is not None:
                raise self._end
            raise StopAsyncIteration

    def raise_error(self) -> None:
        """Raise the error that finished the buffer, if one did (never StopAsyncIteration)."""
        if self._finished and self._end is not None:
            raise self._end

    def drain(self) -> Iterator[Event]:
        """The buffered events, one at a time, until none is left (never waits, never raises).

        Each is taken from the buffer only when the caller asks for it, so a caller that stops
        early leaves the rest in place.
        """
        events = self._events
        popleft = events.popleft
        materialize = self.materialize
        while events:
            event = popleft()
            kind = type(event)
            if kind is tuple:  # a routed frame, decoded now: this runs once per frame
                self._data -= 1
                if self._loss is not None:
                    self._close_loss()
                assert materialize is not None, "a PendingMessage needs materialize="
                yield materialize(event)  # type: ignore[arg-type]
                continue
            if kind in _DATA:
                self._data -= 1
                if self._loss is not None:
                    self._close_loss()
            yield event  # type: ignore[misc]

    async def wait(self) -> bool:
        """Wait until an event is buffered: True; False at the end of a closed stream; raises
        the error that ended it."""
        while not self._events:
            if self._finished:
                if self._end is not None:
                    raise self._end
                return False
            if self._wakeup is None:
                self._wakeup = asyncio.Event()
            self._wakeup.clear()
            self._waiting = True
            await self._wakeup.wait()
        return True

    async def wait_until(self, deadline: float) -> bool:
        """As wait(), but only until the event loop's clock reaches ``deadline``: False then if
        no event came and the stream has not ended (wait() then says which).

        A timer sets the wakeup, rather than asyncio.timeout's cancellation, and it is kept for
        the next waits while their deadlines are not before its own (waking one early only
        makes it look at the clock again): the fill feed waits like this once per batch, with
        the same deadline until a backfill is due.
        """
        loop = asyncio.get_running_loop()
        while not self._events and not self._finished:
            if loop.time() >= deadline:
                return False
            if self._wakeup is None:
                self._wakeup = asyncio.Event()
            if self._timer is None or self._timer_at > deadline:
                if self._timer is not None:
                    self._timer.cancel()
                self._timer_at = deadline
                self._timer = loop.call_at(deadline, self._deadline_passed)
            self._wakeup.clear()
            self._waiting = True
            await self._wakeup.wait()
        return True

    def _deadline_passed(self) -> None:
        self._timer = None
        if self._wakeup is not None:
            self._wakeup.set()

    async def get(self) -> Event:
        """The next event; raises the finishing error, or StopAsyncIteration after close."""
        if not await self.wait():
            raise StopAsyncIteration
        return next(self.drain())

    async def get_batch(self, limit: int, timeout: float | None = None) -> list[Event]:
        """At least one event (waiting for it, at most ``timeout`` seconds: then ``[]``), up to
        ``limit``."""
        if not self._events:
            loop = asyncio.get_running_loop()
            if timeout is not None and not await self.wait_until(loop.time() + timeout):
                return []
            if not self._events and not await self.wait():
                raise StopAsyncIteration
        return list(itertools.islice(self.drain(), limit))
