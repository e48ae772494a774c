"""Calls mypy --strict must accept (checked by tests/typing/test_mypy_calls.py, never run)."""

from __future__ import annotations

from decimal import Decimal

from kalshi_ext import AsyncClient, Client, Detailed, KalshiConfig, SyncPager
from kalshi_ext.generated_methods import CreateOrderV2Fields
from kalshi_ext.money import decimal, decimal_or_none, is_set
from kalshi_generated.models import CreateOrderV2Response, Fill, GetOrdersResponse


def sync_calls(client: Client) -> None:
    orders: GetOrdersResponse = client.get_orders(ticker="KX", limit=10, status="resting")
    order = client.create_order(ticker="KX", side="bid", count=10, price="0.56")
    client.create_order(
        ticker="KX",
        side="ask",
        count=Decimal("2.50"),
        price=56,
        time_in_force="immediate_or_cancel",
        tick_size="0.001",
        retry=False,
    )
    client.amend_order(order_id=order.order_id, ticker="KX", side="bid", price="0.57", count=10)
    client.decrease_order(order_id=order.order_id, reduce_by=1)
    base: CreateOrderV2Fields = {"ticker": "KX", "side": "bid", "count": 1, "price": 40}
    client.batch_create_orders(orders=[base, base | {"price": "0.41", "client_order_id": "b"}])
    client.get_queue_positions(market_tickers=["KX-A", "KX-B"])  # sent comma-joined
    client.cancel_order(order_id=order.order_id)
    detailed: Detailed[CreateOrderV2Response] = client.create_order.detailed(
        ticker="KX", side="bid", count=1, price="0.40"
    )
    assert detailed.retries_taken >= 0
    fills: SyncPager[Fill] = client.iter_fills(ticker="KX", page_size=100, max_items=5)
    for fill in fills:
        price: Decimal = decimal(fill.yes_price_dollars)
        fee: Decimal = decimal(fill.fee_cost)
        assert price >= 0 and fee >= 0
    for page in client.iter_orders(status="resting").pages():
        assert page.next_cursor is None or isinstance(page.next_cursor, str)
    balance = client.get_balance()
    assert decimal(balance.balance_dollars) >= 0
    assert orders.cursor is not None
    group = client.get_order_group(order_group_id="g1")
    limit: Decimal | None = decimal_or_none(group.contracts_limit_fp)
    if is_set(group.contracts_limit_fp):
        wire: str = group.contracts_limit_fp
        assert wire and limit is not None


async def async_calls(client: AsyncClient) -> None:
    orders: GetOrdersResponse = await client.get_orders(ticker="KX")
    order = await client.create_order(ticker="KX", side="bid", count=1, price="0.40")
    detailed = await client.cancel_order.detailed(order_id=order.order_id)
    assert detailed.parsed is not None and orders is not None
    async for fill in client.iter_fills(max_items=3):
        assert fill.fill_id


def config_calls() -> None:
    demo = KalshiConfig.demo(timeout=5.0, max_retries=2, total_timeout=None)
    live = KalshiConfig.from_env(demo=True, extra_headers={"X-Bot": "1"}, http2=False)
    assert demo.timeout == 5.0 and live.http2 is False and KalshiConfig.production().is_production
