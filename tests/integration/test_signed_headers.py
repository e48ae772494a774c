"""Signed headers against a real socket: no error, result or redirect keeps or forwards a usable
signature, reprs mask secrets, and both clients log their requests alike.

Kalshi does not sign the body, so a create-order signature that outlives its request could carry
any body until it expires: every path a signature could escape by is checked here.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
import threading
import types
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest

from kalshi_ext import (
    APIConnectionError,
    APIStatusError,
    AsyncClient,
    Client,
    KalshiConfig,
    KalshiError,
)
from kalshi_ext.auth import SIGNATURE_HEADER, WITHHELD
from tests.fakes import PRIVATE_PEM

EXTRA = "DESK-SECRET-1c9e"
BALANCE = b'{"balance": 1, "balance_dollars": "0.01", "portfolio_value": 1, "updated_ts": 1}'


class RawServer:
    """A socket server on 127.0.0.1 that records each request's headers and answers as told:
    "ok" (200 + BALANCE), "500", "drop" (close without answering), "garbage" (no HTTP status
    line), or "redirect <status> <url>"."""

    def __init__(self, mode: str = "ok") -> None:
        self.mode = mode
        self.requests: list[dict[str, str]] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    @property
    def signatures(self) -> list[str]:
        return [h[SIGNATURE_HEADER.lower()] for h in self.requests if SIGNATURE_HEADER.lower() in h]

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.answer, args=(conn,), daemon=True).start()

    def answer(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, data = data.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:])
                }
                length = int(headers.get("content-length", "0"))
                while len(data) < length:
                    data += conn.recv(65536)
                data = data[length:]
                self.requests.append({"request-line": lines[0], **headers})
                kind, *rest = self.mode.split()
                if kind == "drop":
                    return
                if kind == "garbage":
                    conn.sendall(b"NOT HTTP AT ALL\r\n\r\n")
                    return
                if kind == "redirect":
                    status, location = rest
                    reply = (
                        f"HTTP/1.1 {status} Moved\r\nLocation: {location}\r\n"
                        "Content-Length: 0\r\n\r\n"
                    ).encode()
                elif kind == "500":
                    body = b'{"code": "internal", "message": "boom"}'
                    reply = (
                        b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: %d\r\n\r\n%s"
                        % (
                            len(body),
                            body,
                        )
                    )
                else:
                    reply = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    reply += b"Content-Length: %d\r\n\r\n%s" % (len(BALANCE), BALANCE)
                conn.sendall(reply)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def server() -> Iterator[RawServer]:
    srv = RawServer()
    yield srv
    srv.close()


@pytest.fixture
def elsewhere() -> Iterator[RawServer]:
    srv = RawServer()  # another port: another origin
    yield srv
    srv.close()


def config_for(server: RawServer) -> KalshiConfig:
    return KalshiConfig(
        base_url=server.url + "/trade-api/v2",
        max_retries=0,
        timeout=5.0,
        extra_headers={"X-Desk": EXTRA},
    )


def reachable_text(root: object, limit: int = 50_000) -> list[str]:
    """Every str and bytes reachable from root by references (tracebacks, frames, modules,
    classes and functions left out): what a caller holding the object can get at."""
    skip = (
        types.TracebackType,
        types.FrameType,
        types.ModuleType,
        type,
        types.FunctionType,
        types.BuiltinFunctionType,
        types.CodeType,
        types.MethodType,
    )
    found: list[str] = []
    seen: set[int] = set()
    todo = [root]
    while todo and len(seen) < limit:
        item = todo.pop()
        if id(item) in seen or isinstance(item, skip):
            continue
        seen.add(id(item))
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, bytes | bytearray):
            found.append(bytes(item).decode("latin-1"))
        else:
            todo.extend(gc.get_referents(item))
            if isinstance(item, BaseException):
                todo.extend(x for x in (item.__cause__, item.__context__) if x is not None)
    return found


def assert_no_signature(root: object, server: RawServer) -> None:
    assert server.signatures, "the server saw no signed request"
    text = reachable_text(root)
    for signature in server.signatures:
        assert not any(signature in piece for piece in text), "a sent signature is reachable"


# --- clients of every kind, called the same way ---------------------------------------------

ClientCall = Callable[[KalshiConfig, Callable[[Any], Any]], Any]


def run_sync(config: KalshiConfig, call: Callable[[Any], Any]) -> Any:
    with Client(key_id="k", private_key=PRIVATE_PEM, config=config) as client:
        return call(client)


def run_async(transport: Callable[[], httpx.AsyncBaseTransport | None]) -> ClientCall:
    def run(config: KalshiConfig, call: Callable[[Any], Any]) -> Any:
        async def main() -> Any:
            async with AsyncClient(
                key_id="k", private_key=PRIVATE_PEM, config=config, transport=transport()
            ) as client:
                result = call(client)
                return await result if isinstance(result, Awaitable) else result

        return asyncio.run(main())

    return run


CLIENTS: dict[str, ClientCall] = {
    "sync": run_sync,
    "async-aiohttp": run_async(lambda: None),
    "async-httpx": run_async(httpx.AsyncHTTPTransport),
}


@pytest.fixture(params=list(CLIENTS))
def run(request: pytest.FixtureRequest) -> ClientCall:
    return CLIENTS[request.param]


# --- item 15: no error or result keeps a signed request ---------------------------------------


@pytest.mark.parametrize("mode", ["drop", "garbage"])
def test_a_connection_error_keeps_no_signature(
    run: ClientCall, server: RawServer, mode: str
) -> None:
    server.mode = mode
    with pytest.raises(APIConnectionError) as caught:
        run(config_for(server), lambda client: client.create_order(
            ticker="T", side="bid", count=1, price="0.50", retry=False
        ))  # fmt: skip
    assert_no_signature(caught.value, server)
    chain: list[BaseException] = []
    error: BaseException | None = caught.value
    while error is not None and len(chain) < 20:
        chain.append(error)
        error = error.__cause__ or error.__context__
    for link in chain:
        for attribute in ("request", "request_info"):
            try:
                held = getattr(link, attribute, None)
            except RuntimeError:  # httpx: an error without a request
                continue
            headers = getattr(held, "headers", {})
            assert headers.get(SIGNATURE_HEADER) in (None, WITHHELD)
            assert EXTRA not in repr(headers)


@pytest.mark.parametrize("mode", ["drop", "garbage"])
def test_a_client_http_error_keeps_no_signature(
    run: ClientCall, server: RawServer, mode: str
) -> None:
    # client.http is plain httpx: its errors are httpx's own, but the request they hold (and
    # show in a log or an error reporter) must not carry a usable signature either.
    server.mode = mode
    with pytest.raises(httpx.RequestError) as caught:
        run(config_for(server), lambda client: client.http.post("portfolio/events/orders"))
    assert_no_signature(caught.value, server)
    assert caught.value.request.headers[SIGNATURE_HEADER] == WITHHELD
    assert EXTRA not in repr(caught.value.request.headers)


def test_a_status_error_keeps_no_signature(run: ClientCall, server: RawServer) -> None:
    server.mode = "500"
    with pytest.raises(APIStatusError) as caught:
        run(config_for(server), lambda client: client.get_balance())
    assert_no_signature(caught.value, server)


def test_a_result_keeps_no_signature_and_masks_its_headers(
    run: ClientCall, server: RawServer
) -> None:
    detailed = run(config_for(server), lambda client: client.get_balance.detailed())
    assert detailed.parsed.balance == 1
    assert_no_signature(detailed, server)
    headers = detailed.response.request.headers
    assert headers.get(SIGNATURE_HEADER) in (None, WITHHELD)
    assert EXTRA not in repr(headers) and server.signatures[0] not in repr(headers)


def test_client_http_headers_repr_masks_extra_headers(server: RawServer) -> None:
    with Client(key_id="k", private_key=PRIVATE_PEM, config=config_for(server)) as client:
        assert EXTRA not in repr(client.http.headers)
        assert client.http.headers["X-Desk"] == EXTRA  # the value itself is still sent
        response = client.http.get("/portfolio/balance")
        assert EXTRA not in repr(response.request.headers)
        assert response.request.headers[SIGNATURE_HEADER] == WITHHELD
    assert server.requests[0]["x-desk"] == EXTRA


async def test_async_client_http_headers_repr_masks_extra_headers(server: RawServer) -> None:
    async with AsyncClient(key_id="k", private_key=PRIVATE_PEM, config=config_for(server)) as c:
        assert EXTRA not in repr(c.http.headers)
        response = await c.http.get("/portfolio/balance")
        assert response.request.headers[SIGNATURE_HEADER] == WITHHELD
    assert server.requests[0][SIGNATURE_HEADER.lower()] != WITHHELD


# --- item 16: signed headers never follow a redirect to another origin ------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_client_http_redirects_carry_no_signed_headers_to_another_origin(
    run: ClientCall, server: RawServer, elsewhere: RawServer, status: int, method: str
) -> None:
    server.mode = f"redirect {status} {elsewhere.url}/landed"

    def call(client: Any) -> Any:
        return client.http.request(
            method, "/portfolio/balance", json={"a": 1}, follow_redirects=True
        )

    response = run(config_for(server), call)
    assert response.status_code == 200
    assert len(elsewhere.requests) == 1
    landed = elsewhere.requests[0]
    assert not [name for name in landed if name.startswith("kalshi-access")]
    assert "x-desk" not in landed
    assert server.requests[0][SIGNATURE_HEADER.lower()]  # the first hop was signed
    assert_no_signature(response, server)


def test_a_redirect_not_followed_keeps_no_signature(run: ClientCall, server: RawServer) -> None:
    server.mode = "redirect 307 http://evil.example/landed"
    response = run(config_for(server), lambda client: client.http.get("/portfolio/balance"))
    assert response.status_code == 307
    assert response.next_request is not None
    assert response.next_request.headers.get(SIGNATURE_HEADER) == WITHHELD
    assert_no_signature(response, server)


def test_our_own_calls_never_follow_redirects(run: ClientCall, server: RawServer) -> None:
    server.mode = "redirect 302 http://evil.example/landed"
    with pytest.raises(APIStatusError) as caught:
        run(config_for(server), lambda client: client.get_balance())
    assert caught.value.status_code == 302
    assert isinstance(caught.value, KalshiError)


# --- item 22: both clients log a line per request, as httpx does -------------------------------


def test_both_clients_log_request_lines_alike(
    server: RawServer, caplog: pytest.LogCaptureFixture
) -> None:
    lines: dict[str, list[str]] = {}
    for name, run in CLIENTS.items():
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="httpx"):
            run(config_for(server), lambda client: client.get_balance(subaccount=2))
        lines[name] = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    expected = f'HTTP Request: GET {server.url}/trade-api/v2/portfolio/balance?subaccount=2 "HTTP/1.1 200 OK"'
    assert lines == {name: [expected] for name in CLIENTS}
