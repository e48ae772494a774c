"""The async client's default transport: aiohttp's connection pool, behind httpx's interface
and behind a direct sender for AsyncClient's own calls.

httpx's own async pool serves ~150 signed requests/s at 100 in flight here; aiohttp's ~1,400/s.
httpx-aiohttp maps aiohttp's errors loosely (a server that drops the connection after reading
the request surfaces as ``ConnectTimeout``, which would make a POST look safe to retry), so this
subclass maps them by *when* they happened, and sends the URL exactly as signed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import aiohttp
import httpx
import yarl
from httpx_aiohttp import AiohttpTransport

from kalshi_ext.auth import SigningError
from kalshi_ext.config import origin_of
from kalshi_ext.errors import ClientClosedError
from kalshi_ext.flow import Send, absolute_url

if TYPE_CHECKING:
    from kalshi_ext.auth import KalshiAuth

RawHeaders = Any  # aiohttp's raw_headers: a tuple of (bytes, bytes) pairs
httpx_logger = logging.getLogger("httpx")  # the logger httpx's clients write request lines to

# Ordered: the first matching class wins, so subclasses come before their bases.
_BEFORE_SENDING: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.ClientProxyConnectionError, httpx.ProxyError),
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
)
_AFTER_SENDING: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.SocketTimeoutError, httpx.ReadTimeout),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
    (asyncio.TimeoutError, httpx.ReadTimeout),
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
    (aiohttp.ClientPayloadError, httpx.ReadError),
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),
    (aiohttp.ClientError, httpx.ReadError),
    (OSError, httpx.ReadError),
)


def map_aiohttp_error(exc: BaseException) -> httpx.TransportError | None:
    """The httpx error that says what happened; None for what is not a transport failure."""
    for source, target in (*_BEFORE_SENDING, *_AFTER_SENDING):
        if isinstance(exc, source):
            # The class says what happened; aiohttp's text can quote the URL and its query.
            detail = f": {exc.strerror}" if isinstance(exc, OSError) and exc.strerror else ""
            return target(f"{type(exc).__name__}{detail}")
    return None


class KalshiAiohttpTransport(AiohttpTransport):
    """httpx's transport interface over aiohttp's pool, for `AsyncClient.http` (and so the
    generated functions); AsyncClient's own calls use :class:`AiohttpSender` on the same pool."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {})
        status, headers, content = await self.exchange(
            request.method,
            str(request.url),
            # Pairs, not the httpx.Headers: aiohttp copies a mapping key by key, and each
            # httpx.Headers lookup decodes every header (~60 decodes per request).
            request.headers.multi_items(),
            # aread: a redirect's request (follow_redirects=True) carries its body as a stream.
            await request.aread() or None,
            connect_timeout=timeout.get("connect"),
            read_timeout=timeout.get("read"),
        )
        return httpx.Response(
            status_code=status,
            headers=headers,
            content=content,
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )

    def session(self) -> aiohttp.ClientSession:
        if not isinstance(self.client, aiohttp.ClientSession):
            self.client = self.get_client()
            # aiohttp resends GET/PUT/DELETE once by itself when a pooled connection drops,
            # with the old signature and unseen by our retry loop: every attempt is ours to make.
            self.client._retry_connection = False
        return self.client

    async def exchange(
        self,
        method: str,
        url: str,
        headers: Sequence[tuple[str, str]],
        content: bytes | None,
        *,
        connect_timeout: float | None,
        read_timeout: float | None,
        total_timeout: float | None = None,
    ) -> tuple[int, RawHeaders, bytes]:
        """One request over the pool: (status, raw headers, body), aiohttp's errors mapped."""
        try:
            response = (
                await self.session()
                .request(
                    method=method,
                    # encoded=True: the path goes out byte for byte as encoded (and as signed).
                    url=yarl.URL(url, encoded=True),
                    headers=headers,
                    data=content,
                    allow_redirects=False,
                    auto_decompress=False,
                    compress=False,
                    timeout=aiohttp.ClientTimeout(
                        total=total_timeout,
                        sock_connect=connect_timeout,
                        sock_read=read_timeout,
                        connect=connect_timeout,
                    ),
                )
                .__aenter__()
            )
            try:
                body = await response.read()
            finally:
                response.release()
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            mapped = map_aiohttp_error(exc)
            if mapped is None:  # pragma: no cover - every listed class maps
                raise
            if not isinstance(exc, aiohttp.ClientResponseError):
                raise mapped from exc
        else:
            return response.status, response.raw_headers, body
        # Outside the except block: a ClientResponseError keeps the request's headers (the
        # signature) in its request_info, so it is made neither the cause nor the context.
        raise mapped


class AiohttpSender:
    """AsyncClient's own requests, straight over aiohttp: the Send is signed (in the signing
    pool) and sent without building httpx's request and client machinery, which costs about as
    much event-loop time as aiohttp itself. The reply is still an httpx.Response."""

    def __init__(
        self,
        transport: KalshiAiohttpTransport,
        *,
        base_url: httpx.URL,
        headers: Mapping[str, str],
        auth: KalshiAuth,
        signing_pool: Executor,
    ) -> None:
        self._transport = transport
        self._base_url = base_url
        self._origin = auth.origin or origin_of(base_url)
        self._headers = list(headers.items())
        self._auth = auth
        self._pool = signing_pool

    async def __call__(self, action: Send) -> httpx.Response:
        url = absolute_url(self._base_url, action.url)
        if not action.url.startswith("/") and origin_of(url) != self._origin:
            # the auth's origin binding, which httpx.Auth enforces on the other path
            raise SigningError(f"refusing to sign a request to {origin_of(url)}")
        if action.params:
            url = url.copy_merge_params(action.params)
        raw_path = url.raw_path.split(b"?", 1)[0].decode("ascii")
        headers = [*self._headers, *(action.headers or {}).items()]
        content = None
        if action.json is not None:
            content = json.dumps(action.json, separators=(",", ":"), allow_nan=False).encode()
            headers.append(("Content-Type", "application/json"))
        loop = asyncio.get_running_loop()
        try:
            signature = await loop.run_in_executor(
                self._pool, self._auth.sign_headers, action.method, raw_path
            )
        except RuntimeError:  # the signing pool is shut down: the client was closed
            raise ClientClosedError("the AsyncClient was closed during this call") from None
        headers.extend(signature.items())
        status, raw_headers, body = await self._transport.exchange(
            action.method,
            str(url),
            headers,
            content,
            connect_timeout=action.timeout,
            read_timeout=action.timeout,
            # aiohttp's total covers connecting, sending and reading the whole body
            total_timeout=action.deadline,
        )
        request = httpx.Request(action.method, url)  # named by errors and Detailed.response
        response = httpx.Response(
            status,
            headers=raw_headers,
            content=body,
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )
        # The line httpx's client logs for every request, so both clients log alike.
        if httpx_logger.isEnabledFor(logging.INFO):
            httpx_logger.info(
                'HTTP Request: %s %s "%s %d %s"',
                request.method,
                request.url,
                response.http_version,
                response.status_code,
                response.reason_phrase,
            )
        return response
