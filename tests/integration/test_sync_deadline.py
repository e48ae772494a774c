"""The sync client's total_timeout holds against a trickling body (issue 9, item 9)."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kalshi_ext import APITimeoutError, Client, KalshiConfig
from kalshi_ext.flow import _WATCHDOG
from tests.fakes import PRIVATE_PEM

TOTAL = 2.0


class TricklingServer:
    """Headers after `header_delay`, then one body byte every `byte_every` seconds."""

    def __init__(
        self, header_delay: float, byte_every: float, tls: ssl.SSLContext | None = None
    ) -> None:
        self.header_delay, self.byte_every = header_delay, byte_every
        self.tls = tls
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self.answer, args=(conn,), daemon=True).start()

    def answer(self, conn: socket.socket) -> None:
        if self.tls is not None:
            try:
                conn.settimeout(10)
                conn = self.tls.wrap_socket(conn, server_side=True)
            except OSError:
                return
        body = b'{"balance":1,"portfolio_value":0,"updated_ts":1,"pad":"' + b"x" * 20 + b'"}'
        with conn:
            try:
                conn.recv(65536)
                if self.stop.wait(self.header_delay):
                    return
                head = (
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n"
                )
                conn.sendall(head.encode())
                for byte in body:
                    if self.stop.wait(self.byte_every):
                        return
                    conn.sendall(bytes([byte]))
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.listener.close()


def self_signed(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context, client context) for 127.0.0.1 with a throwaway certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return server, client


@pytest.fixture(params=["http", "https"])
def trickling(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[TricklingServer, str, ssl.SSLContext | None]]:
    contexts = self_signed(tmp_path) if request.param == "https" else (None, None)
    server = TricklingServer(header_delay=0.9 * TOTAL, byte_every=0.95 * TOTAL, tls=contexts[0])
    yield server, request.param, contexts[1]
    server.close()


def test_sync_total_timeout_bounds_a_trickling_body(
    trickling: tuple[TricklingServer, str, ssl.SSLContext | None],
) -> None:
    server, scheme, client_tls = trickling
    config = KalshiConfig(
        base_url=f"{scheme}://127.0.0.1:{server.port}/trade-api/v2",
        total_timeout=TOTAL,
        max_retries=0,
    )
    transport = httpx.HTTPTransport(verify=client_tls) if client_tls is not None else None
    with Client(key_id="k", private_key=PRIVATE_PEM, config=config, transport=transport) as client:
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            client.get_balance()
        elapsed = time.monotonic() - started
    # Before the fix: ~1.86 x TOTAL (headers at 0.9, the first body byte at 1.85). The slack
    # allowed here is for a loaded machine; the watchdog itself wakes within milliseconds.
    assert elapsed < TOTAL + 0.5, elapsed


def test_watchdog_runs_due_callbacks_and_skips_cancelled_ones() -> None:
    fired: list[str] = []
    done = threading.Event()
    now = time.monotonic()
    cancelled = _WATCHDOG.call_at(now + 0.05, lambda: fired.append("cancelled"))

    def due() -> None:
        fired.append("due")
        done.set()

    _WATCHDOG.call_at(now + 0.1, due)
    _WATCHDOG.cancel(cancelled)
    assert done.wait(10)
    assert fired == ["due"]


class DribblingHeadersServer(TricklingServer):
    """The status line and headers one byte every `byte_every` seconds (no body)."""

    def answer(self, conn: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
        with conn:
            try:
                conn.recv(65536)
                for byte in head:
                    if self.stop.wait(self.byte_every):
                        return
                    conn.sendall(bytes([byte]))
            except OSError:
                return


def test_sync_total_timeout_bounds_dribbled_headers_too() -> None:
    # The issue asks for "headers or body": each read is cut to what is left of the deadline.
    server = DribblingHeadersServer(header_delay=0.0, byte_every=0.2)
    try:
        config = KalshiConfig(
            base_url=f"http://127.0.0.1:{server.port}/trade-api/v2",
            total_timeout=TOTAL,
            max_retries=0,
        )
        with Client(key_id="k", private_key=PRIVATE_PEM, config=config) as client:
            started = time.monotonic()
            with pytest.raises(APITimeoutError):
                client.get_balance()
            elapsed = time.monotonic() - started
    finally:
        server.close()
    # Before: the 70-byte head at 0.2 s a byte took ~14 s (each read restarts the read timeout).
    assert elapsed < TOTAL + 0.5, elapsed
