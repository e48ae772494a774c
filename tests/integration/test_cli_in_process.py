"""The commands run in this process through `kalshi_ext.cli.main` (the console script's function),
so that their code paths are measured by coverage; the subprocess tests are test_cli*.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kalshi_ext.cli import main
from kalshi_ext.testing import LocalExchange
from tests.integration.cli_support import MARKET, THIRD_MARKET, exchange_env, trade_history


@pytest.fixture(scope="module")
def exchange() -> Iterator[LocalExchange]:
    with LocalExchange() as running:
        trade_history(running)
        yield running


@pytest.fixture
def env(exchange: LocalExchange, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in exchange_env(exchange).items():
        if key.startswith("KALSHI_") or key == "COLUMNS":
            monkeypatch.setenv(key, value)


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    "args",
    [
        ["balance"],
        ["balance", "--json"],
        ["orders", "--status", "resting"],
        ["orders", "--json", "--limit", "1"],
        ["fills", "--ticker", MARKET, "--since", "2000-01-01"],
        ["positions", "--all"],
        ["settlements", "--json"],
        ["order-groups"],
        ["order-groups", "--json"],
        ["-v", "fills", "--json"],
    ],
    ids=" ".join,
)
def test_views(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 0
    out = capsys.readouterr().out
    if "--json" in args and args[0] != "balance":
        assert all(json.loads(line) for line in out.splitlines())
    else:
        assert out.strip()


@pytest.mark.usefixtures("env")
def test_export_sync_pnl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for kind in ("fills", "orders", "settlements", "deposits", "withdrawals"):
        assert main(["export", kind, "--out", str(tmp_path / f"{kind}.csv")]) == 0
        assert main(["export", kind, "--format", "jsonl", "--out", "-", "--since", "0"]) == 0
    db = str(tmp_path / "ledger.sqlite")
    assert main(["sync", "--db", db]) == 0
    assert main(["sync", "--db", db, "--table", "fills"]) == 0
    capsys.readouterr()
    for by in ("market", "event", "day"):
        assert main(["pnl", "--db", db, "--by", by]) == 0
        assert main(["pnl", "--db", db, "--by", by, "--json"]) == 0
    assert main(["pnl", "--db", db, "--chart", str(tmp_path / "p.png")]) == 0
    assert (tmp_path / "p.png").exists()
    assert "total" in capsys.readouterr().out


@pytest.mark.usefixtures("env")
def test_orders_and_errors(exchange: LocalExchange, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["order", "create", "--ticker", THIRD_MARKET, "--side", "bid", "--count", "3"]
    assert main([*args, "--price", "0.10", "--yes"]) == 0
    printed = dict(line.split(": ", 1) for line in capsys.readouterr().out.splitlines())
    order_id = printed["order_id"]
    assert main(["order", "amend", order_id, "--price", "0.11", "--yes", "--json"]) == 0
    assert main(["order", "decrease", order_id, "--by", "1", "--yes"]) == 0
    assert main(["order", "decrease", order_id, "--to", "1", "--yes", "--json"]) == 0
    assert main(["order", "cancel", order_id, "--yes", "--json"]) == 0
    assert main(["order", "cancel-all", "--yes"]) == 0
    assert main([*args, "--price", "nope", "--yes"]) == 2
    assert main(["order", "amend", order_id]) == 2
    assert main(["order", "decrease", order_id, "--yes"]) == 2
    assert main(["order", "cancel", "no-such-order", "--yes"]) == 1
    assert main(["fills", "--since", "yesterday"]) == 2
    assert main(["--local", "--demo", "balance"]) == 2
    assert main(["--version"]) == 0
    err = capsys.readouterr().err
    assert "error: NotFoundError:" in err


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize("as_json", [True, False])
def test_watch(exchange: LocalExchange, as_json: bool, capsys: pytest.CaptureFixture[str]) -> None:
    import threading
    import time

    exchange.clear_ws_log()
    codes: list[int] = []
    args = ["watch", "--count", "2", "--ticker", THIRD_MARKET, *(["--json"] if as_json else [])]
    watcher = threading.Thread(target=lambda: codes.append(main(args)))
    watcher.start()
    deadline = time.monotonic() + 60
    while not any(
        isinstance(c.payload, dict) and c.payload.get("cmd") == "subscribe"
        for c in exchange.ws_commands
    ):
        assert time.monotonic() < deadline and watcher.is_alive()
        time.sleep(0.02)
    time.sleep(0.3)
    with exchange.client() as client:
        client.create_order(
            ticker=THIRD_MARKET, side="bid", count=1, price="0.99",
            time_in_force="immediate_or_cancel",
        )  # fmt: skip
    watcher.join(60)
    assert codes == [0]
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    if as_json:
        assert {json.loads(line)["channel"] for line in lines} == {"fill", "user_orders"}
    else:
        assert {line.split()[0] for line in lines} == {"fill", "user_orders"}


def test_local_try_out_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--local", "balance", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["balance_dollars"]


def test_progress_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    from kalshi_ext.cli.output import PageProgress

    with PageProgress("export fills", enabled=True) as progress:
        progress.page(1000)
        progress.page(500, "export fills")
    assert (progress.items, progress.pages) == (1500, 2)
    assert "1,500 items" in capsys.readouterr().err
