"""The async client's default transport: aiohttp's connection pool behind httpx's interface.

httpx's own async pool serves ~150 signed requests/s at 100 in flight here; aiohttp's ~1,400/s.
httpx-aiohttp maps aiohttp's errors loosely (a server that drops the connection after reading
the request surfaces as ``ConnectTimeout``, which would make a POST look safe to retry), so this
subclass maps them by *when* they happened, and sends the URL exactly as signed.
"""

from __future__ import annotations

import asyncio

import aiohttp
import httpx
import yarl
from httpx_aiohttp import AiohttpTransport

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
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._send(request)
        except httpx.TransportError:
            raise
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            mapped = map_aiohttp_error(exc)
            if mapped is None:  # pragma: no cover - every listed class maps
                raise
            raise mapped from exc

    async def _send(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(self.client, aiohttp.ClientSession):
            self.client = self.get_client()
            # aiohttp resends GET/PUT/DELETE once by itself when a pooled connection drops,
            # with the old signature and unseen by our retry loop: every attempt is ours to make.
            self.client._retry_connection = False
        timeout = request.extensions.get("timeout", {})
        data = request.content or None
        response = await self.client.request(
            method=request.method,
            # encoded=True: the path goes out byte for byte as httpx encoded it (and as signed).
            url=yarl.URL(str(request.url), encoded=True),
            # Pairs, not the httpx.Headers: aiohttp copies a mapping key by key, and each
            # httpx.Headers lookup decodes every header (~60 decodes per request).
            headers=request.headers.multi_items(),
            data=data,
            allow_redirects=False,
            auto_decompress=False,
            compress=False,
            timeout=aiohttp.ClientTimeout(
                sock_connect=timeout.get("connect"),
                sock_read=timeout.get("read"),
                connect=timeout.get("pool"),
            ),
        ).__aenter__()
        try:
            content = await response.read()
        finally:
            response.release()
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            content=content,
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )
