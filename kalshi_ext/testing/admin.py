"""The local exchange's admin surface: JSON over HTTP under /_admin, and a small client for it.

A bot under test talks to the exchange's Kalshi API; the test (or a person at a shell) scripts
the market through this separate surface on the same loopback port. It is not part of Kalshi's
API, is not signed, and never sees faults or appears in the request log:

    GET    /_admin/markets        the seeded market tickers              -> {"markets": [...]}
    POST   /_admin/settle         {"ticker", "result": "yes"|"no"}
    POST   /_admin/other_orders   {"ticker", "side": "bid"|"ask", "price_cents", "count"}
                                  or "price" (dollars, "0.255") for "price_cents", on any
                                  market's tick                           -> {"order_id": ...}
    POST   /_admin/faults         {"method", "path", "kind", "times"?, "status"?,
                                   "retry_after"?, "delay_s"?, "body"?}
    DELETE /_admin/faults         clear pending faults
    POST   /_admin/reset          fresh account and books, no faults, empty request log

A request that the exchange refuses answers 400 with {"code", "message"}; success answers 200.
`ExchangeAdmin` calls these routes from another process: `ExchangeAdmin.from_env()` finds the
exchange from KALSHI_API_BASE_URL, as `python -m kalshi_ext.testing.exchange` prints it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from kalshi_ext.testing.exchange import LocalExchange

ADMIN_PATH = "/_admin"
BASE_URL_ENV = "KALSHI_API_BASE_URL"

Handler = Callable[[dict[str, Any]], dict[str, Any]]


class AdminError(RuntimeError):
    """The exchange refused an admin request; `message` says why."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(f"admin request refused ({status_code}): {message}")
        self.status_code = status_code
        self.message = message


def _field(body: Mapping[str, Any], name: str, kind: type) -> Any:
    if name not in body:
        raise ValueError(f"missing field {name!r}")
    value = body[name]
    # bool is an int subclass: `"count": true` is a mistake, not 1.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"field {name!r} must be {kind.__name__}, got {value!r}")
    return value


_FAULT_OPTIONS: dict[str, tuple[type, ...]] = {
    "times": (int,),
    "status": (int,),
    "retry_after": (str, type(None)),
    "delay_s": (int, float),
    "body": (dict, type(None)),
}


def _handlers(exchange: LocalExchange) -> dict[tuple[str, str], Handler]:
    def markets(body: dict[str, Any]) -> dict[str, Any]:
        return {"markets": list(exchange.markets)}

    def settle(body: dict[str, Any]) -> dict[str, Any]:
        exchange.settle_market(_field(body, "ticker", str), _field(body, "result", str))
        return {}

    def other_order(body: dict[str, Any]) -> dict[str, Any]:
        ticker, side = _field(body, "ticker", str), _field(body, "side", str)
        count = _field(body, "count", int)
        if "price" in body and "price_cents" in body:
            raise ValueError("give one of 'price' (dollars) or 'price_cents', not both")
        if "price" in body:
            price = _field(body, "price", str)
            order_id = exchange.add_other_order_dollars(ticker, side, price, count)
        else:
            order_id = exchange.add_other_order(
                ticker, side, _field(body, "price_cents", int), count
            )
        return {"order_id": order_id}

    def add_fault(body: dict[str, Any]) -> dict[str, Any]:
        options: dict[str, Any] = {}
        for name, kinds in _FAULT_OPTIONS.items():
            if name in body:
                value = body[name]
                if not isinstance(value, kinds) or isinstance(value, bool):
                    raise ValueError(f"field {name!r} has the wrong type: {value!r}")
                options[name] = value
        unknown = set(body) - set(_FAULT_OPTIONS) - {"method", "path", "kind"}
        if unknown:
            raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
        exchange.inject_fault(
            method=_field(body, "method", str),
            path=_field(body, "path", str),
            kind=_field(body, "kind", str),
            **options,
        )
        return {"pending_faults": exchange.pending_faults}

    def clear_faults(body: dict[str, Any]) -> dict[str, Any]:
        exchange.clear_faults()
        return {}

    def reset(body: dict[str, Any]) -> dict[str, Any]:
        exchange.reset()
        return {}

    return {
        ("GET", "/markets"): markets,
        ("POST", "/settle"): settle,
        ("POST", "/other_orders"): other_order,
        ("POST", "/faults"): add_fault,
        ("DELETE", "/faults"): clear_faults,
        ("POST", "/reset"): reset,
    }


def _endpoint(by_method: dict[str, Handler]) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def endpoint(request: Request) -> JSONResponse:
        handler = by_method[request.method]
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else {}
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
            return JSONResponse(handler(body))
        except ValueError as error:  # json.JSONDecodeError is a ValueError too
            return JSONResponse({"code": "invalid_parameters", "message": str(error)}, 400)

    return endpoint


def build_admin_app(exchange: LocalExchange) -> Starlette:
    """The Starlette app serving the admin routes under /_admin."""
    by_path: dict[str, dict[str, Handler]] = {}
    for (method, path), handler in _handlers(exchange).items():
        by_path.setdefault(path, {})[method] = handler
    return Starlette(
        routes=[
            Route(ADMIN_PATH + path, _endpoint(by_method), methods=list(by_method))
            for path, by_method in by_path.items()
        ]
    )


class AdminFirst:
    """Outermost ASGI layer: /_admin/... goes to the admin app, the rest on to `api`."""

    def __init__(self, api: ASGIApp, admin: ASGIApp) -> None:
        self.api = api
        self.admin = admin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        admin = scope["type"] == "http" and scope["path"].startswith(ADMIN_PATH + "/")
        await (self.admin if admin else self.api)(scope, receive, send)


class ExchangeAdmin:
    """Scripts a running local exchange over its admin routes (from any process).

    admin = ExchangeAdmin.from_env()          # or ExchangeAdmin("http://127.0.0.1:PORT")
    admin.settle_market("KXDEMO-26DEC31-T50", "yes")
    """

    def __init__(self, origin: str, *, timeout: float = 10.0) -> None:
        url = httpx.URL(origin)
        if url.host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"the local exchange runs on loopback only, not {url.host!r}")
        self.url = f"{url.scheme}://{url.netloc.decode()}{ADMIN_PATH}"
        self._http = httpx.Client(timeout=timeout)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ExchangeAdmin:
        """The exchange whose API base URL is in KALSHI_API_BASE_URL."""
        env = os.environ if environ is None else environ
        base_url = env.get(BASE_URL_ENV, "").strip()
        if not base_url:
            raise ValueError(f"{BASE_URL_ENV} is not set: run `python -m kalshi_ext.testing`")
        return cls(base_url)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ExchangeAdmin:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self._http.request(method, self.url + path, json=body)
        payload = response.json()
        if response.status_code != 200:
            raise AdminError(response.status_code, str(payload.get("message", payload)))
        return payload

    def markets(self) -> list[str]:
        return list(self._call("GET", "/markets")["markets"])

    def settle_market(self, ticker: str, result: Literal["yes", "no"]) -> None:
        self._call("POST", "/settle", {"ticker": ticker, "result": result})

    def add_other_order(
        self, ticker: str, side: Literal["bid", "ask"], price_cents: int, count: int
    ) -> str:
        body = {"ticker": ticker, "side": side, "price_cents": price_cents, "count": count}
        return str(self._call("POST", "/other_orders", body)["order_id"])

    def add_other_order_dollars(
        self, ticker: str, side: Literal["bid", "ask"], price: Decimal | str, count: int
    ) -> str:
        """Another trader's order at a dollar price on the market's tick ("0.255")."""
        if not isinstance(price, Decimal | str):
            raise TypeError(f"price must be a Decimal or a str of dollars, got {price!r}")
        body = {"ticker": ticker, "side": side, "price": str(price), "count": count}
        return str(self._call("POST", "/other_orders", body)["order_id"])

    def inject_fault(self, *, method: str, path: str, kind: str, **options: Any) -> None:
        self._call("POST", "/faults", {"method": method, "path": path, "kind": kind, **options})

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def reset(self) -> None:
        self._call("POST", "/reset")
