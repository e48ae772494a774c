"""LocalExchange: a local Kalshi /portfolio exchange served over HTTP, for tests and the demo.

    with LocalExchange() as ex:                      # or: async with LocalExchange() as ex
        ex.base_url          # "http://127.0.0.1:PORT/trade-api/v2"
        ex.ws_url            # "ws://127.0.0.1:PORT/trade-api/ws/v2"
        ex.key_id, ex.private_key_pem                 # a registered throwaway RSA key
        ex.inject_fault(method="POST", path="/portfolio/events/orders", kind="drop_after")
        ex.settle_market("KXDEMO-26DEC31-T50", "yes")
        ex.inject_ws_fault(kind="drop")                # see kalshi_ext.testing.ws_faults
        ex.orders, ex.fills, ex.positions, ex.requests_log   # snapshots for assertions

It serves the 36 /portfolio operations of Kalshi's OpenAPI 3.31.0 on 127.0.0.1 (an ephemeral
port by default) from a background thread, checks every request's RSA-PSS or Ed25519 signature,
and keeps a coherent account: see `engine` for the market model and `faults` for the fault
semantics. The same port serves Kalshi's WebSocket API for the portfolio channels (`ws`), with
its own faults (`ws_faults`). Run it standalone with `python -m kalshi_ext.testing.exchange`:
it prints the `export KALSHI_...=` lines for `Client.from_env()` and serves `admin`'s routes
under /_admin/.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import ipaddress
import os
import random
import shlex
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from types import FrameType, TracebackType
from typing import Any, Literal, TypeVar

import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.types import ASGIApp

from kalshi_ext.auth import KEY_ID_ENV, KEY_PATH_ENV
from kalshi_ext.client import AsyncClient, Client
from kalshi_ext.config import KalshiConfig
from kalshi_ext.testing.admin import ADMIN_PATH, BASE_URL_ENV, AdminFirst, build_admin_app
from kalshi_ext.testing.engine import SEEDED, Centicents, Engine, Side, dollars_text
from kalshi_ext.testing.exchange_error import ExchangeError
from kalshi_ext.testing.faults import Fault, FaultKind, FaultMiddleware, FaultPlan, ServedRequest
from kalshi_ext.testing.routes import ApiState, build_app
from kalshi_ext.testing.signature_check import KeyRing, PublicKey
from kalshi_ext.testing.views import (
    BookView,
    FillView,
    OrderView,
    PositionView,
    SettlementView,
)
from kalshi_ext.testing.ws import WS_PATH, Handshake, ReceivedCommand, WsServer
from kalshi_ext.testing.ws_faults import WsFault, WsFaultKind

DEFAULT_BASE_PATH = "/trade-api/v2"
DEFAULT_STARTING_BALANCE_CENTS = 1_000_000  # $10,000
MARKET_TICKERS: tuple[str, ...] = tuple(market.ticker for market in SEEDED)
_START_TIMEOUT_S = 10.0

T = TypeVar("T")


@functools.cache
def throwaway_private_key() -> rsa.RSAPrivateKey:
    """One RSA-2048 key per process: generating one takes tens of milliseconds."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _check_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"LocalExchange binds to loopback addresses only, not {host!r}")


class LocalExchange:
    """A local Kalshi exchange: HTTP server, key registry, account state and fault script."""

    def __init__(
        self,
        *,
        seed: int = 0,
        starting_balance_cents: int = DEFAULT_STARTING_BALANCE_CENTS,
        base_path: str = DEFAULT_BASE_PATH,
        host: str = "127.0.0.1",
        port: int = 0,
        max_clock_skew_s: float = 5.0,
        ws_ping_interval_s: float | None = 10.0,
    ) -> None:
        # "" serves at the root, as an OpenAPI mock or proxy addresses it.
        if base_path and (not base_path.startswith("/") or base_path.endswith("/")):
            raise ValueError(f"base_path must start with '/' and not end with one: {base_path!r}")
        if starting_balance_cents < 0:
            raise ValueError("starting_balance_cents must not be negative")
        if max_clock_skew_s < 0:
            raise ValueError("max_clock_skew_s must not be negative")
        if ws_ping_interval_s is not None and ws_ping_interval_s <= 0:
            raise ValueError("ws_ping_interval_s must be positive, or None for no server pings")
        _check_loopback(host)
        self.seed = seed
        self.host = host
        self.base_path = base_path
        self.starting_balance_cents = starting_balance_cents
        # Kalshi pings every 10 s and documents no pong deadline; so does this server.
        self.ws_ping_interval_s = ws_ping_interval_s
        self._requested_port = port
        self._lock = threading.Lock()
        self._keys = KeyRing(max_clock_skew_s=max_clock_skew_s)
        key = throwaway_private_key()
        self.key_id = str(uuid.UUID(int=random.Random(f"key-{seed}").getrandbits(128), version=4))
        self.private_key_pem: bytes = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self._keys.register(self.key_id, key.public_key())
        self._faults = FaultPlan(base_path)
        self._state = ApiState(self._new_engine(), self._lock, self._keys)
        api = build_app(self._state, base_path)
        self._ws = WsServer(FaultMiddleware(api, self._faults), self._keys, clock=self._now)
        self._engine.listener = self._ws.publish
        self.app: ASGIApp = AdminFirst(self._ws, build_admin_app(self))
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    def __repr__(self) -> str:
        where = self.base_url if self._port is not None else "not started"
        return f"LocalExchange({where}, key_id={self.key_id!r})"

    # ---- lifecycle ----------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("LocalExchange is not running: call start() or use `with`")
        return self._port

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.base_path}"

    @property
    def ws_url(self) -> str:
        """The WebSocket endpoint, "ws://127.0.0.1:PORT/trade-api/ws/v2" (any base_path)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self.port}{WS_PATH}"

    def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("LocalExchange is already running")
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=self._requested_port,
            http="h11",  # the drop faults rely on h11's per-request cycle (see faults.py)
            ws="wsproto",  # the same with or without `websockets` installed (ws.py's faults)
            ws_ping_interval=self.ws_ping_interval_s,
            ws_ping_timeout=None,
            lifespan="off",
            proxy_headers=False,
            access_log=False,
            log_level="warning",
            timeout_graceful_shutdown=2,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name="kalshi-local-exchange", daemon=True)
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                thread.join(_START_TIMEOUT_S)
                raise RuntimeError(f"LocalExchange could not start on {self.host}")
            time.sleep(0.005)
        self._server, self._thread = server, thread
        self._port = int(server.servers[0].sockets[0].getsockname()[1])

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._ws.detach()  # open WebSockets (a stalled one above all) would delay shutdown
        server.should_exit = True
        thread.join(_START_TIMEOUT_S)
        self._server = self._thread = None
        self._port = None

    def __enter__(self) -> LocalExchange:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> LocalExchange:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)

    # ---- clients ------------------------------------------------------------------------

    def config(self, **overrides: Any) -> KalshiConfig:
        """A KalshiConfig pointed at this exchange, REST and WebSocket (loopback is allowed)."""
        return KalshiConfig(**{"base_url": self.base_url, "ws_base_url": self.ws_url, **overrides})

    def client(self, **config_overrides: Any) -> Client:
        """A kalshi_ext.Client signed with this exchange's throwaway key; close it (or `with`)."""
        return Client(
            key_id=self.key_id,
            private_key=self.private_key_pem,
            config=self.config(**config_overrides),
        )

    def async_client(self, **config_overrides: Any) -> AsyncClient:
        """A kalshi_ext.AsyncClient signed with this exchange's throwaway key."""
        return AsyncClient(
            key_id=self.key_id,
            private_key=self.private_key_pem,
            config=self.config(**config_overrides),
        )

    def _new_engine(self) -> Engine:
        return Engine(seed=self.seed, starting_balance_cents=self.starting_balance_cents)

    @property
    def _engine(self) -> Engine:
        return self._state.engine

    def _now(self) -> float:
        return self._state.engine.now()

    def reset(self) -> None:
        """Start over: fresh account and books (same seed), no faults, empty logs.

        Open WebSocket connections are cut (a client of the old account must not see the new
        one's frames or take its faults). Registered keys and the server stay, so one running
        exchange can serve many tests.
        """
        engine = self._new_engine()
        engine.listener = self._ws.publish
        with self._lock:
            self._state.engine = engine
        self._faults.clear()
        self._faults.clear_log()
        self._ws.drop_all()
        self._ws.faults.clear()
        self._ws.clear_logs()

    # ---- keys and faults ----------------------------------------------------------------

    def register_key(self, key_id: str, public_key: PublicKey) -> None:
        """Accept requests signed by `public_key` (RSA or Ed25519) under `key_id`."""
        self._keys.register(key_id, public_key)

    def inject_fault(
        self,
        *,
        method: str,
        path: str,
        kind: FaultKind,
        times: int = 1,
        status: int = 503,
        retry_after: str | None = None,
        delay_s: float = 0.0,
        body: dict[str, Any] | None = None,
    ) -> None:
        """Make the next `times` requests matching `method` and `path` fail as `kind` says.

        `path` is a glob below the base path ("/portfolio/events/orders",
        "/portfolio/orders/*"); `method` may be "*". See kalshi_ext.testing.faults.
        """
        self._faults.add(
            Fault(
                method=method,
                path=path,
                kind=kind,
                remaining=times,
                status=status,
                retry_after=retry_after,
                delay_s=delay_s,
                body=body,
            )
        )

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def pending_faults(self) -> int:
        return self._faults.pending()

    @property
    def requests_log(self) -> list[ServedRequest]:
        """(method, path, status, fault) of every request received, oldest first."""
        return self._faults.log()

    def clear_requests_log(self) -> None:
        self._faults.clear_log()

    # ---- WebSocket faults and log -------------------------------------------------------

    def inject_ws_fault(
        self,
        *,
        kind: WsFaultKind,
        times: int = 1,
        code: int | None = None,
        channel: str | None = None,
        delay_s: float = 0.0,
        status: int | None = None,
    ) -> None:
        """Script a WebSocket failure; see kalshi_ext.testing.ws_faults for every kind.

        "drop", "close" (needs `code`), "stall" and "error" with a `channel` act at once on what
        is open and return after they have; the rest wait for the frame or command they change.
        """
        self._ws.inject(
            WsFault(
                kind=kind,
                remaining=times,
                code=code,
                channel=channel,
                delay_s=delay_s,
                status=status,
            )
        )

    def clear_ws_faults(self) -> None:
        self._ws.faults.clear()

    @property
    def pending_ws_faults(self) -> int:
        return self._ws.faults.pending()

    @property
    def ws_handshakes(self) -> list[Handshake]:
        """Every WebSocket upgrade attempt (101 accepted, else the refusal status), oldest first."""
        return self._ws.handshakes

    @property
    def ws_connection_count(self) -> int:
        """WebSocket connections accepted since start (or the last reset)."""
        return self._ws.accepted

    @property
    def ws_open_connections(self) -> int:
        return self._ws.open_connections

    @property
    def ws_commands(self) -> list[ReceivedCommand]:
        """Every frame clients sent, oldest first: connection number, text, parsed JSON."""
        return self._ws.commands

    def clear_ws_log(self) -> None:
        self._ws.clear_logs()

    # ---- scripting the market -----------------------------------------------------------

    def settle_market(self, ticker: str, result: Literal["yes", "no"]) -> None:
        """Settle a market: resting orders are canceled, winning contracts pay 100 cents."""
        if result not in ("yes", "no"):
            raise ValueError(f"result must be 'yes' or 'no', got {result!r}")
        with self._lock:
            self._call(lambda: self._engine.settle(ticker, result))

    def add_other_order(self, ticker: str, side: Side, price_cents: int, count: int) -> str:
        """Another trader's limit order; it trades with resting orders (the account's too)."""
        if side not in ("bid", "ask"):
            raise ValueError(f"side must be 'bid' or 'ask', got {side!r}")
        if not 1 <= price_cents <= 99:
            raise ValueError(f"price_cents must be 1..99, got {price_cents}")
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        with self._lock:
            order = self._call(
                lambda: self._engine.add_other_order(ticker, side, price_cents, count)
            )
            return order.order_id

    def add_other_order_dollars(
        self, ticker: str, side: Side, price: Decimal | str, count: int
    ) -> str:
        """Another trader's limit order at a dollar price on the market's tick ("0.255").

        The finer twin of add_other_order (whole cents): it reaches the sub-penny market's
        $0.001 prices too. A price off the tick or out of range raises ValueError.
        """
        if side not in ("bid", "ask"):
            raise ValueError(f"side must be 'bid' or 'ask', got {side!r}")
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        price_centicents = Centicents(dollars_to_centicents(price))
        with self._lock:
            order = self._call(
                lambda: self._engine.add_other_order(ticker, side, price_centicents, count)
            )
            return order.order_id

    def deposit(self, amount_cents: int) -> None:
        """Record an applied ACH deposit into the primary account."""
        with self._lock:
            self._call(lambda: self._engine.deposit(amount_cents))

    def withdraw(self, amount_cents: int) -> None:
        """Record an applied ACH withdrawal from the primary account's available balance."""
        with self._lock:
            self._call(lambda: self._engine.withdraw(amount_cents))

    @staticmethod
    def _call(action: Callable[[], T]) -> T:
        """Run an engine action; its ExchangeError becomes a ValueError for Python callers."""
        try:
            return action()
        except ExchangeError as error:
            raise ValueError(error.message) from None

    # ---- snapshots ----------------------------------------------------------------------

    @property
    def markets(self) -> tuple[str, ...]:
        return MARKET_TICKERS

    def book(self, ticker: str) -> BookView:
        with self._lock:
            market = self._engine.markets.get(ticker)
            if market is None:
                raise KeyError(ticker)
            return BookView.of(market)

    @property
    def orders(self) -> list[OrderView]:
        """The account's orders, any status, oldest first."""
        with self._lock:
            self._engine.expire()
            return [OrderView.of(o) for o in self._engine.orders.values()]

    @property
    def fills(self) -> list[FillView]:
        with self._lock:
            return [FillView.of(f) for f in self._engine.fills]

    @property
    def positions(self) -> list[PositionView]:
        with self._lock:
            return [PositionView.of(p) for p in self._engine.positions.values()]

    @property
    def settlements(self) -> list[SettlementView]:
        with self._lock:
            return [SettlementView.of(s) for s in self._engine.settlements]

    def balance_cents(self, subaccount: int = 0) -> int:
        """The available balance (cash less resting orders' reserve), as GetBalance reports.

        ValueError after sub-penny trades leave it off whole cents: see balance_centicents.
        """
        with self._lock:
            self._engine.expire()
            return self._call(lambda: self._engine.available_cents(subaccount))

    def cash_cents(self, subaccount: int = 0) -> int:
        """Cash in whole cents (ValueError after sub-penny trades: see cash_centicents)."""
        with self._lock:
            return self._call(lambda: self._engine.account(subaccount).cash_cents)

    def balance_centicents(self, subaccount: int = 0) -> int:
        """balance_cents in centicents (1/10,000 dollar): exact after sub-penny trades."""
        with self._lock:
            self._engine.expire()
            return self._call(lambda: self._engine.available_centicents(subaccount))

    def cash_centicents(self, subaccount: int = 0) -> int:
        """cash_cents in centicents (1/10,000 dollar): exact after sub-penny trades."""
        with self._lock:
            return self._call(lambda: self._engine.account(subaccount).cash_centicents)


def dollars_to_centicents(price: Decimal | str) -> int:
    """A dollar amount ("0.255", Decimal("0.255")) as exact centicents; never through float."""
    if not isinstance(price, Decimal | str):
        raise TypeError(f"price must be a Decimal or a str of dollars, got {price!r}")
    try:
        centicents = Decimal(price).scaleb(4)
    except ArithmeticError:
        raise ValueError(f"price must be a dollar amount such as '0.255', got {price!r}") from None
    if not centicents.is_finite() or centicents != centicents.to_integral_value():
        raise ValueError(f"price {price!r} has more than 4 decimal places")
    return int(centicents)


# ---- command line ----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kalshi_ext.testing.exchange",
        description=(
            "Run a local Kalshi /portfolio exchange on 127.0.0.1 until SIGINT or SIGTERM. "
            "Prints the seeded markets and the `export KALSHI_...=` lines that let a bot run "
            "unchanged with Client.from_env(); scripts the market through /_admin/..."
        ),
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--seed", type=int, default=0, help="seed for ids and the seeded books")
    parser.add_argument(
        "--key-out",
        help="file to write the throwaway private key PEM to, kept on exit "
        "(default: a temp file, removed on exit)",
    )
    args = parser.parse_args(argv)

    exchange = LocalExchange(seed=args.seed, port=args.port)
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    key_path = _write_key(exchange.private_key_pem, args.key_out)
    try:
        with exchange:
            print(startup_text(exchange, key_path), flush=True)
            while not stop.wait(0.5):
                pass
    finally:
        if args.key_out is None:
            os.unlink(key_path)
    return 0


def startup_text(exchange: LocalExchange, key_path: str) -> str:
    """What the standalone exchange prints: shell comments, then `export` lines for a bot."""
    origin = exchange.base_url.removesuffix(exchange.base_path)
    lines = [
        f"# Local Kalshi exchange on {exchange.base_url} (Ctrl-C stops it)",
        f"# WebSocket: {exchange.ws_url}",
        "# Markets:",
    ]
    lines += [
        f"#   {m.ticker}  event {m.event_ticker}, tick ${dollars_text(m.tick_centicents)}, "
        f"book around ${dollars_text(m.mid_centicents)}"
        for m in SEEDED
    ]
    lines += [
        f"# Admin: {origin}{ADMIN_PATH}/ (settle, other_orders, faults, reset)",
        "# Run your bot with Client.from_env() after:",
        f"export {KEY_ID_ENV}={shlex.quote(exchange.key_id)}",
        f"export {KEY_PATH_ENV}={shlex.quote(key_path)}",
        f"export {BASE_URL_ENV}={shlex.quote(exchange.base_url)}",
    ]
    return "\n".join(lines)


def _write_key(pem: bytes, path: str | None) -> str:
    """Write the PEM readable by the owner only; returns its path."""
    if path is None:
        fd, path = tempfile.mkstemp(prefix="kalshi-local-exchange-", suffix=".pem")
    else:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    os.chmod(path, 0o600)
    return path


if __name__ == "__main__":
    sys.exit(main())
