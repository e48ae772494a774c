"""The `kalshi-portfolio` command group, its global options, exit statuses and account views.

Exit statuses: 0 done; 1 an API or network error (one line on stderr naming the typed error and
what to do); 2 a usage or configuration error; 130 interrupted (Ctrl-C), with no traceback and
no partial output file.
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from kalshi_ext.cli.session import Target

F = TypeVar("F", bound=Callable[..., Any])

# What to do about each typed error, by class name (the nearest class in the MRO wins).
ERROR_HINTS: dict[str, str] = {
    "ConfigError": "fix --demo/--base-url or KALSHI_DEMO/KALSHI_API_BASE_URL",
    "KeyLoadError": "set KALSHI_KEY_ID and KALSHI_PRIVATE_KEY_PATH (or KALSHI_PRIVATE_KEY)",
    "LedgerError": "use another --db file",
    "InvalidArgumentError": "fix the argument the message names",
    "AuthenticationError": "check KALSHI_KEY_ID and the private key, and that they belong to "
    "this environment: --demo for demo keys",
    "PermissionDeniedError": "this API key lacks the permission; check its scopes on Kalshi",
    "NotFoundError": "check the id or ticker",
    "BadRequestError": "fix the arguments the message names",
    "ConflictError": "the state changed meanwhile; look at it with `kalshi-portfolio orders`",
    "RateLimitError": "wait a little and run it again",
    "ServerError": "Kalshi is having trouble; run it again later",
    "APIConnectionError": "check the network and the server address, then run it again",
    "ResponseValidationError": "the server's reply was not what the API documents; report it",
    "PaginationError": "run it again; if it repeats, report it",
    "KalshiError": "see the message",
}
USAGE_ERRORS = frozenset({"ConfigError", "KeyLoadError", "LedgerError", "InvalidArgumentError"})


def examples(*lines: str) -> str:
    """An epilog of examples that click prints as written (\b stops its rewrapping)."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


class Moment(click.ParamType):  # type: ignore[type-arg,unused-ignore]
    """A time: YYYY-MM-DD, an ISO 8601 date-time (UTC unless it says otherwise) or Unix
    seconds. A bare date is the start of that day, or its end for --until."""

    name = "TIME"

    def __init__(self, *, end_of_day: bool = False) -> None:
        self.end_of_day = end_of_day

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if text.isdigit():
            return int(text)
        try:
            if len(text) == 10:
                day = datetime.date.fromisoformat(text)
                moment = datetime.datetime.combine(day, datetime.time(), datetime.UTC)
                if self.end_of_day:
                    moment += datetime.timedelta(days=1, seconds=-1)
            else:
                moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=datetime.UTC)
        except ValueError:
            self.fail(f"{text!r} is not a date (2026-01-31), a date-time or Unix seconds")
        return int(moment.timestamp())


def since_until(function: F) -> F:
    function = click.option(
        "--until", type=Moment(end_of_day=True), help="Only up to this time (inclusive)."
    )(function)
    return click.option("--since", type=Moment(), help="Only from this time on.")(function)


def json_flag(function: F) -> F:
    return click.option(
        "--json", "as_json", is_flag=True, help="JSON Lines (one object per line) for scripts."
    )(function)


def limit_option(function: F) -> F:
    return click.option(
        "--limit", type=click.IntRange(min=1), help="At most this many (newest first)."
    )(function)


def list_filters(
    *, ticker: str | None = None, since: int | None = None, until: int | None = None
) -> dict[str, Any]:
    """The iterator filters for the options given (min_ts/max_ts for --since/--until)."""
    given = {"ticker": ticker, "min_ts": since, "max_ts": until}
    return {name: value for name, value in given.items() if value is not None}


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=examples(
        "kalshi-portfolio --local balance            # try it against an embedded exchange",
        "kalshi-portfolio fills --since 2026-01-01 --json",
        "kalshi-portfolio export fills --format csv --out fills.csv",
        "kalshi-portfolio sync --db ledger.sqlite && kalshi-portfolio pnl --db ledger.sqlite",
    ),
)
@click.option("--demo", is_flag=True, help="Use Kalshi's demo environment (as KALSHI_DEMO=1).")
@click.option(
    "--base-url",
    metavar="URL",
    help="The API base URL (as KALSHI_API_BASE_URL), e.g. https://demo-api.kalshi.co/trade-api/v2.",
)
@click.option(
    "--local",
    is_flag=True,
    help="Run against an embedded local exchange with a little history (no account needed).",
)
@click.option("--verbose", "-v", is_flag=True, help="Show each retry on stderr.")
@click.version_option(package_name="kalshi-portfolio", prog_name="kalshi-portfolio")
@click.pass_context
def cli(ctx: click.Context, demo: bool, base_url: str | None, local: bool, verbose: bool) -> None:
    """The Kalshi portfolio from a terminal: balance, orders, fills, positions, settlements,
    exports, a local SQLite ledger and realized P&L.

    Credentials come from the environment, as Client.from_env() reads them: KALSHI_KEY_ID with
    KALSHI_PRIVATE_KEY_PATH (or KALSHI_PRIVATE_KEY); KALSHI_DEMO and KALSHI_API_BASE_URL choose
    the server (--demo and --base-url say the same on the command line).
    """
    ctx.obj = Target(demo=demo, base_url=base_url, local=local)
    _route_retry_log(verbose)


def _route_retry_log(verbose: bool) -> None:
    """The client logs each retry as a WARNING on `kalshi_ext`: shown with --verbose, else kept
    out of stderr, where an error is one line."""
    import logging

    logger = logging.getLogger("kalshi_ext")
    if verbose:
        handler: logging.Handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler = logging.NullHandler()
    logger.addHandler(handler)


# ---- views ----------------------------------------------------------------------------------


@cli.command(epilog=examples("kalshi-portfolio balance", "kalshi-portfolio balance --json"))
@click.option("--json", "as_json", is_flag=True, help="One JSON object for scripts.")
@click.pass_obj
def balance(target: Target, as_json: bool) -> None:
    """The available balance and the portfolio value."""
    from kalshi_ext.cli.output import print_fields, print_json
    from kalshi_ext.cli.session import open_client

    with open_client(target) as client:
        reply = client.get_balance()
    if as_json:
        print_json(reply.to_dict())
        return
    print_fields(
        "Balance",
        [
            ("balance", f"${reply.balance_dollars}"),
            ("portfolio_value", f"${reply.portfolio_value / 100:.2f}"),
            ("updated", _when(reply.updated_ts)),
        ],
    )


def _when(seconds: int) -> str:
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).isoformat().replace("+00:00", "Z")


ORDER_COLUMNS = (
    "order_id", "ticker", "book_side", "yes_price_dollars", "initial_count_fp", "fill_count_fp",
    "remaining_count_fp", "status", "created_time",
)  # fmt: skip
FILL_COLUMNS = (
    "created_time", "ticker", "book_side", "count_fp", "yes_price_dollars", "no_price_dollars",
    "fee_cost", "is_taker", "order_id",
)  # fmt: skip
POSITION_COLUMNS = (
    "ticker", "position_fp", "market_exposure_dollars", "total_traded_dollars",
    "realized_pnl_dollars", "fees_paid_dollars",
)  # fmt: skip
SETTLEMENT_COLUMNS = (
    "settled_time", "ticker", "market_result", "yes_count_fp", "yes_total_cost_dollars",
    "no_count_fp", "no_total_cost_dollars", "revenue", "fee_cost",
)  # fmt: skip
GROUP_COLUMNS = ("id", "contracts_limit_fp", "is_auto_cancel_enabled")


def _show_list(
    target: Target,
    iterator: str,
    model_name: str,
    title: str,
    columns: Sequence[str],
    as_json: bool,
    limit: int | None,
    filters: dict[str, Any],
) -> None:
    from kalshi_ext.cli.output import print_table, write_json_lines
    from kalshi_ext.cli.session import open_client

    with open_client(target) as client:
        pager = getattr(client, iterator)(max_items=limit, **filters)
        if as_json:
            write_json_lines(pager)
            return
        from kalshi_generated import models

        print_table(title, getattr(models, model_name), columns, pager)


@cli.command(
    epilog=examples(
        "kalshi-portfolio orders --status resting",
        "kalshi-portfolio orders --ticker KXHIGHNY-26NOV22-T58 --json | jq .order_id",
    )
)
@click.option(
    "--status", type=click.Choice(["resting", "canceled", "executed"]), help="Only this status."
)
@click.option("--ticker", help="Only this market.")
@limit_option
@json_flag
@click.pass_obj
def orders(
    target: Target, status: str | None, ticker: str | None, limit: int | None, as_json: bool
) -> None:
    """Orders, newest first."""
    filters = list_filters(ticker=ticker)
    if status is not None:
        filters["status"] = status
    _show_list(target, "iter_orders", "Order", "Orders", ORDER_COLUMNS, as_json, limit, filters)


def _dated_list(
    name: str, iterator: str, model_name: str, columns: Sequence[str], doc: str, *lines: str
) -> None:
    """A list command with --ticker, --since/--until, --limit and --json (fills, settlements)."""

    @cli.command(name, help=doc, epilog=examples(*lines))
    @click.option("--ticker", help="Only this market.")
    @since_until
    @limit_option
    @json_flag
    @click.pass_obj
    def command(
        target: Target,
        ticker: str | None,
        since: int | None,
        until: int | None,
        limit: int | None,
        as_json: bool,
    ) -> None:
        filters = list_filters(ticker=ticker, since=since, until=until)
        title = name.capitalize()
        _show_list(target, iterator, model_name, title, columns, as_json, limit, filters)


_dated_list(
    "fills",
    "iter_fills",
    "Fill",
    FILL_COLUMNS,
    "Fills (executions of your orders), newest first.",
    "kalshi-portfolio fills --since 2026-01-01 --until 2026-01-31",
    "kalshi-portfolio fills --ticker KXHIGHNY-26NOV22-T58 --json",
)
_dated_list(
    "settlements",
    "iter_settlements",
    "Settlement",
    SETTLEMENT_COLUMNS,
    "Settlements of markets you held, newest first.",
    "kalshi-portfolio settlements --since 2026-01-01",
    "kalshi-portfolio settlements --json",
)


@cli.command(epilog=examples("kalshi-portfolio positions", "kalshi-portfolio positions --all"))
@click.option("--all", "everything", is_flag=True, help="Also markets traded but now flat.")
@click.option("--ticker", help="Only this market.")
@limit_option
@json_flag
@click.pass_obj
def positions(
    target: Target, everything: bool, ticker: str | None, limit: int | None, as_json: bool
) -> None:
    """Market positions: open ones, or every market traded with --all."""
    filters = list_filters(ticker=ticker)
    filters["count_filter"] = "total_traded" if everything else "position"
    _show_list(
        target,
        "iter_market_positions",
        "MarketPosition",
        "Positions",
        POSITION_COLUMNS,
        as_json,
        limit,
        filters,
    )


@cli.command("order-groups", epilog=examples("kalshi-portfolio order-groups --json"))
@json_flag
@click.pass_obj
def order_groups(target: Target, as_json: bool) -> None:
    """Order groups (contract limits over a rolling window)."""
    from kalshi_ext.cli.output import print_table, write_json_lines
    from kalshi_ext.cli.session import open_client

    with open_client(target) as client:
        reply = client.get_order_groups()
    groups = reply.order_groups if isinstance(reply.order_groups, list) else []
    if as_json:
        write_json_lines(groups)
        return
    from kalshi_generated.models import OrderGroup

    print_table("Order groups", OrderGroup, GROUP_COLUMNS, groups)


def _register_commands() -> None:
    from kalshi_ext.cli import books, export, order, watch

    cli.add_command(order.order)
    cli.add_command(watch.watch)
    cli.add_command(export.export)
    cli.add_command(books.sync)
    cli.add_command(books.pnl)


_register_commands()


# ---- running --------------------------------------------------------------------------------


def error_line(error: BaseException) -> str:
    """`error: TypeName: first line of the message -- what to do`."""
    name = type(error).__name__
    hint = next(
        (ERROR_HINTS[k.__name__] for k in type(error).__mro__ if k.__name__ in ERROR_HINTS),
        "see the message",
    )
    message = (str(error).strip().splitlines() or [""])[0]
    client_order_id = getattr(error, "client_order_id", None)
    if client_order_id:
        hint += (
            f"; the order's client_order_id is {client_order_id}: check `kalshi-portfolio "
            f"orders` before sending it again (--client-order-id {client_order_id})"
        )
    return f"error: {name}: {message} -- {hint}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (the console script exits with it)."""
    try:
        result = cli.main(args=argv, prog_name="kalshi-portfolio", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.UsageError as error:
        error.show()
        return 2
    except click.ClickException as error:  # e.g. a file that cannot be opened
        error.show()
        return error.exit_code
    except (KeyboardInterrupt, click.Abort):
        sys.stderr.write("\ninterrupted\n")
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): nothing more to say, and nothing to flush to it.
        _silence_stdout()
        return 1
    except Exception as error:
        if not _is_typed(error):
            raise
        sys.stderr.write(error_line(error) + "\n")
        return 2 if _usage_error(error) else 1


def _is_typed(error: BaseException) -> bool:
    from kalshi_ext import KalshiError
    from kalshi_ext.ledger import LedgerError

    return isinstance(error, KalshiError | LedgerError)


def _usage_error(error: BaseException) -> bool:
    return any(k.__name__ in USAGE_ERRORS for k in type(error).__mro__)


def _silence_stdout() -> None:
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
