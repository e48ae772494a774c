"""StreamProtocol: routing, intents across reconnects, restore markers, errors and seq checks."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from bench._ws_server import FILL_MSG  # the AsyncAPI document's fill example
from kalshi_ext.stream.errors import StreamCommandError, StreamError
from kalshi_ext.stream.events import (
    ChannelError,
    Event,
    MalformedMessage,
    Reconnected,
    SequenceGap,
    StreamMessage,
    Subscription,
    SubscriptionRestarted,
)
from kalshi_ext.stream.protocol import (
    MAX_COMMAND_CONNECTIONS,
    Command,
    PendingMessage,
    StreamProtocol,
)
from kalshi_ext.stream.stream import portfolio_decoders

FILL = {key: value for key, value in FILL_MSG.items() if key != "client_order_id"}
GROUP = {"event_type": "created", "order_group_id": "g1", "ts_ms": 1}


@attrs.define
class Recorder:
    """The protocol's effects, recorded; data frames are materialized as a consumer takes them."""

    protocol: StreamProtocol | None = None
    events: list[Event] = attrs.Factory(list)
    sent: list[Command] = attrs.Factory(list)
    settled: dict[int, tuple[object, BaseException | None]] = attrs.Factory(dict)
    failed: list[BaseException] = attrs.Factory(list)
    restores: int = 0

    def deliver(self, event: Event | PendingMessage) -> None:
        if isinstance(event, tuple):
            assert self.protocol is not None
            event = self.protocol.materialize(event)
        self.events.append(event)

    def send(self, command: Command) -> None:
        self.sent.append(command)

    def settle(self, ticket: int, result: object, error: BaseException | None) -> None:
        self.settled[ticket] = (result, error)

    def fail(self, error: BaseException) -> None:
        self.failed.append(error)

    def restored(self) -> None:
        self.restores += 1


def connect(
    channels: list[str], tickers: list[str] | None = None
) -> tuple[StreamProtocol, Recorder]:
    """A protocol whose first connection subscribed `channels` with sids 1, 2, ..."""
    rec = Recorder()
    protocol = rec.protocol = StreamProtocol(rec, portfolio_decoders())
    protocol.add_intents(channels, tickers)
    protocol.connected(None)
    for sid, command in enumerate(list(rec.sent), start=1):
        channel = command.params["channels"][0]  # type: ignore[index]
        protocol.receive(
            {"id": command.id, "type": "subscribed", "msg": {"channel": channel, "sid": sid}}
        )
    return protocol, rec


def fill_frame(sid: int = 1, **changes: Any) -> dict[str, Any]:
    return {"type": "fill", "sid": sid, "msg": {**FILL, **changes}}


def group_frame(sid: int, seq: int) -> dict[str, Any]:
    return {"type": "order_group_updates", "sid": sid, "seq": seq, "msg": GROUP}


def test_first_connection_subscribes_one_command_per_channel_with_ids_from_1() -> None:
    protocol, rec = connect(["fill", "user_orders"], ["T1"])
    assert [c.to_wire() for c in rec.sent] == [
        {"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"], "market_tickers": ["T1"]}},
        {
            "id": 2,
            "cmd": "subscribe",
            "params": {"channels": ["user_orders"], "market_tickers": ["T1"]},
        },
    ]
    assert protocol.ready and rec.restores == 1
    assert protocol.subscriptions() == (
        Subscription("fill", ("T1",), 1),
        Subscription("user_orders", ("T1",), 2),
    )
    assert rec.events == []  # no Reconnected on the first connection


def test_data_frames_route_by_sid_to_typed_models() -> None:
    protocol, rec = connect(["fill"])
    protocol.receive(fill_frame(1))
    (event,) = rec.events
    assert isinstance(event, StreamMessage)
    assert (event.channel, event.sid, event.seq) == ("fill", 1, None)
    assert event.msg.trade_id == FILL["trade_id"] and event.msg.count_fp == "278.00"


def test_a_data_frame_arriving_while_a_command_waits_is_delivered() -> None:
    protocol, rec = connect(["fill"])
    (ticket,) = protocol.subscribe(["user_orders"], None)
    command = rec.sent[-1]
    protocol.receive(fill_frame(1))  # before the reply: routed by sid, not taken for the reply
    protocol.receive(
        {"id": command.id, "type": "subscribed", "msg": {"channel": "user_orders", "sid": 7}}
    )
    assert [type(e) for e in rec.events] == [StreamMessage]
    assert rec.settled[ticket] == (Subscription("user_orders", None, 7), None)


@pytest.mark.parametrize(
    ("seqs", "delivered", "gaps"),
    [
        ([1, 2, 3], [1, 2, 3], []),
        ([1, 2, 2, 3], [1, 2, 3], []),  # a duplicate is dropped
        ([1, 2, 4, 5], [1, 2, 4, 5], [(3, 4, "gap")]),  # the frame after the gap is delivered
        ([5, 6, 1, 2], [5, 6, 1, 2], [(7, 1, "reset")]),
        ([1, 3, 3, 1], [1, 3, 1], [(2, 3, "gap"), (4, 1, "reset")]),
    ],
)
def test_seq_checks(
    seqs: list[int], delivered: list[int], gaps: list[tuple[int, int, str]]
) -> None:
    protocol, rec = connect(["order_group_updates"])
    for seq in seqs:
        protocol.receive(group_frame(1, seq))
    assert [e.seq for e in rec.events if isinstance(e, StreamMessage)] == delivered
    found = [(e.expected, e.received, e.kind) for e in rec.events if isinstance(e, SequenceGap)]
    assert found == gaps
    assert protocol.duplicates_dropped == len(seqs) - len(delivered)
    # Each gap comes right before the frame that showed it.
    for index, event in enumerate(rec.events):
        if isinstance(event, SequenceGap):
            assert rec.events[index + 1].seq == event.received  # type: ignore[union-attr]


def test_reconnect_restores_every_intent_then_marks_before_held_data() -> None:
    protocol, rec = connect(["fill", "user_orders"])
    protocol.disconnected()
    assert not protocol.ready
    rec.sent.clear()
    marker = Reconnected(1.5, 100.0, 2, "dropped", ())
    protocol.connected(lambda subs: attrs.evolve(marker, subscriptions=subs))
    assert [c.id for c in rec.sent] == [1, 2]  # ids start again on a new connection
    protocol.receive({"id": 1, "type": "subscribed", "msg": {"channel": "fill", "sid": 11}})
    protocol.receive(fill_frame(11))  # held until every subscription is back
    assert rec.events == [] and not protocol.ready
    protocol.receive({"id": 2, "type": "subscribed", "msg": {"channel": "user_orders", "sid": 12}})
    first, second = rec.events
    assert isinstance(first, Reconnected) and first.down_for == 1.5
    assert first.subscriptions == (
        Subscription("fill", None, 11),
        Subscription("user_orders", None, 12),
    )
    assert isinstance(second, StreamMessage) and second.sid == 11
    assert protocol.ready and rec.restores == 2


def test_frames_of_the_old_connections_sids_are_not_delivered_after_a_reconnect() -> None:
    protocol, rec = connect(["fill"])
    protocol.disconnected()
    protocol.connected(None)
    protocol.receive({"id": 1, "type": "subscribed", "msg": {"channel": "fill", "sid": 5}})
    protocol.receive(fill_frame(1))
    assert rec.events == [] and protocol.stale_frames_dropped == 1


def test_commands_cut_off_by_a_loss_settle_when_the_restore_completes() -> None:
    protocol, rec = connect(["fill"], ["A"])
    (added,) = [protocol.update_markets("fill", "add_markets", ["B"])]
    (listed,) = [protocol.list_subscriptions()]
    (gone,) = protocol.unsubscribe(["fill"])
    protocol.subscribe(["user_orders"], None)
    protocol.disconnected()
    assert rec.settled[gone] == (None, None)  # no connection will subscribe it again
    rec.sent.clear()
    protocol.connected(None)
    assert [c.params for c in rec.sent] == [{"channels": ["user_orders"]}]
    protocol.receive({"id": 1, "type": "subscribed", "msg": {"channel": "user_orders", "sid": 3}})
    assert rec.settled[added] == (None, None)  # its intent was unsubscribed meanwhile
    assert rec.sent[-1].cmd == "list_subscriptions"  # sent again on the new connection
    protocol.receive(
        {"id": rec.sent[-1].id, "type": "ok", "msg": [{"channel": "user_orders", "sid": 3}]}
    )
    assert rec.settled[listed] == ([Subscription("user_orders", None, 3)], None)


def test_a_list_subscriptions_lost_on_three_connections_fails_instead_of_looping() -> None:
    protocol, rec = connect(["fill"])
    listed = protocol.list_subscriptions()
    for connection in range(1, MAX_COMMAND_CONNECTIONS + 1):
        protocol.disconnected()  # e.g. given up for no reply to it
        rec.sent.clear()
        protocol.connected(None)
        protocol.receive({"id": 1, "type": "subscribed", "msg": {"channel": "fill", "sid": 9}})
        if connection < MAX_COMMAND_CONNECTIONS:
            assert [c.cmd for c in rec.sent] == ["subscribe", "list_subscriptions"]
            assert listed not in rec.settled
    assert [c.cmd for c in rec.sent] == ["subscribe"]  # not sent a fourth time
    result, error = rec.settled[listed]
    assert result is None and isinstance(error, StreamError)
    assert "no reply on 3 connections" in str(error)


def test_update_subscription_sends_the_delta_and_keeps_the_servers_list() -> None:
    protocol, rec = connect(["fill"], ["A"])
    ticket = protocol.update_markets("fill", "add_markets", ["B"])
    assert rec.sent[-1].to_wire() == {
        "id": 2,
        "cmd": "update_subscription",
        "params": {"action": "add_markets", "sids": [1], "market_tickers": ["B"]},
    }
    protocol.receive(
        {"id": 2, "sid": 1, "seq": 3, "type": "ok", "msg": {"market_tickers": ["A", "B"]}}
    )
    assert rec.settled[ticket] == (("A", "B"), None)
    ticket = protocol.update_markets("fill", "delete_markets", ["A"])
    protocol.receive({"id": 3, "type": "error", "msg": {"code": 11, "msg": "Invalid parameter"}})
    _, error = rec.settled[ticket]
    assert isinstance(error, StreamCommandError) and error.code == 11
    assert protocol.subscriptions()[0].market_tickers == ("A", "B")  # rolled back


def test_unsubscribe_sends_the_sid_and_delivers_frames_until_the_reply() -> None:
    protocol, rec = connect(["fill"])
    (ticket,) = protocol.unsubscribe(["fill"])
    assert rec.sent[-1].to_wire() == {"id": 2, "cmd": "unsubscribe", "params": {"sids": [1]}}
    protocol.receive(fill_frame(1))
    protocol.receive({"id": 2, "sid": 1, "seq": 7, "type": "unsubscribed"})
    protocol.receive(fill_frame(1))
    assert len(rec.events) == 1 and rec.settled[ticket] == (None, None)
    assert protocol.subscriptions() == ()


@pytest.mark.parametrize("code", [2, 5, 8, 9, 11, 18, 27])
def test_a_refused_subscribe_settles_with_a_typed_error_and_forgets_the_intent(code: int) -> None:
    protocol, rec = connect(["fill"])
    (ticket,) = protocol.subscribe(["user_orders"], None)
    protocol.receive({"id": 2, "type": "error", "msg": {"code": code, "msg": "nope"}})
    _, error = rec.settled[ticket]
    assert isinstance(error, StreamCommandError)
    assert (error.code, error.command, error.channel) == (code, "subscribe", "user_orders")
    assert str(code) in str(error)
    assert [s.channel for s in protocol.subscriptions()] == ["fill"]


def test_a_refused_restore_fails_the_stream() -> None:
    protocol, rec = connect(["fill"])
    protocol.disconnected()
    protocol.connected(None)
    protocol.receive(
        {"id": 1, "type": "error", "msg": {"code": 9, "msg": "Authentication required"}}
    )
    (error,) = rec.failed
    assert isinstance(error, StreamCommandError) and error.code == 9


@pytest.mark.parametrize("code", [10, 25])
def test_terminal_errors_resubscribe_and_say_so(code: int) -> None:
    protocol, rec = connect(["fill"], ["A"])
    protocol.receive({"type": "error", "sid": 1, "msg": {"code": code, "msg": "gone"}})
    assert rec.sent[-1].to_wire() == {
        "id": 2,
        "cmd": "subscribe",
        "params": {"channels": ["fill"], "market_tickers": ["A"]},
    }
    protocol.receive(fill_frame(1))  # the ended sid delivers nothing more
    protocol.receive({"id": 2, "type": "subscribed", "msg": {"channel": "fill", "sid": 9}})
    protocol.receive(fill_frame(9))
    restarted, message = rec.events
    assert restarted == SubscriptionRestarted("fill", code, "gone", 1, 9)
    assert isinstance(message, StreamMessage) and message.sid == 9


def test_other_error_frames_become_events() -> None:
    protocol, rec = connect(["fill"])
    protocol.receive({"type": "error", "sid": 1, "msg": {"code": 26, "msg": "limit"}})
    protocol.receive({"type": "error", "msg": {"code": 1, "msg": "?"}})
    assert rec.events == [ChannelError(26, "limit", "fill", 1), ChannelError(1, "?", None, None)]


def test_undecodable_and_unknown_frames_are_delivered_as_malformed() -> None:
    protocol, rec = connect(["fill"])
    bad = fill_frame(1)
    del bad["msg"]["trade_id"]
    protocol.receive(bad)
    protocol.receive({"type": "surprise"})
    protocol.receive(["not", "an", "object"])
    first, second, third = rec.events
    assert isinstance(first, MalformedMessage) and first.channel == "fill" and first.raw is bad
    assert "trade_id" in first.error
    assert isinstance(second, MalformedMessage) and isinstance(third, MalformedMessage)


def test_user_orders_with_null_created_fields_and_extra_keys_decode() -> None:
    protocol, rec = connect(["user_orders"])
    order = {
        "order_id": "o",
        "user_id": "u",
        "ticker": "T",
        "exchange_index": 0,
        "status": "resting",
        "side": "yes",
        "is_yes": True,
        "outcome_side": "yes",
        "book_side": "bid",
        "yes_price_dollars": "0.5000",
        "fill_count_fp": "0.00",
        "remaining_count_fp": "1.00",
        "initial_count_fp": "1.00",
        "taker_fill_cost_dollars": "0.000000",
        "maker_fill_cost_dollars": "0.000000",
        "taker_fees_dollars": "0.000000",
        "maker_fees_dollars": "0.000000",
        "client_order_id": "c",
        "created_time": None,
        "created_ts_ms": None,
        "brand_new_field": 1,
    }
    protocol.receive({"type": "user_order", "sid": 1, "msg": order})
    (event,) = rec.events
    assert isinstance(event, StreamMessage) and event.msg.order_id == "o"


@pytest.mark.parametrize(
    ("channels", "error"),
    [
        ("fill", TypeError),
        ([], ValueError),
        (["ticker"], ValueError),
        (["fill", "fill"], ValueError),
    ],
)
def test_channels_are_checked(channels: Any, error: type[Exception]) -> None:
    protocol = StreamProtocol(Recorder(), {})
    with pytest.raises(error):
        protocol.add_intents(channels, None)


def test_subscribing_a_channel_twice_and_updating_an_all_markets_one_are_refused() -> None:
    protocol, _ = connect(["fill"])
    with pytest.raises(ValueError, match="already subscribed"):
        protocol.subscribe(["fill"], None)
    with pytest.raises(ValueError, match="every market"):
        protocol.update_markets("fill", "add_markets", ["A"])
    with pytest.raises(ValueError, match="not subscribed"):
        protocol.unsubscribe(["user_orders"])


def test_the_last_seq_on_a_different_frame_is_a_restart_not_a_duplicate() -> None:
    protocol, rec = connect(["order_group_updates"])
    protocol.receive(group_frame(1, 1))
    restarted = group_frame(1, 1)
    restarted["msg"] = {**GROUP, "event_type": "limit_updated"}
    protocol.receive(restarted)
    protocol.receive(group_frame(1, 2))
    assert [e.seq for e in rec.events if isinstance(e, StreamMessage)] == [1, 1, 2]
    assert [e for e in rec.events if isinstance(e, SequenceGap)] == [
        SequenceGap("order_group_updates", 1, 2, 1, "reset")
    ]


def test_a_frame_that_is_not_json_is_delivered_as_malformed_in_order() -> None:
    protocol, rec = connect(["fill"])
    protocol.receive(fill_frame(1))
    protocol.malformed("{not json", "not JSON: JSONDecodeError(...)")
    protocol.receive(fill_frame(1))
    first, bad, last = rec.events
    assert isinstance(bad, MalformedMessage) and bad.raw == "{not json" and "JSON" in bad.error
    assert isinstance(first, StreamMessage) and isinstance(last, StreamMessage)


def test_a_new_subscriptions_frames_sent_before_its_reply_are_delivered_after_it() -> None:
    protocol, rec = connect(["fill"])
    (ticket,) = protocol.subscribe(["user_orders"], None)
    order = {"type": "user_order", "sid": 2, "msg": {"order_id": "o1"}}
    protocol.receive(order)  # the server subscribed and sent data before its reply arrived
    protocol.receive(fill_frame(1))
    assert [e.channel for e in rec.events] == ["fill"]  # type: ignore[union-attr]
    protocol.receive({"id": 2, "type": "subscribed", "msg": {"channel": "user_orders", "sid": 2}})
    assert [(e.channel, e.sid) for e in rec.events] == [("fill", 1), ("user_orders", 2)]  # type: ignore[union-attr]
    assert rec.settled[ticket] == (Subscription("user_orders", None, 2), None)
    assert protocol.stale_frames_dropped == 0


def test_frames_before_a_restore_reply_follow_the_reconnected_marker() -> None:
    protocol, rec = connect(["order_group_updates"])
    protocol.disconnected()
    marker = Reconnected(1.0, 100.0, 1, "dropped", ())
    protocol.connected(lambda subs: attrs.evolve(marker, subscriptions=subs))
    protocol.receive(group_frame(7, 1))
    protocol.receive(group_frame(7, 1))  # a duplicate: still dropped once the sid is known
    protocol.receive(group_frame(7, 2))
    assert rec.events == []
    protocol.receive(
        {"id": 1, "type": "subscribed", "msg": {"channel": "order_group_updates", "sid": 7}}
    )
    first, *data = rec.events
    assert isinstance(first, Reconnected)
    assert [(e.sid, e.seq) for e in data] == [(7, 1), (7, 2)]  # type: ignore[union-attr]
    assert protocol.duplicates_dropped == 1 and protocol.stale_frames_dropped == 0


def test_frames_of_a_restarted_subscription_before_its_reply_are_delivered() -> None:
    protocol, rec = connect(["fill"])
    protocol.receive({"type": "error", "sid": 1, "msg": {"code": 25, "msg": "overflow"}})
    protocol.receive(fill_frame(1))  # the ended sid: stale
    protocol.receive(fill_frame(9))  # the new subscription's, before its reply
    protocol.receive({"id": 2, "type": "subscribed", "msg": {"channel": "fill", "sid": 9}})
    restarted, message = rec.events
    assert isinstance(restarted, SubscriptionRestarted) and restarted.new_sid == 9
    assert isinstance(message, StreamMessage) and message.sid == 9
    assert protocol.stale_frames_dropped == 1


def test_frames_kept_for_a_refused_subscribe_are_counted_stale() -> None:
    protocol, rec = connect(["fill"])
    (ticket,) = protocol.subscribe(["user_orders"], None)
    protocol.receive({"type": "user_order", "sid": 2, "msg": {"order_id": "o1"}})
    protocol.receive({"id": 2, "type": "error", "msg": {"code": 27, "msg": "Too many requests"}})
    assert rec.events == [] and protocol.stale_frames_dropped == 1
    assert isinstance(rec.settled[ticket][1], StreamCommandError)


def test_frames_kept_for_a_reply_cut_off_by_a_loss_are_delivered() -> None:
    protocol, rec = connect(["fill"])
    protocol.subscribe(["user_orders"], None)
    protocol.receive({"type": "user_order", "sid": 2, "msg": {"order_id": "o1"}})
    protocol.disconnected()
    assert [(e.channel, e.sid) for e in rec.events] == [("user_orders", 2)]  # type: ignore[union-attr]


def test_a_restarting_subscription_makes_the_stream_wait_until_it_has_its_new_sid() -> None:
    protocol, rec = connect(["fill"], ["A"])
    protocol.receive({"type": "error", "sid": 1, "msg": {"code": 10, "msg": "Channel error"}})
    assert not protocol.ready  # no sid to update or unsubscribe: callers wait
    with pytest.raises(RuntimeError, match="not connected"):
        protocol.update_markets("fill", "add_markets", ["B"])
    protocol.receive({"id": 2, "type": "subscribed", "msg": {"channel": "fill", "sid": 4}})
    assert protocol.ready and rec.restores == 2
    protocol.update_markets("fill", "add_markets", ["B"])
    assert rec.sent[-1].params == {"action": "add_markets", "sids": [4], "market_tickers": ["B"]}


def test_disconnected_says_whether_a_subscription_was_live() -> None:
    protocol, _rec = connect(["fill"])
    assert protocol.disconnected() is True
    protocol.connected(None)  # nothing answered on this one
    assert protocol.disconnected() is False


def test_a_refused_unsubscribe_keeps_the_subscription() -> None:
    protocol, rec = connect(["fill"], ["A"])
    (ticket,) = protocol.unsubscribe(["fill"])
    protocol.receive({"id": 2, "type": "error", "msg": {"code": 18, "msg": "Command timeout"}})
    assert isinstance(rec.settled[ticket][1], StreamCommandError)
    assert protocol.subscriptions() == (Subscription("fill", ("A",), 1),)
    protocol.receive(fill_frame(1))
    assert len(rec.events) == 1


def test_error_names_are_the_derived_documents_code_table() -> None:
    # One table serves the client's messages and the local exchange's error frames; it must say
    # what Kalshi's document says (openapi/kalshi-ws.yaml is derived from it by make update-spec).
    import yaml

    from kalshi_ext.stream.errors import COMMAND_ERROR_NAMES

    with open("openapi/kalshi-ws.yaml", encoding="utf-8") as document:
        derived = yaml.safe_load(document)["x-error-codes"]
    assert {int(code): name for code, name in derived.items()} == dict(COMMAND_ERROR_NAMES)


def test_the_sync_streams_methods_show_their_real_parameters() -> None:
    import inspect

    from kalshi_ext.stream.stream import AsyncStream, Stream

    for name in ("subscribe", "unsubscribe", "add_markets", "delete_markets", "list_subscriptions"):
        sync_parameters = inspect.signature(getattr(Stream, name)).parameters
        async_parameters = inspect.signature(getattr(AsyncStream, name)).parameters
        assert list(sync_parameters) == list(async_parameters), name
        assert "args" not in sync_parameters, name
