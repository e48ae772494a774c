"""The benchmarks' local exchange: uvicorn serving a raw ASGI app in a separate process.

The server runs in its own process so that it does not share the client's GIL. Bodies are built
once at start-up, so a request costs the server little more than HTTP parsing. It does not verify
signatures (the benchmarks time the client, not the server) but answers 401 to any request that
lacks one of the three KALSHI-ACCESS-* headers, so an unsigned client cannot pass for a fast one.

Served, under /trade-api/v2:
  GET /portfolio/balance                       -> a fixed GetBalanceResponse
  GET /portfolio/fills?limit=N[&cursor=pK]     -> page K of the fill dataset, N = the page size
                                                  the server was started with; cursors "p1",
                                                  "p2", ... and "" on the last page
"""

from __future__ import annotations

import importlib.util
import json
import multiprocessing
import socket
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import parse_qs

import httpx

BASE_PATH = "/trade-api/v2"
BALANCE_PATH = "/portfolio/balance"
FILLS_PATH = "/portfolio/fills"

BALANCE = {
    "balance": 100000,
    "balance_dollars": "1000.00",
    "portfolio_value": 0,
    "updated_ts": 1700000000,
}
AUTH_HEADERS = frozenset(
    {b"kalshi-access-key", b"kalshi-access-timestamp", b"kalshi-access-signature"}
)
# Any non-empty values pass the presence check; the readiness probe uses these.
PLACEHOLDER_AUTH = {
    "KALSHI-ACCESS-KEY": "bench",
    "KALSHI-ACCESS-TIMESTAMP": "0",
    "KALSHI-ACCESS-SIGNATURE": "x",
}
FIRST_FILL_TS = 1_767_225_600  # 2026-01-01T00:00:00Z

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def fill_template() -> dict[str, Any]:
    """A Fill built from the derived spec's schema, with every required field present."""
    from tests.spec_payloads import example_payload, spec

    schema = spec()["components"]["schemas"]["Fill"]
    template: dict[str, Any] = example_payload(schema)
    missing = set(schema["required"]) - template.keys()
    if missing:
        raise RuntimeError(f"the Fill template lacks required fields {sorted(missing)}")
    return template


def make_fill(template: dict[str, Any], index: int) -> dict[str, Any]:
    """Fill number `index`: the template with ids, tickers, prices and times that vary."""
    ts = FIRST_FILL_TS + index * 7
    yes_cents = index % 99 + 1
    ticker = f"KXBENCH-26JAN{index % 28 + 1:02d}-T{index % 97}"
    fill = dict(template)
    fill.update(
        fill_id=f"{index:08x}-0f11-4000-8000-{index:012x}",
        trade_id=f"{index:08x}-07ad-4000-8000-{index * 31:012x}",
        order_id=f"{index // 3:08x}-0bde-4000-8000-{index // 3:012x}",
        ticker=ticker,
        market_ticker=ticker,
        side="yes" if index % 2 else "no",
        action="buy" if index % 3 else "sell",
        outcome_side="yes" if index % 2 else "no",
        book_side="bid" if index % 5 else "ask",
        count_fp=f"{index % 50 + 1}.00",
        yes_price_dollars=f"0.{yes_cents:02d}00",
        no_price_dollars=f"0.{100 - yes_cents:02d}00",
        is_taker=index % 2 == 0,
        created_time=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts)),
        fee_cost=f"0.{index % 7:02d}00",
        subaccount_number=0,
        ts=ts,
    )
    return fill


def fill_pages(total: int, page_size: int) -> dict[str, bytes]:
    """The GetFillsResponse bodies by the cursor that fetches them ("" for the first)."""
    template = fill_template()
    pages: dict[str, bytes] = {}
    count = max(1, -(-total // page_size))
    for number in range(count):
        start = number * page_size
        fills = [make_fill(template, i) for i in range(start, min(total, start + page_size))]
        next_cursor = f"p{number + 1}" if number + 1 < count else ""
        cursor = f"p{number}" if number else ""
        pages[cursor] = json.dumps({"fills": fills, "cursor": next_cursor}).encode()
    return pages


def server_description() -> str:
    """What serves the benchmarks: uvicorn's "auto" choices (httptools and uvloop when present)."""
    from importlib.metadata import version

    parser = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return f"uvicorn {version('uvicorn')} ({parser}, {loop}) in its own process"


def _error(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


class BenchApp:
    """A raw ASGI app: no framework between uvicorn and the prebuilt bodies."""

    def __init__(self, pages: dict[str, bytes], page_size: int) -> None:
        self.balance = json.dumps(BALANCE).encode()
        self.pages = pages
        self.page_size = str(page_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        status, body = self.route(scope)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def route(self, scope: Scope) -> tuple[int, bytes]:
        present = {name for name, value in scope["headers"] if name in AUTH_HEADERS and value}
        if len(present) != len(AUTH_HEADERS):
            return 401, _error("unauthorized", "missing KALSHI-ACCESS-* headers")
        if scope["method"] != "GET":
            return 405, _error("method_not_allowed", "GET only")
        path = scope["path"]
        if path == BASE_PATH + BALANCE_PATH:
            return 200, self.balance
        if path == BASE_PATH + FILLS_PATH:
            query = parse_qs(scope["query_string"].decode("latin-1"))
            if query.get("limit") != [self.page_size]:
                return 400, _error("bad_request", f"this server serves limit={self.page_size}")
            page = self.pages.get(query.get("cursor", [""])[0])
            if page is None:
                return 400, _error("bad_request", "unknown cursor")
            return 200, page
        return 404, _error("not_found", path)


def _serve(report: Connection, total_fills: int, page_size: int) -> None:
    import uvicorn

    app = BenchApp(fill_pages(total_fills, page_size), page_size)
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets whose proto says TCP,
    # and with proto 0 each response's second write waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)  # connections queue here until uvicorn accepts them
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        server_header=False,
        date_header=False,
        backlog=1024,
        # Longer than any pause between rounds: a pooled connection the server closed while
        # idle would cost a retry, which is not what these benchmarks measure.
        timeout_keep_alive=300,
    )
    report.send(sock.getsockname()[1])
    report.close()
    uvicorn.Server(config).run(sockets=[sock])


@contextmanager
def running_server(
    *, total_fills: int = 0, page_size: int = 1000, start_timeout: float = 120.0
) -> Iterator[str]:
    """Start the server in a child process; yield its REST base URL; stop it on exit."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_serve, args=(sender, total_fills, page_size), name="bench-server", daemon=True
    )
    process.start()
    sender.close()
    try:
        if not receiver.poll(start_timeout):
            raise RuntimeError(f"the bench server did not start within {start_timeout:g} s")
        port = receiver.recv()
        base_url = f"http://127.0.0.1:{port}{BASE_PATH}"
        _wait_until_ready(base_url, process, start_timeout)
        yield base_url
    finally:
        process.terminate()
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join()


def _wait_until_ready(base_url: str, process: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=base_url) as http:
        while True:
            if not process.is_alive():
                raise RuntimeError(f"the bench server exited with code {process.exitcode}")
            try:
                if http.get(BALANCE_PATH, headers=PLACEHOLDER_AUTH).status_code == 200:
                    unsigned = http.get(BALANCE_PATH).status_code
                    if unsigned != 401:
                        raise RuntimeError(f"the bench server answered {unsigned} without auth")
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the bench server accepted no request in time")
            time.sleep(0.05)
