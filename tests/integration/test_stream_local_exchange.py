"""Streams end to end on the LocalExchange: the done-when session, every ws_* field, handshake
refusal, ws_max_retries exhaustion and each injected WebSocket fault."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import orjson
import pytest

from kalshi_ext import (
    AsyncClient,
    AsyncStream,
    ChannelError,
    ClientClosedError,
    MessagesLost,
    Reconnected,
    SequenceGap,
    StreamCommandError,
    StreamConnectionError,
    StreamError,
    StreamHandshakeError,
    StreamMessage,
    SubscriptionRestarted,
)
from kalshi_ext.stream.events import Event
from kalshi_ext.testing import LocalExchange
from tests.keys import rsa_pair  # a key the exchange does not know

TICKER = "KXDEMO-26DEC31-T50"
FAST_RETRIES = {"retry_base_delay": 0.01, "retry_max_delay": 0.05}
WAIT_S = 15.0  # generous: the machine is shared


@pytest.fixture(scope="module")
def running() -> Iterator[LocalExchange]:
    with LocalExchange(seed=5) as exchange:
        yield exchange


@pytest.fixture
def ex(running: LocalExchange) -> LocalExchange:
    running.reset()
    running.clear_ws_log()
    return running


@pytest.fixture
async def client(ex: LocalExchange) -> AsyncIterator[AsyncClient]:
    async with ex.async_client(**FAST_RETRIES) as client:
        yield client


async def collect(
    stream: AsyncStream, done: Callable[[list[Event]], bool], timeout: float = WAIT_S
) -> list[Event]:
    """Events until `done(events)` holds; fails the test after `timeout` seconds."""
    events: list[Event] = []

    async def read() -> None:
        async for event in stream:
            events.append(event)
            if done(events):
                return

    try:
        await asyncio.wait_for(read(), timeout)
    except TimeoutError:
        pytest.fail(f"timed out; events so far: {events!r}")
    return events


def messages(events: list[Event], channel: str) -> list[Any]:
    return [e.msg for e in events if isinstance(e, StreamMessage) and e.channel == channel]


def has_order_events(order_id: str) -> Callable[[list[Event]], bool]:
    """Done when the order's fill and its executed user_order have both arrived."""

    def done(events: list[Event]) -> bool:
        fills = [m for m in messages(events, "fill") if m.order_id == order_id]
        orders = [
            m
            for m in messages(events, "user_orders")
            if m.order_id == order_id and m.status == "executed"
        ]
        return bool(fills and orders)

    return done


async def cross(client: AsyncClient) -> str:
    """Place a bid that crosses the seeded book (one contract); its order id."""
    placed = await client.create_order(ticker=TICKER, side="bid", count=1, price="0.99")
    return placed.order_id


# ---- done when ------------------------------------------------------------------------------


async def test_orders_fills_a_drop_a_reconnect_more_orders_and_a_clean_close(
    ex: LocalExchange,
) -> None:
    async with ex.async_client(ws_close_timeout=2.0, **FAST_RETRIES) as client:
        stream = client.stream(channels=["fill", "user_orders"])
        async with stream:
            first = await cross(client)
            events = await collect(stream, has_order_events(first))
            (fill,) = [m for m in messages(events, "fill") if m.order_id == first]
            rest_fills = (await client.get_fills()).fills
            assert fill.trade_id in {f.fill_id for f in rest_fills}
            assert {m.order_id for m in messages(events, "user_orders")} >= {first}

            ex.inject_ws_fault(kind="drop")
            events = await collect(stream, lambda es: isinstance(es[-1], Reconnected))
            marker = events[-1]
            assert isinstance(marker, Reconnected)
            assert marker.down_for > 0 and "1006" in marker.reason
            assert [s.channel for s in marker.subscriptions] == ["fill", "user_orders"]
            assert all(s.sid is not None for s in marker.subscriptions)

            second = await cross(client)
            events = await collect(stream, has_order_events(second))
            assert all(isinstance(e, StreamMessage) for e in events)
            assert [m.order_id for m in messages(events, "fill")] == [second]
            started = time.monotonic()
        assert time.monotonic() - started < 2.0 + 1.0  # within ws_close_timeout (and slack)
        await _until(lambda: ex.ws_open_connections == 0)
        with pytest.raises(StopAsyncIteration):
            await stream.__anext__()
    assert [h.status for h in ex.ws_handshakes] == [101, 101]


def test_the_sync_stream_does_the_same(ex: LocalExchange) -> None:
    with ex.client(**FAST_RETRIES) as client, client.stream(["fill", "user_orders"]) as stream:
        placed = client.create_order(ticker=TICKER, side="bid", count=1, price="0.99")
        seen: list[Event] = []
        for event in stream:
            seen.append(event)
            if has_order_events(placed.order_id)(seen):
                break
        ex.inject_ws_fault(kind="drop")
        assert isinstance(next(iter(stream)), Reconnected)
        assert [s.channel for s in stream.subscriptions] == ["fill", "user_orders"]
        listed = stream.list_subscriptions()
        assert sorted(s.channel for s in listed) == ["fill", "user_orders"]


# ---- subscriptions while open --------------------------------------------------------------


async def test_add_and_remove_channels_and_markets_while_open(
    ex: LocalExchange, client: AsyncClient
) -> None:
    other = ex.markets[1]
    async with client.stream(["fill"], market_tickers=[other]) as stream:
        assert await stream.add_markets("fill", [TICKER]) == (other, TICKER)
        (added,) = await stream.subscribe(["user_orders"])
        assert added.channel == "user_orders" and added.sid is not None
        order_id = await cross(client)
        await collect(stream, has_order_events(order_id))
        assert await stream.delete_markets("fill", [TICKER]) == (other,)
        await stream.unsubscribe(["user_orders"])
        assert [s.channel for s in await stream.list_subscriptions()] == ["fill"]
        assert [s.channel for s in stream.subscriptions] == ["fill"]
        await cross(client)  # on a market no longer followed: nothing arrives
        ex.inject_ws_fault(kind="drop")
        (marker,) = await collect(stream, lambda es: bool(es))
        assert isinstance(marker, Reconnected)
        assert [(s.channel, s.market_tickers) for s in marker.subscriptions] == [("fill", (other,))]


async def test_a_data_frame_is_not_lost_while_a_command_waits(
    ex: LocalExchange, client: AsyncClient
) -> None:
    async with client.stream(["fill"]) as stream:
        ex.inject_ws_fault(kind="delay_reply", delay_s=1.0)
        subscribing = asyncio.ensure_future(stream.subscribe(["market_positions"]))
        await asyncio.sleep(0.2)
        order_id = await cross(client)  # its fill arrives while the subscribe waits
        events = await collect(
            stream, lambda es: order_id in {m.order_id for m in messages(es, "fill")}
        )
        assert not subscribing.done() or events
        (subscription,) = await asyncio.wait_for(subscribing, WAIT_S)
        assert subscription.channel == "market_positions"


async def test_a_command_without_a_reply_within_timeout_reconnects_and_resends_it(
    ex: LocalExchange,
) -> None:
    # The config's timeout bounds a command's reply as it bounds an HTTP read: a server that
    # stops answering is given up, the stream reconnects and the command is answered there.
    async with ex.async_client(timeout=0.5) as client, client.stream(["fill"]) as stream:
        ex.inject_ws_fault(kind="delay_reply", delay_s=60.0)
        started = time.monotonic()
        (subscription,) = await asyncio.wait_for(stream.subscribe(["market_positions"]), WAIT_S)
        assert subscription.channel == "market_positions"
        assert time.monotonic() - started < 30  # not the 60 s the reply was held
        (marker,) = await collect(stream, lambda es: bool(es))
        assert isinstance(marker, Reconnected)
        assert "no reply to subscribe" in marker.reason and "within 0.5 s" in marker.reason
        assert {s.channel for s in marker.subscriptions} == {"fill", "market_positions"}
        order_id = await cross(client)  # the restored stream still delivers
        events = await collect(
            stream, lambda es: order_id in {m.order_id for m in messages(es, "fill")}
        )
        assert order_id in {m.order_id for m in messages(events, "fill")}


async def test_a_stream_whose_first_subscribe_gets_no_reply_opens_on_the_next_connection(
    ex: LocalExchange,
) -> None:
    ex.inject_ws_fault(kind="delay_reply", delay_s=60.0)
    async with ex.async_client(timeout=0.5) as client:
        stream = client.stream(["fill"])
        await asyncio.wait_for(stream.__aenter__(), WAIT_S)
        try:
            assert len(ex.ws_handshakes) == 2
            assert [s.channel for s in stream.subscriptions] == ["fill"]
        finally:
            await stream.__aexit__(None, None, None)


# ---- the ws_* fields -------------------------------------------------------------------------


async def test_ws_base_url_is_where_it_connects(ex: LocalExchange) -> None:
    async with ex.async_client(ws_base_url=ex.ws_url) as client, client.stream(["fill"]):
        assert ex.ws_open_connections == 1
    elsewhere = ex.ws_url.replace(str(ex.port), str(_free_port()))
    async with ex.async_client(ws_base_url=elsewhere, ws_max_retries=0) as client:
        with pytest.raises(StreamConnectionError, match="after 0 reconnect attempts"):
            async with client.stream(["fill"]):
                pass
    assert len(ex.ws_handshakes) == 1


async def test_ws_max_retries_bounds_each_outage_then_raises(ex: LocalExchange) -> None:
    async with (
        ex.async_client(ws_max_retries=2, **FAST_RETRIES) as client,
        client.stream(["fill"]) as stream,
    ):
        ex.inject_ws_fault(kind="drop", times=10)  # this connection and every next one
        with pytest.raises(StreamConnectionError) as raised:
            await collect(stream, lambda es: False)
    assert raised.value.attempts == 2
    assert len(ex.ws_handshakes) == 3  # the first connection and two reconnects


async def test_each_outage_gets_its_own_ws_max_retries(ex: LocalExchange) -> None:
    async with (
        ex.async_client(ws_max_retries=1, **FAST_RETRIES) as client,
        client.stream(["fill"]) as stream,
    ):
        for _ in range(3):
            ex.inject_ws_fault(kind="drop")
            (marker,) = await collect(stream, lambda es: bool(es))
            assert isinstance(marker, Reconnected) and marker.attempts == 1


async def test_ws_json_loads_parses_every_frame(ex: LocalExchange) -> None:
    seen: list[bytes | str] = []

    def loads(data: bytes | str) -> Any:
        seen.append(data)
        return orjson.loads(data)

    async with (
        ex.async_client(ws_json_loads=loads) as client,
        client.stream(["fill", "user_orders"]) as stream,
    ):
        order_id = await cross(client)
        await collect(stream, has_order_events(order_id))
    kinds = [orjson.loads(data)["type"] for data in seen]
    assert kinds[:2] == ["subscribed", "subscribed"] and {"fill", "user_order"} <= set(kinds)


async def test_ws_json_dumps_encodes_every_command(ex: LocalExchange) -> None:
    sent: list[Any] = []

    def dumps(value: Any) -> bytes:
        sent.append(value)
        return orjson.dumps(value)  # bytes are fine: sent as a text frame

    async with ex.async_client(ws_json_dumps=dumps) as client, client.stream(["fill"]) as stream:
        await stream.list_subscriptions()
    assert [command["cmd"] for command in sent] == ["subscribe", "list_subscriptions"]
    assert [c.payload["cmd"] for c in ex.ws_commands] == ["subscribe", "list_subscriptions"]


async def test_ws_ping_interval_detects_a_stalled_server(ex: LocalExchange) -> None:
    async with (
        ex.async_client(ws_ping_interval=0.4, **FAST_RETRIES) as client,
        client.stream(["fill"]) as stream,
    ):
        started = time.monotonic()
        ex.inject_ws_fault(kind="stall")
        (marker,) = await collect(stream, lambda es: bool(es))
        assert isinstance(marker, Reconnected)
        assert time.monotonic() - started < 0.4 * 1.5 + 5.0
        order_id = await cross(client)
        events = await collect(stream, lambda es: bool(messages(es, "fill")))
        assert messages(events, "fill")[0].order_id == order_id


async def test_without_a_short_ws_ping_interval_a_stall_goes_unnoticed_for_a_while(
    ex: LocalExchange,
) -> None:
    async with (
        ex.async_client(ws_ping_interval=30.0, ws_close_timeout=0.2) as client,
        client.stream(["fill"]) as stream,
    ):
        ex.inject_ws_fault(kind="stall")
        events: list[Event] = []

        async def read() -> None:
            async for event in stream:
                events.append(event)

        with pytest.raises(TimeoutError):
            await asyncio.wait_for(read(), 1.5)  # a 0.4 s interval noticed it by now
        assert events == [] and stream.stats.connects == 1


@pytest.mark.parametrize("close_timeout", [0.3, 1.5])
async def test_ws_close_timeout_bounds_close_on_a_stalled_server(
    ex: LocalExchange, close_timeout: float
) -> None:
    async with ex.async_client(ws_close_timeout=close_timeout) as client:
        stream = await client.stream(["fill"]).open()
        ex.inject_ws_fault(kind="stall")  # it will never answer the close frame
        started = time.monotonic()
        await stream.close()
        elapsed = time.monotonic() - started
    assert close_timeout * 0.8 <= elapsed < close_timeout + 2.0


# ---- handshake refusal -----------------------------------------------------------------------


async def test_a_refused_handshake_is_not_retried(ex: LocalExchange) -> None:
    async with AsyncClient(
        key_id="not-registered", private_key=rsa_pair().pem, config=ex.config(ws_max_retries=5)
    ) as client:
        with pytest.raises(StreamHandshakeError) as raised:
            async with client.stream(["fill"]):
                pass
    assert raised.value.status == 401 and "clock" in str(raised.value)
    assert [h.status for h in ex.ws_handshakes] == [401]


async def test_every_connection_is_signed_afresh(ex: LocalExchange, client: AsyncClient) -> None:
    async with client.stream(["fill"]) as stream:
        await asyncio.sleep(0.01)  # a new millisecond for the next signature
        ex.inject_ws_fault(kind="drop")
        await collect(stream, lambda es: isinstance(es[-1], Reconnected))
    first, second = ex.ws_handshakes
    assert first.status == second.status == 101
    assert first.timestamp != second.timestamp


# ---- faults ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [1000, 1001, 1011, 4000])
async def test_a_close_frame_reconnects(ex: LocalExchange, client: AsyncClient, code: int) -> None:
    async with client.stream(["fill"]) as stream:
        ex.inject_ws_fault(kind="close", code=code)
        (marker,) = await collect(stream, lambda es: bool(es))
        assert isinstance(marker, Reconnected) and str(code) in marker.reason


async def test_a_permanent_close_code_ends_the_stream_loudly(
    ex: LocalExchange, client: AsyncClient
) -> None:
    async with client.stream(["fill"]) as stream:
        ex.inject_ws_fault(kind="close", code=1008)
        with pytest.raises(StreamConnectionError, match="1008"):
            await collect(stream, lambda es: False)
    assert len(ex.ws_handshakes) == 1


async def test_a_suppressed_fill_is_undetectable_from_the_stream_but_the_rest_flows(
    ex: LocalExchange, client: AsyncClient
) -> None:
    async with client.stream(["fill", "user_orders"]) as stream:
        ex.inject_ws_fault(kind="suppress", channel="fill")
        first = await cross(client)
        second = await cross(client)
        events = await collect(stream, has_order_events(second))
    assert [m.order_id for m in messages(events, "fill")] == [second]  # no seq on fill
    assert first in {m.order_id for m in messages(events, "user_orders")}


async def _group_events(client: AsyncClient, count: int) -> None:
    """`count` order_group_updates: a group is created, then its limit changed."""
    group = (await client.create_order_group(contracts_limit=5)).order_group_id
    for limit in range(6, 5 + count):
        await client.update_order_group_limit(order_group_id=group, contracts_limit=limit)


@pytest.mark.parametrize(
    ("kind", "seqs", "gaps"),
    [
        ("skip_seq", [1, 3, 4], [(2, 3, "gap")]),
        ("dup_seq", [1, 2, 3], []),
        ("reset_seq", [1, 1, 2], [(2, 1, "reset")]),
    ],
)
async def test_seq_faults_on_order_group_updates(
    ex: LocalExchange,
    client: AsyncClient,
    kind: Any,
    seqs: list[int],
    gaps: list[tuple[int, int, str]],
) -> None:
    async with client.stream(["order_group_updates"]) as stream:
        await _group_events(client, 1)
        events = await collect(stream, lambda es: bool(es))  # seq 1 went out before the fault
        ex.inject_ws_fault(kind=kind)
        await _group_events(client, 2)
        events += await collect(
            stream, lambda es: len([e for e in es if isinstance(e, StreamMessage)]) == 2
        )
        assert [e.seq for e in events if isinstance(e, StreamMessage)] == seqs
        found = [(e.expected, e.received, e.kind) for e in events if isinstance(e, SequenceGap)]
        assert found == gaps
        assert stream.stats.duplicates_dropped == (1 if kind == "dup_seq" else 0)


@pytest.mark.parametrize("code", [10, 25])
async def test_terminal_channel_errors_resubscribe_and_say_so(
    ex: LocalExchange, client: AsyncClient, code: int
) -> None:
    async with client.stream(["fill"]) as stream:
        (old,) = stream.subscriptions
        ex.inject_ws_fault(kind="error", code=code, channel="fill")
        (restarted,) = await collect(stream, lambda es: bool(es))
        assert isinstance(restarted, SubscriptionRestarted)
        assert (restarted.code, restarted.old_sid) == (code, old.sid)
        assert stream.subscriptions[0].sid == restarted.new_sid != old.sid
        order_id = await cross(client)
        events = await collect(stream, lambda es: bool(messages(es, "fill")))
        assert messages(events, "fill")[0].order_id == order_id


async def test_other_channel_errors_are_events(ex: LocalExchange, client: AsyncClient) -> None:
    async with client.stream(["fill"]) as stream:
        ex.inject_ws_fault(kind="error", code=27, channel="fill")
        (error,) = await collect(stream, lambda es: bool(es))
        assert isinstance(error, ChannelError) and error.code == 27 and error.channel == "fill"


async def test_a_refused_command_raises_with_kalshis_code(
    ex: LocalExchange, client: AsyncClient
) -> None:
    async with client.stream(["fill"]) as stream:
        ex.inject_ws_fault(kind="error", code=18)
        with pytest.raises(StreamCommandError) as raised:
            await stream.subscribe(["user_orders"])
        assert raised.value.code == 18 and raised.value.command == "subscribe"
        assert [s.channel for s in stream.subscriptions] == ["fill"]
        (added,) = await stream.subscribe(["user_orders"])  # the stream goes on
        assert added.sid is not None


async def test_a_refused_first_subscribe_raises_from_open(
    ex: LocalExchange, client: AsyncClient
) -> None:
    ex.inject_ws_fault(kind="error", code=9)
    with pytest.raises(StreamCommandError) as raised:
        async with client.stream(["fill"]):
            pass
    assert raised.value.code == 9


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _until(condition: Callable[[], bool], timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_open_succeeds_when_a_drop_lands_right_after_the_restore(ex: LocalExchange) -> None:
    # `drop` with no connection open cuts the next connection right after its handshake: the
    # first restore may complete just before the cut. open() must not call that stream dead.
    async with ex.async_client(**FAST_RETRIES) as client:
        for _ in range(5):
            ex.inject_ws_fault(kind="drop")
            async with client.stream(["fill"]) as stream:
                order_id = await cross(client)
                events = await collect(stream, lambda es: bool(messages(es, "fill")))
                assert messages(events, "fill")[0].order_id == order_id


def test_closing_the_sync_client_closes_its_open_streams(ex: LocalExchange) -> None:
    client = ex.client()
    stream = client.stream(["fill"]).open()
    assert ex.ws_open_connections == 1
    client.close()
    with pytest.raises(StopIteration):
        next(stream)
    deadline = time.monotonic() + WAIT_S
    while ex.ws_open_connections:
        assert time.monotonic() < deadline
        time.sleep(0.02)


@pytest.mark.parametrize("status", [401, 403, 404])
async def test_a_handshake_refused_with_a_final_status_is_not_retried(
    ex: LocalExchange, client: AsyncClient, status: int
) -> None:
    ex.inject_ws_fault(kind="refuse", status=status)
    with pytest.raises(StreamHandshakeError) as raised:
        async with client.stream(["fill"]):
            pass
    assert raised.value.status == status
    assert [h.status for h in ex.ws_handshakes] == [status]


@pytest.mark.parametrize("status", [429, 503])
async def test_a_handshake_refused_for_now_is_retried(
    ex: LocalExchange, client: AsyncClient, status: int
) -> None:
    async with client.stream(["fill"]) as stream:
        ex.inject_ws_fault(kind="refuse", status=status, times=2)
        ex.inject_ws_fault(kind="drop")
        (marker,) = await collect(stream, lambda es: bool(es))
    assert isinstance(marker, Reconnected) and marker.attempts == 3
    assert str(status) in marker.reason
    assert [h.status for h in ex.ws_handshakes] == [101, status, status, 101]


async def test_reconnects_sleep_the_shared_full_jitter_backoff(ex: LocalExchange) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    config = ex.config(ws_max_retries=4, retry_base_delay=0.5, retry_max_delay=1.5)
    async with (
        AsyncClient(
            key_id=ex.key_id, private_key=ex.private_key_pem, config=config, sleep=sleep
        ) as client,
        client.stream(["fill"]) as stream,
    ):
        ex.inject_ws_fault(kind="drop", times=10)
        with pytest.raises(StreamConnectionError):
            await collect(stream, lambda es: False)
    assert len(slept) == 4
    for retries_taken, delay in enumerate(slept):
        assert 0 <= delay <= min(1.5, 0.5 * 2**retries_taken)


async def test_a_consumer_that_stops_reading_is_told_what_it_lost(
    ex: LocalExchange, client: AsyncClient
) -> None:
    async with client.stream(["fill", "user_orders"], max_buffered=3) as stream:
        order_ids = [await cross(client) for _ in range(4)]  # 8 messages; nothing read yet
        await _until(lambda: stream.stats.lost == 5)
        events = await collect(stream, lambda es: len(es) == 4)
    kept = [e for e in events if isinstance(e, StreamMessage)]
    (lost,) = [e for e in events if isinstance(e, MessagesLost)]
    assert len(kept) == 3 and lost.count == 5 and sum(lost.channels.values()) == 5
    assert kept[0].msg.order_id == order_ids[0]  # the oldest are kept, in order
    assert events[-1] is lost and lost.since <= lost.until


async def test_closing_the_async_client_closes_its_open_streams(ex: LocalExchange) -> None:
    client = ex.async_client()
    await client.get_balance()  # the client is bound to this loop, with its pool
    stream = await client.stream(["fill"]).open()
    await client.close()
    with pytest.raises(StopAsyncIteration):
        await stream.__anext__()
    await _until(lambda: ex.ws_open_connections == 0)
    with pytest.raises(ClientClosedError):
        client.stream(["fill"])


async def test_next_batch_waits_at_most_its_timeout(ex: LocalExchange, client: AsyncClient) -> None:
    async with client.stream(["fill"]) as stream:
        started = time.monotonic()
        assert await stream.next_batch(timeout=0.2) == []
        assert time.monotonic() - started >= 0.15
        order_id = await cross(client)
        (event,) = await stream.next_batch(timeout=WAIT_S)
        assert isinstance(event, StreamMessage) and event.msg.order_id == order_id


def test_the_sync_next_batch_hands_out_what_iteration_left_first(ex: LocalExchange) -> None:
    with ex.client() as client, client.stream(["fill", "user_orders"]) as stream:
        assert stream.next_batch(timeout=0.1) == []
        client.create_order(ticker=TICKER, side="bid", count=1, price="0.99")
        first = next(stream)
        rest: list[Event] = []
        while len(rest) < 1:
            rest += stream.next_batch(timeout=WAIT_S)
        assert isinstance(first, StreamMessage) and isinstance(rest[0], StreamMessage)
        assert {first.channel, rest[0].channel} == {"fill", "user_orders"}
        stream.close()
        with pytest.raises(StopIteration):
            stream.next_batch(timeout=0.1)


async def test_a_new_channels_data_sent_before_its_subscribe_reply_is_delivered(
    ex: LocalExchange, client: AsyncClient
) -> None:
    async with client.stream(["fill"]) as stream:
        ex.inject_ws_fault(kind="delay_reply", delay_s=1.0)
        subscribing = asyncio.ensure_future(stream.subscribe(["user_orders"]))
        await _until(lambda: len(ex.ws_commands) == 2)  # subscribed on the server, reply held
        order_id = await cross(client)  # its user_order goes out before the reply
        await asyncio.wait_for(subscribing, WAIT_S)
        events = await collect(stream, has_order_events(order_id))
    assert order_id in {m.order_id for m in messages(events, "user_orders")}
    assert stream.stats.stale_frames_dropped == 0


async def test_data_sent_before_a_restore_reply_follows_the_reconnected_marker(
    ex: LocalExchange, client: AsyncClient
) -> None:
    async with client.stream(["fill"]) as stream:
        ex.inject_ws_fault(kind="delay_reply", delay_s=1.0)  # the restore's subscribe reply
        ex.inject_ws_fault(kind="drop")
        await _until(lambda: len(ex.ws_commands) == 2)
        order_id = await cross(client)
        events = await collect(stream, lambda es: bool(messages(es, "fill")))
    assert isinstance(events[0], Reconnected)
    assert [m.order_id for m in messages(events, "fill")] == [order_id]


async def test_commands_during_a_terminal_error_restart_wait_for_the_new_sid(
    ex: LocalExchange, client: AsyncClient
) -> None:
    other = ex.markets[1]
    async with client.stream(["fill"], market_tickers=[other]) as stream:
        ex.inject_ws_fault(kind="delay_reply", delay_s=0.5)  # the restart's reply
        ex.inject_ws_fault(kind="error", code=10, channel="fill")
        await _until(lambda: len(ex.ws_commands) == 2)  # the restart's subscribe was sent
        assert await asyncio.wait_for(stream.add_markets("fill", [TICKER]), WAIT_S) == (
            other,
            TICKER,
        )
        (restarted,) = await collect(stream, lambda es: bool(es))
        assert isinstance(restarted, SubscriptionRestarted)
        update = ex.ws_commands[-1].payload
        assert update["params"]["sids"] == [restarted.new_sid]


def test_leaving_a_sync_streams_block_after_closing_its_client_is_quiet(ex: LocalExchange) -> None:
    with ex.client() as client, client.stream(["fill"]) as stream:
        client.close()  # closes the stream and its loop; the with blocks then close them again
    with pytest.raises(StopIteration):
        next(stream)


def test_a_sync_stream_closed_on_its_own_loop_thread_closes_without_waiting_for_itself(
    ex: LocalExchange,
) -> None:
    # The garbage collector may finalize an abandoned sync iterator (a feed's generator) on
    # the stream loop's thread; its close() there must not wait for that same thread.
    import threading

    with ex.client() as client, client.stream(["fill"]) as stream:
        loop = stream._loop
        done = threading.Event()
        outcome: list[object] = []

        def on_the_loop() -> None:
            try:
                stream.close()  # scheduled, not waited for
                outcome.append("closed")
                stream.next_batch(1, timeout=0)  # a blocking call: refused, not a deadlock
            except RuntimeError as error:
                outcome.append(str(error))
            finally:
                done.set()

        loop._loop.call_soon_threadsafe(on_the_loop)
        assert done.wait(10)
        assert outcome == [
            "closed",
            "a blocking stream call cannot run on the client's stream loop",
        ]
        deadline = time.monotonic() + 10
        while ex.ws_open_connections and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ex.ws_open_connections == 0


async def test_commands_a_dying_connection_could_not_send_are_not_sent_on_the_next(
    ex: LocalExchange, client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aiohttp

    send_str = aiohttp.ClientWebSocketResponse.send_str
    fail_next = False

    async def failing_send_str(ws: aiohttp.ClientWebSocketResponse, data: str) -> None:
        nonlocal fail_next
        if fail_next:  # the transport is closing under this send, as after a cut
            fail_next = False
            await ws.close()
            raise aiohttp.ClientConnectionResetError("Cannot write to closing transport")
        await send_str(ws, data)

    monkeypatch.setattr(aiohttp.ClientWebSocketResponse, "send_str", failing_send_str)
    async with client.stream(["fill", "user_orders"]) as stream:
        fail_next = True  # the restore's first subscribe: the second stays unsent
        ex.inject_ws_fault(kind="drop")
        (marker,) = await collect(stream, lambda es: bool(es))
        assert isinstance(marker, Reconnected)
        order_id = await cross(client)
        events = await collect(stream, has_order_events(order_id))
    assert all(isinstance(e, StreamMessage) for e in events)
    last = max(c.connection for c in ex.ws_commands)
    sent = [c.payload for c in ex.ws_commands if c.connection == last]
    assert [(c["id"], c["params"]["channels"]) for c in sent] == [
        (1, ["fill"]),
        (2, ["user_orders"]),
    ]


class _Interrupted(Exception):
    pass


def test_an_interrupted_sync_read_takes_no_event_for_no_one(ex: LocalExchange) -> None:
    import signal
    import threading

    def interrupt(signum: int, frame: object) -> None:
        raise _Interrupted

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        with ex.client() as client, client.stream(["fill"]) as stream:
            main = threading.main_thread().ident
            assert main is not None
            timer = threading.Timer(0.3, signal.pthread_kill, (main, signal.SIGINT))
            timer.start()
            with pytest.raises(_Interrupted):
                next(stream)  # nothing arrives: interrupted while waiting
            timer.join()
            placed = client.create_order(ticker=TICKER, side="bid", count=1, price="0.99")
            (event,) = stream.next_batch(timeout=WAIT_S)  # not taken by the abandoned read
            assert isinstance(event, StreamMessage) and event.msg.order_id == placed.order_id
    finally:
        signal.signal(signal.SIGINT, previous)


def test_the_sync_next_batch_after_the_client_closed_hands_out_what_was_received(
    ex: LocalExchange,
) -> None:
    client = ex.client()
    stream = client.stream(["fill"]).open()
    placed = client.create_order(ticker=TICKER, side="bid", count=1, price="0.99")
    deadline = time.monotonic() + WAIT_S
    while stream.stats.buffered == 0:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    client.close()
    (event,) = stream.next_batch(timeout=1.0)  # as next(stream) does
    assert isinstance(event, StreamMessage) and event.msg.order_id == placed.order_id
    with pytest.raises(StopIteration):
        stream.next_batch(timeout=1.0)


async def test_a_command_on_a_closed_stream_raises_stream_error(
    ex: LocalExchange, client: AsyncClient
) -> None:
    stream = await client.stream(["fill"]).open()
    await stream.close()
    with pytest.raises(StreamError, match="closed"):  # not StopAsyncIteration
        await stream.subscribe(["user_orders"])
    with pytest.raises(StreamError, match="closed"):
        await stream.list_subscriptions()


def test_a_command_on_a_closed_sync_stream_raises_stream_error(ex: LocalExchange) -> None:
    with ex.client() as client:
        with client.stream(["fill"]) as stream:
            pass
        with pytest.raises(StreamError, match="closed"):  # not StopAsyncIteration
            stream.add_markets("fill", [TICKER])


async def test_a_first_connection_lost_after_it_delivered_data_is_followed_by_reconnected(
    ex: LocalExchange, client: AsyncClient
) -> None:
    ex.inject_ws_fault(kind="delay_reply", delay_s=1.0)  # fill's reply; user_orders' comes now
    opening = asyncio.ensure_future(client.stream(["fill", "user_orders"]).open())
    await _until(lambda: len(ex.ws_commands) == 2)
    first = await cross(client)  # its user_order is delivered from the half-open connection
    await asyncio.sleep(0.3)
    ex.inject_ws_fault(kind="drop")  # before fill's reply: the first restore never completes
    stream = await asyncio.wait_for(opening, WAIT_S)
    try:
        second = await cross(client)
        events = await collect(stream, has_order_events(second))
    finally:
        await stream.close()
    orders = [e for e in events if isinstance(e, StreamMessage) and e.channel == "user_orders"]
    assert orders[0].msg.order_id == first
    (marker,) = [e for e in events if isinstance(e, Reconnected)]
    after = events[events.index(marker) + 1 :]
    assert second in {m.order_id for m in messages(after, "fill")}  # the gap is marked


async def test_a_refused_unsubscribe_changes_nothing(
    ex: LocalExchange, client: AsyncClient
) -> None:
    async with client.stream(["fill", "user_orders"]) as stream:
        before = stream.subscriptions
        ex.inject_ws_fault(kind="error", code=27)  # Too many requests
        with pytest.raises(StreamCommandError) as raised:
            await stream.unsubscribe(["user_orders"])
        assert raised.value.code == 27
        assert stream.subscriptions == before  # the server still has it: so does the stream
        with pytest.raises(ValueError, match="already subscribed"):
            await stream.subscribe(["user_orders"])  # would have doubled every user_order
        order_id = await cross(client)
        events = await collect(stream, has_order_events(order_id))
        await stream.unsubscribe(["user_orders"])
        assert [s.channel for s in stream.subscriptions] == ["fill"]
    executed = [m for m in messages(events, "user_orders") if m.status == "executed"]
    assert len(executed) == 1


def test_the_sync_stream_raises_when_ws_max_retries_are_spent(ex: LocalExchange) -> None:
    import threading

    with ex.client(ws_max_retries=2, **FAST_RETRIES) as client, client.stream(["fill"]) as stream:
        ex.inject_ws_fault(kind="drop", times=10)
        with pytest.raises(StreamConnectionError) as raised:
            for _ in stream:
                pass  # never a silent end of the for loop
        assert raised.value.attempts == 2
        with pytest.raises(StreamConnectionError):
            next(stream)  # and it stays raised
    assert "kalshi-stream-loop" not in {t.name for t in threading.enumerate()}
