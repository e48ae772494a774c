"""Calls mypy --strict must refuse, each on a line marked `# expect: <error code>` (checked by
tests/typing/test_mypy_calls.py, never run). Excluded from `mypy tests` in pyproject.toml."""

from __future__ import annotations

from kalshi_ext import AsyncClient, Client, KalshiConfig
from kalshi_ext.money import decimal


def sync_calls(client: Client) -> None:
    client.get_orders(tikcer="typo")  # expect: call-arg
    client.get_orders(limit="10")  # expect: arg-type
    client.create_order(ticker="KX", side="sideways", count=1, price="0.5")  # expect: arg-type
    client.create_order(ticker="KX", side="bid", count=1, price=0.5)  # expect: arg-type
    client.get_order(order_id=123)  # expect: arg-type
    client.get_order("ord-1")  # expect: call-arg
    client.iter_fills(page_size="10")  # expect: arg-type
    client.create_order(ticker="KX", side="bid", count=1)  # expect: call-arg
    client.cancel_order.detailed(order_id="o", retry=False)  # expect: call-arg
    client.create_order(ticker="K", side="bid", count=1, price=1, retry="no")  # expect: arg-type
    client.get_balance().balance_dollars.quantize(1)  # expect: attr-defined
    decimal(client.get_balance().balance)  # expect: arg-type
    client.batch_create_orders(orders=[{"ticker": "K", "side": "bid"}])  # expect: typeddict-item
    decimal(client.get_order_group(order_group_id="g").contracts_limit_fp)  # expect: arg-type


async def async_calls(client: AsyncClient) -> None:
    await client.get_orders(tikcer="typo")  # expect: call-arg
    await client.cancel_order(order_id=None)  # expect: arg-type
    client.iter_orders(status=1)  # expect: arg-type


def config_calls() -> None:
    KalshiConfig.demo(timeot=5.0)  # expect: call-arg
    KalshiConfig.production(max_retries="3")  # expect: arg-type
    KalshiConfig.from_env(ws_ping_interval=None)  # expect: arg-type
    KalshiConfig.demo(base_url="https://example.com")  # expect: call-arg
