"""Every kalshi-portfolio command, end to end: the installed console script against LocalExchange."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kalshi_ext.testing import LocalExchange
from tests.integration.cli_support import (
    MARKET,
    SCRIPT,
    THIRD_MARKET,
    Run,
    exchange_env,
    run_cli,
    trade_history,
    wire,
)

COMMANDS = [
    (),
    ("balance",),
    ("orders",),
    ("fills",),
    ("positions",),
    ("settlements",),
    ("order-groups",),
    ("order",),
    ("order", "create"),
    ("order", "amend"),
    ("order", "decrease"),
    ("order", "cancel"),
    ("order", "cancel-all"),
    ("export",),
    ("sync",),
    ("pnl",),
    ("watch",),
]


@pytest.fixture(scope="module")
def history() -> Iterator[LocalExchange]:
    """One exchange with a trading history, shared by the read-only tests."""
    with LocalExchange() as exchange:
        trade_history(exchange)
        yield exchange


@pytest.fixture
def fresh() -> Iterator[LocalExchange]:
    with LocalExchange() as exchange:
        yield exchange


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "top")
def test_every_help_shows_an_example(command: tuple[str, ...]) -> None:
    result = run_cli(dict(os.environ), *command, "--help")
    assert result.code == 0, result.stderr
    assert "Examples:" in result.stdout
    assert f"kalshi-portfolio {command[0] if command else ''}" in result.stdout


def test_python_dash_m_runs_the_same_command() -> None:
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "kalshi_ext", "--help"], capture_output=True, text=True, check=True
    )
    assert "kalshi-portfolio" in done.stdout and "sync" in done.stdout


def test_balance_json_and_table(history: LocalExchange) -> None:
    env = exchange_env(history)
    result = run_cli(env, "balance", "--json")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["balance"] == history.balance_cents()
    assert data["balance_dollars"] == f"{history.balance_cents() / 100:.4f}"
    table = run_cli(env, "balance")
    assert table.code == 0 and data["balance_dollars"] in table.stdout


@pytest.mark.parametrize(
    ("command", "iterator", "filters"),
    [
        (["orders"], "iter_orders", {}),
        (["orders", "--status", "resting"], "iter_orders", {"status": "resting"}),
        (["orders", "--ticker", MARKET], "iter_orders", {"ticker": MARKET}),
        (["fills"], "iter_fills", {}),
        (["fills", "--ticker", THIRD_MARKET], "iter_fills", {"ticker": THIRD_MARKET}),
        (["positions", "--all"], "iter_market_positions", {"count_filter": "total_traded"}),
        (["positions"], "iter_market_positions", {"count_filter": "position"}),
        (["settlements"], "iter_settlements", {}),
    ],
)
def test_lists_as_json_lines_match_the_client(
    history: LocalExchange, command: list[str], iterator: str, filters: dict[str, str]
) -> None:
    result = run_cli(exchange_env(history), *command, "--json")
    assert result.code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    with history.client() as client:
        expected = [wire(item) for item in getattr(client, iterator)(**filters)]
    assert lines == expected
    assert lines, "the history should give every list something to show"


def test_lists_as_tables(history: LocalExchange) -> None:
    env = exchange_env(history)
    for command, needle in [
        ("orders", "resting"),
        ("fills", THIRD_MARKET),
        ("positions", THIRD_MARKET),
        ("settlements", MARKET),
    ]:
        result = run_cli(env, command)
        assert result.code == 0, result.stderr
        assert needle in result.stdout


def test_fills_since_until_and_limit(history: LocalExchange) -> None:
    env = exchange_env(history)
    with history.client() as client:
        everything = list(client.iter_fills())
    assert len(everything) > 2
    future = run_cli(env, "fills", "--since", "2099-01-01", "--json")
    assert future.code == 0 and future.stdout == ""
    past = run_cli(env, "fills", "--until", "2000-01-01", "--json")
    assert past.code == 0 and past.stdout == ""
    window = run_cli(env, "fills", "--since", "2000-01-01", "--until", "2099-12-31", "--json")
    assert len(window.stdout.splitlines()) == len(everything)
    limited = run_cli(env, "fills", "--limit", "2", "--json")
    assert [json.loads(x)["fill_id"] for x in limited.stdout.splitlines()] == [
        f.fill_id for f in everything[:2]
    ]


def test_order_groups(fresh: LocalExchange) -> None:
    with fresh.client() as client:
        group = client.create_order_group(contracts_limit=7)
    result = run_cli(exchange_env(fresh), "order-groups", "--json")
    assert result.code == 0, result.stderr
    (line,) = [json.loads(x) for x in result.stdout.splitlines()]
    assert line["id"] == group.order_group_id
    assert line["contracts_limit_fp"] == "7.00"
    assert group.order_group_id in run_cli(exchange_env(fresh), "order-groups").stdout


# ---- writes ---------------------------------------------------------------------------------


def test_order_create_is_confirmed_and_prints_its_client_order_id(fresh: LocalExchange) -> None:
    env = exchange_env(fresh)
    args = ["order", "create", "--ticker", MARKET, "--side", "bid", "--count", "2"]
    refused = run_cli(env, *args, "--price", "0.40")
    assert refused.code == 2 and "--yes" in refused.stderr
    assert fresh.orders == []

    placed = run_cli(env, *args, "--price", "0.40", "--yes")
    assert placed.code == 0, placed.stderr
    (order,) = fresh.orders
    assert f"client_order_id: {order.client_order_id}" in placed.stdout
    assert f"order_id: {order.order_id}" in placed.stdout
    assert (order.price_cents, order.initial_count, order.status) == (40, 2, "resting")

    as_json = run_cli(env, *args, "--price", "0.41", "--client-order-id", "my-id-1", "-y", "--json")
    assert json.loads(as_json.stdout)["client_order_id"] == "my-id-1"
    again = run_cli(env, *args, "--price", "0.41", "--client-order-id", "my-id-1", "-y")
    assert again.code == 1 and again.stderr.startswith("error: ConflictError:")
    assert len(fresh.orders) == 2


def test_order_create_retried_after_a_dropped_reply_places_once(fresh: LocalExchange) -> None:
    fresh.inject_fault(method="POST", path="/portfolio/events/orders", kind="drop_after")
    result = run_cli(
        exchange_env(fresh), "order", "create", "--ticker", MARKET, "--side", "bid",
        "--count", "1", "--price", "0.30", "--yes", "--json",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    (order,) = fresh.orders
    assert json.loads(result.stdout)["order_id"] == order.order_id


def test_order_create_rejects_bad_values_before_sending(fresh: LocalExchange) -> None:
    result = run_cli(
        exchange_env(fresh), "order", "create", "--ticker", MARKET, "--side", "bid",
        "--count", "1", "--price", "1.50", "--yes",
    )  # fmt: skip
    assert result.code == 2 and "--price" in result.stderr
    assert fresh.requests_log == []


def _answer_on_a_terminal(env: dict[str, str], args: list[str], answer: str) -> Run:
    """Run with a pseudo-terminal on stdin (so the command asks) and type `answer`."""
    import pty

    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            [SCRIPT, *args], env=env, stdin=terminal, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        os.write(controller, answer.encode())
        stdout, stderr = process.communicate(timeout=60)
    finally:
        os.close(controller)
        os.close(terminal)
    return Run(process.returncode, stdout, stderr)


def test_order_confirmation_prompt_on_a_terminal(fresh: LocalExchange) -> None:
    env = exchange_env(fresh)
    args = ["order", "create", "--ticker", MARKET, "--side", "bid", "--count", "1"]
    declined = _answer_on_a_terminal(env, [*args, "--price", "0.20"], "n\n")
    assert declined.code == 1, declined.stderr
    assert "Place bid (buy YES) 1.00 KXDEMO-26DEC31-T50 at $0.2000" in declined.stderr
    assert "nothing was sent" in declined.stderr
    assert fresh.orders == []
    accepted = _answer_on_a_terminal(env, [*args, "--price", "0.20"], "y\n")
    assert accepted.code == 0, accepted.stderr
    assert len(fresh.orders) == 1


def test_amend_decrease_cancel_and_cancel_all(fresh: LocalExchange) -> None:
    env = exchange_env(fresh)
    with fresh.client() as client:
        first = client.create_order(ticker=MARKET, side="bid", count=10, price="0.40").order_id
        second = client.create_order(ticker=MARKET, side="bid", count=3, price="0.41").order_id
        third = client.create_order(ticker=MARKET, side="bid", count=2, price="0.42").order_id

    amended = run_cli(env, "order", "amend", first, "--price", "0.43", "--yes", "--json")
    assert amended.code == 0, amended.stderr
    by_id = {o.order_id: o for o in fresh.orders}
    assert (by_id[first].price_cents, by_id[first].remaining_count) == (43, 10)

    decreased = run_cli(env, "order", "decrease", first, "--by", "4", "--yes")
    assert decreased.code == 0, decreased.stderr
    assert "remaining_count: 6.00" in decreased.stdout
    to_two = run_cli(env, "order", "decrease", first, "--to", "2", "--yes", "--json")
    assert json.loads(to_two.stdout)["remaining_count"] == "2.00"
    both = run_cli(env, "order", "decrease", first, "--to", "1", "--by", "1", "--yes")
    assert both.code == 2

    canceled = run_cli(env, "order", "cancel", second, "--yes")
    assert canceled.code == 0 and "reduced_by: 3.00" in canceled.stdout
    missing = run_cli(env, "order", "cancel", "no-such-order", "--yes")
    assert missing.code == 1 and missing.stderr.startswith("error: NotFoundError:")

    all_of_them = run_cli(env, "order", "cancel-all", "--yes")
    assert all_of_them.code == 0 and "2 resting orders" in all_of_them.stdout
    assert {o.order_id: o.status for o in fresh.orders} == {
        first: "canceled",
        second: "canceled",
        third: "canceled",
    }
    assert run_cli(env, "order", "cancel-all", "--yes").stdout.strip() == "no resting orders"


# ---- export ---------------------------------------------------------------------------------


def test_export_fills_csv_reads_back_as_iter_fills(history: LocalExchange, tmp_path: Path) -> None:
    out = tmp_path / "fills.csv"
    result = run_cli(exchange_env(history), "export", "fills", "--format", "csv", "--out", str(out))
    assert result.code == 0, result.stderr
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    with history.client() as client:
        fills = list(client.iter_fills())
    assert len(rows) == len(fills) > 0
    for row, fill in zip(rows, fills, strict=True):
        expected = wire(fill)
        assert list(row) == [
            "fill_id", "exchange_index", "trade_id", "order_id", "ticker", "market_ticker",
            "outcome_side", "book_side", "count_fp", "yes_price_dollars", "no_price_dollars",
            "is_taker", "fee_cost", "side", "action", "created_time", "subaccount_number", "ts",
        ]  # fmt: skip
        for name in ("fill_id", "ticker", "count_fp", "yes_price_dollars", "no_price_dollars",
                     "fee_cost", "book_side"):  # fmt: skip
            assert row[name] == expected[name]  # exactly the API's text: "0.5300", "12.00"
        assert row["is_taker"] == ("true" if fill.is_taker else "false")
        assert row["ts"] == str(fill.ts)
        assert row["created_time"].endswith("Z")
    assert f"wrote {len(fills)} fills to {out}" in result.stderr
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind


@pytest.mark.parametrize("kind", ["fills", "orders", "settlements", "deposits", "withdrawals"])
def test_export_every_kind_as_jsonl_to_stdout(history: LocalExchange, kind: str) -> None:
    result = run_cli(exchange_env(history), "export", kind, "--format", "jsonl", "--out", "-")
    assert result.code == 0, result.stderr
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    with history.client() as client:
        pager = getattr(client, f"iter_{kind}")()
        sent = [raw for page in pager.pages() for raw in page.raw_items]
        items = list(getattr(client, f"iter_{kind}")())
    assert lines == sent  # each item exactly as the API sent it
    assert [type(item).from_dict(line) for item, line in zip(items, lines, strict=True)] == items


@pytest.mark.parametrize("kind", ["fills", "orders", "settlements", "deposits", "withdrawals"])
def test_export_every_kind_as_csv_has_the_api_fields(history: LocalExchange, kind: str) -> None:
    result = run_cli(exchange_env(history), "export", kind, "--out", "-")
    assert result.code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    with history.client() as client:
        expected = [wire(x) for x in getattr(client, f"iter_{kind}")()]
    assert len(rows) == len(expected) > 0
    for row, item in zip(rows, expected, strict=True):
        assert set(row) >= set(item)  # every field the API sent has its column
        for name, value in item.items():
            if isinstance(value, str) and not name.endswith("_time"):
                assert row[name] == value, name  # text exactly as sent
            elif isinstance(value, bool):
                assert row[name] == str(value).lower()
            elif isinstance(value, int):
                assert row[name] == str(value)
            elif value is None:
                assert row[name] == ""


def test_export_csv_to_stdout_and_time_window(history: LocalExchange) -> None:
    env = exchange_env(history)
    everything = run_cli(env, "export", "deposits", "--format", "csv", "--out", "-")
    rows = list(csv.DictReader(io.StringIO(everything.stdout)))
    assert [int(r["amount_cents"]) for r in rows] == [50_000, 1_000_000]
    none = run_cli(env, "export", "deposits", "--out", "-", "--until", "2000-01-01")
    assert list(csv.DictReader(io.StringIO(none.stdout))) == []
    settled = run_cli(env, "export", "settlements", "--out", "-", "--since", "2099-01-01")
    assert len(settled.stdout.splitlines()) == 1  # the header only


def test_ctrl_c_during_export_exits_130_and_leaves_no_file(
    fresh: LocalExchange, tmp_path: Path
) -> None:
    trade_history(fresh, fills=40)
    fresh.inject_fault(method="GET", path="/portfolio/fills", kind="delay", delay_s=0.5, times=100)
    out = tmp_path / "fills.csv"
    out.write_text("the previous export\n")
    process = subprocess.Popen(
        [SCRIPT, "export", "fills", "--page-size", "5", "--out", str(out)],
        env=exchange_env(fresh),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while len([r for r in fresh.requests_log if r.path.endswith("/fills")]) < 2:
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Traceback" not in stderr and stderr.strip() == "interrupted"
    assert out.read_text() == "the previous export\n"  # untouched, and no partial file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fills.csv"]


# ---- errors and configuration ---------------------------------------------------------------


def test_api_errors_are_one_line_and_exit_1(fresh: LocalExchange) -> None:
    env = dict(exchange_env(fresh), KALSHI_KEY_ID="00000000-0000-4000-8000-000000000000")
    result = run_cli(env, "balance")
    assert result.code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: AuthenticationError: ")
    assert "KALSHI_KEY_ID" in result.stderr
    assert "PRIVATE KEY" not in result.stderr

    fresh.inject_fault(method="GET", path="/portfolio/balance", kind="status", status=503, times=9)
    down = run_cli(exchange_env(fresh), "balance")
    assert down.code == 1 and down.stderr.startswith("error: ServerError: ")
    assert down.stderr.count("\n") == 1
    fresh.clear_faults()
    fresh.inject_fault(method="GET", path="/portfolio/balance", kind="status", status=503)
    verbose = run_cli(exchange_env(fresh), "--verbose", "balance")
    assert verbose.code == 0 and verbose.stderr.startswith("retrying GET")


def test_usage_and_configuration_errors_exit_2(fresh: LocalExchange) -> None:
    env = exchange_env(fresh)
    assert run_cli(env, "export", "fills", "--format", "xml").code == 2
    assert run_cli(env, "no-such-command").code == 2
    assert run_cli(env, "fills", "--since", "yesterday").code == 2
    no_key = {k: v for k, v in env.items() if k != "KALSHI_KEY_ID"}
    missing = run_cli(no_key, "balance")
    assert missing.code == 2 and missing.stderr.startswith("error: KeyLoadError: ")
    conflict = run_cli(
        dict(env, KALSHI_DEMO="1"),
        "--base-url",
        "https://api.elections.kalshi.com/trade-api/v2",
        "balance",
    )
    assert conflict.code == 2 and conflict.stderr.startswith("error: ConfigError: ")
    local = run_cli(env, "--local", "--demo", "balance")
    assert local.code == 2 and "--local" in local.stderr


def test_base_url_flag_reaches_the_server(fresh: LocalExchange) -> None:
    env = {k: v for k, v in exchange_env(fresh).items() if k != "KALSHI_API_BASE_URL"}
    result = run_cli(env, "--base-url", fresh.base_url, "balance", "--json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["balance"] == fresh.balance_cents()


def test_local_try_out_needs_no_account(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KALSHI_")}
    env["COLUMNS"] = "200"
    fills = run_cli(env, "--local", "fills", "--json")
    assert fills.code == 0, fills.stderr
    assert len(fills.stdout.splitlines()) >= 2
    db = tmp_path / "try.sqlite"
    assert run_cli(env, "--local", "sync", "--db", str(db)).code == 0
    pnl = run_cli(env, "pnl", "--db", str(db))
    assert pnl.code == 0, pnl.stderr
    assert "KXDEMO-26DEC31-T50" in pnl.stdout


# ---- watch ----------------------------------------------------------------------------------


def _start_watch(exchange: LocalExchange, *args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [SCRIPT, "watch", *args], env=exchange_env(exchange), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not any(
        isinstance(c.payload, dict) and c.payload.get("cmd") == "subscribe"
        for c in exchange.ws_commands
    ):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "watch never subscribed"
        time.sleep(0.05)
    time.sleep(0.5)  # the subscription's reply
    return process


def test_watch_prints_fills_and_order_updates_as_json_lines(fresh: LocalExchange) -> None:
    process = _start_watch(fresh, "--count", "2", "--json", "--ticker", MARKET)
    with fresh.client() as client:
        client.create_order(
            ticker=MARKET, side="bid", count=2, price="0.99", time_in_force="immediate_or_cancel"
        )
        (fill,) = list(client.iter_fills())
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    lines = [json.loads(line) for line in stdout.splitlines()]
    by_channel = {line["channel"]: line["msg"] for line in lines}
    assert set(by_channel) == {"fill", "user_orders"}
    assert by_channel["fill"]["trade_id"] == fill.fill_id
    assert by_channel["fill"]["count_fp"] == "2.00"
    assert by_channel["user_orders"]["status"] == "executed"


def test_watch_lines_and_ctrl_c(fresh: LocalExchange) -> None:
    process = _start_watch(fresh, "--channel", "user_orders")
    with fresh.client() as client:
        order = client.create_order(ticker=MARKET, side="bid", count=1, price="0.20")
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("user_orders ")
    assert f"order_id={order.order_id}" in line and "status=resting" in line
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Traceback" not in stderr
