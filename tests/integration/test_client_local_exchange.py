"""Client and AsyncClient against the LocalExchange: real signatures, real state, real faults."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from kalshi_ext import AsyncClient, Client, NotFoundError
from kalshi_ext.generated_methods import CreateOrderV2Fields
from kalshi_ext.testing import LocalExchange

TICKER = "KXDEMO-26DEC31-T50"


def test_plugin_fixtures_place_fill_and_cancel(
    kalshi_client: Client, kalshi_exchange: LocalExchange
) -> None:
    """What a user's bot test looks like (the README's own example runs in tests/docs)."""
    resting = kalshi_client.create_order(ticker=TICKER, side="bid", count=2, price="0.05")
    best_ask = kalshi_exchange.book(TICKER).best_ask
    assert best_ask is not None
    crossing = kalshi_client.create_order(
        ticker=TICKER, side="bid", count=1, price=Decimal(best_ask) / 100
    )
    assert Decimal(crossing.fill_count) == 1
    assert [f.ticker for f in kalshi_client.iter_fills()] == [TICKER]
    kalshi_client.cancel_order(order_id=resting.order_id)
    assert kalshi_client.get_order(order_id=resting.order_id).order.status == "canceled"


def test_percent_encoded_id_is_signed_as_sent(
    kalshi_client: Client, kalshi_exchange: LocalExchange
) -> None:
    # A 404 (not a 401) proves the exchange verified the signature over the encoded path.
    with pytest.raises(NotFoundError):
        kalshi_client.get_order(order_id="no such order id?ü#")
    assert kalshi_exchange.requests_log[-1].status == 404
    balance = kalshi_client.get_balance(subaccount=0)
    assert balance.balance > 0


async def test_async_percent_encoded_id_is_signed_as_sent(async_kalshi_client: AsyncClient) -> None:
    with pytest.raises(NotFoundError):
        await async_kalshi_client.get_order(order_id="no such order id?ü#")
    assert (await async_kalshi_client.get_balance()).balance > 0
    # a query string is sent but not signed: the exchange verifies the path alone
    orders = await async_kalshi_client.get_orders(ticker=TICKER, limit=5, status="resting")
    assert orders.cursor is not None


def test_drop_after_processing_leaves_exactly_one_order(
    kalshi_client: Client, kalshi_exchange: LocalExchange
) -> None:
    kalshi_exchange.inject_fault(method="POST", path="/portfolio/events/orders", kind="drop_after")
    detailed = kalshi_client.create_order.detailed(ticker=TICKER, side="bid", count=1, price="0.03")
    mine = [
        o for o in kalshi_exchange.orders if o.client_order_id == detailed.parsed.client_order_id
    ]
    assert len(mine) == 1
    assert mine[0].order_id == detailed.parsed.order_id
    assert detailed.recovered


async def test_async_drop_after_processing_leaves_exactly_one_order(
    async_kalshi_client: AsyncClient, kalshi_exchange: LocalExchange
) -> None:
    await async_kalshi_client.get_balance()  # a pooled connection, as in a running bot
    kalshi_exchange.inject_fault(method="POST", path="/portfolio/events/orders", kind="drop_after")
    created = await async_kalshi_client.create_order(
        ticker=TICKER, side="bid", count=1, price="0.03"
    )
    mine = [o for o in kalshi_exchange.orders if o.client_order_id == created.client_order_id]
    assert [o.order_id for o in mine] == [created.order_id]


def test_batch_drop_after_processing_places_each_order_once(
    kalshi_client: Client, kalshi_exchange: LocalExchange
) -> None:
    kalshi_exchange.inject_fault(
        method="POST", path="/portfolio/events/orders/batched", kind="drop_after"
    )
    orders: list[CreateOrderV2Fields] = [
        {"ticker": TICKER, "side": "bid", "count": 1, "price": f"0.0{n}"} for n in (2, 3, 4)
    ]
    reply = kalshi_client.batch_create_orders(orders=orders)
    ids = [item.client_order_id for item in reply.orders if isinstance(item.client_order_id, str)]
    on_exchange = [o.client_order_id for o in kalshi_exchange.orders if o.client_order_id in ids]
    assert sorted(on_exchange) == sorted(ids) and len(ids) == 3


def test_429_with_retry_after_then_success(kalshi_exchange: LocalExchange) -> None:
    kalshi_exchange.inject_fault(
        method="GET", path="/portfolio/balance", kind="status", status=429, retry_after="0", times=2
    )
    with kalshi_exchange.client(retry_base_delay=0.0, retry_max_delay=0.01) as client:
        detailed = client.get_balance.detailed()
    assert detailed.retries_taken == 2
    assert [r.status for r in kalshi_exchange.requests_log[-3:]] == [429, 429, 200]


def test_drop_before_on_create_is_retried_and_places_once(kalshi_exchange: LocalExchange) -> None:
    kalshi_exchange.inject_fault(method="POST", path="/portfolio/events/orders", kind="drop_before")
    with kalshi_exchange.client(retry_base_delay=0.0) as client:
        created = client.create_order(ticker=TICKER, side="bid", count=1, price="0.04")
    assert [
        o.order_id for o in kalshi_exchange.orders if o.client_order_id == created.client_order_id
    ] == [created.order_id]


def test_wire_format_of_prices_and_counts(kalshi_exchange: LocalExchange) -> None:
    sent: list[dict[str, object]] = []

    def record(request: httpx.Request) -> None:
        if request.method == "POST":
            sent.append(json.loads(request.content))

    with kalshi_exchange.client() as client:
        client.http.event_hooks["request"].append(record)
        client.create_order(ticker=TICKER, side="bid", count=3, price=7)
    assert sent[0]["price"] == "0.0700" and sent[0]["count"] == "3.00"
