"""Calls written once as generators of I/O actions, run by a sync or an async driver.

A flow yields :class:`Send` (the driver sends it and sends back the ``httpx.Response``, or
throws the ``httpx.RequestError`` in) and :class:`Sleep` (the driver sleeps); it returns the
call's result. The retry loop, exactly-once order placement and page fetching are flows, so
``Client`` and ``AsyncClient`` share every decision and differ only in the two drivers below.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from typing import Any, TypeVar

import attrs
import httpx

from kalshi_ext.retry import RetryController, RetryPolicy, may_have_reached_server

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


def send_sync(http: httpx.Client, action: Send) -> httpx.Response:
    """Send and read the body; under a total_timeout, within the attempt's deadline."""
    request = _build(http, action)
    if action.deadline is None:
        return http.send(request)
    deadline = time.monotonic() + action.deadline
    response = http.send(request, stream=True)
    try:
        try:
            response.content  # noqa: B018 - a transport may answer with the body already read
            return response
        except httpx.ResponseNotRead:
            pass
        chunks = []
        for chunk in response.iter_raw():
            chunks.append(chunk)
            if time.monotonic() > deadline:
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


def _transport_failure(exc: Exception) -> httpx.RequestError | None:
    """What a transport raised, as httpx's error; None for anything else (a bug, not I/O)."""
    if isinstance(exc, httpx.RequestError):
        return exc
    if isinstance(exc, OSError):  # a custom transport letting a socket error through
        return httpx.ReadError(f"{type(exc).__name__}: {exc.strerror or exc}")
    return None


def run_sync(flow: Flow[T], send: SyncSend, sleep: Callable[[float], None]) -> T:
    reply: Any = None
    error: BaseException | None = None
    try:
        while True:
            action = _advance(flow, reply, error)
            reply, error = None, None
            if isinstance(action, Sleep):
                sleep(action.seconds)
                continue
            try:
                reply = send(action)
            except Exception as exc:
                error = _transport_failure(exc)
                if error is None:
                    raise
    except _Step as done:
        return done.result  # type: ignore[no-any-return]
    finally:
        flow.close()


async def run_async(flow: Flow[T], send: AsyncSend, sleep: Callable[[float], Awaitable[None]]) -> T:
    reply: Any = None
    error: BaseException | None = None
    try:
        while True:
            action = _advance(flow, reply, error)
            reply, error = None, None
            if isinstance(action, Sleep):
                await sleep(action.seconds)
                continue
            try:
                reply = await send(action)
            except Exception as exc:
                error = _transport_failure(exc)
                if error is None:
                    raise
    except _Step as done:
        return done.result  # type: ignore[no-any-return]
    finally:
        flow.close()
