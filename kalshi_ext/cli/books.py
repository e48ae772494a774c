"""`kalshi-portfolio sync` and `pnl`: the local SQLite ledger and realized P&L from it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import click

from kalshi_ext.cli.app import Moment, examples
from kalshi_ext.cli.session import Target

LEDGER_TABLES = ("fills", "orders", "settlements", "deposits", "withdrawals")


@click.command(
    epilog=examples(
        "kalshi-portfolio sync --db ledger.sqlite",
        "kalshi-portfolio sync --db ledger.sqlite --table fills --table settlements",
        "sqlite3 ledger.sqlite 'SELECT ticker, count_fp, yes_price_dollars FROM fills LIMIT 5'",
    )
)
@click.option("--db", "db_path", required=True, metavar="PATH", help="The ledger file (SQLite).")
@click.option(
    "--table",
    "tables",
    multiple=True,
    type=click.Choice(LEDGER_TABLES),
    help="Only these lists (repeatable; default all).",
)
@click.option(
    "--overlap",
    type=click.IntRange(min=0),
    default=3600,
    show_default=True,
    metavar="SECONDS",
    help="Refetch this far back before the newest stored item.",
)
@click.option("--subaccount", type=click.IntRange(0, 63), default=0, show_default=True)
@click.option("--page-size", type=click.IntRange(1, 1000), help="Items per request (default: max).")
@click.pass_obj
def sync(
    target: Target,
    db_path: str,
    tables: tuple[str, ...],
    overlap: int,
    subaccount: int,
    page_size: int | None,
) -> None:
    """Bring a local SQLite ledger of fills, orders, settlements, deposits and withdrawals up to
    date: only what is new is fetched, and an interrupted sync resumes where it stopped.

    The schema is documented in docs/cli.md: plain tables named after the lists, columns named
    as the API's fields, amounts as the API's exact decimal text.
    """
    from kalshi_ext import ledger
    from kalshi_ext.cli.output import PageProgress
    from kalshi_ext.cli.session import open_client

    connection = ledger.connect(db_path)
    try:
        with open_client(target) as client, PageProgress("sync") as progress:
            reports = ledger.sync(
                client,
                connection,
                tables=tables or LEDGER_TABLES,
                subaccount=subaccount,
                overlap_s=overlap,
                page_size=page_size,
                on_page=lambda table, items: progress.page(items, f"sync {table}"),
            )
    finally:
        connection.close()
    for report in reports:
        click.echo(
            f"{report.table}: {report.new_rows} new ({report.items} fetched in "
            f"{report.pages} requests)",
            err=True,
        )


@click.command(
    epilog=examples(
        "kalshi-portfolio pnl --db ledger.sqlite",
        "kalshi-portfolio pnl --db ledger.sqlite --by day --since 2026-01-01 --chart pnl.png",
        "kalshi-portfolio pnl --db ledger.sqlite --by event --json",
    )
)
@click.option("--db", "db_path", required=True, metavar="PATH", help="A ledger made by sync.")
@click.option(
    "--by", "group_by", type=click.Choice(["day", "market", "event"]), default="market",
    show_default=True,
)  # fmt: skip
@click.option("--since", type=Moment(), help="Only what was realized from this time on.")
@click.option("--until", type=Moment(end_of_day=True), help="Only up to this time (inclusive).")
@click.option(
    "--chart", metavar="PNG", help="Also draw cumulative net P&L (needs the [plot] extra)."
)
@click.option("--json", "as_json", is_flag=True, help="JSON Lines: one line per group, then total.")
def pnl(
    db_path: str,
    group_by: Any,
    since: int | None,
    until: int | None,
    chart: str | None,
    as_json: bool,
) -> None:
    """Realized P&L from the ledger: settlements, closing trades, fees (from fills), and net
    deposits and withdrawals, per market, event or day."""
    import os

    from kalshi_ext import ledger
    from kalshi_ext import pnl as pnl_module

    if chart is not None:
        _check_plot_extra()
    if not os.path.exists(db_path):
        raise click.BadParameter(f"{db_path} does not exist: run sync first", param_hint="--db")
    connection = ledger.connect(db_path)
    try:
        fills, settlements, deposits, withdrawals = pnl_module.load(connection)
    finally:
        connection.close()
    result = pnl_module.report(
        fills, settlements, deposits, withdrawals, group_by=group_by, since=since, until=until
    )
    if as_json:
        _print_json(result)
    else:
        _print_table(result)
    if chart is not None:
        pnl_module.write_chart(result, chart)
        click.echo(f"wrote {chart}", err=True)


def _check_plot_extra() -> None:
    import importlib.util

    if importlib.util.find_spec("matplotlib") is None:
        raise click.UsageError("--chart needs matplotlib: pip install 'kalshi-portfolio[plot]'")


def _money(value: Decimal) -> str:
    return f"{value:,.2f}" if value == value.quantize(Decimal("0.01")) else f"{value:,}"


def _totals_dict(key: str, totals: Any) -> dict[str, Any]:
    return {
        "key": key,
        "fills": totals.fills,
        "settlements": totals.settled,
        "trading_pnl": str(totals.trading),
        "settlement_pnl": str(totals.settlement),
        "fees": str(totals.fees),
        "net_pnl": str(totals.net),
        "deposits": str(totals.deposits),
        "withdrawals": str(totals.withdrawals),
        "net_deposits": str(totals.net_deposits),
        "cash_fees": str(totals.cash_fees),
    }


def _print_json(result: Any) -> None:
    from kalshi_ext.cli.output import print_json

    for key, totals in result.groups:
        print_json({"by": result.group_by, **_totals_dict(key, totals)})
    print_json({"by": "total", **_totals_dict("total", result.total)})


def _print_table(result: Any) -> None:
    from rich.table import Table

    from kalshi_ext.cli.output import console

    table = Table(title=f"Realized P&L by {result.group_by} (USD)", title_justify="left")
    for name in ("", "fills", "settled", "trading", "settlement", "fees", "net", "net deposits"):
        table.add_column(name, justify="left" if not name else "right", no_wrap=not name)

    def cells(key: str, t: Any) -> list[str]:
        return [
            key, str(t.fills), str(t.settled), _money(t.trading), _money(t.settlement),
            _money(t.fees), _money(t.net), _money(t.net_deposits),
        ]  # fmt: skip

    for key, totals in result.groups:
        table.add_row(*cells(key, totals))
    table.add_section()
    table.add_row(*cells("total", result.total), style="bold")
    table.caption = (
        "net = trading (closing trades) + settlement - fees; deposits and withdrawals are not P&L"
    )
    table.caption_justify = "left"
    console().print(table)
