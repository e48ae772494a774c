"""The local exchange's WebSocket API: Kalshi's /trade-api/ws/v2 on the REST server's port.

The handshake must carry KALSHI-ACCESS-KEY / -TIMESTAMP / -SIGNATURE signing
`timestamp + "GET" + "/trade-api/ws/v2"`, checked by the REST key ring (same keys, same clock
skew limit); anything else is refused with HTTP 401 and Kalshi's JSON error envelope.

Commands, as Kalshi answers them (openapi/kalshi-ws.yaml has the shapes):

- `subscribe` to any of fill, user_orders, market_positions, order_group_updates, optionally
  for `market_ticker` / `market_tickers` (order_group_updates ignores markets): one `subscribed`
  reply per channel, all with the command's id, each with a new sid (sids are never reused,
  not even across connections);
- `unsubscribe` `sids`: one `unsubscribed` reply per sid;
- `update_subscription` with `action` add_markets / delete_markets, exactly one of `sid` or
  `sids: [sid]`, and markets: an `ok` reply listing the subscription's markets after the change
  (a subscription made without markets receives every market until markets are added);
- `list_subscriptions`: an `ok` reply whose msg lists `{channel, sid}`.

Errors use Kalshi's codes: 1 unreadable frame, 2 no params, 3 no channels, 4 no sids, 5 unknown
command, 7 unknown sid, 8 unknown (or not served) channel, 11 invalid parameter, 12 not exactly
one sid, 13 unsupported action, 14 no market, 15 no action. `seq` on `ok` / `unsubscribed`
replies is the sid's last data seq (1 before any) and does not advance the sequence.

Data frames come from the engine (`Engine.listener`): an account change is recorded first, then
fanned out on the server loop to every matching subscription, in order. order_group_updates
frames carry `seq`, counting 1, 2, 3... per sid. Faults: see `ws_faults`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from attrs import define, field
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from kalshi_ext.stream.errors import COMMAND_ERROR_NAMES, TERMINAL_CHANNEL_CODES
from kalshi_ext.testing.engine import EngineEvent
from kalshi_ext.testing.exchange_error import ExchangeError
from kalshi_ext.testing.signature_check import KEY_HEADER, TIMESTAMP_HEADER, KeyRing
from kalshi_ext.testing.ws_faults import (
    CONNECTION_KINDS,
    SEQ_KINDS,
    WsFault,
    WsFaultPlan,
)
from kalshi_ext.testing.ws_frames import (
    MESSAGE_TYPES,
    SEQUENCED_CHANNELS,
    Publication,
    publications,
)

JSON = dict[str, Any]
logger = logging.getLogger("kalshi_ext.testing.exchange")

WS_PATH = "/trade-api/ws/v2"
# The AsyncAPI pattern is ^[A-Z0-9-]+$, yet its own examples hold tickers like
# HIGHNY-22DEC23-B53.5: a dot is accepted too.
_TICKER_RE = re.compile(r"^[A-Z0-9.-]+$")
_APPLY_TIMEOUT_S = 5.0


class Handshake(NamedTuple):
    """One WebSocket upgrade attempt: 101 accepted, else refused (`detail` says why)."""

    key_id: str | None
    timestamp: str | None
    status: int
    detail: str


class ReceivedCommand(NamedTuple):
    """One frame a client sent: on which connection (1 = the first accepted), as text and JSON."""

    connection: int
    text: str
    payload: Any  # the parsed JSON, or None when the frame was not JSON


class CommandError(Exception):
    def __init__(self, code: int, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def error_msg(code: int, detail: str = "") -> JSON:
    name = COMMAND_ERROR_NAMES.get(code, "Error")
    return {"code": code, "msg": f"{name}: {detail}" if detail else name}


@define
class Subscription:
    sid: int
    channel: str
    markets: list[str] | None  # None: every market
    seq: int = 0  # the last seq sent (sequenced channels)

    def wants(self, market_ticker: str | None) -> bool:
        if market_ticker is None or self.markets is None:
            return True
        return market_ticker in self.markets

    @property
    def reply_seq(self) -> int:
        return max(self.seq, 1)


@define
class _CloseFrame:
    code: int


@define(eq=False)
class Connection:
    """One accepted WebSocket: its subscriptions and an ordered queue of frames to send."""

    number: int
    send: Send
    protocol: Any  # uvicorn's WSProtocol (has .transport), or None in-process
    subscriptions: dict[int, Subscription] = field(factory=dict)
    queue: asyncio.Queue[JSON | _CloseFrame] = field(factory=asyncio.Queue)
    stalled: bool = False
    ending: bool = False  # dropped or closing: no more faults or frames for it

    def push(self, frame: JSON | _CloseFrame) -> None:
        if not self.ending or isinstance(frame, _CloseFrame):
            self.queue.put_nowait(frame)

    async def write_loop(self) -> None:
        try:
            while True:
                item = await self.queue.get()
                while self.stalled:  # a dead peer sends nothing more
                    await asyncio.sleep(3600)
                if isinstance(item, _CloseFrame):
                    await self.send({"type": "websocket.close", "code": item.code})
                    return
                text = json.dumps(item, separators=(",", ":"))
                await self.send({"type": "websocket.send", "text": text})
        except OSError:  # uvicorn's ClientDisconnected: the client went away
            return

    def _transport(self) -> asyncio.Transport:
        transport = getattr(self.protocol, "transport", None)
        if not isinstance(transport, asyncio.Transport):
            raise RuntimeError("WebSocket faults need the uvicorn server (no transport here)")
        return transport

    def drop(self) -> None:
        self.ending = True
        self._transport().abort()

    def close(self, code: int) -> None:
        self.push(_CloseFrame(code))
        self.ending = True

    def stall(self) -> None:
        self.stalled = True
        stop_keepalive = getattr(self.protocol, "stop_keepalive", None)
        if callable(stop_keepalive):
            stop_keepalive()
        self._transport().pause_reading()


class WsServer:
    """ASGI layer serving WS_PATH; every other request goes to `inner` (the REST app)."""

    def __init__(
        self, inner: ASGIApp, keys: KeyRing, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.inner = inner
        self.keys = keys
        self.clock = clock
        self.faults = WsFaultPlan()
        self._lock = threading.Lock()  # the loop reference and the logs
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connections: list[Connection] = []  # touched on the server loop only
        self._handshakes: list[Handshake] = []
        self._commands: list[ReceivedCommand] = []
        self._accepted = 0
        self._sids = itertools.count(1)

    # ---- observation (any thread) -------------------------------------------------------

    @property
    def handshakes(self) -> list[Handshake]:
        with self._lock:
            return list(self._handshakes)

    @property
    def commands(self) -> list[ReceivedCommand]:
        with self._lock:
            return list(self._commands)

    @property
    def accepted(self) -> int:
        with self._lock:
            return self._accepted

    @property
    def open_connections(self) -> int:
        """Accepted connections not yet closed, dropped or closing."""
        return len(self._live())

    def clear_logs(self) -> None:
        with self._lock:
            self._handshakes.clear()
            self._commands.clear()
            self._accepted = 0

    # ---- engine events and faults (any thread) ------------------------------------------

    def publish(self, event: EngineEvent) -> None:
        """Engine.listener: render now (the engine state is live), send on the server loop."""
        items = publications(event)
        loop = self._loop
        if loop is None:
            return  # no connection was ever accepted: nobody is subscribed
        with contextlib.suppress(RuntimeError):  # the loop closed: the server stopped
            loop.call_soon_threadsafe(self._fan_out, items)

    def inject(self, fault: WsFault) -> None:
        """Add a fault on the server loop, after the frames of every change made before it.

        A change's frames are fanned out by a callback queued on the loop; adding the fault
        there, behind them, keeps it off frames of changes that happened before the call.
        """
        fault.validate()

        def add() -> None:
            self.faults.add(fault)
            if fault.kind in CONNECTION_KINDS or (fault.kind == "error" and fault.channel):
                self._apply_pending()

        if not self._on_loop(add):
            self.faults.add(fault)  # no connection yet: nothing is queued

    def drop_all(self) -> None:
        """Cut every open connection; on return none of them gets another frame or fault."""

        def drop() -> None:
            for connection in list(self._connections):
                with contextlib.suppress(RuntimeError):
                    connection.drop()

        self._on_loop(drop)

    def detach(self) -> None:
        """The server is stopping: cut every connection (a stalled peer would hold it up)."""
        self.drop_all()
        with self._lock:
            self._loop = None

    def _on_loop(self, action: Callable[[], None]) -> bool:
        """Run `action` on the server loop and wait for it; False when there is no loop."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return False
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            action()
            return True
        done: concurrent.futures.Future[None] = concurrent.futures.Future()

        def call() -> None:
            try:
                action()
            except BaseException as error:
                done.set_exception(error)
            else:
                done.set_result(None)

        try:
            loop.call_soon_threadsafe(call)
        except RuntimeError:
            return False
        done.result(timeout=_APPLY_TIMEOUT_S)
        return True

    # ---- the server loop ----------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket" or scope["path"] != WS_PATH:
            await self.inner(scope, receive, send)
            return
        with self._lock:
            self._loop = asyncio.get_running_loop()
        if (await receive())["type"] != "websocket.connect":
            return
        headers = Headers(scope=scope)
        try:
            refusal = self.faults.take(frozenset({"refuse"}))
            if refusal is not None and refusal.status is not None:
                raise ExchangeError(refusal.status, "injected_fault", "injected handshake refusal")
            self.keys.verify(headers, "GET", WS_PATH, self.clock())
        except ExchangeError as error:
            self._log_handshake(headers, error.status, error.message)
            body = json.dumps(error.envelope()).encode()
            await send(
                {
                    "type": "websocket.http.response.start",
                    "status": error.status,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "websocket.http.response.body", "body": body})
            return
        self._log_handshake(headers, 101, "")
        await send({"type": "websocket.accept"})
        with self._lock:
            self._accepted += 1
            number = self._accepted
        connection = Connection(number, send, getattr(send, "__self__", None))
        self._connections.append(connection)
        writer = asyncio.create_task(connection.write_loop())
        try:
            self._apply_pending()
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if text is None:
                    text = (message.get("bytes") or b"").decode("utf-8", "replace")
                self._on_command(connection, text)
        finally:
            connection.ending = True
            self._connections.remove(connection)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer

    def _log_handshake(self, headers: Headers, status: int, detail: str) -> None:
        entry = Handshake(headers.get(KEY_HEADER), headers.get(TIMESTAMP_HEADER), status, detail)
        with self._lock:
            self._handshakes.append(entry)

    def _apply_pending(self) -> None:
        """Fire pending connection faults on open connections, and channel errors on their subs."""
        for connection in self._live():
            if connection.stalled:
                continue
            fault = self.faults.take(CONNECTION_KINDS)
            if fault is None:
                break
            if fault.kind == "drop":
                connection.drop()
            elif fault.kind == "close":
                assert fault.code is not None  # validated on add
                connection.close(fault.code)
            else:
                connection.stall()
        for connection in self._live():
            for subscription in list(connection.subscriptions.values()):
                self._channel_error(connection, subscription)

    def _live(self) -> list[Connection]:
        return [c for c in self._connections if not c.ending]

    def _channel_error(self, connection: Connection, subscription: Subscription) -> None:
        fault = self.faults.take(frozenset({"error"}), subscription.channel)
        if fault is None or fault.code is None:
            return
        frame: JSON = {"type": "error", "sid": subscription.sid}
        if subscription.channel in SEQUENCED_CHANNELS and subscription.seq:
            frame["seq"] = subscription.seq
        frame["msg"] = error_msg(fault.code)
        connection.push(frame)
        if fault.code in TERMINAL_CHANNEL_CODES:
            connection.subscriptions.pop(subscription.sid, None)

    def _fan_out(self, items: list[Publication]) -> None:
        for item in items:
            for connection in self._live():
                for subscription in list(connection.subscriptions.values()):
                    if subscription.channel == item.channel and subscription.wants(
                        item.market_ticker
                    ):
                        self._send_data(connection, subscription, item.msg)

    def _send_data(self, connection: Connection, subscription: Subscription, msg: JSON) -> None:
        channel = subscription.channel
        suppressed = self.faults.take(frozenset({"suppress"}), channel) is not None
        frame: JSON = {"type": MESSAGE_TYPES[channel], "sid": subscription.sid}
        copies = 1
        if channel in SEQUENCED_CHANNELS:
            fault = None if suppressed else self.faults.take(SEQ_KINDS, channel)
            kind = None if fault is None else fault.kind
            if kind == "reset_seq":
                subscription.seq = 1
            else:
                subscription.seq += 2 if kind == "skip_seq" else 1
            frame["seq"] = subscription.seq
            copies = 2 if kind == "dup_seq" else 1
        if suppressed:
            return
        frame["msg"] = msg
        for _ in range(copies):
            connection.push(frame)

    # ---- commands -----------------------------------------------------------------------

    def _on_command(self, connection: Connection, text: str) -> None:
        try:
            payload: Any = json.loads(text)
        except ValueError:
            payload = None
        with self._lock:
            self._commands.append(ReceivedCommand(connection.number, text, payload))
        command_id: int | None = None
        created: list[Subscription] = []
        try:
            if not isinstance(payload, dict):
                raise CommandError(1, "a command is a JSON object")
            command_id = _command_id(payload.get("id"))
            fault = self.faults.take(frozenset({"error"}))
            if fault is not None and fault.code is not None:
                raise CommandError(fault.code)
            replies, created = self._execute(connection, payload)
        except CommandError as error:
            replies = [{"type": "error", "msg": error_msg(error.code, error.detail)}]
        except Exception:  # a bug here must not end the connection unexplained
            logger.exception("local exchange WebSocket failed on %r", text)
            replies = [{"type": "error", "msg": error_msg(1, "the local exchange failed")}]
        if command_id:  # 0 means "no id"
            replies = [{"id": command_id, **reply} for reply in replies]
        delay = self.faults.take(frozenset({"delay_reply"}))
        if delay is None:
            self._reply(connection, replies, created)
        else:
            asyncio.get_running_loop().call_later(
                delay.delay_s, self._reply, connection, replies, created
            )

    def _reply(
        self, connection: Connection, replies: list[JSON], created: list[Subscription]
    ) -> None:
        for reply in replies:
            connection.push(reply)
        for subscription in created:
            if connection.subscriptions.get(subscription.sid) is subscription:
                self._channel_error(connection, subscription)

    def _execute(
        self, connection: Connection, payload: JSON
    ) -> tuple[list[JSON], list[Subscription]]:
        command = payload.get("cmd")
        if command == "list_subscriptions":
            listed = [
                {"channel": s.channel, "sid": s.sid}
                for s in sorted(connection.subscriptions.values(), key=lambda s: s.sid)
            ]
            return [{"type": "ok", "msg": listed}], []
        if command not in ("subscribe", "unsubscribe", "update_subscription"):
            raise CommandError(5, f"unknown command {command!r}")
        params = payload.get("params")
        if not isinstance(params, dict):
            raise CommandError(2)
        if command == "subscribe":
            return self._subscribe(connection, params)
        if command == "unsubscribe":
            return self._unsubscribe(connection, params), []
        return self._update(connection, params), []

    def _subscribe(
        self, connection: Connection, params: JSON
    ) -> tuple[list[JSON], list[Subscription]]:
        channels = params.get("channels")
        if not isinstance(channels, list) or not channels:
            raise CommandError(3)
        for channel in channels:
            if not isinstance(channel, str) or channel not in MESSAGE_TYPES:
                served = ", ".join(MESSAGE_TYPES)
                raise CommandError(8, f"{channel!r} (the local exchange serves {served})")
        markets = _markets(params, required=False)
        replies: list[JSON] = []
        created: list[Subscription] = []
        for channel in channels:
            # order_group_updates ignores market filters (Kalshi: "market specification ignored").
            scope = None if channel == "order_group_updates" or markets is None else list(markets)
            subscription = Subscription(next(self._sids), channel, scope)
            connection.subscriptions[subscription.sid] = subscription
            created.append(subscription)
            replies.append(
                {"type": "subscribed", "msg": {"channel": channel, "sid": subscription.sid}}
            )
        return replies, created

    def _unsubscribe(self, connection: Connection, params: JSON) -> list[JSON]:
        sids = params.get("sids")
        if not isinstance(sids, list) or not sids:
            raise CommandError(4)
        for sid in sids:
            _check_sid(sid)
            if sid not in connection.subscriptions:
                raise CommandError(7, f"sid {sid}")
        replies = []
        for sid in dict.fromkeys(sids):
            subscription = connection.subscriptions.pop(sid)
            replies.append({"sid": sid, "seq": subscription.reply_seq, "type": "unsubscribed"})
        return replies

    def _update(self, connection: Connection, params: JSON) -> list[JSON]:
        action = params.get("action")
        if action is None:
            raise CommandError(15)
        if action not in ("add_markets", "delete_markets"):
            raise CommandError(13, f"{action!r} (add_markets or delete_markets)")
        sid, sids = params.get("sid"), params.get("sids")
        if (sid is None) == (sids is None):
            raise CommandError(12, "give sid or sids, not both")
        if sids is not None:
            if not isinstance(sids, list) or len(sids) != 1:
                raise CommandError(12, "sids must hold exactly one sid")
            (sid,) = sids
        subscription = connection.subscriptions.get(_check_sid(sid))
        if subscription is None:
            raise CommandError(7, f"sid {sid}")
        markets = _markets(params, required=True)
        assert markets is not None
        if action == "add_markets":
            current = subscription.markets or []
            subscription.markets = current + [m for m in markets if m not in current]
        else:
            if subscription.markets is None:
                raise CommandError(11, f"sid {sid} is not filtered by market")
            subscription.markets = [m for m in subscription.markets if m not in markets]
        return [
            {
                "sid": sid,
                "seq": subscription.reply_seq,
                "type": "ok",
                "msg": {"market_tickers": list(subscription.markets)},
            }
        ]


def _command_id(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise CommandError(11, "id must be a non-negative integer")
    return value


def _check_sid(sid: object) -> int:
    if not isinstance(sid, int) or isinstance(sid, bool) or sid < 1:
        raise CommandError(11, f"sid must be a positive integer, got {sid!r}")
    return sid


def _markets(params: JSON, *, required: bool) -> list[str] | None:
    """market_ticker / market_tickers as a list (None when neither is given and not required)."""
    one, many = params.get("market_ticker"), params.get("market_tickers")
    if one is not None and many is not None:
        raise CommandError(11, "market_ticker and market_tickers are mutually exclusive")
    if one is None and many is None:
        if required:
            raise CommandError(14)
        return None
    tickers = [one] if one is not None else many
    if not isinstance(tickers, list) or not tickers:
        raise CommandError(11, "market_tickers must be a non-empty list")
    for ticker in tickers:
        if not isinstance(ticker, str) or not _TICKER_RE.match(ticker):
            raise CommandError(11, f"market ticker {ticker!r}")
    return list(dict.fromkeys(tickers))
