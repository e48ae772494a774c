"""LocalExchange's WebSocket API over a raw aiohttp client: handshake, commands, data frames.

Every frame received is validated against Kalshi's AsyncAPI payload schema (tests/integration/
ws_kit.py), so each test here also checks the shapes of what it receives.
"""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_ext.testing import LocalExchange
from tests.integration.ws_kit import (
    T50,
    T60,
    WS_PATH,
    FrameChecker,
    RawWs,
    Rest,
    connect,
    ws_headers,
)


def of_type(frames: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [f for f in frames if f["type"] == kind]


# ---- handshake -------------------------------------------------------------------------------


async def test_signed_handshake_is_accepted_and_logged(ex: LocalExchange, ws: RawWs) -> None:
    assert ex.ws_url.startswith("ws://127.0.0.1:") and ex.ws_url.endswith(WS_PATH)
    assert (await ws.barrier()) == []
    (handshake,) = ex.ws_handshakes
    assert handshake.status == 101 and handshake.key_id == ex.key_id and handshake.detail == ""
    assert ex.ws_connection_count == 1 and ex.ws_open_connections == 1
    assert [c.payload["cmd"] for c in ex.ws_commands] == ["list_subscriptions"]


def stale(ex: LocalExchange) -> dict[str, str]:
    return ws_headers(ex, timestamp_ms=int((time.time() - 60) * 1000))


@pytest.mark.parametrize(
    ("make_headers", "detail"),
    [
        (lambda ex: {}, "missing authentication headers"),
        (lambda ex: ws_headers(ex, path="/trade-api/v2"), "signature does not match"),
        (stale, "away from the exchange clock"),
        (lambda ex: ws_headers(ex, key_id="not-a-key"), "unknown API key id"),
        (
            lambda ex: ws_headers(
                ex, key=rsa.generate_private_key(public_exponent=65537, key_size=2048)
            ),
            "signature does not match",
        ),
    ],
    ids=["unsigned", "rest-path-signed", "stale-timestamp", "unknown-key", "other-key"],
)
async def test_bad_handshakes_are_refused_with_401(
    ex: LocalExchange, checker: FrameChecker, make_headers: Any, detail: str
) -> None:
    headers = make_headers(ex)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(ex.ws_url, headers=headers)
    assert refused.value.status == 401
    (handshake,) = ex.ws_handshakes
    assert handshake.status == 401 and detail in handshake.detail
    assert ex.ws_connection_count == 0


async def test_refusal_body_is_kalshis_error_envelope(ex: LocalExchange) -> None:
    async with aiohttp.ClientSession() as session:
        response = await session.get(
            ex.ws_url.replace("ws://", "http://"),
            headers={
                "Connection": "Upgrade",
                "Upgrade": "websocket",
                "Sec-WebSocket-Version": "13",
                "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            },
        )
        assert response.status == 401
        body = await response.json()
    assert body["code"] == "unauthorized" and "missing authentication headers" in body["message"]


# ---- subscriptions ---------------------------------------------------------------------------


async def test_crossing_order_produces_user_order_fill_and_position_with_rest_ids(
    ws: RawWs, rest: Rest
) -> None:
    sids = await ws.subscribe(["fill", "user_orders", "market_positions"])
    assert len(set(sids.values())) == 3
    placed = await rest.order(price="0.51", count=2)
    frames = await ws.barrier()
    fills, orders = of_type(frames, "fill"), of_type(frames, "user_order")
    positions = of_type(frames, "market_position")
    assert fills and orders and positions
    rest_fills = {f["fill_id"]: f for f in await rest.fills()}
    for fill in fills:
        assert fill["sid"] == sids["fill"] and "seq" not in fill
        msg = fill["msg"]
        assert msg["trade_id"] in rest_fills  # WS trade_id is the REST fill_id
        assert rest_fills[msg["trade_id"]]["order_id"] == msg["order_id"] == placed["order_id"]
        assert msg["market_ticker"] == T50 and msg["is_taker"] is True
        assert msg["ts_ms"] // 1000 == msg["ts"] == rest_fills[msg["trade_id"]]["ts"]
    assert sum(int(float(f["msg"]["count_fp"])) for f in fills) == 2
    (order,) = orders
    assert order["sid"] == sids["user_orders"]
    assert order["msg"]["order_id"] == placed["order_id"]
    assert order["msg"]["status"] == "executed"
    assert order["msg"]["fill_count_fp"] == "2.00" and order["msg"]["remaining_count_fp"] == "0.00"
    assert order["msg"]["last_update_reason"] == "Trade"
    assert positions[-1]["sid"] == sids["market_positions"]
    assert positions[-1]["msg"]["position_fp"] == fills[-1]["msg"]["post_position_fp"] == "2.00"


async def test_resting_order_then_maker_fill_then_cancel(
    ex: LocalExchange, ws: RawWs, rest: Rest
) -> None:
    await ws.subscribe(["user_orders", "fill"])
    placed = await rest.order(price="0.50", count=3)  # between the seeded 49 bid and 51 ask
    (resting,) = await ws.barrier()
    assert resting["msg"]["status"] == "resting" and "last_update_reason" not in resting["msg"]
    ex.add_other_order(T50, "ask", 50, 1)  # another trader hits the account's bid
    frames = await ws.barrier()
    (fill,) = of_type(frames, "fill")
    assert fill["msg"]["is_taker"] is False and fill["msg"]["order_id"] == placed["order_id"]
    (update,) = of_type(frames, "user_order")
    assert update["msg"]["remaining_count_fp"] == "2.00" and update["msg"]["status"] == "resting"
    await rest.call("DELETE", f"/portfolio/events/orders/{placed['order_id']}")
    (canceled,) = await ws.barrier()
    assert canceled["msg"]["status"] == "canceled"


async def test_fill_is_visible_over_rest_when_its_frame_arrives(ws: RawWs, rest: Rest) -> None:
    await ws.subscribe(["fill"])
    await rest.order(price="0.51")
    fill = (await ws.recv_until(lambda f: f["type"] == "fill"))[-1]
    assert fill["msg"]["trade_id"] in {f["fill_id"] for f in await rest.fills()}


async def test_market_filter_and_update_subscription(ws: RawWs, rest: Rest) -> None:
    sids = await ws.subscribe(["fill"], market_tickers=[T60])
    await rest.order(T50, price="0.51")
    assert await ws.barrier() == []

    added = await ws.reply(
        await ws.send(
            "update_subscription",
            {"action": "add_markets", "sids": [sids["fill"]], "market_tickers": [T50]},
        )
    )
    assert added[-1]["type"] == "ok" and added[-1]["sid"] == sids["fill"]
    assert added[-1]["msg"] == {"market_tickers": [T60, T50]}
    await rest.order(T50, price="0.51")
    assert [f["msg"]["market_ticker"] for f in await ws.barrier()] == [T50]

    deleted = await ws.reply(
        await ws.send(
            "update_subscription",
            {"action": "delete_markets", "sid": sids["fill"], "market_ticker": T50},
        )
    )
    assert deleted[-1]["msg"] == {"market_tickers": [T60]}
    await rest.order(T50, price="0.51")
    assert await ws.barrier() == []


async def test_unfiltered_subscription_narrows_when_markets_are_added(
    ws: RawWs, rest: Rest
) -> None:
    sids = await ws.subscribe(["fill"])
    await ws.reply(
        await ws.send(
            "update_subscription",
            {"action": "add_markets", "sid": sids["fill"], "market_tickers": [T60]},
        )
    )
    await rest.order(T50, price="0.51")
    assert await ws.barrier() == []


async def test_list_and_unsubscribe(ws: RawWs, rest: Rest) -> None:
    sids = await ws.subscribe(["fill", "user_orders"])
    listed = await ws.reply(await ws.send("list_subscriptions"))
    assert listed[-1]["msg"] == [
        {"channel": "fill", "sid": sids["fill"]},
        {"channel": "user_orders", "sid": sids["user_orders"]},
    ]
    command_id = await ws.send("unsubscribe", {"sids": [sids["fill"], sids["user_orders"]]})
    replies = await ws.recv_until(lambda f: f.get("sid") == sids["user_orders"])
    assert replies == [
        {"id": command_id, "sid": sids["fill"], "seq": 1, "type": "unsubscribed"},
        {"id": command_id, "sid": sids["user_orders"], "seq": 1, "type": "unsubscribed"},
    ]
    await rest.order(price="0.51")
    assert await ws.barrier() == []
    assert (await ws.reply(await ws.send("list_subscriptions")))[-1]["msg"] == []


async def test_sids_are_new_on_every_subscribe_and_connection(
    ex: LocalExchange, checker: FrameChecker, ws: RawWs
) -> None:
    first = (await ws.subscribe(["fill"]))["fill"]
    second = (await ws.subscribe(["fill"]))["fill"]
    async with connect(ex, checker) as other:
        third = (await other.subscribe(["fill"]))["fill"]
    assert len({first, second, third}) == 3


async def test_order_group_updates_carry_seq_per_sid(ws: RawWs, rest: Rest) -> None:
    sids = await ws.subscribe(["order_group_updates"], market_tickers=[T60])
    created = await rest.call("POST", "/portfolio/order_groups/create", json={"contracts_limit": 5})
    group = created["order_group_id"]
    await rest.call("PUT", f"/portfolio/order_groups/{group}/limit", json={"contracts_limit": 7})
    await rest.call("PUT", f"/portfolio/order_groups/{group}/trigger", json={})
    await rest.call("PUT", f"/portfolio/order_groups/{group}/reset", json={})
    await rest.call("DELETE", f"/portfolio/order_groups/{group}")
    frames = await ws.barrier()
    assert [(f["sid"], f["seq"], f["msg"]["event_type"]) for f in frames] == [
        (sids["order_group_updates"], 1, "created"),
        (sids["order_group_updates"], 2, "limit_updated"),
        (sids["order_group_updates"], 3, "triggered"),
        (sids["order_group_updates"], 4, "reset"),
        (sids["order_group_updates"], 5, "deleted"),
    ]
    assert {f["msg"]["order_group_id"] for f in frames} == {group}
    assert frames[0]["msg"]["contracts_limit_fp"] == "5.00"
    assert frames[1]["msg"]["contracts_limit_fp"] == "7.00"
    assert "contracts_limit_fp" not in frames[2]["msg"]


async def test_id_zero_means_no_id(ws: RawWs) -> None:
    await ws.ws.send_str(json.dumps({"id": 0, "cmd": "list_subscriptions"}))
    assert await ws.recv() == {"type": "ok", "msg": []}


# ---- command errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "code"),
    [
        ({"cmd": "subscribe"}, 2),
        ({"cmd": "subscribe", "params": {}}, 3),
        ({"cmd": "subscribe", "params": {"channels": []}}, 3),
        ({"cmd": "subscribe", "params": {"channels": ["fills"]}}, 8),
        ({"cmd": "subscribe", "params": {"channels": ["ticker"]}}, 8),
        (
            {
                "cmd": "subscribe",
                "params": {"channels": ["fill"], "market_ticker": T50, "market_tickers": [T60]},
            },
            11,
        ),
        (
            {
                "cmd": "subscribe",
                "params": {"channels": ["fill"], "market_tickers": ["lower-case"]},
            },
            11,
        ),
        ({"cmd": "unsubscribe", "params": {}}, 4),
        ({"cmd": "unsubscribe", "params": {"sids": [999_999]}}, 7),
        ({"cmd": "frobnicate"}, 5),
        ({"cmd": "update_subscription", "params": {"sid": 1, "market_ticker": T50}}, 15),
        ({"cmd": "update_subscription", "params": {"action": "get_snapshot", "sid": 1}}, 13),
        (
            {
                "cmd": "update_subscription",
                "params": {"action": "add_markets", "market_ticker": T50},
            },
            12,
        ),
        (
            {
                "cmd": "update_subscription",
                "params": {"action": "add_markets", "sids": [1, 2], "market_ticker": T50},
            },
            12,
        ),
        (
            {
                "cmd": "update_subscription",
                "params": {"action": "add_markets", "sid": 999_999, "market_ticker": T50},
            },
            7,
        ),
    ],
)
async def test_command_errors_carry_kalshis_codes_and_the_id(
    ws: RawWs, command: dict[str, Any], code: int
) -> None:
    cmd = command.pop("cmd")
    command_id = await ws.send(cmd, **command)
    (reply,) = await ws.reply(command_id)
    assert reply["type"] == "error" and reply["id"] == command_id
    assert reply["msg"]["code"] == code


async def test_update_without_markets_and_delete_on_unfiltered_subscription(ws: RawWs) -> None:
    sid = (await ws.subscribe(["fill"]))["fill"]
    no_market = await ws.send("update_subscription", {"action": "add_markets", "sid": sid})
    assert (await ws.reply(no_market))[-1]["msg"]["code"] == 14
    unfiltered = await ws.send(
        "update_subscription", {"action": "delete_markets", "sid": sid, "market_ticker": T50}
    )
    assert (await ws.reply(unfiltered))[-1]["msg"]["code"] == 11


async def test_unreadable_frames_get_error_1_without_id(ws: RawWs) -> None:
    await ws.ws.send_str("{not json")
    assert (await ws.recv())["msg"]["code"] == 1
    await ws.ws.send_str("[1, 2]")
    reply = await ws.recv()
    assert reply["msg"]["code"] == 1 and "id" not in reply
    await ws.ws.send_str(json.dumps({"id": "seven", "cmd": "list_subscriptions"}))
    assert (await ws.recv())["msg"]["code"] == 11


async def test_every_kind_of_change_sends_schema_valid_frames(
    ex: LocalExchange, ws: RawWs, rest: Rest
) -> None:
    """Amend, decrease, expiry fields, order groups and settlement: each frame is validated."""
    await ws.subscribe(["fill", "user_orders", "market_positions", "order_group_updates"])
    group = (
        await rest.call("POST", "/portfolio/order_groups/create", json={"contracts_limit": 50})
    )["order_group_id"]
    expires = int(time.time()) + 3600
    placed = await rest.order(price="0.20", count=5, order_group_id=group, expiration_time=expires)
    order_id = placed["order_id"]
    await rest.call(
        "POST",
        f"/portfolio/events/orders/{order_id}/amend",
        json={"ticker": T50, "side": "bid", "price": "0.22", "count": "6"},
    )
    await rest.call(
        "POST", f"/portfolio/events/orders/{order_id}/decrease", json={"reduce_by": "2"}
    )
    await rest.order(price="0.51", count=2)  # a fill and a position
    ex.settle_market(T50, "yes")
    frames = await ws.barrier()
    updates = [
        f["msg"] for f in frames if f["type"] == "user_order" and f["msg"]["order_id"] == order_id
    ]
    assert [u.get("last_update_reason") for u in updates] == [
        None,
        "Amend",
        "Decrease",
        "CloseCancel",
    ]
    assert updates[0]["order_group_id"] == group
    assert updates[0]["expiration_ts_ms"] == expires * 1000
    assert [u["remaining_count_fp"] for u in updates] == ["5.00", "6.00", "4.00", "0.00"]
    positions = [f["msg"] for f in frames if f["type"] == "market_position"]
    assert positions[-1]["position_fp"] == "0.00"  # settled
    assert positions[-1]["realized_pnl_dollars"] != "0.0000"
    assert {f["type"] for f in frames} == {
        "order_group_updates",
        "user_order",
        "fill",
        "market_position",
    }
