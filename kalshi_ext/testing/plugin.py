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
from typing import TYPE_CHECKING, TypeVar, cast

import pytest

if TYPE_CHECKING:
    from kalshi_ext.client import AsyncClient, Client
    from kalshi_ext.testing.exchange import LocalExchange

F = TypeVar("F", bound=Callable[..., object])


def async_fixture(function: F) -> F:
    """pytest-asyncio's fixture decorator when installed: in its default strict mode it ignores
    async fixtures declared with plain @pytest.fixture. Without it, pytest itself says that
    the async fixture needs a plugin."""
    try:
        import pytest_asyncio
    except ImportError:
        return cast(F, pytest.fixture(function))
    return cast(F, pytest_asyncio.fixture(function))


@pytest.fixture(scope="session")
def _kalshi_exchange_server() -> Iterator[LocalExchange]:
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
    """A kalshi_ext.AsyncClient bound to kalshi_exchange (needs pytest-asyncio)."""
    async with kalshi_exchange.async_client() as client:
        yield client
