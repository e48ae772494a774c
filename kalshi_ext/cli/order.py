"""`kalshi-portfolio order ...`: create, amend, decrease, cancel and cancel-all, each confirmed."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import click

from kalshi_ext.cli.app import examples
from kalshi_ext.cli.session import Target

TIME_IN_FORCE = {
    "gtc": "good_till_canceled",
    "ioc": "immediate_or_cancel",
    "fok": "fill_or_kill",
}


def _yes_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--yes", "-y", is_flag=True, help="Do it without asking.")(function)


def _json_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="The reply as one JSON object.")(
        function
    )


def confirm(question: str, yes: bool) -> None:
    """Ask on the terminal unless --yes; a script without a terminal must pass --yes."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise click.UsageError(f"{question} -- no terminal to ask on: pass --yes to confirm")
    if not click.confirm(question, default=False, err=True):
        sys.stderr.write("not confirmed: nothing was sent\n")
        raise click.exceptions.Exit(1)


def _price(value: str) -> str:
    from kalshi_ext import price_to_wire

    try:
        return price_to_wire(value)
    except (ValueError, TypeError) as error:
        raise click.BadParameter(str(error), param_hint="--price") from None


def _count(value: str, name: str, *, allow_zero: bool = False) -> str:
    from kalshi_ext import count_to_wire

    try:
        return count_to_wire(value, what=name, allow_zero=allow_zero)
    except (ValueError, TypeError) as error:
        raise click.BadParameter(str(error), param_hint=f"--{name.replace('_', '-')}") from None


def _report(reply: Any, as_json: bool, fields: tuple[str, ...]) -> None:
    from kalshi_ext.cli.output import print_json

    data = reply.to_dict()
    if as_json:
        print_json(data)
        return
    for name in fields:
        if data.get(name) is not None:
            click.echo(f"{name}: {data[name]}")


@click.group(
    epilog=examples(
        "kalshi-portfolio order create --ticker KXHIGHNY-26NOV22-T58 --side bid --count 10 "
        "--price 0.56",
        "kalshi-portfolio order cancel 3f2a... --yes",
    )
)
def order() -> None:
    """Place, change and cancel orders (each asks first unless --yes)."""


@order.command(
    epilog=examples(
        "kalshi-portfolio order create --ticker KXHIGHNY-26NOV22-T58 --side bid --count 10 "
        "--price 0.56",
        "kalshi-portfolio order create --ticker KXHIGHNY-26NOV22-T58 --side ask --count 5 "
        "--price 0.61 --time-in-force ioc --yes --json",
    )
)
@click.option("--ticker", required=True, help="The market.")
@click.option(
    "--side",
    required=True,
    type=click.Choice(["bid", "ask"]),
    help="bid buys YES at --price; ask sells YES (buys NO at 1 - price).",
)
@click.option("--count", required=True, help="Contracts (whole or to 0.01).")
@click.option("--price", required=True, help="The YES price in dollars, e.g. 0.56.")
@click.option(
    "--time-in-force",
    type=click.Choice(sorted(TIME_IN_FORCE)),
    default="gtc",
    show_default=True,
    help="gtc rests; ioc fills what it can now; fok fills all now or nothing.",
)
@click.option("--post-only", is_flag=True, help="Rest only; never take liquidity.")
@click.option("--reduce-only", is_flag=True, help="Only reduce a position.")
@click.option("--order-group-id", help="Put the order in this order group.")
@click.option("--subaccount", type=click.IntRange(0, 63), help="Place it for this subaccount.")
@click.option(
    "--client-order-id",
    help="Your id for the order (default: a new uuid4); resend a failed create with the same id.",
)
@_yes_option
@_json_option
@click.pass_obj
def create(
    target: Target,
    ticker: str,
    side: str,
    count: str,
    price: str,
    time_in_force: str,
    post_only: bool,
    reduce_only: bool,
    order_group_id: str | None,
    subaccount: int | None,
    client_order_id: str | None,
    yes: bool,
    as_json: bool,
) -> None:
    """Place a limit order, exactly once.

    The order carries a client_order_id (printed) that stays the same across retries; when the
    exchange may have received a failed attempt, the order is looked up by it before anything
    is reported, so a retry never places it twice.
    """
    wire_price, wire_count = _price(price), _count(count, "count")
    client_order_id = client_order_id or str(uuid.uuid4())
    fields: dict[str, Any] = {
        "ticker": ticker,
        "side": side,
        "count": wire_count,
        "price": wire_price,
        "time_in_force": TIME_IN_FORCE[time_in_force],
        "client_order_id": client_order_id,
    }
    optional = {
        "post_only": post_only or None,
        "reduce_only": reduce_only or None,
        "order_group_id": order_group_id,
        "subaccount": subaccount,
    }
    fields.update({k: v for k, v in optional.items() if v is not None})
    what = "buy YES" if side == "bid" else "sell YES"
    confirm(
        f"Place {side} ({what}) {wire_count} {ticker} at ${wire_price} "
        f"({TIME_IN_FORCE[time_in_force]})?",
        yes,
    )
    from kalshi_ext.cli.session import open_client

    with open_client(target) as client:
        reply = client.create_order(**fields)
    _report(
        reply,
        as_json,
        ("client_order_id", "order_id", "fill_count", "remaining_count", "average_fill_price"),
    )


@order.command(
    epilog=examples(
        "kalshi-portfolio order amend ORDER_ID --price 0.57",
        "kalshi-portfolio order amend ORDER_ID --price 0.55 --count 20 --yes",
    )
)
@click.argument("order_id")
@click.option("--price", help="The new YES price in dollars (default: unchanged).")
@click.option("--count", help="The new total count (default: unchanged).")
@_yes_option
@_json_option
@click.pass_obj
def amend(
    target: Target, order_id: str, price: str | None, count: str | None, yes: bool, as_json: bool
) -> None:
    """Change a resting order's price and/or count."""
    if price is None and count is None:
        raise click.UsageError("give --price, --count or both")
    new_price = None if price is None else _price(price)
    new_count = None if count is None else _count(count, "count")
    from kalshi_ext.cli.session import open_client

    with open_client(target) as client:
        current = client.get_order(order_id=order_id).order
        wire_price = new_price or current.yes_price_dollars
        # AmendOrder takes the order's total count: what is filled plus what should rest.
        wire_count = new_count or _count(
            str(Decimal(current.fill_count_fp) + Decimal(current.remaining_count_fp)), "count"
        )
        side = current.book_side
        if side not in ("bid", "ask"):  # an open enum on what the server sends
            raise click.ClickException(f"order {order_id} has an unknown book_side {side!r}")
        confirm(
            f"Amend {order_id} ({side} {current.ticker}) to {wire_count} at ${wire_price}?",
            yes,
        )
        reply = client.amend_order(
            order_id=order_id,
            ticker=current.ticker,
            side="bid" if side == "bid" else "ask",
            price=wire_price,
            count=wire_count,
        )
    _report(reply, as_json, ("order_id", "client_order_id", "fill_count", "remaining_count"))


@order.command(
    epilog=examples(
        "kalshi-portfolio order decrease ORDER_ID --by 5",
        "kalshi-portfolio order decrease ORDER_ID --to 2 --yes",
    )
)
@click.argument("order_id")
@click.option("--by", "reduce_by", help="Take this many contracts off the order.")
@click.option("--to", "reduce_to", help="Leave this many contracts resting.")
@_yes_option
@_json_option
@click.pass_obj
def decrease(
    target: Target,
    order_id: str,
    reduce_by: str | None,
    reduce_to: str | None,
    yes: bool,
    as_json: bool,
) -> None:
    """Reduce a resting order's count."""
    if (reduce_by is None) == (reduce_to is None):
        raise click.UsageError("give exactly one of --by or --to")
    by = None if reduce_by is None else _count(reduce_by, "reduce_by")
    to = None if reduce_to is None else _count(reduce_to, "reduce_to", allow_zero=True)
    question = (
        f"Decrease {order_id} by {by}?" if by is not None else f"Decrease {order_id} to {to}?"
    )
    confirm(question, yes)
    from kalshi_ext.cli.session import open_client

    with open_client(target) as client:
        reply = client.decrease_order(order_id=order_id, reduce_by=by, reduce_to=to)
    _report(reply, as_json, ("order_id", "client_order_id", "remaining_count"))


@order.command(epilog=examples("kalshi-portfolio order cancel ORDER_ID --yes"))
@click.argument("order_id")
@_yes_option
@_json_option
@click.pass_obj
def cancel(target: Target, order_id: str, yes: bool, as_json: bool) -> None:
    """Cancel one resting order."""
    confirm(f"Cancel order {order_id}?", yes)
    from kalshi_ext.cli.session import open_client

    with open_client(target) as client:
        reply = client.cancel_order(order_id=order_id)
    _report(reply, as_json, ("order_id", "client_order_id", "reduced_by"))


@order.command(
    "cancel-all",
    epilog=examples("kalshi-portfolio order cancel-all", "kalshi-portfolio order cancel-all --yes"),
)
@click.option("--subaccount", type=click.IntRange(0, 63), help="Only this subaccount's orders.")
@_yes_option
@click.pass_obj
def cancel_all(target: Target, subaccount: int | None, yes: bool) -> None:
    """Cancel every resting order."""
    from kalshi_ext.cli.session import open_client

    with open_client(target) as client:
        resting = sum(1 for _ in client.iter_orders(status="resting", subaccount=subaccount))
        if resting == 0:
            click.echo("no resting orders")
            return
        confirm(f"Cancel all {resting} resting orders?", yes)
        client.cancel_all_orders(subaccount=subaccount)
    click.echo(f"canceled: {resting} resting orders")
