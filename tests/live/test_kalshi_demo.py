"""Opt-in checks against Kalshi's demo exchange (paper money): KALSHI_LIVE_DEMO=1 runs them.

They need the demo key in the environment (KALSHI_KEY_ID and KALSHI_PRIVATE_KEY_PATH or
KALSHI_PRIVATE_KEY) and the network; every other run skips them. They only read: balance,
pages of orders and fills, the stream's handshake and subscriptions. Run with
`KALSHI_LIVE_DEMO=1 .venv/bin/python -m pytest -q tests/live`.
"""

from __future__ import annotations

import os
from decimal import Decimal

import pytest

from kalshi_ext import AsyncClient, Client

pytestmark = pytest.mark.skipif(
    os.environ.get("KALSHI_LIVE_DEMO") != "1",
    reason="live demo checks are opt-in: KALSHI_LIVE_DEMO=1 with a demo key in the environment",
)


@pytest.fixture
def demo_client() -> Client:
    return Client.from_env(demo=True)


def test_balance_and_pages_read_from_the_demo_exchange(demo_client: Client) -> None:
    with demo_client as client:
        balance = client.get_balance()
        assert balance.balance >= 0
        assert Decimal(balance.balance_dollars) >= 0
        orders = list(client.iter_orders(page_size=5, max_items=5))
        fills = list(client.iter_fills(page_size=5, max_items=5))
        assert len(orders) <= 5 and len(fills) <= 5


def test_the_stream_handshake_is_accepted_and_subscribes(demo_client: Client) -> None:
    with demo_client as client, client.stream(["fill", "user_orders"]) as stream:
        subscribed = {subscription.channel for subscription in stream.list_subscriptions()}
        assert subscribed == {"fill", "user_orders"}


async def test_the_async_client_reads_the_balance() -> None:
    async with AsyncClient.from_env(demo=True) as client:
        assert (await client.get_balance()).balance >= 0
