"""KalshiAuth against a real HTTP server that checks KALSHI-ACCESS-* with the public keys.

The server verifies over the request target exactly as it arrived on the socket (cut at `?`),
as Kalshi does, so these tests show that what httpx sends is what KalshiAuth signed.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from kalshi_ext.auth import KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, KalshiAuth, SigningError
from kalshi_ext.config import KalshiConfig
from tests.keys import KeyPair, PublicKey, key_pair, signature_is_valid

MAX_CLOCK_SKEW_MS = 60_000


@dataclass
class Received:
    """What the server saw for one request."""

    method: str
    target: str
    status: int


@dataclass
class VerifyingServer:
    server: ThreadingHTTPServer
    public_keys: dict[str, PublicKey]
    received: list[Received] = field(default_factory=list)

    @property
    def config(self) -> KalshiConfig:
        host, port = self.server.server_address[:2]
        return KalshiConfig(
            base_url=f"http://{host!s}:{port}/trade-api/v2",
            ws_base_url=f"ws://{host!s}:{port}/trade-api/ws/v2",
        )


def make_handler(state: VerifyingServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def handle_any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            status = 200 if self.signature_is_valid() else 401
            state.received.append(Received(self.command, self.path, status))
            body = json.dumps({"target": self.path}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def signature_is_valid(self) -> bool:
            key_id = self.headers.get(KEY_HEADER, "")
            timestamp = self.headers.get(TIMESTAMP_HEADER, "")
            signature = self.headers.get(SIGNATURE_HEADER, "")
            public_key = state.public_keys.get(key_id)
            if public_key is None or not timestamp.isdigit():
                return False
            if abs(int(timestamp) - time.time() * 1000) > MAX_CLOCK_SKEW_MS:
                return False
            raw_path = self.path.split("?", 1)[0]
            message = (timestamp + self.command + raw_path).encode("ascii")
            return signature_is_valid(public_key, message, signature)

        do_GET = do_POST = do_PUT = do_DELETE = handle_any

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

    return Handler


@pytest.fixture(scope="module")
def server() -> Iterator[VerifyingServer]:
    pairs = [key_pair("rsa"), key_pair("ed25519")]
    state = VerifyingServer(
        server=ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler),
        public_keys={pair.key_id: pair.public_key for pair in pairs},
    )
    state.server.RequestHandlerClass = make_handler(state)
    thread = threading.Thread(target=state.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    state.server.shutdown()
    state.server.server_close()
    thread.join(timeout=5)


@pytest.fixture(params=["rsa", "ed25519"])
def pair(request: pytest.FixtureRequest) -> KeyPair:
    return key_pair(request.param)


@functools.cache
def auth_for(pair: KeyPair) -> KalshiAuth:
    """Loaded from PEM like a user would, once per key (parsing costs ~40 ms)."""
    return KalshiAuth.from_pem(pair.key_id, pair.pem)


# (method, path relative to base_url, query params, the request target the server must see)
ACCEPTED = [
    ("GET", "/portfolio/balance", None, "/trade-api/v2/portfolio/balance"),
    (
        "GET",
        "/portfolio/orders",
        {"ticker": "KXBTC-25 DEC", "cursor": "abc==", "limit": 5},
        "/trade-api/v2/portfolio/orders?ticker=KXBTC-25+DEC&cursor=abc%3D%3D&limit=5",
    ),
    (
        "DELETE",
        "/portfolio/orders/id with space",
        None,
        "/trade-api/v2/portfolio/orders/id%20with%20space",
    ),
    ("GET", "/portfolio/orders/a%2Fb", None, "/trade-api/v2/portfolio/orders/a%2Fb"),
    ("GET", "/portfolio/orders/é", {"x": "1"}, "/trade-api/v2/portfolio/orders/%C3%A9?x=1"),
    ("POST", "/portfolio/orders", None, "/trade-api/v2/portfolio/orders"),
]
ACCEPTED_IDS = ["plain", "query", "encoded-space", "encoded-slash", "non-ascii-id", "post"]


@pytest.mark.parametrize(("method", "path", "params", "target"), ACCEPTED, ids=ACCEPTED_IDS)
def test_sync_client_is_accepted(
    server: VerifyingServer,
    pair: KeyPair,
    method: str,
    path: str,
    params: dict[str, str | int] | None,
    target: str,
) -> None:
    config = server.config
    auth = auth_for(pair).bind(config.origin)
    body = {"ticker": "KXBTC", "count": 1} if method == "POST" else None
    with httpx.Client(base_url=config.base_url, auth=auth, timeout=5) as client:
        response = client.request(method, path, params=params, json=body)
    assert response.status_code == 200, response.text
    assert response.json() == {"target": target}


@pytest.mark.parametrize(("method", "path", "params", "target"), ACCEPTED, ids=ACCEPTED_IDS)
async def test_async_client_with_executor_is_accepted(
    server: VerifyingServer,
    pair: KeyPair,
    method: str,
    path: str,
    params: dict[str, str | int] | None,
    target: str,
) -> None:
    config = server.config
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kalshi-sign") as pool:
        auth = auth_for(pair).with_executor(pool).bind(config.origin)
        async with httpx.AsyncClient(base_url=config.base_url, auth=auth, timeout=5) as client:
            response = await client.request(method, path, params=params)
    assert response.status_code == 200, response.text
    assert response.json() == {"target": target}


def test_signature_for_another_path_is_rejected(server: VerifyingServer, pair: KeyPair) -> None:
    config = server.config
    headers = auth_for(pair).sign_headers("GET", "/trade-api/v2/portfolio/balance")
    with httpx.Client(base_url=config.base_url, timeout=5) as client:  # no auth: headers as built
        control = client.get("/portfolio/balance", headers=headers)
        other_path = client.get("/portfolio/positions", headers=headers)
        other_method = client.delete("/portfolio/balance", headers=headers)
        with_query = client.get("/portfolio/balance", params={"limit": 1}, headers=headers)
    assert control.status_code == 200  # the server accepts hand-built headers for their path
    assert other_path.status_code == 401
    assert other_method.status_code == 401
    assert with_query.status_code == 200  # the query is not signed


def test_signature_made_for_the_decoded_path_is_rejected(
    server: VerifyingServer, pair: KeyPair
) -> None:
    config = server.config
    headers = auth_for(pair).sign_headers("GET", "/trade-api/v2/portfolio/orders/a%20b")
    with httpx.Client(base_url=config.base_url, timeout=5) as client:
        encoded = client.get("/portfolio/orders/a b", headers=headers)
        other = client.get("/portfolio/orders/a+b", headers=headers)
    assert (encoded.status_code, other.status_code) == (200, 401)


def test_signature_by_another_key_is_rejected(server: VerifyingServer) -> None:
    rsa, ed25519 = key_pair("rsa"), key_pair("ed25519")
    impostor = KalshiAuth(rsa.key_id, ed25519.private_key)  # right key id, wrong key
    with httpx.Client(base_url=server.config.base_url, auth=impostor, timeout=5) as client:
        assert client.get("/portfolio/balance").status_code == 401


def test_bound_auth_never_sends_to_another_origin(server: VerifyingServer, pair: KeyPair) -> None:
    config = server.config
    port = config.origin.rsplit(":", 1)[1]
    before = len(server.received)
    auth = auth_for(pair).bind(config.origin)
    with (
        httpx.Client(auth=auth, timeout=5) as client,
        pytest.raises(SigningError, match=f"bound to http://127.0.0.1:{port}"),
    ):
        # The same server under another name is another origin: nothing is sent.
        client.get(f"http://localhost:{port}/trade-api/v2/portfolio/balance")
    assert len(server.received) == before
