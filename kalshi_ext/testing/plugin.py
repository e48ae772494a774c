"""pytest plugin (entry point pytest11): fixtures for testing bots against a LocalExchange.

    def test_my_bot(kalshi_client, kalshi_exchange):
        kalshi_client.create_order(ticker="KXDEMO-26DEC31-T50", side="bid", count=1, price="0.40")
        assert kalshi_exchange.orders

One exchange serves a whole test session; it is reset to its seeded state before each test.
Imported only when a fixture is used, so installing the package does not load starlette/uvicorn
into every pytest run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from kalshi_ext.client import AsyncClient, Client
    from kalshi_ext.testing.exchange import LocalExchange


def _async_fixture_decorator() -> Callable[..., Any]:
    """pytest-asyncio's fixture decorator: in its strict mode (the default) it runs only the
    async fixtures it marked. Without pytest-asyncio (anyio's plugin, say): a plain fixture."""
    try:
        import pytest_asyncio
    except ImportError:
        return pytest.fixture
    return pytest_asyncio.fixture


async_fixture = _async_fixture_decorator()


@pytest.fixture(scope="session")
def _kalshi_exchange_server() -> Iterator[LocalExchange]:
    from kalshi_ext.testing import require_testing_extra

    require_testing_extra()  # a message naming the extra, not uvicorn's ModuleNotFoundError
    from kalshi_ext.testing.exchange import LocalExchange

    with LocalExchange() as exchange:
        yield exchange


@pytest.fixture
def kalshi_exchange(_kalshi_exchange_server: LocalExchange) -> LocalExchange:
    """A running LocalExchange on 127.0.0.1, fresh (seeded books, no orders) for each test."""
    _kalshi_exchange_server.reset()
    return _kalshi_exchange_server


@pytest.fixture
def kalshi_client(kalshi_exchange: LocalExchange) -> Iterator[Client]:
    """A kalshi_ext.Client bound to kalshi_exchange."""
    with kalshi_exchange.client() as client:
        yield client


@async_fixture
async def async_kalshi_client(kalshi_exchange: LocalExchange) -> AsyncIterator[AsyncClient]:
    """A kalshi_ext.AsyncClient bound to kalshi_exchange (needs pytest-asyncio, any mode: mark
    the test `@pytest.mark.asyncio` in its default strict mode)."""
    async with kalshi_exchange.async_client() as client:
        yield client
