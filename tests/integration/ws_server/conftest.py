"""Fixtures for the WebSocket server tests: one exchange per module, reset before each test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from kalshi_ext.testing import LocalExchange
from tests.integration.ws_kit import FrameChecker, RawWs, Rest, connect


@pytest.fixture(scope="module")
def running() -> Iterator[LocalExchange]:
    with LocalExchange(seed=11) as exchange:
        yield exchange


@pytest.fixture
def ex(running: LocalExchange) -> LocalExchange:
    running.reset()
    return running


@pytest.fixture(scope="module")
def checker() -> FrameChecker:
    return FrameChecker.load()


@pytest.fixture
async def ws(ex: LocalExchange, checker: FrameChecker) -> AsyncIterator[RawWs]:
    """A connection with the exchange's key, every frame it receives schema-checked."""
    async with connect(ex, checker) as connection:
        yield connection


@pytest.fixture
async def rest(ex: LocalExchange) -> AsyncIterator[Rest]:
    client = Rest(ex)
    yield client
    await client.aclose()
