"""The one reader of a stream's socket: connects (signed afresh), reads, reconnects, closes.

Only the task started by :meth:`Connection.open` calls ``receive()``: every frame goes through
the :class:`~kalshi_ext.stream.protocol.StreamProtocol`, so a data frame that arrives while a
command waits for its reply is routed, not discarded, and the reader keeps answering Kalshi's
pings even when the consumer lags (aiohttp answers them inside ``receive()``).

Reconnects: after any loss (an abrupt drop, a close frame, a missed pong), the reader sleeps a
full-jitter backoff (:func:`kalshi_ext.retry.backoff_delay` over ``retry_base_delay`` and
``retry_max_delay``) and connects again, at most ``ws_max_retries`` times per outage; an outage
ends when a connection has restored every subscription. Then it raises
:class:`StreamConnectionError` through the consumer's iteration. A refused upgrade (401, 403,
404, any other 4xx but 408/429) and a close the server marks permanent are not retried.

The ``ws_*`` settings: ``ws_base_url`` (where to connect), ``ws_ping_interval`` (aiohttp's
heartbeat: a ping every interval; no pong within half of it closes the socket and reconnects),
``ws_close_timeout`` (how long close() waits for the server's close frame), ``ws_json_loads``
(parses every frame, given bytes; without it json.loads is given str), ``ws_json_dumps``
(encodes every command).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from kalshi_ext.config import KalshiConfig
from kalshi_ext.retry import backoff_delay
from kalshi_ext.stream.buffer import EventBuffer
from kalshi_ext.stream.errors import StreamConnectionError, StreamError, StreamHandshakeError
from kalshi_ext.stream.events import Event, Reconnected, Subscription
from kalshi_ext.stream.protocol import (
    Command,
    Decoder,
    MarkerFactory,
    PendingMessage,
    StreamProtocol,
)

if TYPE_CHECKING:
    import aiohttp

__all__ = ["PERMANENT_CLOSE_CODES", "Connection", "Signer"]


def _retrieve(task: asyncio.Future[Any]) -> None:
    # Marks a fire-and-forget task's exception as seen (asyncio logs one never retrieved).
    if not task.cancelled():
        task.exception()


logger = logging.getLogger("kalshi_ext.stream")

Signer = Callable[[], Awaitable[Mapping[str, str]]]

PERMANENT_CLOSE_CODES = frozenset({1002, 1003, 1007, 1008, 1009, 1010})
"""Close codes that say the client itself is at fault (protocol error, unacceptable data, policy
violation, message too big, missing extension): reconnecting would only repeat it."""

# A refused upgrade with these statuses may succeed later; any other 4xx is final.
_RETRYABLE_HANDSHAKE_STATUSES = frozenset({408, 425, 429})


_YIELD_EVERY = 32  # frames routed between chances for a waiting consumer to run


class _Lost(Exception):
    """The current connection ended; ``reason`` says how."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Connection:
    """A stream's connection, across reconnects; the protocol's Effects are its methods."""

    def __init__(
        self,
        *,
        config: KalshiConfig,
        sign: Signer,
        headers: Mapping[str, str],
        decoders: Mapping[str, Decoder],
        buffer: EventBuffer,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[float, float], float] = random.uniform,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self._sign = sign
        self._headers = dict(headers)
        self._buffer = buffer
        self._sleep = sleep
        self._rng = rng
        self._monotonic = monotonic
        self._wall = wall
        self._loads: Callable[[Any], Any] = config.ws_json_loads or json.loads
        self._dumps: Callable[[Any], str | bytes] = config.ws_json_dumps or json.dumps
        self.protocol = StreamProtocol(self, decoders, data_sink=buffer.put_data)
        buffer.materialize = self.protocol.materialize
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse[bool] | None = None
        self._task: asyncio.Task[None] | None = None
        self._outbox: list[Command] = []
        self._tickets: dict[int, asyncio.Future[Any]] = {}
        self._ready = asyncio.Event()
        self._restored_here = False
        self._fatal: BaseException | None = None
        self._closer: asyncio.Future[bool] | None = None
        self._closing = False
        self._unanswered: str | None = None  # why this connection was given up: no reply
        self._giving_up: asyncio.Future[bool] | None = None
        self.connects = 0  # successful handshakes, for tests and stats

    # ---- Effects (called by the protocol) -------------------------------------------------

    def deliver(self, event: Event | PendingMessage) -> None:
        self._buffer.put(event)

    def send(self, command: Command) -> None:
        self._outbox.append(command)

    def settle(self, ticket: int, result: object, error: BaseException | None) -> None:
        future = self._tickets.pop(ticket, None)
        if future is None or future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def fail(self, error: BaseException) -> None:
        if self._fatal is None:
            self._fatal = error
        ws = self._ws
        if ws is not None and self._closer is None:
            # close() wakes the reader's receive(); the run loop then stops with the error.
            self._closer = asyncio.ensure_future(ws.close())

    def restored(self) -> None:
        self._restored_here = True
        self._ready.set()

    # ---- lifecycle ------------------------------------------------------------------------

    async def open(self) -> None:
        """Connect and subscribe every intent; raises what made that impossible."""
        import aiohttp

        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.config.timeout)
        )
        self._task = asyncio.get_running_loop().create_task(self._run())
        await self._wait_ready()

    async def _wait_ready(self) -> None:
        assert self._task is not None
        ready = asyncio.ensure_future(self._ready.wait())
        try:
            await asyncio.wait({ready, self._task}, return_when=asyncio.FIRST_COMPLETED)
            # Whether the wait completed, not the event: a loss right after the restore clears
            # the event before this task resumes, while the reader is already reconnecting.
            # (Checked before cancel(): a cancelled task reports cancelled() only once it ran.)
            became_ready = ready.done()
        finally:
            ready.cancel()
        if not became_ready:
            self._buffer.raise_error()  # the run loop ended first: raise its error
            raise StreamConnectionError("the stream ended before it was ready")

    async def request(self, start: Callable[[StreamProtocol], list[int]]) -> list[Any]:
        """Run caller commands once the stream is ready; their results, in order."""
        if self._closing or self._task is None or self._task.done():
            self._buffer.raise_error()  # what ended it; a stream closed cleanly says so
            raise StreamError("the stream is closed")
        while not self.protocol.ready:  # a loss may come between the wake-up and here
            # Not ready while the event is still set: a subscription restarts (error 10/25);
            # restored() sets it again when the restart has its sid.
            self._ready.clear()
            await self._wait_ready()
        loop = asyncio.get_running_loop()
        tickets = start(self.protocol)
        futures = []
        for ticket in tickets:
            future = self._tickets[ticket] = loop.create_future()
            futures.append(future)
        await self._flush()
        return list(await asyncio.gather(*futures))

    async def close(self) -> None:
        """Close the socket (waiting up to ws_close_timeout for the server) and stop reading."""
        if self._closing:
            return
        self._closing = True
        ws, task = self._ws, self._task
        try:
            if ws is not None and not ws.closed:
                try:
                    async with asyncio.timeout(self.config.ws_close_timeout + 0.5):
                        await ws.close()
                except (TimeoutError, OSError) as exc:
                    logger.debug("closing the socket: %r", exc)
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        finally:
            if self._session is not None:
                await self._session.close()
            self._buffer.finish(self._fatal)
            self._fail_tickets(StreamError("the stream was closed"))

    def _fail_tickets(self, error: BaseException) -> None:
        for future in self._tickets.values():
            if not future.done():
                future.set_exception(error)
        self._tickets.clear()

    # ---- the reader -----------------------------------------------------------------------

    async def _run(self) -> None:
        error: BaseException | None = None
        try:
            await self._connect_loop()
        except asyncio.CancelledError:
            if not self._closing:
                raise
        except BaseException as exc:
            error = exc
        error = self._fatal or error
        if error is not None:
            logger.error("stream stopped: %s", error)
        self._buffer.finish(error)
        self._fail_tickets(error or StreamError("the stream was closed"))

    async def _connect_loop(self) -> None:
        config = self.config
        retrying = False
        tries = 0  # reconnect attempts in this outage
        reason = ""
        lost_wall: float | None = None  # when the last restored connection was lost
        lost_mono = 0.0
        while not self._closing:
            if retrying:
                if tries >= config.ws_max_retries:
                    raise StreamConnectionError(
                        f"no working WebSocket connection after {tries} reconnect attempts "
                        f"(ws_max_retries={config.ws_max_retries})",
                        attempts=tries,
                        reason=reason,
                    )
                delay = backoff_delay(
                    tries, config.retry_base_delay, config.retry_max_delay, self._rng
                )
                tries += 1
                logger.warning(
                    "reconnecting in %.2f s (attempt %d of %d) after: %s",
                    delay,
                    tries,
                    config.ws_max_retries,
                    reason,
                )
                await self._sleep(delay)
            try:
                ws = await self._connect()
            except _Lost as lost:
                reason, retrying = lost.reason, True
                continue
            self._restored_here = False
            self._unanswered = None
            marker = None
            if lost_wall is not None:
                marker = self._marker(lost_wall, lost_mono, tries, reason)
            self._ws = ws
            try:
                self.protocol.connected(marker)
                await self._flush()
                await self._read(ws)
            except _Lost as lost:
                reason = lost.reason
                if lost.permanent:
                    raise StreamConnectionError(
                        "the server closed the stream for good", attempts=tries, reason=reason
                    ) from None
            finally:
                self._ws = None
                self._ready.clear()
                # Commands this connection could not send carry its ids: the protocol settles
                # or resends them (disconnected/restore); sent as they are, they would collide
                # with the next connection's ids.
                self._outbox.clear()
                had_live = self.protocol.disconnected()
                if not ws.closed and not self._closing:
                    await ws.close()
            if self._fatal is not None:
                raise self._fatal
            if self._closing:
                break
            logger.warning("stream connection lost: %s", reason)
            retrying = True
            if self._restored_here:  # a new outage starts
                tries = 0
                lost_wall, lost_mono = self._wall(), self._monotonic()
            elif had_live and lost_wall is None:
                # A first connection lost before it restored everything may still have
                # delivered data: the restore that follows is marked, as after any loss.
                lost_wall, lost_mono = self._wall(), self._monotonic()

    def _marker(self, lost_wall: float, lost_mono: float, tries: int, reason: str) -> MarkerFactory:
        def build(subscriptions: tuple[Subscription, ...]) -> Reconnected:
            down_for = max(0.0, self._monotonic() - lost_mono)
            return Reconnected(down_for, lost_wall, tries, reason, subscriptions)

        return build

    async def _connect(self) -> aiohttp.ClientWebSocketResponse[bool]:
        import aiohttp

        assert self._session is not None
        headers = {**self._headers, **(await self._sign())}
        try:
            ws = await self._session.ws_connect(
                self.config.ws_base_url,
                headers=headers,
                heartbeat=self.config.ws_ping_interval,
                timeout=aiohttp.ClientWSTimeout(
                    ws_receive=None, ws_close=self.config.ws_close_timeout
                ),
                autoping=True,
                # The stdlib's json.loads parses str faster than bytes (aiohttp decodes UTF-8 in
                # C); a ws_json_loads such as orjson.loads is given the bytes, which it prefers.
                decode_text=self.config.ws_json_loads is None,
                max_msg_size=0,
            )
        except aiohttp.WSServerHandshakeError as exc:
            status = exc.status
            if 400 <= status < 500 and status not in _RETRYABLE_HANDSHAKE_STATUSES:
                hint = (
                    ": check the key id, the private key and this machine's clock"
                    if status in (401, 403)
                    else ""
                )
                raise StreamHandshakeError(
                    f"the WebSocket handshake was refused with HTTP {status}{hint}",
                    status=status,
                ) from None
            raise _Lost(f"handshake refused with HTTP {status}") from None
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise _Lost(f"{type(exc).__name__}: {exc}".rstrip(": ")) from None
        self.connects += 1
        return ws

    async def _read(self, ws: aiohttp.ClientWebSocketResponse[bool]) -> None:
        from aiohttp import WSMsgType

        receive = ws.receive
        loads = self._loads
        route = self.protocol.receive
        text, binary = WSMsgType.TEXT, WSMsgType.BINARY
        buffer = self._buffer
        unyielded = 0
        while True:
            message = await receive()
            kind = message.type
            if kind is text or kind is binary:
                try:
                    frame = loads(message.data)
                except Exception as exc:  # not JSON: kept, and said, as a malformed frame
                    self.protocol.malformed(message.data, f"not JSON: {exc!r}")
                    continue
                route(frame)
                if self._outbox:
                    await self._flush()
                unyielded += 1
                if unyielded >= _YIELD_EVERY:
                    unyielded = 0
                    if buffer.consumer_ready:
                        # A network read can hold hundreds of frames: handing them over in
                        # small batches keeps them in the CPU cache until the consumer has
                        # them (a third less CPU per frame than whole reads, measured).
                        await asyncio.sleep(0)
                continue
            if self._fatal is not None:
                raise _Lost("stopped by a stream error")
            if self._unanswered is not None:
                raise _Lost(self._unanswered)
            if kind is WSMsgType.CLOSE:
                code = ws.close_code
                raise _Lost(
                    f"closed by the server with code {code}",
                    permanent=code in PERMANENT_CLOSE_CODES,
                )
            if kind is WSMsgType.ERROR:
                raise _Lost(f"{type(message.data).__name__}: {message.data}")
            raise _Lost(f"connection {kind.name.lower()} (code {ws.close_code})")

    async def _flush(self) -> None:
        ws = self._ws
        # Stop if the connection changes meanwhile: what is queued then is for the next one.
        while self._outbox and ws is not None and self._ws is ws:
            command = self._outbox.pop(0)
            data = self._dumps(command.to_wire())
            if isinstance(data, bytes):
                data = data.decode("utf-8")
            try:
                await ws.send_str(data)
            except (ConnectionError, RuntimeError) as exc:
                # The reader sees the loss too; the protocol resends after the restore.
                logger.debug("could not send %s: %r", command.cmd, exc)
                return
            asyncio.get_running_loop().call_later(
                self.config.timeout, self._check_reply, ws, command.id, command.cmd
            )

    def _check_reply(
        self, ws: aiohttp.ClientWebSocketResponse[bool], command_id: int, cmd: str
    ) -> None:
        """A command still unanswered `timeout` seconds after it was sent: the connection is
        treated as lost (a server that stopped answering may have stopped sending too). The
        stream reconnects, restores its subscriptions (the command's own included, or its
        result settled) and reports the outage with a Reconnected event, as after any loss."""
        if self._ws is not ws or ws.closed or self._closing:
            return
        if not self.protocol.awaits_reply(command_id) or self._unanswered is not None:
            return
        self._unanswered = f"no reply to {cmd} (id {command_id}) within {self.config.timeout:g} s"
        logger.warning("%s: reconnecting", self._unanswered)
        # close() wakes the reader's receive(), which then reports the loss with this reason.
        self._giving_up = asyncio.ensure_future(ws.close())
        self._giving_up.add_done_callback(_retrieve)  # a failed close is the loss we report
