"""A list for a string query parameter goes out comma-joined (issue 9, item 6)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.fakes import Handler, fake_async_client, fake_client

REPLY: dict[str, list[object]] = {"queue_positions": []}


def recording() -> tuple[list[httpx.Request], Handler]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/fills"):
            return httpx.Response(200, json={"fills": [], "cursor": ""})
        return httpx.Response(200, json=REPLY)

    return seen, handler


@pytest.mark.parametrize(
    ("value", "sent"),
    [(["A", "B"], "A,B"), (("A",), "A"), ({"B", "A"}, "A,B"), ("A,B", "A,B")],
)
def test_a_list_of_tickers_is_sent_comma_joined(value: object, sent: str) -> None:
    seen, handler = recording()
    with fake_client(handler) as c:
        c.get_queue_positions(market_tickers=value)  # type: ignore[arg-type]  # `value` is each parametrized form
    assert seen[-1].url.params.get_list("market_tickers") == [sent]


def test_async_client_joins_too() -> None:
    seen, handler = recording()

    async def call() -> None:
        async with fake_async_client(handler) as c:
            await c.get_queue_positions(market_tickers=["X", "Y"])

    asyncio.run(call())
    assert seen[-1].url.params.get_list("market_tickers") == ["X,Y"]


def test_iterator_filters_join_lists() -> None:
    seen, handler = recording()
    with fake_client(handler) as c:
        list(c.iter_fills(ticker=["A", "B"]))
    assert seen[-1].url.params.get_list("ticker") == ["A,B"]


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"market_tickers": []}, ValueError, "non-empty strings without commas"),
        ({"market_tickers": ["A", ""]}, ValueError, "non-empty strings"),
        ({"market_tickers": ["A,B", "C"]}, ValueError, "without commas"),
        ({"market_tickers": ["A", 1]}, ValueError, "strings"),
        ({"subaccount": [1, 2]}, TypeError, "subaccount= takes one value, not a list"),
    ],
)
def test_bad_lists_are_refused_before_sending(
    arguments: dict[str, object], error: type[Exception], message: str
) -> None:
    seen, handler = recording()
    with fake_client(handler) as c, pytest.raises(error, match=message):
        c.get_queue_positions(**arguments)  # type: ignore[arg-type]  # deliberately wrong: checked at run time
    assert not seen


@pytest.mark.parametrize(
    ("operation", "arguments"),
    [
        ("get_positions", {"event_ticker": ["E1", "E2"]}),  # "Only a single event ticker"
        ("get_settlements", {"event_ticker": ("E1",)}),
        ("get_fills", {"order_id": ["o1", "o2"]}),
        ("get_orders", {"cursor": ["a", "b"]}),
    ],
)
def test_a_list_for_a_single_value_filter_is_refused(
    operation: str, arguments: dict[str, object]
) -> None:
    # Sent comma-joined it would be read as one value matching nothing: an empty answer (no
    # positions, no fills) where the caller expects two filters' worth.
    seen, handler = recording()
    with fake_client(handler) as c, pytest.raises(TypeError, match="takes one value"):
        getattr(c, operation)(**arguments)
    assert not seen
