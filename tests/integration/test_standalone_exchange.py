"""The local exchange from another process: printed export lines, admin routes, clean exit."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from kalshi_ext import ServerError
from kalshi_ext.testing import LocalExchange
from kalshi_ext.testing.admin import AdminError, ExchangeAdmin
from kalshi_ext.testing.engine import SEEDED_MARKETS

TICKER = "KXDEMO-26DEC31-T50"

# The bot a user would write: nothing about the exchange but what from_env() reads.
BOT = textwrap.dedent(
    f"""
    import json
    from kalshi_ext import Client
    from kalshi_ext.testing.admin import ExchangeAdmin

    with Client.from_env() as client, ExchangeAdmin.from_env() as admin:
        order = client.create_order(
            ticker={TICKER!r}, side="bid", count=2, price="0.99",
            time_in_force="immediate_or_cancel",
        )
        admin.settle_market({TICKER!r}, "yes")
        settlements = [s.ticker for s in client.iter_settlements()]
        print(json.dumps({{
            "filled": order.fill_count,
            "settlements": settlements,
            "balance": client.get_balance().balance,
        }}))
    """
)


class Standalone:
    """`python -m kalshi_ext.testing.exchange` in a child process, read up to its export lines."""

    def __init__(self, errors: IO[str]) -> None:
        self.errors = errors
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kalshi_ext.testing.exchange", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=self.errors,  # a file: an unread pipe could fill and block the child
            text=True,
        )
        assert self.process.stdout is not None
        self.lines: list[str] = []
        self.exports: dict[str, str] = {}
        while len(self.exports) < 3:
            line = self.process.stdout.readline()
            if not line:
                self.errors.seek(0)
                raise AssertionError(f"exchange exited early: {self.errors.read()}")
            self.lines.append(line.rstrip("\n"))
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").strip().partition("=")
                self.exports[name] = shlex.split(value)[0]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            self.errors.seek(0)
            raise AssertionError(f"exchange ignored SIGTERM: {self.errors.read()}") from None
        finally:
            assert self.process.stdout is not None
            self.process.stdout.close()
        return code


@pytest.fixture
def standalone(tmp_path: Path) -> Iterator[Standalone]:
    with (tmp_path / "stderr.txt").open("w+") as errors:
        exchange = Standalone(errors)
        try:
            yield exchange
        finally:
            exchange.stop()


def test_a_bot_runs_with_only_the_printed_exports(standalone: Standalone) -> None:
    assert set(standalone.exports) == {
        "KALSHI_KEY_ID",
        "KALSHI_PRIVATE_KEY_PATH",
        "KALSHI_API_BASE_URL",
    }
    for ticker, _, _ in SEEDED_MARKETS:
        assert any(ticker in line for line in standalone.lines)
    # Only the export lines (and PATH, to find nothing else) reach the bot.
    env = {"PATH": os.environ.get("PATH", ""), **standalone.exports}
    bot = subprocess.run(
        [sys.executable, "-c", BOT], env=env, capture_output=True, text=True, timeout=120
    )
    assert bot.returncode == 0, bot.stderr
    report = json.loads(bot.stdout)
    assert report["filled"] == "2.00"
    assert report["settlements"] == [TICKER]
    # The account's pre-settlement cash plus 2 winning contracts at 100 cents each.
    assert report["balance"] > 1_000_000


def test_the_temp_key_file_is_removed_on_exit(standalone: Standalone) -> None:
    key_path = Path(standalone.exports["KALSHI_PRIVATE_KEY_PATH"])
    assert key_path.exists()
    assert key_path.stat().st_mode & 0o077 == 0, "readable by its owner only"
    assert standalone.stop() == 0
    assert not key_path.exists()


@pytest.fixture(scope="module")
def exchange() -> Iterator[LocalExchange]:
    with LocalExchange() as running:
        yield running


@pytest.fixture
def admin(exchange: LocalExchange) -> Iterator[ExchangeAdmin]:
    exchange.reset()
    with ExchangeAdmin.from_env({"KALSHI_API_BASE_URL": exchange.base_url}) as scripted:
        yield scripted


def test_admin_lists_markets_and_adds_another_traders_order(
    exchange: LocalExchange, admin: ExchangeAdmin
) -> None:
    assert admin.markets() == list(exchange.markets)
    best_ask = exchange.book(TICKER).best_ask
    assert best_ask is not None
    order_id = admin.add_other_order(TICKER, "ask", best_ask - 1, 7)
    assert exchange.book(TICKER).asks[0] == (best_ask - 1, 7)
    with exchange.client() as client:
        placed = client.create_order(
            ticker=TICKER,
            side="bid",
            count=7,
            price=best_ask - 1,  # an int price is in cents
            time_in_force="immediate_or_cancel",
        )
    assert placed.fill_count == "7.00"
    assert order_id not in {o.order_id for o in exchange.orders}, "not the account's order"


def test_admin_injects_and_clears_faults_outside_the_request_log(
    exchange: LocalExchange, admin: ExchangeAdmin
) -> None:
    admin.inject_fault(method="GET", path="/portfolio/balance", kind="status", status=500)
    with exchange.client(max_retries=0) as client, pytest.raises(ServerError):
        client.get_balance()
    admin.inject_fault(method="GET", path="/portfolio/balance", kind="status", times=3)
    assert exchange.pending_faults == 3
    admin.clear_faults()
    assert exchange.pending_faults == 0
    assert [(r.path, r.status) for r in exchange.requests_log] == [("/portfolio/balance", 500)]


def test_admin_reset_and_settle(exchange: LocalExchange, admin: ExchangeAdmin) -> None:
    with exchange.client() as client:
        client.create_order(ticker=TICKER, side="bid", count=1, price="0.10")
    assert exchange.orders
    admin.reset()
    assert exchange.orders == []
    admin.settle_market(TICKER, "no")
    with pytest.raises(AdminError, match="has settled"):
        admin.settle_market(TICKER, "no")


@pytest.mark.parametrize(
    ("route", "body", "message"),
    [
        ("/settle", {"ticker": TICKER, "result": "maybe"}, "result must be 'yes' or 'no'"),
        ("/settle", {"result": "yes"}, "missing field 'ticker'"),
        ("/other_orders", {"ticker": TICKER, "side": "bid", "price_cents": 0, "count": 1}, "1..99"),
        (
            "/other_orders",
            {"ticker": TICKER, "side": "bid", "price_cents": 5, "count": True},
            "must be int",
        ),
        ("/faults", {"method": "GET", "path": "/x", "kind": "explode"}, "kind must be one of"),
        (
            "/faults",
            {"method": "GET", "path": "/x", "kind": "status", "tims": 2},
            "unknown fields: tims",
        ),
    ],
)
def test_admin_refuses_bad_requests_with_a_reason(
    admin: ExchangeAdmin, route: str, body: dict[str, object], message: str
) -> None:
    with pytest.raises(AdminError, match=message) as caught:
        admin._call("POST", route, body)
    assert caught.value.status_code == 400


def test_admin_refuses_a_body_that_is_not_a_json_object(exchange: LocalExchange) -> None:
    import httpx

    origin = exchange.base_url.removesuffix(exchange.base_path)
    response = httpx.post(f"{origin}/_admin/settle", content=b"[1, 2]")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameters"


def test_admin_is_for_loopback_exchanges_only() -> None:
    with pytest.raises(ValueError, match="loopback"):
        ExchangeAdmin("https://api.elections.kalshi.com")
    with pytest.raises(ValueError, match="KALSHI_API_BASE_URL is not set"):
        ExchangeAdmin.from_env({})
