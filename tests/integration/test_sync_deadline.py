"""The sync client's total_timeout holds against a trickling body (issue 9, item 9)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from kalshi_ext import APITimeoutError, Client, KalshiConfig
from kalshi_ext.flow import _WATCHDOG
from tests.fakes import PRIVATE_PEM

TOTAL = 2.0


class TricklingServer:
    """Headers after `header_delay`, then one body byte every `byte_every` seconds."""

    def __init__(self, header_delay: float, byte_every: float) -> None:
        self.header_delay, self.byte_every = header_delay, byte_every
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


@pytest.fixture
def trickling() -> Iterator[TricklingServer]:
    server = TricklingServer(header_delay=0.9 * TOTAL, byte_every=0.95 * TOTAL)
    yield server
    server.close()


def test_sync_total_timeout_bounds_a_trickling_body(trickling: TricklingServer) -> None:
    config = KalshiConfig(
        base_url=f"http://127.0.0.1:{trickling.port}/trade-api/v2",
        total_timeout=TOTAL,
        max_retries=0,
    )
    with Client(key_id="k", private_key=PRIVATE_PEM, config=config) as client:
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
