"""`kalshi-portfolio watch`: live fills and order updates from the portfolio stream."""

from __future__ import annotations

import json
import sys
from typing import Any

import attrs
import click

from kalshi_ext.cli.app import examples
from kalshi_ext.cli.session import Target

CHANNELS = ("fill", "user_orders", "market_positions", "order_group_updates")
# The fields a line shows per channel (--json has them all), in the stream models' names.
LINE_FIELDS: dict[str, tuple[str, ...]] = {
    "fill": (
        "market_ticker", "book_side", "count_fp", "yes_price_dollars", "fee_cost", "is_taker",
        "order_id", "trade_id",
    ),
    "user_orders": (
        "ticker", "status", "book_side", "yes_price_dollars", "fill_count_fp",
        "remaining_count_fp", "order_id", "client_order_id",
    ),
    "market_positions": (
        "market_ticker", "position_fp", "position_cost_dollars", "realized_pnl_dollars",
        "fees_paid_dollars",
    ),
    "order_group_updates": ("order_group_id", "event_type", "contracts_limit_fp"),
}  # fmt: skip


@click.command(
    epilog=examples(
        "kalshi-portfolio watch",
        "kalshi-portfolio watch --ticker KXHIGHNY-26NOV22-T58 --json",
        "kalshi-portfolio watch --channel fill --channel market_positions --count 10",
    )
)
@click.option("--ticker", "tickers", multiple=True, help="Only these markets (repeatable).")
@click.option(
    "--channel",
    "channels",
    multiple=True,
    type=click.Choice(CHANNELS),
    help="Channels to watch (repeatable; default: fill and user_orders).",
)
@click.option("--count", type=click.IntRange(min=1), help="Stop after this many messages.")
@click.option(
    "--json", "as_json", is_flag=True, help="JSON Lines: channel, seq and the message's fields."
)
@click.pass_obj
def watch(
    target: Target,
    tickers: tuple[str, ...],
    channels: tuple[str, ...],
    count: int | None,
    as_json: bool,
) -> None:
    """Live fills and order updates, one line each, until Ctrl-C (or --count messages).

    What the stream says about itself (a reconnect, messages lost to a slow reader, a sequence
    gap) goes to stderr, one line each: after a reconnect, what happened while the connection
    was down is in `fills` / `orders` (Kalshi does not replay it on the stream).
    """
    from kalshi_ext import StreamMessage
    from kalshi_ext.cli.session import open_client

    seen = 0
    with (
        open_client(target) as client,
        client.stream(channels or ("fill", "user_orders"), tickers or None) as stream,
    ):
        for event in stream:
            if not isinstance(event, StreamMessage):
                sys.stderr.write(_notice(event) + "\n")
                continue
            data = event.msg.to_dict()
            if as_json:
                line = json.dumps(
                    {"channel": event.channel, "seq": event.seq, "msg": data},
                    separators=(",", ":"),
                )
            else:
                line = _line(event.channel, data)
            sys.stdout.write(line + "\n")
            sys.stdout.flush()  # a live view: each message as it comes, also into a pipe
            seen += 1
            if count is not None and seen >= count:
                return


def _line(channel: str, data: dict[str, Any]) -> str:
    fields = LINE_FIELDS.get(channel, tuple(data))
    shown = " ".join(f"{name}={data[name]}" for name in fields if data.get(name) is not None)
    return f"{channel:<19} {shown}"


def _notice(event: Any) -> str:
    fields = attrs.asdict(event, recurse=False) if attrs.has(type(event)) else {}
    detail = ", ".join(f"{k}={v}" for k, v in fields.items() if k != "subscriptions")
    return f"stream: {type(event).__name__} {detail}".rstrip()
