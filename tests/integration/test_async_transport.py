"""AsyncClient over its default aiohttp transport: timeouts, refused connections, cancellation and
Ed25519 keys behave as over httpx, and no aiohttp exception escapes."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from kalshi_ext import APIConnectionError, APITimeoutError, AsyncClient, Client, KalshiConfig
from kalshi_ext.testing import LocalExchange
from kalshi_ext.transport import KalshiAiohttpTransport


async def test_default_transport_is_aiohttp(async_kalshi_client: AsyncClient) -> None:
    assert isinstance(async_kalshi_client.http._transport, KalshiAiohttpTransport)


async def test_read_timeout_maps_to_api_timeout_error(kalshi_exchange: LocalExchange) -> None:
    kalshi_exchange.inject_fault(
        method="GET", path="/portfolio/balance", kind="delay", delay_s=2.0, times=5
    )
    async with kalshi_exchange.async_client(
        timeout=0.2, max_retries=1, retry_base_delay=0.0
    ) as client:
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            await client.get_balance()
    assert time.monotonic() - started < 1.5  # two attempts of 0.2 s, not the server's 2 s


async def test_total_timeout_bounds_a_slow_call(kalshi_exchange: LocalExchange) -> None:
    kalshi_exchange.inject_fault(
        method="GET", path="/portfolio/balance", kind="delay", delay_s=2.0, times=50
    )
    async with kalshi_exchange.async_client(
        timeout=5.0, total_timeout=0.5, max_retries=10
    ) as client:
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            await client.get_balance()
    assert time.monotonic() - started < 1.5


async def test_refused_connection_maps_to_api_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed when the block ends: nothing listens there
    from tests.fakes import PRIVATE_PEM

    config = KalshiConfig(
        base_url=f"http://127.0.0.1:{port}/trade-api/v2", max_retries=1, retry_base_delay=0.0
    )
    async with AsyncClient(key_id="k", private_key=PRIVATE_PEM, config=config) as client:
        with pytest.raises(APIConnectionError) as caught:
            await client.get_balance()
    assert "aiohttp" not in type(caught.value).__module__


async def test_cancellation_propagates_and_the_client_stays_usable(
    kalshi_exchange: LocalExchange,
) -> None:
    kalshi_exchange.inject_fault(method="GET", path="/portfolio/balance", kind="delay", delay_s=1.0)
    async with kalshi_exchange.async_client() as client:
        task = asyncio.create_task(client.get_balance())
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert (await client.get_balance()).balance > 0


@pytest.mark.parametrize("use_async", [False, True], ids=["Client", "AsyncClient"])
async def test_ed25519_key_is_verified_by_the_exchange(
    kalshi_exchange: LocalExchange, use_async: bool
) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    kalshi_exchange.register_key("ed25519-key", key.public_key())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    config = kalshi_exchange.config()
    if use_async:
        async with AsyncClient(key_id="ed25519-key", private_key=pem, config=config) as client:
            assert (await client.get_balance()).balance > 0
    else:
        with Client(key_id="ed25519-key", private_key=pem, config=config) as client:
            assert client.get_balance().balance > 0
    assert kalshi_exchange.requests_log[-1].status == 200


async def test_aiohttp_makes_no_hidden_resend(kalshi_exchange: LocalExchange) -> None:
    async with kalshi_exchange.async_client(max_retries=0) as client:
        order = await client.create_order(
            ticker="KXDEMO-26DEC31-T50", side="bid", count=1, price="0.02"
        )
        kalshi_exchange.inject_fault(
            method="DELETE", path="/portfolio/events/orders/*", kind="drop_after"
        )
        with pytest.raises(APIConnectionError):
            await client.cancel_order(order_id=order.order_id)
    deletes = [r for r in kalshi_exchange.requests_log if r.method == "DELETE"]
    assert len(deletes) == 1, "every attempt is the retry loop's, signed afresh"


class TricklingServer:
    """Answers every request with a balance sent one byte every 0.2 s."""

    BODY = b'{"balance": 1, "balance_dollars": "0.01", "portfolio_value": 0, "updated_ts": 1}'

    def __init__(self) -> None:
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.closed = False
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        import threading

        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.answer, args=(conn,), daemon=True).start()

    def answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
                    % len(self.BODY)
                )
                for byte in self.BODY:
                    time.sleep(0.2)
                    conn.sendall(bytes([byte]))
            except OSError:
                pass

    def close(self) -> None:
        self.closed = True
        self.sock.close()


@pytest.mark.parametrize("use_async", [False, True], ids=["Client", "AsyncClient"])
async def test_a_trickling_response_cannot_outlast_total_timeout(use_async: bool) -> None:
    from tests.fakes import PRIVATE_PEM

    server = TricklingServer()
    config = KalshiConfig(
        base_url=f"http://127.0.0.1:{server.port}/trade-api/v2", timeout=1.0, total_timeout=1.0
    )
    started = time.monotonic()
    try:
        with pytest.raises(APITimeoutError):
            if use_async:
                async with AsyncClient(
                    key_id="k", private_key=PRIVATE_PEM, config=config
                ) as client:
                    await client.get_balance()
            else:
                with Client(key_id="k", private_key=PRIVATE_PEM, config=config) as sync_client:
                    sync_client.get_balance()
    finally:
        server.close()
    # the body alone would take 16 s; the call ends within the budget plus one read
    assert time.monotonic() - started < 1.0 + 0.5
