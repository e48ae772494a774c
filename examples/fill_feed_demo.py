"""Demo: a fill lost with a dropped connection is still delivered, exactly once.

Runs against a LocalExchange (no credentials, no internet): watch_fills() follows the account's
fills; the exchange cuts the WebSocket while an order fills; the feed reconnects, reads the gap
back from REST and delivers the missed fill once. Then live_portfolio() shows the view.
"""

from __future__ import annotations

from kalshi_ext.testing import LocalExchange

TICKER = "KXDEMO-26DEC31-T50"


def main() -> None:
    with LocalExchange() as exchange, exchange.client() as client:
        feed = client.watch_fills(rest_lag_s=0.0)
        client.create_order(ticker=TICKER, side="bid", count=5, price="0.50")
        exchange.add_other_order(TICKER, "ask", 50, 1)
        first = next(feed)
        print(
            f"fill {first.fill_id[:8]} from the stream: {first.count_fp} @ "
            f"{first.yes_price_dollars}"
        )

        exchange.inject_ws_fault(kind="drop")  # the connection dies without a close frame...
        exchange.add_other_order(TICKER, "ask", 50, 2)  # ...and this fill is never sent on it
        second = next(feed)
        print(f"fill {second.fill_id[:8]} recovered after the drop: {second.count_fp} contracts")
        delivered = {first.fill_id, second.fill_id}
        assert delivered == {f.fill_id for f in exchange.fills}, "a fill went missing"
        point = feed.resume_point
        print(f"resume point: complete before {point.complete_before} (save it, pass it as since=)")
        feed.close()

        with client.live_portfolio() as live:
            (order,) = live.orders.values()
            print(
                f"live: order {order.order_id[:8]} rests {order.remaining_count_fp}, "
                f"position {live.positions[TICKER].position_fp}, balance {live.balance.balance}c"
            )


if __name__ == "__main__":
    main()
