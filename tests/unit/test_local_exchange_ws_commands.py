"""The WebSocket command handler on arbitrary input: every frame gets a valid reply, never a crash."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_ext.testing.signature_check import KeyRing
from kalshi_ext.testing.ws import Connection, WsServer
from tests.integration.ws_kit import FrameChecker

CHECKER = FrameChecker.load()


async def _unused_send(message: Any) -> None:
    raise AssertionError("nothing is sent in these tests")


async def _unused_app(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError("no HTTP in these tests")


def server() -> WsServer:
    return WsServer(_unused_app, KeyRing(max_clock_skew_s=5))


def replies(connection: Connection) -> list[dict[str, Any]]:
    frames = []
    while not connection.queue.empty():
        frame = connection.queue.get_nowait()
        assert isinstance(frame, dict)
        frames.append(frame)
    return frames


scalars = (
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from(
        ["fill", "user_orders", "order_group_updates", "ticker", "KXDEMO-26DEC31-T50", "x", ""]
    )
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=6)
params = st.fixed_dictionaries(
    {},
    optional={
        "channels": values,
        "sids": values,
        "sid": values,
        "action": st.sampled_from(["add_markets", "delete_markets", "get_snapshot", 3]),
        "market_ticker": values,
        "market_tickers": values,
    },
)
commands = st.fixed_dictionaries(
    {},
    optional={
        "id": st.integers(-1, 5) | st.text(max_size=2),
        "cmd": st.sampled_from(
            ["subscribe", "unsubscribe", "update_subscription", "list_subscriptions", "nope", 7]
        ),
        "params": params | values,
    },
)


@settings(max_examples=300, deadline=None)
@given(st.lists(commands, min_size=1, max_size=6))
def test_every_command_gets_schema_valid_replies(sequence: list[dict[str, Any]]) -> None:
    ws = server()
    connection = Connection(1, _unused_send, None)
    for command in sequence:
        ws._on_command(connection, json.dumps(command))
        frames = replies(connection)
        assert frames, command
        for frame in frames:
            CHECKER.check(frame)
            command_id = command.get("id")
            if isinstance(command_id, int) and not isinstance(command_id, bool) and command_id > 0:
                assert frame["id"] == command_id
            else:
                assert "id" not in frame
        if frames[0]["type"] == "error":
            assert len(frames) == 1  # a failed command changes nothing and says so once
    # The log holds every frame as sent.
    assert [c.payload for c in ws.commands] == sequence


@given(st.text(max_size=20))
def test_any_text_gets_a_reply(text: str) -> None:
    ws = server()
    connection = Connection(1, _unused_send, None)
    ws._on_command(connection, text)
    frames = replies(connection)
    assert frames
    for frame in frames:
        CHECKER.check(frame)


def test_a_bug_in_a_command_is_logged_and_answered_with_error_1(
    monkeypatch: Any, caplog: Any
) -> None:
    ws = server()
    connection = Connection(1, _unused_send, None)

    def broken(*args: Any) -> Any:
        raise KeyError("bug")

    monkeypatch.setattr(ws, "_execute", broken)
    ws._on_command(connection, json.dumps({"id": 4, "cmd": "list_subscriptions"}))
    (frame,) = replies(connection)
    CHECKER.check(frame)
    assert frame["id"] == 4 and frame["msg"]["code"] == 1
    assert "local exchange WebSocket failed" in caplog.text
