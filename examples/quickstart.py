"""Quickstart: a short trading session through kalshi_ext.Client, printed as tables.

python examples/quickstart.py                      # against a built-in local exchange
python examples/quickstart.py --demo --ticker T    # against Kalshi's demo exchange, with
                                                   # KALSHI_KEY_ID and KALSHI_PRIVATE_KEY_PATH set
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator, Sequence
from decimal import Decimal

from kalshi_ext import Client, KalshiConfig, KalshiError

LOCAL_TICKER = "KXDEMO-26DEC31-T50"


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n== {title}")
    for n, row in enumerate(cells):
        print(
            "  " + "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True))
        )
        if n == 0:
            print("  " + "  ".join("-" * width for width in widths))
    if not rows:
        print("  (none)")


def dollars(cents: int) -> str:
    return f"${Decimal(cents) / 100:,.2f}"


@contextlib.contextmanager
def open_client(demo: bool) -> Iterator[Client]:
    if demo:
        with Client.from_env(demo=True) as client:
            yield client
        return
    from kalshi_ext.testing import LocalExchange

    with LocalExchange() as exchange:
        print(f"local exchange at {exchange.base_url} (throwaway key {exchange.key_id})")
        config = KalshiConfig(base_url=exchange.base_url)
        with Client(
            key_id=exchange.key_id, private_key=exchange.private_key_pem, config=config
        ) as client:
            yield client


def session(client: Client, ticker: str) -> None:
    balance = client.get_balance()
    start_cents = balance.balance
    table(
        "Balance",
        ["balance", "portfolio value"],
        [[dollars(balance.balance), dollars(balance.portfolio_value)]],
    )

    resting = client.create_order(ticker=ticker, side="bid", count=3, price="0.05")
    crossing = client.create_order(
        ticker=ticker, side="bid", count=2, price="0.99", time_in_force="immediate_or_cancel"
    )
    table(
        "Orders placed",
        ["kind", "order id", "client order id", "filled", "remaining"],
        [
            [
                "resting bid 3 @ $0.05",
                resting.order_id,
                resting.client_order_id,
                resting.fill_count,
                resting.remaining_count,
            ],
            [
                "crossing bid 2 @ $0.99 IOC",
                crossing.order_id,
                crossing.client_order_id,
                crossing.fill_count,
                crossing.remaining_count,
            ],
        ],
    )

    orders = list(client.iter_orders(ticker=ticker, page_size=50, max_items=20))
    table(
        "Orders (iter_orders)",
        ["order id", "side", "status", "price", "filled", "remaining"],
        [
            [
                o.order_id,
                o.book_side,
                o.status,
                o.yes_price_dollars,
                o.fill_count_fp,
                o.remaining_count_fp,
            ]
            for o in orders
        ],
    )

    fills = list(client.iter_fills(ticker=ticker, max_items=20))
    table(
        "Fills (iter_fills)",
        ["fill id", "side", "count", "yes price", "fee"],
        [[f.fill_id, f.book_side, f.count_fp, f.yes_price_dollars, f.fee_cost] for f in fills],
    )
    positions = list(client.iter_market_positions(ticker=ticker))
    table(
        "Positions",
        ["ticker", "position", "exposure", "traded"],
        [
            [p.ticker, p.position_fp, p.market_exposure_dollars, p.total_traded_dollars]
            for p in positions
        ],
    )

    amended = client.amend_order(
        order_id=resting.order_id, ticker=ticker, side="bid", price="0.06", count=3
    )
    now = client.get_order(order_id=amended.order_id).order
    table(
        "Amended",
        ["order id", "new price", "remaining"],
        [[now.order_id, now.yes_price_dollars, now.remaining_count_fp]],
    )
    canceled = client.cancel_order(order_id=amended.order_id)
    status = client.get_order(order_id=canceled.order_id).order.status
    table(
        "Canceled",
        ["order id", "reduced by", "status"],
        [[canceled.order_id, canceled.reduced_by, status]],
    )

    final = client.get_balance()
    change = final.balance - start_cents
    table("Final balance", ["balance", "change"], [[dollars(final.balance), dollars(change)]])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--demo", action="store_true", help="use Kalshi's demo exchange")
    parser.add_argument("--ticker", help="market to trade (required with --demo)")
    args = parser.parse_args(argv)
    if args.demo and not args.ticker:
        parser.error("--demo needs --ticker (an open market on the demo exchange)")
    try:
        with open_client(args.demo) as client:
            session(client, args.ticker or LOCAL_TICKER)
    except KalshiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("\ndone")
    return 0


if __name__ == "__main__":
    sys.exit(main())
