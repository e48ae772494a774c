"""The stream's protocol, with no I/O: commands, routing by id and sid, intents, seq checks.

A :class:`StreamProtocol` is told when a connection starts and ends and is fed every decoded
frame; it answers through an :class:`Effects` object: deliver an event, send a command, settle a
caller's ticket, or fail the stream. The connection driver owns the socket; this module owns
every decision, so a table of frames tests it without a server.

* **Intents.** What the caller subscribed to (channel and markets) is kept apart from the
  connection, so every connection (the first and each reconnect) subscribes them all again, one
  ``subscribe`` command per channel; a reply maps the channel to the connection's new sid.
* **Routing.** A reply is matched to its command by ``id``, a data frame to its channel by
  ``sid``, so a data frame that arrives while a command waits for its reply is delivered, never
  taken for the reply. A frame of a sid not known yet, while a subscribe of its channel waits for
  its reply, is the new subscription's: it is kept until the reply names the sid, then
  delivered (in order within its channel), never dropped as stale.
* **Restore.** After a reconnect, data frames are held until every subscription is restored;
  then :class:`Reconnected` is delivered, then the held frames.
* **Terminal errors.** An error frame with code 10 or 25 on a sid ends that subscription: the
  channel is subscribed again and :class:`SubscriptionRestarted` says data may be missing.
* **Sequences.** A frame equal to the last one (same ``seq``, same content) is a duplicate and is
  dropped; a skip, or a restart (a lower ``seq``, or the last ``seq`` on a different frame), is
  delivered after a :class:`SequenceGap` event.
* **Decoding.** A data frame is delivered routed but not decoded (a :data:`PendingMessage`);
  :meth:`StreamProtocol.materialize` turns it into its StreamMessage when the consumer takes it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal, Protocol

import attrs

from kalshi_ext.stream.errors import TERMINAL_CHANNEL_CODES, StreamCommandError, StreamError
from kalshi_ext.stream.events import (
    PORTFOLIO_CHANNELS,
    ChannelError,
    Event,
    MalformedMessage,
    Reconnected,
    SequenceGap,
    StreamMessage,
    Subscription,
    SubscriptionRestarted,
)

__all__ = [
    "DATA_TYPES",
    "Command",
    "Decoder",
    "Effects",
    "MarkerFactory",
    "PendingMessage",
    "StreamProtocol",
    "check_channels",
    "check_tickers",
]

logger = logging.getLogger("kalshi_ext.stream")

# A caller's list_subscriptions lost on this many connections in a row (each given up for no
# reply, see Connection._check_reply) fails with StreamError instead of being sent again.
MAX_COMMAND_CONNECTIONS = 3

DATA_TYPES: Mapping[str, str] = {
    "fill": "fill",
    "user_order": "user_orders",
    "market_position": "market_positions",
    "order_group_updates": "order_group_updates",
}
"""A data frame's ``type`` → the channel it belongs to."""

Decoder = Callable[[Any], Any]
PendingMessage = tuple[str, int, int | None, dict[str, Any]]
"""A routed data frame not decoded yet: (channel, sid, seq, frame)."""
_new_tuple: Any = tuple.__new__
MarkerFactory = Callable[[tuple[Subscription, ...]], Reconnected]
CommandKind = Literal["subscribe", "unsubscribe", "update_subscription", "list_subscriptions"]


@attrs.frozen
class Command:
    """One command frame; ``id`` is unique within the connection it is sent on."""

    id: int
    cmd: CommandKind
    params: Mapping[str, Any] | None = None

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"id": self.id, "cmd": self.cmd}
        if self.params is not None:
            wire["params"] = dict(self.params)
        return wire


class Effects(Protocol):
    """What a StreamProtocol asks its driver to do."""

    def deliver(self, event: Event | PendingMessage) -> None: ...
    def send(self, command: Command) -> None: ...
    def settle(self, ticket: int, result: object, error: BaseException | None) -> None: ...
    def fail(self, error: BaseException) -> None: ...
    def restored(self) -> None: ...


@attrs.define
class _Intent:
    channel: str
    market_tickers: tuple[str, ...] | None
    sid: int | None = None

    def snapshot(self) -> Subscription:
        return Subscription(self.channel, self.market_tickers, self.sid)

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"channels": [self.channel]}
        if self.market_tickers is not None:
            params["market_tickers"] = list(self.market_tickers)
        return params


@attrs.define
class _Pending:
    kind: CommandKind
    channel: str | None = None
    ticket: int | None = None  # None: the stream's own command (restore, restart)
    restart: tuple[int, str, int] | None = None  # (code, message, old sid) of a restart
    previous_tickers: tuple[str, ...] | None = None  # an update's intent before it
    unsubscribed: _Intent | None = None  # an unsubscribe's intent, back if it is refused


def check_channels(channels: Iterable[str]) -> tuple[str, ...]:
    """The channels as a tuple, each one of PORTFOLIO_CHANNELS, none twice."""
    if isinstance(channels, str):
        raise TypeError(f"channels must be a list of channel names, e.g. [{channels!r}]")
    result = tuple(channels)
    if not result:
        raise ValueError(f"channels must name at least one of {', '.join(PORTFOLIO_CHANNELS)}")
    for channel in result:
        if channel not in PORTFOLIO_CHANNELS:
            raise ValueError(
                f"unknown channel {channel!r}; a portfolio stream carries "
                f"{', '.join(PORTFOLIO_CHANNELS)}"
            )
    if len(set(result)) != len(result):
        raise ValueError(f"channels names a channel twice: {list(result)}")
    return result


def check_tickers(market_tickers: Iterable[str] | None) -> tuple[str, ...] | None:
    """Market tickers as a tuple (None: every market); each a non-empty string."""
    if market_tickers is None:
        return None
    if isinstance(market_tickers, str):
        raise TypeError(f"market_tickers must be a list of tickers, e.g. [{market_tickers!r}]")
    tickers = tuple(market_tickers)
    for ticker in tickers:
        if not isinstance(ticker, str) or not ticker:
            raise ValueError(f"market tickers must be non-empty strings, got {ticker!r}")
    return tickers


class StreamProtocol:
    """Subscription intents and the routing of one stream's frames; see the module docstring."""

    def __init__(
        self,
        effects: Effects,
        decoders: Mapping[str, Decoder],
        data_sink: Callable[[PendingMessage], None] | None = None,
    ) -> None:
        """``data_sink`` takes the routed data frames in place of ``effects.deliver`` (a shortcut
        for the hot path: a driver passes its buffer's put_data)."""
        self._effects = effects
        self._sink = data_sink or effects.deliver
        self._decoders = dict(decoders)
        # By channel: the pending frame carries its channel, one lookup fewer per frame.
        self._decoder_of = {
            channel: self._decoders[kind]
            for kind, channel in DATA_TYPES.items()
            if kind in decoders
        }
        self._intents: dict[str, _Intent] = {}
        self._next_ticket = 1
        # Per connection:
        self._connected = False
        self._next_id = 1
        self._pending: dict[int, _Pending] = {}
        self._channel_of_sid: dict[int, str] = {}
        self._last_seq: dict[int, tuple[int, dict[str, Any]]] = {}  # sid -> (seq, frame)
        self._early: dict[int, tuple[str, list[dict[str, Any]]]] = {}  # sid -> frames before
        self._retired: set[int] = set()  # sids unsubscribed or replaced on this connection
        self._restoring: set[str] = set()
        # Across a restore: the marker to deliver first, the frames held until then, and the
        # callers whose commands were cut off by the loss.
        self._reconnected: MarkerFactory | None = None
        self._held: list[Event | PendingMessage] | None = None
        self._carried: list[tuple[_Pending, int]] = []
        self._resent: dict[int, int] = {}  # ticket -> connections a list_subscriptions was lost on
        self.duplicates_dropped = 0
        self.stale_frames_dropped = 0  # frames of a sid unsubscribed or replaced

    # ---- state --------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """Connected, with every subscription restored: caller commands may be sent."""
        return self._connected and not self._restoring

    def subscriptions(self) -> tuple[Subscription, ...]:
        return tuple(intent.snapshot() for intent in self._intents.values())

    def add_intents(self, channels: Iterable[str], market_tickers: Iterable[str] | None) -> None:
        """Record subscriptions before the first connection (it subscribes them)."""
        if self._connected:
            raise RuntimeError("add_intents() is for a stream not connected yet; use subscribe()")
        tickers = check_tickers(market_tickers)
        for channel in self._new_channels(channels):
            self._intents[channel] = _Intent(channel, tickers)

    def _new_channels(self, channels: Iterable[str]) -> tuple[str, ...]:
        checked = check_channels(channels)
        taken = [channel for channel in checked if channel in self._intents]
        if taken:
            raise ValueError(
                f"already subscribed to {', '.join(taken)}; use add_markets() or "
                "unsubscribe() first"
            )
        return checked

    # ---- connection lifecycle -------------------------------------------------------------

    def connected(self, reconnected: MarkerFactory | None) -> None:
        """A new connection is open: subscribe every intent on it.

        ``reconnected`` (after a loss) builds the Reconnected marker when the restore completes,
        from the restored subscriptions.
        """
        self._connected = True
        self._next_id = 1
        self._pending.clear()
        self._channel_of_sid.clear()
        self._last_seq.clear()
        self._early.clear()
        self._retired.clear()
        if reconnected is not None:
            self._reconnected = reconnected
            if self._held is None:
                self._held = []
        self._restoring = set(self._intents)
        for intent in self._intents.values():
            intent.sid = None
            self._send("subscribe", intent.params(), _Pending("subscribe", intent.channel))
        if not self._restoring:
            self._finish_restore()

    def awaits_reply(self, command_id: int) -> bool:
        """Whether the command with this id, sent on the current connection, has no reply yet."""
        return command_id in self._pending

    def disconnected(self) -> bool:
        """The connection is gone: commands without a reply wait for the next restore.

        True when a subscription had its sid on it: data may have been delivered from it, so
        the next restore must be marked even if this connection never restored them all.
        """
        # Frames of a subscription whose reply never came were still sent for it: delivered.
        for sid, (channel, frames) in list(self._early.items()):
            self._channel_of_sid[sid] = channel
            for frame in frames:
                self._data(frame, channel)
        self._early.clear()
        self._retired.clear()
        had_live = bool(self._channel_of_sid)
        self._connected = False
        self._restoring.clear()
        for pending in self._pending.values():
            if pending.ticket is None:
                continue
            if pending.kind == "unsubscribe":
                # The intent is already gone, so no connection will subscribe it again.
                self._effects.settle(pending.ticket, None, None)
            else:
                self._carried.append((pending, pending.ticket))
        self._pending.clear()
        self._channel_of_sid.clear()
        self._last_seq.clear()
        for intent in self._intents.values():
            intent.sid = None
        return had_live

    def _finish_restore(self) -> None:
        marker, held = self._reconnected, self._held
        self._reconnected, self._held = None, None
        if marker is not None:
            self._effects.deliver(marker(self.subscriptions()))
        for event in held or ():
            self._effects.deliver(event)
        carried, self._carried = self._carried, []
        for pending, ticket in carried:
            if pending.kind == "list_subscriptions":
                # Sent again on the new connection, but not forever: a server that never
                # answers it would otherwise have every connection given up (no reply).
                lost_on = self._resent[ticket] = self._resent.get(ticket, 0) + 1
                if lost_on >= MAX_COMMAND_CONNECTIONS:
                    del self._resent[ticket]
                    error = StreamError(
                        f"list_subscriptions got no reply on {lost_on} connections in a row"
                    )
                    self._effects.settle(ticket, None, error)
                else:
                    self._send("list_subscriptions", None, pending)
            elif pending.kind == "subscribe":
                intent = self._intents.get(pending.channel or "")
                self._effects.settle(ticket, intent.snapshot() if intent else None, None)
            else:  # an update: the restore subscribed with the updated markets
                intent = self._intents.get(pending.channel or "")
                self._effects.settle(ticket, intent.market_tickers if intent else None, None)
        self._effects.restored()

    # ---- caller commands (only when ready) ----------------------------------------------

    def subscribe(self, channels: Iterable[str], market_tickers: Iterable[str] | None) -> list[int]:
        """Subscribe to more channels; one ticket per channel, settled with a Subscription."""
        self._check_ready()
        tickers = check_tickers(market_tickers)
        tickets = []
        for channel in self._new_channels(channels):
            intent = self._intents[channel] = _Intent(channel, tickers)
            ticket = self._ticket()
            self._send("subscribe", intent.params(), _Pending("subscribe", channel, ticket))
            tickets.append(ticket)
        return tickets

    def unsubscribe(self, channels: Iterable[str]) -> list[int]:
        """Unsubscribe channels; one ticket per channel, settled with None."""
        self._check_ready()
        checked = check_channels(channels)
        missing = [channel for channel in checked if channel not in self._intents]
        if missing:
            raise ValueError(f"not subscribed to {', '.join(missing)}")
        tickets = []
        for channel in checked:
            intent = self._intents.pop(channel)
            ticket = self._ticket()
            assert intent.sid is not None  # ready: every intent has its sid
            pending = _Pending("unsubscribe", channel, ticket, unsubscribed=intent)
            self._send("unsubscribe", {"sids": [intent.sid]}, pending)
            tickets.append(ticket)
        return tickets

    def update_markets(
        self, channel: str, action: Literal["add_markets", "delete_markets"], tickers: Iterable[str]
    ) -> int:
        """Add or remove markets of a channel's subscription; settled with the market list."""
        self._check_ready()
        intent = self._intents.get(channel)
        if intent is None:
            raise ValueError(f"not subscribed to {channel!r}")
        changed = check_tickers(tickers) or ()
        if not changed:
            raise ValueError(f"{action} needs at least one market ticker")
        if intent.market_tickers is None:
            raise ValueError(
                f"{channel} is subscribed to every market; unsubscribe and subscribe with "
                "market_tickers= to follow a list"
            )
        previous = intent.market_tickers
        if action == "add_markets":
            intent.market_tickers = previous + tuple(t for t in changed if t not in previous)
        else:
            intent.market_tickers = tuple(t for t in previous if t not in changed)
        ticket = self._ticket()
        assert intent.sid is not None
        params = {"action": action, "sids": [intent.sid], "market_tickers": list(changed)}
        pending = _Pending("update_subscription", channel, ticket, previous_tickers=previous)
        self._send("update_subscription", params, pending)
        return ticket

    def list_subscriptions(self) -> int:
        """Ask the server for its subscriptions; settled with a list of Subscription."""
        self._check_ready()
        ticket = self._ticket()
        self._send("list_subscriptions", None, _Pending("list_subscriptions", ticket=ticket))
        return ticket

    def _check_ready(self) -> None:
        if not self.ready:
            raise RuntimeError("the stream is not connected; wait until it is ready")

    def _ticket(self) -> int:
        ticket = self._next_ticket
        self._next_ticket += 1
        return ticket

    def _send(self, cmd: CommandKind, params: Mapping[str, Any] | None, pending: _Pending) -> None:
        command = Command(self._next_id, cmd, params)
        self._next_id += 1
        self._pending[command.id] = pending
        self._effects.send(command)

    # ---- frames -------------------------------------------------------------------------

    def receive(self, frame: Any) -> None:
        """Route one decoded frame."""
        kind = frame.get("type") if type(frame) is dict else None
        channel = DATA_TYPES.get(kind) if type(kind) is str else None
        if channel is not None:
            # The hot path, inline: a current sid, no seq (fill, user_orders, market_positions).
            sid = frame.get("sid")
            if (
                "seq" not in frame
                and self._held is None
                and type(sid) is int
                and self._channel_of_sid.get(sid) == channel
            ):
                self._sink((channel, sid, None, frame))
            else:
                self._data(frame, channel)
        elif kind in ("subscribed", "unsubscribed", "ok"):
            self._reply(frame, kind)
        elif kind == "error":
            self._error(frame)
        else:
            self._deliver(MalformedMessage(None, None, None, frame, "unknown frame type"))

    def malformed(self, raw: Any, error: str) -> None:
        """A frame that could not even be parsed: delivered as a MalformedMessage, in order."""
        logger.warning("a frame that is not JSON was received: %s", error)
        self._deliver(MalformedMessage(None, None, None, raw, error))

    def _deliver(self, event: Event | PendingMessage) -> None:
        if self._held is not None:
            self._held.append(event)
        else:
            self._effects.deliver(event)

    def _data(self, frame: dict[str, Any], channel: str) -> None:
        # The hot path: every data frame comes through here, so it reads each key once.
        sid = frame.get("sid")
        seq = frame.get("seq")
        if type(sid) is not int or self._channel_of_sid.get(sid) != channel:
            if type(sid) is int and self._awaits_sid(sid, channel):
                self._early.setdefault(sid, (channel, []))[1].append(frame)
                return
            # A frame of a sid unsubscribed or replaced, sent before the server processed that.
            self.stale_frames_dropped += 1
            logger.debug("dropped a %s frame of sid %r: not a current subscription", channel, sid)
            return
        if seq is not None:
            if not isinstance(seq, int):
                self._deliver(MalformedMessage(channel, sid, None, frame, "seq is not an int"))
                return
            last = self._last_seq.get(sid)
            if last is not None and seq != last[0] + 1:
                if seq == last[0] and frame == last[1]:
                    self.duplicates_dropped += 1
                    logger.info("dropped a duplicate %s frame (sid %d, seq %d)", channel, sid, seq)
                    return
                # A different frame with the last seq (or an older one) is a restart too.
                kind: Literal["gap", "reset"] = "gap" if seq > last[0] else "reset"
                logger.warning("%s sid %d: seq %s from %d to %d", channel, sid, kind, last[0], seq)
                self._deliver(SequenceGap(channel, sid, last[0] + 1, seq, kind))
            self._last_seq[sid] = (seq, frame)
        # Decoded when the consumer takes it (materialize): a frame dropped for a slow consumer
        # is never decoded, and a waiting frame (a dict of plain values) costs the GC nothing.
        self._deliver((channel, sid, seq, frame))

    def _awaits_sid(self, sid: int, channel: str) -> bool:
        """Whether an unknown sid may be that of a subscribe of ``channel`` awaiting its reply."""
        if sid in self._retired or sid in self._channel_of_sid:
            return False
        early = self._early.get(sid)
        if early is not None:
            return early[0] == channel
        return any(p.kind == "subscribe" and p.channel == channel for p in self._pending.values())

    def materialize(self, item: PendingMessage) -> StreamMessage | MalformedMessage:
        """The event of a data frame: its msg decoded into the generated model, or, when that
        fails, a MalformedMessage that keeps the frame."""
        channel, sid, seq, frame = item
        try:
            msg = self._decoder_of[channel](frame["msg"])
            # tuple.__new__ straight: a NamedTuple's own __new__ is a Python call, thrice slower.
            return _new_tuple(StreamMessage, (channel, sid, seq, msg))  # type: ignore[no-any-return]
        except Exception as exc:  # the frame is kept, with why it failed
            logger.warning("undecodable %s frame (sid %d): %s", channel, sid, exc)
            return MalformedMessage(channel, sid, seq, frame, f"{type(exc).__name__}: {exc}")

    def _reply(self, frame: dict[str, Any], kind: str) -> None:
        pending = self._pending.pop(frame.get("id") or 0, None)
        if pending is None:
            logger.warning(
                "a %r reply to no command sent (id %r) was ignored", kind, frame.get("id")
            )
            return
        msg = frame.get("msg")
        if pending.kind == "subscribe" and kind == "subscribed" and isinstance(msg, dict):
            self._subscribed(pending, msg)
        elif pending.kind == "unsubscribe" and kind == "unsubscribed":
            sid = frame.get("sid")
            if isinstance(sid, int):
                self._channel_of_sid.pop(sid, None)
                self._last_seq.pop(sid, None)
                self._retired.add(sid)
            self._settle(pending, None)
        elif pending.kind == "update_subscription" and kind == "ok":
            intent = self._intents.get(pending.channel or "")
            tickers = msg.get("market_tickers") if isinstance(msg, dict) else None
            if intent is not None and isinstance(tickers, list):
                intent.market_tickers = tuple(tickers)  # the server's list is the truth
            self._settle(pending, intent.market_tickers if intent else None)
        elif pending.kind == "list_subscriptions" and kind == "ok" and isinstance(msg, list):
            listed = [
                Subscription(item.get("channel", ""), None, item.get("sid"))
                for item in msg
                if isinstance(item, dict)
            ]
            self._settle(pending, listed)
        else:
            error = StreamError(f"unexpected {kind!r} reply to {pending.kind}: {frame!r}")
            self._command_failed(pending, error)

    def _subscribed(self, pending: _Pending, msg: dict[str, Any]) -> None:
        sid = msg.get("sid")
        channel = pending.channel or ""
        intent = self._intents.get(channel)
        if not isinstance(sid, int) or msg.get("channel", channel) != channel:
            error = StreamError(f"malformed subscribed reply for {channel}: {msg!r}")
            self._command_failed(pending, error)
            return
        self._channel_of_sid[sid] = channel
        if intent is not None:
            intent.sid = sid
        if pending.restart is not None:
            code, message, old_sid = pending.restart
            self._deliver(SubscriptionRestarted(channel, code, message, old_sid, sid))
        early = self._early.pop(sid, None)
        for frame in early[1] if early is not None and early[0] == channel else ():
            self._data(frame, channel)  # what the server sent under this sid before the reply
        self._settle(pending, intent.snapshot() if intent else None)
        if channel in self._restoring:
            self._restoring.discard(channel)
            if not self._restoring:
                self._finish_restore()

    def _error(self, frame: dict[str, Any]) -> None:
        msg = frame.get("msg")
        msg = msg if isinstance(msg, dict) else {}
        code = msg.get("code")
        code = code if isinstance(code, int) else -1
        message = msg.get("msg")
        message = message if isinstance(message, str) else ""
        pending = self._pending.pop(frame.get("id") or 0, None)
        if pending is not None:
            error = StreamCommandError(
                code=code, message=message, command=pending.kind, channel=pending.channel
            )
            self._command_failed(pending, error)
            return
        sid = frame.get("sid")
        channel = self._channel_of_sid.get(sid) if isinstance(sid, int) else None
        if channel is not None and code in TERMINAL_CHANNEL_CODES:
            assert isinstance(sid, int)
            self._restart(channel, sid, code, message)
        else:
            logger.warning(
                "error frame on %s: code %d %s", channel or "the connection", code, message
            )
            self._deliver(
                ChannelError(code, message, channel, sid if isinstance(sid, int) else None)
            )

    def _restart(self, channel: str, old_sid: int, code: int, message: str) -> None:
        logger.warning(
            "%s sid %d ended with code %d (%s): subscribing again", channel, old_sid, code, message
        )
        self._channel_of_sid.pop(old_sid, None)
        self._last_seq.pop(old_sid, None)
        self._retired.add(old_sid)
        intent = self._intents[channel]
        intent.sid = None
        # Not ready until the channel has its new sid: a caller's command waits for it.
        self._restoring.add(channel)
        pending = _Pending("subscribe", channel, restart=(code, message, old_sid))
        self._send("subscribe", intent.params(), pending)

    def _drop_early(self, channel: str) -> None:
        """A subscribe of ``channel`` was refused: frames kept for its sid belong to no one."""
        for sid, (kept_for, frames) in list(self._early.items()):
            if kept_for == channel:
                del self._early[sid]
                self.stale_frames_dropped += len(frames)

    def _settle(self, pending: _Pending, result: object) -> None:
        if pending.ticket is not None:
            self._resent.pop(pending.ticket, None)
            self._effects.settle(pending.ticket, result, None)

    def _command_failed(self, pending: _Pending, error: StreamError) -> None:
        """A refused command: the caller's gets the error; the stream's own fails the stream."""
        if pending.ticket is not None:
            self._resent.pop(pending.ticket, None)
        channel = pending.channel or ""
        if pending.kind == "subscribe":
            self._restoring.discard(channel)
            self._drop_early(channel)
            if pending.ticket is None:  # a restore or a restart: the subscription is lost
                self._effects.fail(error)
                return
            self._intents.pop(channel, None)
        elif pending.kind == "update_subscription":
            intent = self._intents.get(channel)
            if intent is not None:
                intent.market_tickers = pending.previous_tickers
        elif pending.kind == "unsubscribe" and pending.unsubscribed is not None:
            # Refused: the server still sends the channel, so the stream keeps (and restores)
            # it; forgetting it would let a new subscribe double every message.
            self._intents.setdefault(channel, pending.unsubscribed)
        if pending.ticket is not None:
            self._effects.settle(pending.ticket, None, error)
