"""In-process fakes for client tests: a frozen clock, a recording sleep, the one factory of
clients over httpx.MockTransport, and a stateful order book that can fail in scripted ways."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_ext import AsyncClient, Client, Clock, KalshiAuth, KalshiConfig

BASE_URL = "http://127.0.0.1:9/trade-api/v2"
_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE_PEM = _KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
)
PUBLIC_KEY = _KEY.public_key()


class FakeTime:
    """A clock that only moves when the client sleeps (or a test advances it)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0
        self.sleeps: list[float] = []

    def clock(self) -> Clock:
        return Clock(monotonic=lambda: self.now, wall=lambda: self.now)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)

    def signing_clock(self) -> float:
        """The signer's clock: frozen time that ticks 1 ms per signature, so attempts differ."""
        self.now += 0.001
        return self.now

    def auth(self) -> KalshiAuth:
        key = serialization.load_pem_private_key(PRIVATE_PEM, password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return KalshiAuth("test-key", key, clock=self.signing_clock)


Handler = Callable[[httpx.Request], httpx.Response]


def _fake_options(handler: Handler, time: FakeTime, config: dict[str, Any]) -> dict[str, Any]:
    return {
        "auth": time.auth(),
        "config": KalshiConfig(base_url=BASE_URL, **config),
        "transport": httpx.MockTransport(handler),
        "clock": time.clock(),
    }


def fake_client(handler: Handler, time: FakeTime | None = None, **config: Any) -> Client:
    """A Client whose requests `handler` answers in-process, on `time`'s frozen clock.

    `config` goes to KalshiConfig (base_url is BASE_URL); sleeps are recorded, never taken.
    """
    time = FakeTime() if time is None else time
    return Client(**_fake_options(handler, time, config), sleep=time.sleep)


def fake_async_client(handler: Handler, time: FakeTime | None = None, **config: Any) -> AsyncClient:
    """The AsyncClient twin of `fake_client` (httpx.MockTransport serves async requests too)."""
    time = FakeTime() if time is None else time
    return AsyncClient(**_fake_options(handler, time, config), sleep=time.async_sleep)


def order_json(body: dict[str, Any], order_id: str, created_s: float) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "user_id": "u1",
        "client_order_id": body["client_order_id"],
        "ticker": body["ticker"],
        "outcome_side": "yes",
        "book_side": body["side"],
        "type": "limit",
        "status": "resting",
        "yes_price_dollars": body["price"],
        "no_price_dollars": "0.5000",
        "fill_count_fp": "0.00",
        "remaining_count_fp": body["count"],
        "initial_count_fp": body["count"],
        "taker_fees_dollars": "0.0000",
        "maker_fees_dollars": "0.0000",
        "taker_fill_cost_dollars": "0.0000",
        "maker_fill_cost_dollars": "0.0000",
        "created_time": "2027-01-15T08:00:00Z",
    }


Fault = Callable[[httpx.Request], httpx.Response | None]


class FakeExchange:
    """Orders keyed by client_order_id; `faults` is a queue of per-request behaviours:
    "drop_before", "drop_after" (processed, then the connection dies), "garbage_after"
    (processed, then a 2xx with an HTML body), an int status, or None."""

    def __init__(self, time: FakeTime) -> None:
        self.time = time
        self.orders: dict[str, dict[str, Any]] = {}
        self.faults: list[str | int | None] = []
        self.requests: list[httpx.Request] = []
        # An attribute, so a test can wrap the exchange's behaviour: `ex.process = wrapper`.
        self.process: Handler = self.answer

    def fail_first_batch_after_one(self, status: int) -> None:
        """The first batch request places only its first order, then answers `status`."""
        original = self.process

        def process(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/batched") and not self.orders:
                self.place(json.loads(request.content)["orders"][0])
                return httpx.Response(status, json={"code": "fault", "message": "injected"})
            return original(request)

        self.process = process

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        fault = self.faults.pop(0) if self.faults else None
        if fault == "drop_before":
            raise httpx.ConnectError("connection refused", request=request)
        if isinstance(fault, int):
            return httpx.Response(
                fault, json={"code": "fault", "message": "injected"}, headers={"Retry-After": "1"}
            )
        response = self.process(request)
        if fault == "drop_after":
            raise httpx.RemoteProtocolError("server disconnected", request=request)
        if fault == "garbage_after":  # processed, then a success status with an unreadable body
            return httpx.Response(response.status_code, content=b"<html>gateway</html>")
        if fault == "undecodable_after":  # processed, then a body that fails to decompress
            return httpx.Response(
                response.status_code, content=b"not gzip", headers={"Content-Encoding": "gzip"}
            )
        return response

    def place(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        cid = body["client_order_id"]
        if cid in self.orders:
            return 409, {"code": "order_already_exists", "message": "client order id exists"}
        order = order_json(body, str(uuid.uuid4()), self.time.now)
        self.orders[cid] = order
        return 201, {
            "order_id": order["order_id"],
            "client_order_id": cid,
            "fill_count": "0.00",
            "remaining_count": body["count"],
            "ts_ms": int(self.time.now * 1000),
        }

    def answer(self, request: httpx.Request) -> httpx.Response:
        """The exchange's own behaviour, without faults."""
        path = request.url.path.removeprefix("/trade-api/v2")
        if request.method == "POST" and path == "/portfolio/events/orders":
            status, payload = self.place(json.loads(request.content))
            return httpx.Response(status, json=payload)
        if request.method == "POST" and path == "/portfolio/events/orders/batched":
            items = []
            for body in json.loads(request.content)["orders"]:
                status, payload = self.place(body)
                items.append(
                    payload
                    if status == 201
                    else {"client_order_id": body["client_order_id"], "error": payload}
                )
            return httpx.Response(201, json={"orders": items})
        if request.method == "GET" and path == "/portfolio/orders":
            ticker = request.url.params.get("ticker")
            orders = [o for o in self.orders.values() if ticker in (None, o["ticker"])]
            return httpx.Response(200, json={"orders": orders, "cursor": ""})
        if request.method == "GET" and path == "/portfolio/balance":
            return httpx.Response(
                200,
                json={
                    "balance": 1000,
                    "balance_dollars": "10.00",
                    "portfolio_value": 0,
                    "updated_ts": 1,
                },
            )
        return httpx.Response(404, json={"code": "not_found", "message": path})

    def client(self, **config: Any) -> Client:
        return fake_client(self.handler, self.time, **config)
