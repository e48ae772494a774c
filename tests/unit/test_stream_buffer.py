"""EventBuffer: bounded data, markers kept, and one MessagesLost in the place of what was dropped."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from kalshi_ext.stream.buffer import EventBuffer
from kalshi_ext.stream.errors import StreamConnectionError
from kalshi_ext.stream.events import MessagesLost, Reconnected, StreamMessage


def message(n: int, channel: str = "fill") -> StreamMessage:
    return StreamMessage(channel, 1, None, n)


def drain(buffer: EventBuffer) -> list[object]:
    out: list[object] = []
    while len(buffer):
        out.extend(buffer.take(1))
    return out


def test_a_slow_consumer_gets_the_prefix_then_one_loss_marker_then_the_rest() -> None:
    clock = itertools.count(100)
    buffer = EventBuffer(3, wall=lambda: float(next(clock)))
    for n in range(6):  # 3 kept, 3 dropped
        buffer.put(message(n, "fill" if n % 2 else "user_orders"))
    assert buffer.take(1) == [message(0, "user_orders")]  # a slot frees: the loss is placed
    buffer.put(message(6))
    events = drain(buffer)
    assert events[:2] == [message(1), message(2, "user_orders")]
    lost = events[2]
    assert lost == MessagesLost(3, 100.0, 102.0, {"fill": 2, "user_orders": 1})
    assert events[3:] == [message(6)]
    assert buffer.lost_total == 3 and buffer.peak_data == 3


def test_markers_are_kept_past_the_bound_and_close_the_lost_span_first() -> None:
    buffer = EventBuffer(1, wall=lambda: 1.0)
    buffer.put(message(0))
    buffer.put(message(1))  # dropped
    marker = Reconnected(0.1, 1.0, 1, "drop", ())
    buffer.put(marker)
    buffer.put(message(2))  # dropped: a new span
    events = drain(buffer)
    assert events[0] == message(0)
    assert isinstance(events[1], MessagesLost) and events[1].count == 1
    assert events[2] is marker
    assert isinstance(events[3], MessagesLost) and events[3].count == 1


async def test_get_waits_then_raises_the_finishing_error_after_the_events() -> None:
    buffer = EventBuffer(10)
    waiter = asyncio.ensure_future(buffer.get())
    await asyncio.sleep(0)
    buffer.put(message(1))
    assert await waiter == message(1)
    buffer.put(message(2))
    error = StreamConnectionError("gone", attempts=3)
    buffer.finish(error)
    assert await buffer.get() == message(2)
    with pytest.raises(StreamConnectionError):
        await buffer.get()


async def test_finish_without_error_ends_iteration() -> None:
    buffer = EventBuffer(10)
    buffer.finish()
    with pytest.raises(StopAsyncIteration):
        await buffer.get()


@pytest.mark.parametrize("bad", [0, -1, True, 1.5])
def test_max_buffered_is_checked(bad: object) -> None:
    with pytest.raises(ValueError, match="max_buffered"):
        EventBuffer(bad)  # type: ignore[arg-type]


async def test_get_batch_times_out_empty_then_takes_what_came() -> None:
    buffer = EventBuffer(10)
    assert await buffer.get_batch(5, timeout=0.01) == []
    assert await buffer.get_batch(5, timeout=0) == []
    buffer.put(message(1))
    buffer.put(message(2))
    assert await buffer.get_batch(5, timeout=0) == [message(1), message(2)]
    waiter = asyncio.ensure_future(buffer.get_batch(5, timeout=60))
    await asyncio.sleep(0)
    buffer.put(message(3))
    assert await waiter == [message(3)]


async def test_a_wait_timer_serves_later_deadlines_and_is_replaced_by_an_earlier_one() -> None:
    loop = asyncio.get_running_loop()
    buffer = EventBuffer(10)
    first = asyncio.ensure_future(buffer.wait_until(loop.time() + 60))
    await asyncio.sleep(0)
    buffer.put(message(1))
    assert await first is True
    timer = buffer._timer
    assert timer is not None and not timer.cancelled()  # kept for the next wait
    buffer.take(1)
    later = asyncio.ensure_future(buffer.wait_until(loop.time() + 120))
    await asyncio.sleep(0)
    assert buffer._timer is timer  # a later deadline: the same timer (an early wake is harmless)
    buffer.put(message(2))
    assert await later is True
    buffer.take(1)
    # An earlier deadline than the timer's: a new timer, and the wait times out on it.
    started = loop.time()
    assert await buffer.wait_until(started + 0.02) is False
    assert loop.time() - started < 30
    assert timer.cancelled()


async def test_a_wait_woken_early_by_an_older_timer_keeps_waiting_to_its_own_deadline() -> None:
    loop = asyncio.get_running_loop()
    buffer = EventBuffer(10)
    assert await buffer.wait_until(loop.time() + 0.01) is False  # its timer has fired
    waiter = asyncio.ensure_future(buffer.wait_until(loop.time() + 0.01))
    # A wakeup before the deadline (as an older, earlier timer gives): the wait goes on.
    early = loop.call_at(loop.time(), buffer._deadline_passed)
    await asyncio.sleep(0.001)
    assert not waiter.done()
    assert await waiter is False
    early.cancel()


async def test_finish_cancels_the_wait_timer_and_ends_a_timed_wait() -> None:
    buffer = EventBuffer(10)
    waiter = asyncio.ensure_future(buffer.get_batch(5, timeout=60))
    await asyncio.sleep(0)
    timer = buffer._timer
    assert timer is not None
    buffer.finish()
    with pytest.raises(StopAsyncIteration):
        await waiter
    assert timer.cancelled() and buffer._timer is None
