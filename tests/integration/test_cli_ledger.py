"""`kalshi-portfolio sync` and `pnl` end to end: contents, increments, SIGKILL, P&L vs the API."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kalshi_ext import ledger
from kalshi_ext.records import RecordShape
from kalshi_ext.testing import LocalExchange
from tests.integration.cli_support import (
    MARKET,
    SCRIPT,
    THIRD_MARKET,
    exchange_env,
    run_cli,
    trade_history,
)

LIST_PATHS = {
    "fills": "/portfolio/fills",
    "orders": "/portfolio/orders",
    "settlements": "/portfolio/settlements",
    "deposits": "/portfolio/deposits",
    "withdrawals": "/portfolio/withdrawals",
}


@pytest.fixture
def exchange() -> Iterator[LocalExchange]:
    with LocalExchange() as running:
        trade_history(running)
        yield running


def dump(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every synced table's rows, in primary-key order."""
    connection = sqlite3.connect(db)
    try:
        return {
            name: connection.execute(
                f"SELECT * FROM {name} ORDER BY {', '.join(table.primary_key)}"
            ).fetchall()
            for name, table in ledger.TABLES.items()
        }
    finally:
        connection.close()


def api_rows(exchange: LocalExchange) -> dict[str, list[tuple[object, ...]]]:
    """What the ledger should hold: each list from the API as ledger rows."""
    rows = {}
    with exchange.client() as client:
        for name, table in ledger.TABLES.items():
            shape = RecordShape.of(table.model, table.columns)
            filters = {"subaccount": 0} if table.per_subaccount else {}
            items = getattr(client, table.iterator)(**filters)
            got = [(*shape.row(item), table.time_of(item)) for item in items]
            keys = [table.columns.index(k) for k in table.primary_key]
            rows[name] = sorted(
                (tuple(int(v) if isinstance(v, bool) else v for v in row) for row in got),
                key=lambda row: tuple(row[k] for k in keys),
            )
    return rows


def list_requests(exchange: LocalExchange) -> list[str]:
    return [r.path for r in exchange.requests_log if r.path in LIST_PATHS.values()]


def test_sync_stores_every_list_exactly(exchange: LocalExchange, tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite"
    result = run_cli(exchange_env(exchange), "sync", "--db", str(db))
    assert result.code == 0, result.stderr
    stored = dump(db)
    assert stored == api_rows(exchange)
    assert all(stored[name] for name in ledger.TABLES)
    # Amounts are the API's text: "0.5300", not 0.53.
    connection = sqlite3.connect(db)
    prices = connection.execute("SELECT DISTINCT typeof(yes_price_dollars) FROM fills").fetchall()
    assert prices == [("text",)]
    assert connection.execute("PRAGMA user_version").fetchone()[0] == ledger.SCHEMA_VERSION
    connection.close()


def test_a_second_sync_with_nothing_new_costs_one_request_per_table(
    exchange: LocalExchange, tmp_path: Path
) -> None:
    db = tmp_path / "ledger.sqlite"
    env = exchange_env(exchange)
    assert run_cli(env, "sync", "--db", str(db), "--page-size", "3").code == 0
    first = dump(db)
    exchange.clear_requests_log()
    again = run_cli(env, "sync", "--db", str(db))
    assert again.code == 0, again.stderr
    assert sorted(list_requests(exchange)) == sorted(LIST_PATHS.values())
    assert dump(db) == first
    assert "fills: 0 new" in again.stderr


def test_sync_fetches_what_is_new_and_updates_orders(
    exchange: LocalExchange, tmp_path: Path
) -> None:
    db = tmp_path / "ledger.sqlite"
    env = exchange_env(exchange)
    assert run_cli(env, "sync", "--db", str(db)).code == 0
    resting = [o for o in exchange.orders if o.status == "resting"]
    assert resting
    with exchange.client() as client:
        client.cancel_order(order_id=resting[0].order_id)
        client.create_order(
            ticker=THIRD_MARKET, side="ask", count=1, price="0.01",
            time_in_force="immediate_or_cancel",
        )  # fmt: skip
    exchange.deposit(777)
    assert run_cli(env, "sync", "--db", str(db)).code == 0
    assert dump(db) == api_rows(exchange)


def test_sync_refuses_another_server_in_the_same_ledger(
    exchange: LocalExchange, tmp_path: Path
) -> None:
    db = tmp_path / "ledger.sqlite"
    assert run_cli(exchange_env(exchange), "sync", "--db", str(db)).code == 0
    with LocalExchange() as other:
        refused = run_cli(exchange_env(other), "sync", "--db", str(db))
    assert refused.code == 2
    assert refused.stderr.startswith("error: LedgerError: this ledger holds base_url")


def test_sigkill_at_random_points_then_rerun_gives_a_clean_runs_rows(tmp_path: Path) -> None:
    with LocalExchange() as exchange:
        trade_history(exchange, fills=60)
        env = exchange_env(exchange)
        # Slow each page a little, so that most of a run is its walk, not its start-up.
        exchange.inject_fault(
            method="GET", path="/portfolio/*", kind="delay", delay_s=0.04, times=100_000
        )
        args = ["sync", "--page-size", "4"]
        clean = tmp_path / "clean.sqlite"
        started = time.monotonic()
        assert run_cli(env, *args, "--db", str(clean)).code == 0
        clean_run_s = time.monotonic() - started

        killed = tmp_path / "killed.sqlite"
        rng = random.Random(20261130)
        kills = mid_walk = 0
        for _ in range(10):
            process = subprocess.Popen(
                [SCRIPT, *args, "--db", str(killed)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(rng.uniform(0.3, clean_run_s))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills += 1
            process.wait(timeout=60)
            if killed.exists() and _resume_points(killed):
                mid_walk += 1
        assert kills >= 4, "most runs should have been killed before finishing"
        assert mid_walk >= 1, "some kills should have landed in the middle of a walk"
        final = run_cli(env, *args, "--db", str(killed))
        assert final.code == 0, final.stderr
        assert dump(killed) == dump(clean)
        connection = sqlite3.connect(killed)
        assert connection.execute("SELECT COUNT(*) FROM sync_state").fetchone()[0] == 0
        indexes = {
            r[0]
            for r in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        }
        assert indexes == {ix.split()[5] for table in ledger.INDEXES.values() for ix in table}
        connection.close()


def _resume_points(db: Path) -> int:
    connection = sqlite3.connect(db)
    try:
        count: int = connection.execute("SELECT COUNT(*) FROM sync_state").fetchone()[0]
        return count
    except sqlite3.OperationalError:  # killed before the schema was committed
        return 0
    finally:
        connection.close()


class Crash(Exception):
    pass


def test_an_interrupted_walk_resumes_from_its_stored_cursor(tmp_path: Path) -> None:
    with LocalExchange() as exchange, exchange.client() as client:
        trade_history(exchange, fills=30)
        total_pages = len(list(client.iter_fills(page_size=4, subaccount=0).pages()))
        connection = ledger.connect(tmp_path / "ledger.sqlite")

        def crash_after_three(table: str, items: int) -> None:
            if table == "fills":
                pages_seen.append(items)
                if len(pages_seen) == 3:
                    raise Crash()

        pages_seen: list[int] = []
        with pytest.raises(Crash):
            ledger.sync(
                client, connection, tables=["fills"], page_size=4, on_page=crash_after_three
            )
        assert connection.execute("SELECT COUNT(*) FROM fills").fetchone()[0] == 12
        (cursor,) = connection.execute("SELECT cursor FROM sync_state").fetchone()
        assert cursor

        calls: list[dict[str, Any]] = []

        class Recording:
            config = client.config

            def iter_fills(self, **arguments: Any) -> Any:
                calls.append(arguments)
                return client.iter_fills(**arguments)

        (report,) = ledger.sync(Recording(), connection, tables=["fills"], page_size=4)
        # The interrupted walk goes on from its cursor; then a new walk starts from the top.
        assert [c.get("start_cursor") for c in calls] == [cursor, None]
        assert report.pages >= total_pages - 3 + 1
        assert (
            report.new_rows == connection.execute("SELECT COUNT(*) FROM fills").fetchone()[0] - 12
        )
        assert connection.execute("SELECT COUNT(*) FROM sync_state").fetchone()[0] == 0
        connection.close()
        assert dump(tmp_path / "ledger.sqlite")["fills"] == api_rows(exchange)["fills"]


def test_pnl_matches_the_exchanges_realized_pnl(exchange: LocalExchange, tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite"
    env = exchange_env(exchange)
    assert run_cli(env, "sync", "--db", str(db)).code == 0
    result = run_cli(env, "pnl", "--db", str(db), "--json")
    assert result.code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    by_market = {line["key"]: line for line in lines if line["by"] == "market"}
    with exchange.client() as client:
        positions = list(client.iter_market_positions(count_filter="total_traded"))
        deposits = sum(d.amount_cents for d in client.iter_deposits())
        withdrawals = sum(w.amount_cents for w in client.iter_withdrawals())
    assert {p.ticker for p in positions} <= set(by_market)
    for position in positions:
        line = by_market[position.ticker]
        realized = Decimal(line["trading_pnl"]) + Decimal(line["settlement_pnl"])
        assert realized == Decimal(position.realized_pnl_dollars), position.ticker
        assert Decimal(line["fees"]) == Decimal(position.fees_paid_dollars), position.ticker
    (total,) = [line for line in lines if line["by"] == "total"]
    assert Decimal(total["net_deposits"]) == Decimal(deposits - withdrawals) / 100
    # The market held on the NO side settled YES: its settlement P&L is minus its whole cost.
    assert Decimal(by_market["KXWX-26JUN30-T80"]["settlement_pnl"]) < 0
    assert Decimal(by_market[MARKET]["trading_pnl"]) != 0  # part was closed by buying NO


def test_pnl_by_day_and_event_window_and_chart(exchange: LocalExchange, tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite"
    env = exchange_env(exchange)
    assert run_cli(env, "sync", "--db", str(db)).code == 0
    by_event = run_cli(env, "pnl", "--db", str(db), "--by", "event", "--json")
    keys = {json.loads(x)["key"] for x in by_event.stdout.splitlines()}
    assert {"KXDEMO-26DEC31", "KXWX-26JUN30", "(cash)", "total"} <= keys
    by_day = run_cli(env, "pnl", "--db", str(db), "--by", "day", "--json")
    days = [json.loads(x) for x in by_day.stdout.splitlines()]
    assert len(days) == 2 and days[0]["net_pnl"] == days[1]["net_pnl"]
    empty = run_cli(env, "pnl", "--db", str(db), "--since", "2099-01-01", "--json")
    (only_total,) = [json.loads(x) for x in empty.stdout.splitlines()]
    assert only_total["net_pnl"] == "0.00"
    chart = tmp_path / "pnl.png"
    drawn = run_cli(env, "pnl", "--db", str(db), "--chart", str(chart))
    assert drawn.code == 0, drawn.stderr
    assert chart.read_bytes().startswith(b"\x89PNG")
    table = run_cli(env, "pnl", "--db", str(db))
    assert "total" in table.stdout and MARKET in table.stdout


def test_pnl_without_a_ledger_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli({"PATH": "/usr/bin:/bin"}, "pnl", "--db", str(tmp_path / "none.sqlite"))
    assert result.code == 2 and "run sync first" in result.stderr
