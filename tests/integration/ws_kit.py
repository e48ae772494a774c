"""A raw WebSocket client for testing LocalExchange's WebSocket side, independent of kalshi_ext.

`RawWs` speaks aiohttp's WebSocket client directly and checks every frame it receives against
the payload schema of Kalshi's AsyncAPI document (the upstream copy in ../shared, read-only).
`Rest` places orders and manages order groups over plain signed httpx.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable, Generator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import jsonschema
import yaml
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from kalshi_ext.testing import LocalExchange

UPSTREAM = (
    Path(__file__).resolve().parents[3] / "shared" / "upstream" / "kalshi-asyncapi-2.0.0.yaml"
)
WS_PATH = "/trade-api/ws/v2"
T50 = "KXDEMO-26DEC31-T50"
T60 = "KXDEMO-26DEC31-T60"
WX = "KXWX-26JUN30-T80"
TIMEOUT_S = 10.0  # generous: the machine is shared

# Frame `type` -> the AsyncAPI payload schema it must satisfy (`ok` has two shapes).
PAYLOAD_SCHEMAS = {
    "fill": "fillPayload",
    "user_order": "userOrderPayload",
    "market_position": "marketPositionPayload",
    "order_group_updates": "orderGroupUpdatesPayload",
    "subscribed": "subscribedResponsePayload",
    "unsubscribed": "unsubscribedResponsePayload",
    "error": "errorResponsePayload",
}
_URI = "urn:kalshi-asyncapi"


class FrameChecker:
    """Validates frames against the upstream AsyncAPI payload schemas (JSON Schema 2020-12)."""

    def __init__(self, document: dict[str, Any]) -> None:
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(_URI, resource)
        self.validators: dict[str, jsonschema.protocols.Validator] = {}

    @classmethod
    def load(cls) -> FrameChecker:
        return cls(yaml.safe_load(UPSTREAM.read_text(encoding="utf-8")))

    def validator(self, schema_name: str) -> jsonschema.protocols.Validator:
        if schema_name not in self.validators:
            schema = {"$ref": f"{_URI}#/components/schemas/{schema_name}"}
            self.validators[schema_name] = jsonschema.Draft202012Validator(
                schema,
                registry=self.registry,
                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
            )
        return self.validators[schema_name]

    def schema_for(self, frame: dict[str, Any]) -> str:
        kind = frame.get("type")
        if kind == "ok":
            is_list = isinstance(frame.get("msg"), list)
            return "listSubscriptionsResponsePayload" if is_list else "okResponsePayload"
        assert kind in PAYLOAD_SCHEMAS, f"unexpected frame type {kind!r}: {frame}"
        return PAYLOAD_SCHEMAS[kind]

    def check(self, frame: dict[str, Any]) -> None:
        self.validator(self.schema_for(frame)).validate(frame)


def sign(key: rsa.RSAPrivateKey, message: str) -> str:
    signature = key.sign(
        message.encode(),
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=hashes.SHA256.digest_size),
        hashes.SHA256(),
    )
    return base64.b64encode(signature).decode()


def load_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def ws_headers(
    ex: LocalExchange,
    *,
    timestamp_ms: int | None = None,
    path: str = WS_PATH,
    key_id: str | None = None,
    key: rsa.RSAPrivateKey | None = None,
) -> dict[str, str]:
    """The signed handshake headers; the overrides make a bad handshake on purpose."""
    timestamp = str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)
    signer = key if key is not None else load_key(ex.private_key_pem)
    return {
        "KALSHI-ACCESS-KEY": key_id or ex.key_id,
        "KALSHI-ACCESS-TIMESTAMP": timestamp,
        "KALSHI-ACCESS-SIGNATURE": sign(signer, f"{timestamp}GET{path}"),
    }


class RawWs:
    """One WebSocket connection: numbered commands, and frames checked as they arrive."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, checker: FrameChecker) -> None:
        self.ws = ws
        self.checker = checker
        self.next_id = 1
        self.received: list[dict[str, Any]] = []

    async def send(self, cmd: str, params: dict[str, Any] | None = None, **extra: Any) -> int:
        """Send a command with the next id; returns the id."""
        command_id = self.next_id
        self.next_id += 1
        payload: dict[str, Any] = {"id": command_id, "cmd": cmd, **extra}
        if params is not None:
            payload["params"] = params
        await self.ws.send_str(json.dumps(payload))
        return command_id

    async def recv(self, timeout: float = TIMEOUT_S) -> dict[str, Any]:
        message = await self.ws.receive(timeout=timeout)
        assert message.type == aiohttp.WSMsgType.TEXT, (message.type, message.data)
        frame: dict[str, Any] = json.loads(message.data)
        self.checker.check(frame)
        self.received.append(frame)
        return frame

    async def recv_until(
        self, done: Callable[[dict[str, Any]], bool], timeout: float = TIMEOUT_S
    ) -> list[dict[str, Any]]:
        """Frames up to and including the first one for which `done` is true."""
        frames: list[dict[str, Any]] = []
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            assert left > 0, f"timed out; got {frames}"
            frame = await self.recv(left)
            frames.append(frame)
            if done(frame):
                return frames

    async def reply(self, command_id: int) -> list[dict[str, Any]]:
        """Frames up to and including the first one answering `command_id`."""
        return await self.recv_until(lambda f: f.get("id") == command_id)

    async def subscribe(self, channels: list[str], **params: Any) -> dict[str, int]:
        """channel -> sid, after every `subscribed` reply arrived."""
        command_id = await self.send("subscribe", {"channels": channels, **params})
        sids: dict[str, int] = {}
        while len(sids) < len(channels):
            frame = (await self.reply(command_id))[-1]
            assert frame["type"] == "subscribed", frame
            sids[frame["msg"]["channel"]] = frame["msg"]["sid"]
        return sids

    async def barrier(self) -> list[dict[str, Any]]:
        """Data frames that arrive before the reply to a list_subscriptions sent now.

        Frames for an account change made before this call are queued before the reply, since
        the server fans a change out before it reads the next command.
        """
        frames = await self.reply(await self.send("list_subscriptions"))
        return frames[:-1]


@asynccontextmanager
async def connect(
    ex: LocalExchange,
    checker: FrameChecker,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> AsyncIterator[RawWs]:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(ex.ws_url, headers=headers or ws_headers(ex), **kwargs) as ws,
    ):
        yield RawWs(ws, checker)


class Signer(httpx.Auth):
    def __init__(self, key_id: str, key: rsa.RSAPrivateKey) -> None:
        self.key_id, self.key = key_id, key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        timestamp = str(int(time.time() * 1000))
        path = request.url.raw_path.split(b"?")[0].decode()
        request.headers["KALSHI-ACCESS-KEY"] = self.key_id
        request.headers["KALSHI-ACCESS-TIMESTAMP"] = timestamp
        request.headers["KALSHI-ACCESS-SIGNATURE"] = sign(
            self.key, f"{timestamp}{request.method}{path}"
        )
        yield request


class Rest:
    """Signed REST calls to the exchange, answered as JSON (asserting success)."""

    def __init__(self, ex: LocalExchange) -> None:
        self.client = httpx.AsyncClient(
            base_url=ex.base_url, auth=Signer(ex.key_id, load_key(ex.private_key_pem)), timeout=10
        )

    async def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = await self.client.request(method, path, **kwargs)
        assert response.is_success, response.text
        return response.json() if response.content else {}

    async def order(
        self,
        ticker: str = T50,
        side: str = "bid",
        price: str = "0.51",
        count: int = 1,
        **extra: Any,
    ) -> dict[str, Any]:
        body = {
            "ticker": ticker,
            "side": side,
            "count": str(count),
            "price": price,
            "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "taker_at_cross",
            "client_order_id": str(uuid.uuid4()),
            **extra,
        }
        return await self.call("POST", "/portfolio/events/orders", json=body)

    async def fills(self) -> list[dict[str, Any]]:
        fills: list[dict[str, Any]] = (await self.call("GET", "/portfolio/fills"))["fills"]
        return fills

    async def aclose(self) -> None:
        await self.client.aclose()
