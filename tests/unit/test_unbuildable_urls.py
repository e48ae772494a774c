"""A request whose URL httpx cannot build (an argument, or a server's cursor, longer than httpx
takes) is a typed error, never httpx.InvalidURL; an order call's lookup that cannot be built
leaves its outcome unknown instead of losing it."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from kalshi_ext import AsyncClient, Client, InvalidArgumentError, KalshiConfig, KalshiError
from tests.fakes import BASE_URL, PRIVATE_PEM, FakeExchange, FakeTime

TOO_LONG = "x" * 70_000  # httpx refuses a URL or a URL component over 65,536 characters


def recording(reply: dict[str, object]) -> tuple[list[httpx.Request], httpx.MockTransport]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=reply)

    return seen, httpx.MockTransport(handler)


def test_an_id_too_long_for_a_url_is_refused_before_sending() -> None:
    seen, transport = recording({})
    config = KalshiConfig(base_url=BASE_URL)
    with Client(key_id="k", private_key=PRIVATE_PEM, config=config, transport=transport) as c:
        with pytest.raises(InvalidArgumentError, match="URL"):
            c.get_order(order_id=TOO_LONG)
        with pytest.raises(InvalidArgumentError, match="URL"):
            c.get_fills(ticker=TOO_LONG)
    assert seen == []


@pytest.mark.parametrize("own_transport", [True, False])
def test_async_too_long_is_refused_too(own_transport: bool) -> None:
    seen, transport = recording({})

    async def call() -> None:
        async with AsyncClient(
            key_id="k", private_key=PRIVATE_PEM, config=KalshiConfig(base_url=BASE_URL),
            transport=transport if own_transport else None,
        ) as c:  # fmt: skip
            await c.get_order(order_id=TOO_LONG)

    with pytest.raises(InvalidArgumentError, match="URL"):
        asyncio.run(call())
    assert seen == []


def test_a_cursor_too_long_to_send_back_is_a_typed_error() -> None:
    seen, transport = recording({"fills": [], "cursor": TOO_LONG})
    config = KalshiConfig(base_url=BASE_URL)
    c = Client(key_id="k", private_key=PRIVATE_PEM, config=config, transport=transport)
    with c, pytest.raises(KalshiError):
        list(c.iter_fills())
    assert len(seen) == 1


def test_an_order_whose_lookup_cannot_be_built_is_unknown_not_a_raw_error() -> None:
    ex = FakeExchange(FakeTime())
    ex.faults = ["drop_after"]  # placed, reply lost: the lookup filters by this huge ticker
    with ex.client(max_retries=0) as client, pytest.raises(KalshiError) as caught:
        client.create_order(ticker=TOO_LONG, side="bid", count=1, price="0.50")
    assert caught.value.client_order_id in ex.orders
    assert caught.value.outcome == "unknown"
