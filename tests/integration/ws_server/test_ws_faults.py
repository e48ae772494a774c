"""LocalExchange's injected WebSocket faults, each seen by a raw aiohttp client.

Frames are validated against Kalshi's AsyncAPI payload schemas as they arrive (ws_kit.RawWs).
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from kalshi_ext.testing import LocalExchange
from tests.integration.ws_kit import TIMEOUT_S, FrameChecker, RawWs, Rest, connect, ws_headers


async def wait_for(condition: Any, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + TIMEOUT_S
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def group_events(rest: Rest, count: int) -> None:
    """`count` order_group_updates events: a group is created, then its limit changed."""
    group = (
        await rest.call("POST", "/portfolio/order_groups/create", json={"contracts_limit": 5})
    )["order_group_id"]
    for limit in range(6, 5 + count):
        await rest.call(
            "PUT", f"/portfolio/order_groups/{group}/limit", json={"contracts_limit": limit}
        )


# ---- connection faults -----------------------------------------------------------------------


async def test_drop_cuts_the_connection_without_a_close_frame(
    ex: LocalExchange, checker: FrameChecker, ws: RawWs
) -> None:
    await ws.subscribe(["fill"])
    ex.inject_ws_fault(kind="drop")
    message = await ws.ws.receive(timeout=TIMEOUT_S)
    assert message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR), message
    assert ws.ws.close_code == 1006  # abnormal closure: no close frame was received
    await wait_for(lambda: ex.ws_open_connections == 0, "the server to forget the connection")
    assert ex.pending_ws_faults == 0
    async with connect(ex, checker) as again:  # a new connection works
        assert await again.barrier() == []
    assert ex.ws_connection_count == 2


async def test_drop_uses_left_over_hit_the_next_connections(
    ex: LocalExchange, checker: FrameChecker
) -> None:
    ex.inject_ws_fault(kind="drop", times=2)  # nothing open yet: both wait
    assert ex.pending_ws_faults == 2
    for _ in range(2):
        async with connect(ex, checker) as doomed:
            message = await doomed.ws.receive(timeout=TIMEOUT_S)
            assert message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
    async with connect(ex, checker) as third:
        assert await third.barrier() == []
    assert ex.ws_connection_count == 3 and ex.pending_ws_faults == 0


@pytest.mark.parametrize("code", [1000, 1001, 1011, 4001])
async def test_close_sends_a_close_frame_with_the_code(
    ex: LocalExchange, ws: RawWs, code: int
) -> None:
    ex.inject_ws_fault(kind="close", code=code)
    message = await ws.ws.receive(timeout=TIMEOUT_S)
    assert message.type == aiohttp.WSMsgType.CLOSE and message.data == code


async def test_stall_stops_reading_pings_and_frames(
    ex: LocalExchange, checker: FrameChecker, rest: Rest
) -> None:
    # The client pings every 0.5 s and expects a pong within half that.
    async with connect(ex, checker, heartbeat=0.5) as ws:
        await ws.subscribe(["fill"])
        ex.inject_ws_fault(kind="stall")
        await rest.order(price="0.51")  # its fill frame is never sent
        message = await ws.ws.receive(timeout=TIMEOUT_S)
        assert message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR), message
        assert isinstance(ws.ws.exception(), aiohttp.ServerTimeoutError)
        assert [f for f in ws.received if f["type"] == "fill"] == []


async def test_stop_is_not_held_up_by_a_stalled_connection(checker: FrameChecker) -> None:
    exchange = LocalExchange()
    await asyncio.to_thread(exchange.start)
    try:
        async with connect(exchange, checker) as ws:
            await ws.subscribe(["fill"])
            exchange.inject_ws_fault(kind="stall")
            await asyncio.to_thread(exchange.stop)
            message = await ws.ws.receive(timeout=TIMEOUT_S)
            assert message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
    finally:
        await asyncio.to_thread(exchange.stop)


async def test_server_pings_at_the_configured_interval(checker: FrameChecker) -> None:
    async with (
        LocalExchange(ws_ping_interval_s=0.2) as exchange,
        connect(exchange, checker, autoping=False) as ws,
    ):
        message = await ws.ws.receive(timeout=TIMEOUT_S)
        assert message.type == aiohttp.WSMsgType.PING


@pytest.mark.parametrize("status", [403, 503])
async def test_refuse_answers_the_next_handshakes_with_a_status(
    ex: LocalExchange, checker: FrameChecker, status: int
) -> None:
    ex.inject_ws_fault(kind="refuse", status=status, times=2)
    async with aiohttp.ClientSession() as session:
        for _ in range(2):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(ex.ws_url, headers=ws_headers(ex))
            assert refused.value.status == status
    async with connect(ex, checker) as ws:
        assert await ws.barrier() == []
    assert [h.status for h in ex.ws_handshakes] == [status, status, 101]
    assert ex.ws_connection_count == 1


# ---- frame faults ----------------------------------------------------------------------------


async def test_suppress_loses_the_next_frame_of_one_channel_only(
    ex: LocalExchange, ws: RawWs, rest: Rest
) -> None:
    await ws.subscribe(["fill", "user_orders"])
    ex.inject_ws_fault(kind="suppress", channel="fill")
    first = await rest.order(price="0.51")
    frames = await ws.barrier()
    assert [f["type"] for f in frames] == ["user_order"]  # the fill frame is gone
    assert frames[0]["msg"]["order_id"] == first["order_id"]
    await rest.order(price="0.51")
    assert [f["type"] for f in await ws.barrier()] == ["fill", "user_order"]
    assert len(await rest.fills()) == 2  # REST still has both


async def test_suppress_on_a_sequenced_channel_leaves_a_gap(
    ex: LocalExchange, ws: RawWs, rest: Rest
) -> None:
    await ws.subscribe(["order_group_updates"])
    ex.inject_ws_fault(kind="suppress", channel="order_group_updates")
    await group_events(rest, 3)
    assert [f["seq"] for f in await ws.barrier()] == [2, 3]


@pytest.mark.parametrize(
    ("kind", "seqs"),
    [
        ("skip_seq", [1, 3, 4]),
        ("dup_seq", [1, 2, 2, 3]),
        ("reset_seq", [1, 1, 2]),
    ],
)
async def test_seq_faults_on_order_group_updates(
    ex: LocalExchange, ws: RawWs, rest: Rest, kind: Any, seqs: list[int]
) -> None:
    await ws.subscribe(["order_group_updates"])
    await group_events(rest, 1)
    ex.inject_ws_fault(kind=kind)
    await group_events(rest, 2)
    frames = await ws.barrier()
    assert [f["seq"] for f in frames] == seqs
    if kind == "dup_seq":
        assert frames[1] == frames[2]


async def test_delay_reply_holds_the_reply_while_data_flows(
    ex: LocalExchange, ws: RawWs, rest: Rest
) -> None:
    sids = await ws.subscribe(["fill"])
    ex.inject_ws_fault(kind="delay_reply", delay_s=1.0)
    command_id = await ws.send("subscribe", {"channels": ["user_orders"]})
    await rest.order(price="0.51")
    frames = await ws.reply(command_id)
    # The fill on the old sid and the user_order on the new one arrive before the reply.
    assert [f["type"] for f in frames] == ["fill", "user_order", "subscribed"]
    assert frames[0]["sid"] == sids["fill"]
    assert frames[1]["sid"] == frames[2]["msg"]["sid"]


# ---- error frames ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", [10, 25])
async def test_terminal_error_on_a_channel_ends_its_subscription(
    ex: LocalExchange, ws: RawWs, rest: Rest, code: int
) -> None:
    sids = await ws.subscribe(["fill", "user_orders"])
    ex.inject_ws_fault(kind="error", code=code, channel="fill")
    (error,) = await ws.barrier()
    assert error["type"] == "error" and error["sid"] == sids["fill"] and "id" not in error
    assert error["msg"]["code"] == code
    await rest.order(price="0.51")
    assert [f["type"] for f in await ws.barrier()] == ["user_order"]
    listed = await ws.reply(await ws.send("list_subscriptions"))
    assert listed[-1]["msg"] == [{"channel": "user_orders", "sid": sids["user_orders"]}]


async def test_non_terminal_channel_error_keeps_the_subscription(
    ex: LocalExchange, ws: RawWs, rest: Rest
) -> None:
    sids = await ws.subscribe(["order_group_updates"])
    await group_events(rest, 1)
    ex.inject_ws_fault(kind="error", code=27, channel="order_group_updates")
    frames = await ws.barrier()
    assert frames[-1]["type"] == "error" and frames[-1]["seq"] == 1  # seq on sequenced channels
    await group_events(rest, 1)
    assert [(f["sid"], f["seq"]) for f in await ws.barrier()] == [(sids["order_group_updates"], 2)]


async def test_channel_error_waits_for_the_next_subscription(ex: LocalExchange, ws: RawWs) -> None:
    ex.inject_ws_fault(kind="error", code=10, channel="user_orders")
    assert ex.pending_ws_faults == 1
    command_id = await ws.send("subscribe", {"channels": ["user_orders"]})
    subscribed, error = await ws.recv_until(lambda f: f["type"] == "error")
    assert subscribed["id"] == command_id and subscribed["type"] == "subscribed"
    assert error["sid"] == subscribed["msg"]["sid"] and error["msg"]["code"] == 10


@pytest.mark.parametrize("code", [18, 27, 9])
async def test_error_without_channel_answers_the_next_command(
    ex: LocalExchange, ws: RawWs, code: int
) -> None:
    ex.inject_ws_fault(kind="error", code=code)
    command_id = await ws.send("subscribe", {"channels": ["fill"]})
    (reply,) = await ws.reply(command_id)
    assert reply == {
        "id": command_id,
        "type": "error",
        "msg": {"code": code, "msg": reply["msg"]["msg"]},
    }
    assert (await ws.reply(await ws.send("list_subscriptions")))[-1]["msg"] == []  # not executed


# ---- the fault API ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"kind": "explode"}, "kind must be one of"),
        ({"kind": "drop", "times": 0}, "times must be at least 1"),
        ({"kind": "close"}, "needs a close code"),
        ({"kind": "close", "code": 999}, "needs a close code"),
        ({"kind": "error"}, "needs a positive Kalshi error code"),
        ({"kind": "suppress"}, "needs the channel"),
        ({"kind": "suppress", "channel": "ticker"}, "channel must be one of"),
        ({"kind": "skip_seq", "channel": "fill"}, "applies to order_group_updates only"),
        ({"kind": "delay_reply"}, "needs delay_s > 0"),
        ({"kind": "drop", "channel": "fill"}, "does not take a channel"),
        ({"kind": "refuse"}, "needs an HTTP status"),
        ({"kind": "refuse", "status": 101}, "needs an HTTP status"),
        ({"kind": "drop", "status": 503}, "does not take a status"),
    ],
)
def test_bad_fault_arguments_say_what_to_fix(
    ex: LocalExchange, arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ex.inject_ws_fault(**arguments)
    assert ex.pending_ws_faults == 0


def test_clear_and_reset_drop_pending_faults(ex: LocalExchange) -> None:
    ex.inject_ws_fault(kind="suppress", channel="fill", times=3)
    ex.inject_ws_fault(kind="delay_reply", delay_s=1)
    assert ex.pending_ws_faults == 4
    ex.clear_ws_faults()
    assert ex.pending_ws_faults == 0
    ex.inject_ws_fault(kind="dup_seq")
    ex.reset()
    assert ex.pending_ws_faults == 0
