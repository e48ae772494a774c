"""Calls written once as generators of I/O actions, run by a sync or an async driver.

A flow yields :class:`Send` (the driver sends it and sends back the ``httpx.Response``, or
throws the ``httpx.RequestError`` in) and :class:`Sleep` (the driver sleeps); it returns the
call's result. The retry loop, exactly-once order placement and page fetching are flows, so
``Client`` and ``AsyncClient`` share every decision and differ only in the two drivers below.
Whatever a step raises is thrown into the flow, and a :class:`CallGate` ends a flow at its
next step when its client is closed, so a flow's own handling runs in every case.
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import itertools
import socket
import ssl
import threading
import time
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import httpcore
import httpx

from kalshi_ext.errors import ClientClosedError, InvalidArgumentError
from kalshi_ext.retry import RetryController, RetryPolicy, may_have_reached_server

if TYPE_CHECKING:  # asyncio is imported on the event loop's first use of a flow
    import asyncio

T = TypeVar("T")


@attrs.frozen
class Send:
    """Send one request; the url is relative to the client's base URL."""

    method: str
    url: str
    params: Mapping[str, Any] | None = None
    json: Any = None
    headers: Mapping[str, str] | None = None
    timeout: float | None = None  # httpx's per-phase timeout (connect, each read, ...)
    # With total_timeout: seconds within which the whole exchange must end. httpx's read timeout
    # restarts on every read, so without this a trickling server could outlast the budget.
    deadline: float | None = None
    # A lookup that settles an unclear order outcome: still sent after close() (see CallGate).
    recovery: bool = False


@attrs.frozen
class Sleep:
    seconds: float


Action = Send | Sleep
Flow = Generator[Action, Any, T]


@attrs.frozen
class Clock:
    """Time sources of one client, injectable so tests can freeze time."""

    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time


@attrs.frozen
class Sent:
    """A final response and how many retries it took."""

    response: httpx.Response
    retries_taken: int


@attrs.define
class AttemptLog:
    """What the attempts of one request did, kept even when the loop ends in an exception:
    how many retries it took and whether any attempt may have been acted on by the server."""

    retries_taken: int = 0
    may_have_landed: bool = False
    earlier_may_have_landed: bool = False  # an attempt before the last one


def send_with_retries(
    request: Send,
    *,
    policy: RetryPolicy,
    retry_safe: bool,
    path: str,
    clock: Clock,
    log: AttemptLog | None = None,
) -> Flow[Sent]:
    """The one retry loop: every attempt is a fresh Send, so the auth signs it afresh."""
    log = log if log is not None else AttemptLog()
    controller = RetryController(
        policy,
        method=request.method,
        path=path,
        retry_safe=retry_safe,
        monotonic=clock.monotonic,
        wall=clock.wall,
    )
    while True:
        timeout = controller.attempt_timeout()
        try:
            log.earlier_may_have_landed = log.may_have_landed
            deadline = timeout if controller.remaining() is not None else None
            response = yield attrs.evolve(request, timeout=timeout, deadline=deadline)
        except ClientClosedError as exc:
            log.may_have_landed |= exc.request_may_have_been_sent
            raise
        except httpx.RequestError as exc:
            log.may_have_landed |= may_have_reached_server(exc)
            delay = controller.after_exception(exc)
            log.retries_taken = controller.retries_taken
        else:
            log.may_have_landed |= may_have_reached_server(response)
            retry_in = controller.after_response(response)
            log.retries_taken = controller.retries_taken
            if retry_in is None:
                return Sent(response, controller.retries_taken)
            # No close(): send() without stream=True has read and released the body already.
            delay = retry_in
        yield Sleep(delay)


def as_recovery(flow: Flow[T]) -> Flow[T]:
    """`flow` with every Send marked as a recovery lookup (sent even after close())."""
    try:
        action = next(flow)
        while True:
            if isinstance(action, Send):
                action = attrs.evolve(action, recovery=True)
            try:
                reply = yield action
            except BaseException as exc:  # GeneratorExit too: the inner flow decides
                action = flow.throw(exc)
            else:
                action = flow.send(reply)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=512)
def absolute_url(base_url: httpx.URL, url: str) -> httpx.URL:
    """httpx's own join (Client._merge_url: append to the base path), cached.

    build_request parses a relative URL three times (~75 µs a request on a 2-core box); an
    absolute httpx.URL goes through it unparsed. Keyed by the base URL, not the client, so the
    cache keeps no client alive.
    """
    merge_url = httpx.URL(url)
    if not merge_url.is_relative_url:
        return merge_url
    return base_url.copy_with(raw_path=base_url.raw_path + merge_url.raw_path.lstrip(b"/"))


def _build(http: httpx.Client | httpx.AsyncClient, action: Send) -> httpx.Request:
    timeout = httpx.Timeout(action.timeout) if action.timeout is not None else None
    return http.build_request(
        action.method,
        absolute_url(http.base_url, action.url),
        params=action.params,
        json=action.json,
        headers=action.headers,
        timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
    )


class _Step(Exception):
    """Raised by _advance when the flow has finished, carrying its result."""

    def __init__(self, result: Any) -> None:
        self.result = result


def _advance(flow: Flow[Any], reply: Any, error: BaseException | None) -> Action:
    try:
        return flow.throw(error) if error is not None else flow.send(reply)
    except StopIteration as done:
        raise _Step(done.value) from None


class _Watchdog:
    """One daemon thread that runs callbacks at deadlines (a Timer thread per request would
    cost a thread start each); started on first use."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._cancelled: set[int] = set()
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def call_at(self, when: float, callback: Callable[[], None]) -> int:
        with self._cond:
            handle = next(self._ids)
            heapq.heappush(self._heap, (when, handle, callback))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="kalshi-deadlines", daemon=True
                )
                self._thread.start()
            self._cond.notify()
            return handle

    def cancel(self, handle: int) -> None:
        with self._cond:
            self._cancelled.add(handle)
            if len(self._cancelled) > 1024 and 2 * len(self._cancelled) > len(self._heap):
                # Long deadlines would keep cancelled entries for long: drop them now.
                self._heap = [entry for entry in self._heap if entry[1] not in self._cancelled]
                heapq.heapify(self._heap)
                self._cancelled.clear()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                when, handle, callback = self._heap[0]
                now = time.monotonic()
                if when > now:
                    self._cond.wait(when - now)
                    continue
                heapq.heappop(self._heap)
                if handle in self._cancelled:
                    self._cancelled.discard(handle)
                    continue
            callback()


_WATCHDOG = _Watchdog()


class _CutOff:
    """Ends a blocked body read by shutting the response's socket down, unless the read has
    finished first (httpcore drops a shut connection from its pool: it reads as expired)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._lock = threading.Lock()
        self._finished = False

    @classmethod
    def of(cls, response: httpx.Response) -> _CutOff | None:
        """None where shutting down would hurt others (HTTP/2 multiplexes requests on one
        socket) or there is no socket (a custom transport)."""
        if response.extensions.get("http_version", b"HTTP/1.1") != b"HTTP/1.1":
            return None
        stream = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        return cls(sock) if isinstance(sock, socket.socket) else None

    def __call__(self) -> None:
        with self._lock:
            if not self._finished:
                with contextlib.suppress(OSError):  # already closed: the read has ended
                    # socket.socket's own shutdown, also for an SSLSocket: its TLS layer stays
                    # as it is, and the blocked read sees the end of the stream (an OSError).
                    socket.socket.shutdown(self._sock, socket.SHUT_RDWR)

    def finish(self) -> None:
        with self._lock:
            self._finished = True


# The deadline of the attempt this thread is sending, if any (see DeadlineBackend).
_ATTEMPT = threading.local()


def _within_deadline(timeout: float | None, late: type[Exception]) -> float | None:
    """A socket operation's timeout cut to what is left of this thread's attempt deadline."""
    deadline: float | None = getattr(_ATTEMPT, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise late("the attempt's deadline has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _within_deadline(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _within_deadline(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _within_deadline(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend with every socket operation cut to the attempt's deadline.

    httpx's read timeout restarts on every read, so a server dribbling its status line and
    headers a byte at a time could hold a sync call far past total_timeout; cut per read, the
    whole exchange ends by the deadline (the watchdog below covers transports without this).
    """

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _within_deadline(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        )

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        timeout = _within_deadline(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def deadline_transport(*, http2: bool, limits: httpx.Limits | None) -> httpx.HTTPTransport:
    """The sync client's default transport, its sockets bound by each attempt's deadline.

    HTTP/2 is left as httpx makes it: one socket carries other threads' requests too.
    """
    transport = httpx.HTTPTransport(
        http2=http2,
        limits=limits or httpx.Limits(max_connections=100, max_keepalive_connections=20),
    )
    pool = getattr(transport, "_pool", None)  # httpx keeps its httpcore pool here (0.28)
    if not http2 and isinstance(pool, httpcore.ConnectionPool):
        pool._network_backend = DeadlineBackend(pool._network_backend)
    return transport


def send_sync(http: httpx.Client, action: Send) -> httpx.Response:
    """Send and read the body; under a total_timeout, within the attempt's deadline.

    httpx's read timeout restarts on every read, so a body trickling in could outlast the
    deadline by a whole read timeout: at the deadline a watchdog shuts the connection's socket
    down, which ends the blocked read at once (slack: the watchdog's wake-up, milliseconds).
    On the default transport (deadline_transport) every socket operation, the reads of the
    status line and headers included, is also cut to what is left of the deadline; on another
    transport the headers are read with the read timeout cut to the attempt's, so only headers
    dribbled byte by byte can outlast it there.
    """
    request = _build(http, action)
    if action.deadline is None:
        return http.send(request)
    deadline = time.monotonic() + action.deadline
    _ATTEMPT.deadline = deadline
    try:
        return _send_by(http, request, deadline)
    finally:
        _ATTEMPT.deadline = None


def _send_by(http: httpx.Client, request: httpx.Request, deadline: float) -> httpx.Response:
    response = http.send(request, stream=True)
    try:
        try:
            response.content  # noqa: B018 - a transport may answer with the body already read
            return response
        except httpx.ResponseNotRead:
            pass
        cut = _CutOff.of(response)
        watch = _WATCHDOG.call_at(deadline, cut) if cut is not None else None
        chunks = []
        try:
            for chunk in response.iter_raw():
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    break
        except httpx.TransportError:
            if time.monotonic() < deadline:
                raise
        finally:
            if cut is not None and watch is not None:
                cut.finish()
                _WATCHDOG.cancel(watch)
        if time.monotonic() >= deadline:  # read in full but late, or cut off by the watchdog
            raise httpx.ReadTimeout(
                "the response took longer than the attempt's timeout", request=request
            )
    finally:
        response.close()
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        content=b"".join(chunks),
        request=request,
        extensions=response.extensions,
    )


async def send_async(http: httpx.AsyncClient, action: Send) -> httpx.Response:
    return await within_deadline(http.send(_build(http, action)), action.deadline)


async def within_deadline(
    exchange: Awaitable[httpx.Response], timeout: float | None
) -> httpx.Response:
    """Await an exchange with the attempt's timeout as a deadline for the whole of it (httpx's
    and aiohttp's read timeouts restart on every read, so a trickling server could outlast it)."""
    if timeout is None:
        return await exchange
    import asyncio  # imported by then (this runs on its loop); sync-only programs never pay

    try:
        async with asyncio.timeout(timeout):
            return await exchange
    except TimeoutError:
        raise httpx.ReadTimeout("the response took longer than the attempt's timeout") from None


SyncSend = Callable[[Send], httpx.Response]
AsyncSend = Callable[[Send], Awaitable[httpx.Response]]


class CallGate:
    """The open/closed state of one client and the calls it has in flight.

    close() refuses new calls at once, and the calls in flight stop at their next step: a
    request not yet sent and a retry's wait (cut short) end in ClientClosedError thrown *into*
    the call's flow, so an order call still learns what became of its order (its lookup, marked
    `recovery`, is sent). The connection pool is released when the last call in flight ends.
    """

    def __init__(self, owner: str) -> None:
        self._owner = owner
        self._lock = threading.Lock()
        self._active = 0
        self._released = False
        self._wake = threading.Event()
        self._sleepers: set[asyncio.Future[None]] = set()
        self._release_waiters: set[asyncio.Future[None]] = set()
        self._done = False
        self.closed = False

    def error(self, *, sent: bool = False) -> ClientClosedError:
        during = "during this call" if sent else "before this request was sent"
        error = ClientClosedError(f"the {self._owner} was closed {during}")
        error.request_may_have_been_sent = sent
        return error

    def enter(self) -> None:
        with self._lock:
            if self.closed:
                raise ClientClosedError(f"this {self._owner} is closed; make a new one")
            self._active += 1

    def leave(self) -> bool:
        """End one call; True when the pool is now to be released (closed and idle)."""
        with self._lock:
            self._active -= 1
            return self._take_release()

    def close(self) -> bool:
        """Refuse new calls and wake sleeping ones; True when the pool is to be released now."""
        with self._lock:
            self.closed = True
            self._wake.set()
            sleepers, self._sleepers = self._sleepers, set()
            release = self._take_release()
        _settle_all(sleepers)
        return release

    def mark_released(self) -> None:
        """The pool is closed: wake every close() waiting for it."""
        with self._lock:
            self._done = True
            waiters, self._release_waiters = self._release_waiters, set()
        _settle_all(waiters)

    async def released(self) -> None:
        """Wait until the pool has been released (by close() or by the last call in flight)."""
        import asyncio  # imported by then: this runs on its loop

        waiter = asyncio.get_running_loop().create_future()
        with self._lock:
            if self._done:
                return
            self._release_waiters.add(waiter)
        await waiter

    def _take_release(self) -> bool:
        if self.closed and self._active == 0 and not self._released:
            self._released = True
            return True
        return False

    def sleep_sync(self, seconds: float, sleep: Callable[[float], None]) -> None:
        if sleep is time.sleep:  # the default sleep: close() cuts it short
            self._wake.wait(seconds)
        elif not self.closed:
            sleep(seconds)

    async def sleep_async(self, seconds: float, sleep: Callable[[float], Awaitable[None]]) -> None:
        import asyncio  # imported by then: this runs on its loop

        if sleep is not asyncio.sleep:
            if not self.closed:
                await sleep(seconds)
            return
        waiter = asyncio.get_running_loop().create_future()
        with self._lock:
            if self.closed:
                return
            self._sleepers.add(waiter)
        timer = waiter.get_loop().call_later(seconds, _settle, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            with self._lock:
                self._sleepers.discard(waiter)

    def refused(self, action: Action) -> ClientClosedError | None:
        """The error that ends `action` instead of running it, once the client is closed."""
        if self.closed and not (isinstance(action, Send) and action.recovery):
            return self.error()
        return None

    def failure(self, exc: Exception) -> BaseException:
        """What a send's exception is to the flow: httpx's error for I/O failures,
        InvalidArgumentError for a URL httpx cannot build, and ClientClosedError for the
        RuntimeError of a pool closed under the request."""
        mapped = _transport_failure(exc)
        if mapped is not None:
            return mapped
        if isinstance(exc, httpx.InvalidURL):  # raised building the URL: nothing was sent
            refused = InvalidArgumentError(
                f"the request's URL cannot be built ({exc}): a value in it (an id, a filter, "
                "a cursor) is too long or malformed; nothing was sent"
            )
            refused.__cause__ = exc
            return refused
        if self.closed and isinstance(exc, RuntimeError) and not isinstance(exc, ClientClosedError):
            error = self.error(sent=True)
            error.__cause__ = exc
            return error
        return exc


def _settle(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _settle_all(waiters: set[asyncio.Future[None]]) -> None:
    for waiter in waiters:
        loop = waiter.get_loop()
        if not loop.is_closed():
            loop.call_soon_threadsafe(_settle, waiter)


def _transport_failure(exc: Exception) -> httpx.RequestError | None:
    """What a transport raised, as httpx's error; None for anything else (a bug, not I/O)."""
    if isinstance(exc, httpx.RequestError):
        return exc
    if isinstance(exc, OSError):  # a custom transport letting a socket error through
        return httpx.ReadError(f"{type(exc).__name__}: {exc.strerror or exc}")
    return None


def run_sync(
    flow: Flow[T], send: SyncSend, sleep: Callable[[float], None], gate: CallGate | None = None
) -> T:
    """Run a flow to its result. Whatever a step raises is thrown into the flow, so the flow's
    own handling (an order call's lookup) runs for every failure, not just httpx's."""
    gate = gate or CallGate("client")
    reply: Any = None
    error: BaseException | None = None
    try:
        while True:
            action = _advance(flow, reply, error)
            reply, error = None, gate.refused(action)
            if error is not None:
                continue
            if isinstance(action, Sleep):
                gate.sleep_sync(action.seconds, sleep)
                continue
            try:
                reply = send(action)
            except Exception as exc:
                error = gate.failure(exc)
    except _Step as done:
        return done.result  # type: ignore[no-any-return]
    finally:
        flow.close()


async def run_async(
    flow: Flow[T],
    send: AsyncSend,
    sleep: Callable[[float], Awaitable[None]],
    gate: CallGate | None = None,
) -> T:
    gate = gate or CallGate("AsyncClient")
    reply: Any = None
    error: BaseException | None = None
    try:
        while True:
            action = _advance(flow, reply, error)
            reply, error = None, gate.refused(action)
            if error is not None:
                continue
            if isinstance(action, Sleep):
                await gate.sleep_async(action.seconds, sleep)
                continue
            try:
                reply = await send(action)
            except Exception as exc:
                error = gate.failure(exc)
    except _Step as done:
        return done.result  # type: ignore[no-any-return]
    finally:
        flow.close()
