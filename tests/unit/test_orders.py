"""Exact price/count conversion and exactly-once placement, with a frozen clock."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kalshi_ext import APIConnectionError, ConflictError, price_to_wire
from kalshi_ext.generated_methods import CreateOrderV2Fields
from kalshi_ext.orders import count_to_wire
from tests.fakes import FakeExchange, FakeTime


@pytest.mark.parametrize(
    ("price", "wire"),
    [
        ("0.56", "0.5600"),
        (Decimal("0.01"), "0.0100"),
        (56, "0.5600"),
        (99, "0.9900"),
        ("0.5600", "0.5600"),
    ],
)
def test_price_to_wire(price: object, wire: str) -> None:
    assert price_to_wire(price) == wire  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("price", "error"),
    [
        (0.56, TypeError), (True, TypeError), ("abc", ValueError), ("0", ValueError), ("1.00", ValueError),
        (100, ValueError), ("0.565", ValueError), ("NaN", ValueError), (None, TypeError),
    ],
)  # fmt: skip
def test_price_refused(price: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        price_to_wire(price)  # type: ignore[arg-type]


def test_sub_penny_tick() -> None:
    assert price_to_wire("0.565", tick_size="0.005") == "0.5650"
    with pytest.raises(ValueError, match="tick"):
        price_to_wire("0.5655", tick_size="0.005")


@given(st.integers(min_value=1, max_value=99))
def test_integer_cents_are_exact(cents: int) -> None:
    assert Decimal(price_to_wire(cents)) == Decimal(cents) / 100
    assert price_to_wire(cents) == price_to_wire(Decimal(cents) / 100)


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2))
def test_counts_round_trip_exactly(count: Decimal) -> None:
    assert Decimal(count_to_wire(count)) == count
    assert count_to_wire(str(count)) == count_to_wire(count)


@pytest.mark.parametrize("count", [0, -1, "0.001", 1.5, "x"])
def test_count_refused(count: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        count_to_wire(count)  # type: ignore[arg-type]


def test_bad_price_sends_nothing() -> None:
    time = FakeTime()
    exchange = FakeExchange(time)
    with exchange.client() as client, pytest.raises(ValueError):
        client.create_order(ticker="T", side="bid", count=1, price="1.50")
    assert exchange.requests == []


def test_client_order_id_filled_and_kept_across_retries() -> None:
    time = FakeTime()
    exchange = FakeExchange(time)
    exchange.faults = [503, "drop_before"]
    with exchange.client() as client:
        detailed = client.create_order.detailed(ticker="T", side="bid", count=2, price=40)
    bodies = [json.loads(r.content) for r in exchange.requests if r.method == "POST"]
    assert len(bodies) == 3
    assert len({b["client_order_id"] for b in bodies}) == 1
    assert bodies[0]["price"] == "0.4000" and bodies[0]["count"] == "2.00"
    assert detailed.retries_taken == 2
    assert len(exchange.orders) == 1
    stamps = [r.headers["KALSHI-ACCESS-TIMESTAMP"] for r in exchange.requests]
    assert len(set(stamps)) == len(stamps), "every attempt is signed afresh"


def test_drop_after_processing_places_exactly_one_order() -> None:
    time = FakeTime()
    exchange = FakeExchange(time)
    exchange.faults = ["drop_after"]  # placed, then the connection dies; the retry gets 409
    with exchange.client() as client:
        detailed = client.create_order.detailed(
            ticker="T", side="bid", count=1, price="0.50", client_order_id="mine-1"
        )
    assert list(exchange.orders) == ["mine-1"]
    assert detailed.parsed.order_id == exchange.orders["mine-1"]["order_id"]
    assert detailed.recovered


def test_drop_after_processing_with_retries_spent_still_finds_the_order() -> None:
    time = FakeTime()
    exchange = FakeExchange(time)
    exchange.faults = ["drop_after", "drop_after"]
    with exchange.client(max_retries=1) as client:
        result = client.create_order(ticker="T", side="bid", count=1, price="0.50")
    assert len(exchange.orders) == 1
    assert result.order_id == next(iter(exchange.orders.values()))["order_id"]


def test_retry_false_is_one_attempt() -> None:
    time = FakeTime()
    exchange = FakeExchange(time)
    exchange.faults = [503]
    with exchange.client() as client, pytest.raises(Exception) as caught:
        client.create_order(ticker="T", side="bid", count=1, price="0.50", retry=False)
    posts = [r for r in exchange.requests if r.method == "POST"]
    assert len(posts) == 1
    assert getattr(caught.value, "status_code", None) == 503


def test_first_attempt_409_is_the_callers_duplicate() -> None:
    time = FakeTime()
    exchange = FakeExchange(time)
    with exchange.client() as client:
        client.create_order(ticker="T", side="bid", count=1, price="0.50", client_order_id="dup")
        with pytest.raises(ConflictError):
            client.create_order(
                ticker="T", side="bid", count=1, price="0.50", client_order_id="dup"
            )
    assert len(exchange.orders) == 1


def test_connection_refused_everywhere_raises_and_places_nothing() -> None:
    time = FakeTime()
    exchange = FakeExchange(time)
    exchange.faults = ["drop_before"] * 10
    with exchange.client(max_retries=2) as client, pytest.raises(APIConnectionError):
        client.create_order(ticker="T", side="bid", count=1, price="0.50")
    assert exchange.orders == {}


def test_batch_drop_after_resends_only_missing() -> None:
    time = FakeTime()
    exchange = FakeExchange(time)
    exchange.faults = ["drop_after"]
    orders: list[CreateOrderV2Fields] = [
        {"ticker": "T", "side": "bid", "count": 1, "price": "0.30"},
        {"ticker": "U", "side": "ask", "count": 2, "price": "0.70"},
    ]
    with exchange.client() as client:
        reply = client.batch_create_orders(orders=orders)
    assert len(exchange.orders) == 2
    assert {item.client_order_id for item in reply.orders} == set(exchange.orders)
    batch_posts = [r for r in exchange.requests if r.url.path.endswith("/batched")]
    assert len(batch_posts) == 1, "everything was found: nothing is sent again"


def test_batch_5xx_then_partial_resend() -> None:
    time = FakeTime()
    exchange = FakeExchange(time)

    exchange.fail_first_batch_after_one(503)
    orders: list[CreateOrderV2Fields] = [
        {"ticker": "T", "side": "bid", "count": 1, "price": "0.30"},
        {"ticker": "T", "side": "bid", "count": 1, "price": "0.31"},
    ]
    with exchange.client() as client:
        reply = client.batch_create_orders(orders=orders)
    batch_posts = [
        json.loads(r.content) for r in exchange.requests if r.url.path.endswith("/batched")
    ]
    assert len(batch_posts) == 2
    assert len(batch_posts[1]["orders"]) == 1 and batch_posts[1]["orders"][0]["price"] == "0.3100"
    assert len(exchange.orders) == 2
    assert [item.client_order_id for item in reply.orders] == [
        o["client_order_id"] for o in batch_posts[0]["orders"]
    ]
