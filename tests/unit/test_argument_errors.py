"""Bad arguments are typed errors (KalshiError and ValueError/TypeError), refused before anything
is sent, with messages that say what to pass instead."""

from __future__ import annotations

import decimal
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from kalshi_ext import (
    ArgumentTypeError,
    AsyncClient,
    Client,
    InvalidArgumentError,
    KalshiConfig,
    KalshiError,
    count_to_wire,
    price_to_wire,
)
from kalshi_ext.generated_methods import CreateOrderV2Fields
from kalshi_ext.operations import fixed_path_segments
from tests.fakes import BASE_URL, PRIVATE_PEM, FakeExchange, FakeTime

SPEC = Path(__file__).parents[2] / "openapi" / "kalshi-portfolio.yaml"
ORDER: CreateOrderV2Fields = {"ticker": "T", "side": "bid", "count": 1, "price": "0.50"}


@pytest.fixture
def exchange() -> FakeExchange:
    return FakeExchange(FakeTime())


# --- every local validation error is a KalshiError --------------------------------------------

BAD_CALLS: list[tuple[str, dict[str, Any], type[Exception]]] = [
    ("create_order", {**ORDER, "price": "1.50"}, ValueError),
    ("create_order", {**ORDER, "price": 0.5}, TypeError),
    ("create_order", {**ORDER, "count": 1.5}, TypeError),
    ("create_order", {**ORDER, "count": "x"}, ValueError),
    ("create_order", {**ORDER, "side": "yes"}, ValueError),
    ("create_order", {**ORDER, "action": "buy"}, TypeError),
    ("create_order", {"ticker": "T", "side": "bid"}, TypeError),
    ("create_order", {**ORDER, "retry": "no"}, TypeError),
    ("create_order", {**ORDER, "client_order_id": ""}, ValueError),
    ("create_order", {**ORDER, "time_in_force": "gtc"}, ValueError),
    ("batch_create_orders", {"orders": "not a list"}, TypeError),
    ("batch_create_orders", {"orders": [ORDER, ORDER | {"price": "7"}]}, ValueError),
    ("batch_create_orders", {"orders": [ORDER], "extra": 1}, TypeError),
    ("amend_order", {"order_id": "o1", "price": "0.40", "count": 1}, TypeError),
    ("decrease_order", {"order_id": "o1"}, TypeError),
    ("decrease_order", {"order_id": "o1", "reduce_by": -1}, ValueError),
    ("get_order", {}, TypeError),
    ("get_order", {"order_id": ".."}, ValueError),
    ("get_orders", {"bogus": 1}, TypeError),
]


@pytest.mark.parametrize(("name", "arguments", "builtin"), BAD_CALLS)
def test_bad_arguments_are_kalshi_errors_and_builtin_errors(
    exchange: FakeExchange, name: str, arguments: dict[str, Any], builtin: type[Exception]
) -> None:
    with exchange.client() as client, pytest.raises(InvalidArgumentError) as caught:
        getattr(client, name)(**arguments)
    assert isinstance(caught.value, KalshiError)
    assert isinstance(caught.value, builtin)
    assert exchange.requests == []


@pytest.mark.parametrize(
    ("call", "builtin"),
    [
        (lambda client: client.iter_fills(limit=5), TypeError),
        (lambda client: client.iter_fills(page_size=0), ValueError),
        (lambda client: client.iter_fills(max_items=-1), ValueError),
        (lambda client: client.iter_fills(start_cursor=3), TypeError),
    ],
)
def test_bad_pager_arguments_are_typed(
    exchange: FakeExchange, call: Any, builtin: type[Exception]
) -> None:
    with exchange.client() as client, pytest.raises(InvalidArgumentError) as caught:
        call(client)
    assert isinstance(caught.value, builtin)


def test_a_positional_pager_call_says_it_takes_keyword_arguments(exchange: FakeExchange) -> None:
    with exchange.client() as client, pytest.raises(ArgumentTypeError) as caught:
        client.iter_fills("T")  # type: ignore[call-arg]  # deliberately wrong: checked at run time
    assert str(caught.value).startswith("iter_fills() takes keyword arguments only")
    assert "ticker=" in str(caught.value) and "start_cursor=" in str(caught.value)
    assert exchange.requests == []


async def test_a_positional_async_pager_call_is_typed_too() -> None:
    config = KalshiConfig(base_url=BASE_URL)
    async with AsyncClient(key_id="k", private_key=PRIVATE_PEM, config=config) as client:
        with pytest.raises(ArgumentTypeError, match=r"iter_orders\(\) takes keyword arguments"):
            client.iter_orders("T")  # type: ignore[call-arg]  # deliberately wrong: checked at run time


def test_a_bot_catching_kalshi_error_survives_a_bad_price(exchange: FakeExchange) -> None:
    with exchange.client() as client:
        try:
            client.create_order(**{**ORDER, "price": Decimal("0.5") / 3})  # type: ignore[arg-type]  # deliberately wrong: checked at run time
        except KalshiError as error:
            assert "price" in str(error)
        else:  # pragma: no cover - the call must fail
            pytest.fail("a price off the tick was accepted")


# --- huge and tiny numbers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("count", "1e100"),
        ("count", 10**30),
        ("count", Decimal("9" * 40)),
        ("count", "1e999999999"),
        ("count", "1e-999999999"),
        ("tick_size", "1e-30"),
        ("tick_size", "1e100"),
        ("price", "1e100"),
        ("price", 10**40),
        ("price", "0.5" + "0" * 40 + "1"),
    ],
)
def test_huge_and_tiny_numbers_are_the_typed_error(
    exchange: FakeExchange, field: str, value: object
) -> None:
    with exchange.client() as client, pytest.raises(InvalidArgumentError) as caught:
        client.create_order(**{**ORDER, field: value})  # type: ignore[arg-type]  # deliberately wrong: checked at run time
    assert field in str(caught.value)
    assert len(str(caught.value)) < 300
    assert exchange.requests == []


@pytest.mark.parametrize(
    ("field", "sign"),
    [("count", 1), ("price", 1), ("count", -1), ("reduce_by", 1)],
)
def test_an_int_too_long_to_print_is_the_typed_error(field: str, sign: int) -> None:
    # repr() of an int over 4,300 digits raises ValueError: the message must not need it.
    value = sign * 10**5000
    with pytest.raises(InvalidArgumentError) as caught:
        if field == "price":
            price_to_wire(value)
        else:
            count_to_wire(value, what=field)
    assert field in str(caught.value) and "digits" in str(caught.value)
    assert len(str(caught.value)) < 300


def test_counts_up_to_the_limit_stay_exact() -> None:
    assert count_to_wire("999999999999999.99") == "999999999999999.99"
    with pytest.raises(InvalidArgumentError, match="too large"):
        count_to_wire(10**15)


def test_a_callers_decimal_context_does_not_change_the_wire() -> None:
    with decimal.localcontext() as context:
        context.prec = 3
        context.traps[decimal.Inexact] = True
        assert count_to_wire("123456.78") == "123456.78"
        assert price_to_wire("0.5600") == "0.5600"


numbers = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**60), max_value=10**60),
    st.text(max_size=30),
    st.from_regex(r"-?[0-9]{0,40}(\.[0-9]{0,40})?([eE][-+]?[0-9]{1,12})?", fullmatch=True),
    st.floats(),
    st.none(),
    st.booleans(),
)


@given(count=numbers)
def test_count_to_wire_returns_or_raises_the_typed_error(count: Any) -> None:
    try:
        wire = count_to_wire(count)
    except InvalidArgumentError:
        return
    assert re.fullmatch(r"[0-9]{1,15}\.[0-9]{2}", wire)
    assert Decimal(wire) == Decimal(count.strip() if isinstance(count, str) else count)


@given(price=numbers, tick=numbers)
def test_price_to_wire_returns_or_raises_the_typed_error(price: Any, tick: Any) -> None:
    try:
        wire = price_to_wire(price, tick_size=tick)
    except InvalidArgumentError:
        return
    assert re.fullmatch(r"0\.[0-9]{4}", wire)


# --- messages ---------------------------------------------------------------------------------


def test_enum_error_lists_the_valid_values(exchange: FakeExchange) -> None:
    with exchange.client() as client:
        with pytest.raises(InvalidArgumentError) as caught:
            client.create_order(**{**ORDER, "side": "yes"})  # type: ignore[arg-type]  # deliberately wrong: checked at run time
        assert "side must be 'bid' or 'ask'" in str(caught.value)
        assert "API v2 replaced yes/no + action" in str(caught.value)
        with pytest.raises(InvalidArgumentError) as caught:
            client.create_order(**{**ORDER, "time_in_force": "gtc"})  # type: ignore[arg-type]  # deliberately wrong: checked at run time
        for value in ("good_till_canceled", "immediate_or_cancel", "fill_or_kill"):
            assert repr(value) in str(caught.value)
        with pytest.raises(InvalidArgumentError) as caught:
            client.batch_create_orders(orders=[ORDER, {**ORDER, "side": "no"}])  # type: ignore[typeddict-item]  # deliberately wrong: checked at run time
        assert "orders[1]" in str(caught.value) and "'bid' or 'ask'" in str(caught.value)


def test_unknown_arguments_are_reported_before_missing_ones(exchange: FakeExchange) -> None:
    with exchange.client() as client, pytest.raises(ArgumentTypeError) as caught:
        client.create_order(ticker="T", side="bid", action="buy", count=1, yes_price=50)  # type: ignore[call-arg]  # deliberately wrong: checked at run time
    text = str(caught.value)
    assert "unexpected argument(s) action, yes_price" in text
    assert "needs price=" not in text
    assert "side='bid'" in text  # what replaced action=


def test_client_config_fields_point_to_kalshi_config() -> None:
    for client_type in (Client, AsyncClient):
        with pytest.raises(ArgumentTypeError) as caught:
            client_type(key_id="k", private_key=PRIVATE_PEM, base_url=BASE_URL)  # type: ignore[call-arg]
        assert f"{client_type.__name__}() takes no base_url=" in str(caught.value)
        assert "config=KalshiConfig(base_url=...)" in str(caught.value)
        with pytest.raises(ArgumentTypeError, match="unexpected argument bogus="):
            client_type(key_id="k", private_key=PRIVATE_PEM, bogus=1)  # type: ignore[call-arg]


def test_a_positional_call_says_it_takes_keyword_arguments(exchange: FakeExchange) -> None:
    with exchange.client() as client:
        with pytest.raises(ArgumentTypeError) as caught:
            client.get_order("o1")  # type: ignore[call-arg]  # deliberately wrong: checked at run time
        assert str(caught.value) == (
            "get_order() takes keyword arguments only (got 1 positional): "
            "call it as get_order(order_id=...)"
        )
        with pytest.raises(ArgumentTypeError, match=r"create_order\(ticker=\.\.\., side="):
            client.create_order("T", "bid")  # type: ignore[call-arg]  # deliberately wrong: checked at run time
        with pytest.raises(ArgumentTypeError, match="keyword arguments only"):
            client.get_balance.detailed(1)  # type: ignore[call-arg]  # deliberately wrong: checked at run time
    assert exchange.requests == []


async def test_a_positional_async_call_says_it_takes_keyword_arguments() -> None:
    config = KalshiConfig(base_url=BASE_URL)
    async with AsyncClient(key_id="k", private_key=PRIVATE_PEM, config=config) as client:
        with pytest.raises(ArgumentTypeError, match=r"call it as cancel_order\(order_id=\.\.\.\)"):
            await client.cancel_order("o1")  # type: ignore[call-arg]  # deliberately wrong: checked at run time


def test_a_float_count_message_says_count(exchange: FakeExchange) -> None:
    with exchange.client() as client, pytest.raises(ArgumentTypeError) as caught:
        client.create_order(**{**ORDER, "count": 10.0})  # type: ignore[arg-type]  # deliberately wrong: checked at run time
    assert "count must be a Decimal, str or int, not float" in str(caught.value)
    assert "cannot hold a count exactly" in str(caught.value)
    assert "price" not in str(caught.value)
    with pytest.raises(ArgumentTypeError, match="cannot hold a reduce_by exactly"):
        count_to_wire(1.0, what="reduce_by")  # type: ignore[arg-type]


def test_number_type_messages_name_what_is_accepted() -> None:
    with pytest.raises(ArgumentTypeError) as caught:
        price_to_wire("0.50", tick_size=1)  # type: ignore[arg-type]
    assert "tick_size must be a Decimal or str" in str(caught.value)
    assert "or int" not in str(caught.value)
    with pytest.raises(ArgumentTypeError) as caught:
        count_to_wire(True)
    assert "not bool" in str(caught.value) and "float" not in str(caught.value)


# --- ids that are a fixed path segment ---------------------------------------------------------


def spec_fixed_segments() -> set[str]:
    paths = yaml.safe_load(SPEC.read_text())["paths"]
    return {s for path in paths for s in path.split("/") if s and not s.startswith("{")}


def test_fixed_segments_are_the_specs() -> None:
    assert fixed_path_segments() == spec_fixed_segments()
    assert {"batched", "queue_positions", "amend", "orders"} <= fixed_path_segments()


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("cancel_order", {"order_id": "batched"}),
        ("get_order", {"order_id": "queue_positions"}),
        ("get_order_queue_position", {"order_id": "queue_positions"}),
        ("amend_order", {"order_id": "batched", **ORDER}),
        ("decrease_order", {"order_id": "amend", "reduce_by": 1}),
        ("get_order_group", {"order_group_id": "create"}),
        ("delete_order_group", {"order_group_id": "create"}),
        ("get_intra_exchange_instance_transfer", {"transfer_id": "transfers"}),
    ],
)
def test_an_id_equal_to_a_fixed_path_segment_is_refused(
    exchange: FakeExchange, name: str, arguments: dict[str, Any]
) -> None:
    with exchange.client() as client, pytest.raises(InvalidArgumentError) as caught:
        getattr(client, name)(**arguments)
    assert "is not a valid id" in str(caught.value)
    assert exchange.requests == []


@given(segment=st.sampled_from(sorted(spec_fixed_segments())))
def test_every_fixed_segment_is_refused_as_an_order_id(segment: str) -> None:
    exchange = FakeExchange(FakeTime())
    with exchange.client() as client, pytest.raises(InvalidArgumentError):
        client.cancel_order(order_id=segment)
    assert exchange.requests == []


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        # Sent as %2F, but a server that decodes the path before routing (many do) reads
        # /portfolio/orders/o1/queue_position, or walks up to another resource.
        ("get_order", {"order_id": "o1/queue_position"}),
        ("cancel_order", {"order_id": "x/../../../order_groups/G1"}),
        ("delete_order_group", {"order_group_id": "G1\\..\\..\\orders"}),
    ],
)
def test_an_id_with_a_path_separator_is_refused(
    exchange: FakeExchange, name: str, arguments: dict[str, Any]
) -> None:
    with exchange.client() as client, pytest.raises(InvalidArgumentError, match="not a valid id"):
        getattr(client, name)(**arguments)
    assert exchange.requests == []
