"""kalshi_ext.money reads every *_dollars and *_fp field of a returned model as an exact Decimal
(never through float) and narrows Unset; reprs of returned models show UNSET, not an address."""

from __future__ import annotations

import typing
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import kalshi_generated.models as models
from kalshi_ext.decoding import model_hints
from kalshi_ext.money import AmountError, amounts, decimal, decimal_or_none, is_set, unset_to_none
from kalshi_generated.models import Fill, Order, OrderGroup
from kalshi_generated.types import UNSET, Unset
from tests.spec_payloads import example_payload, spec

SCHEMAS = spec()["components"]["schemas"]

ALL_MODELS = [getattr(models, name) for name in models.__all__]
MONEY_FIELDS = [
    (model, field.name)
    for model in ALL_MODELS
    if isinstance(model, type) and attrs.has(model)
    for field in attrs.fields(model)
    if field.name.endswith(("_dollars", "_fp"))
]


def test_there_are_money_fields_to_read() -> None:
    assert len(MONEY_FIELDS) >= 30
    assert (Fill, "yes_price_dollars") in MONEY_FIELDS


@pytest.mark.parametrize(("model", "name"), MONEY_FIELDS, ids=lambda v: getattr(v, "__name__", v))
def test_every_money_field_is_a_string_the_helpers_take(model: type, name: str) -> None:
    """decimal() takes str, decimal_or_none() takes str | Unset | None: every field's type is one
    of those, so mypy accepts the helper on it (and asks for narrowing where Unset is possible)."""
    annotation = model_hints(model)[name]
    members = set(typing.get_args(annotation)) or {annotation}
    assert str in members
    assert members <= {str, Unset, type(None)}


def test_decimal_is_exact_and_keeps_the_places() -> None:
    assert decimal("0.5600") == Decimal("0.56")
    assert str(decimal("0.5600")) == "0.5600"
    assert decimal("10.00") + decimal("0.01") == Decimal("10.01")
    assert decimal_or_none(UNSET) is None
    assert decimal_or_none(None) is None
    assert decimal_or_none("1.2345") == Decimal("1.2345")


@given(st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False))
def test_decimal_round_trips_every_fixed_point_string(value: Decimal) -> None:
    assert decimal(str(value)) == value


@pytest.mark.parametrize("bad", [0.5, 1, None, UNSET, "abc", "NaN", "Infinity"])
def test_decimal_refuses_what_is_not_a_fixed_point_string(bad: object) -> None:
    with pytest.raises(AmountError):
        decimal(bad)  # type: ignore[arg-type]


def test_unset_narrowing() -> None:
    group = OrderGroup.from_dict({"id": "g", "is_auto_cancel_enabled": False})
    assert not is_set(group.contracts_limit_fp)
    assert unset_to_none(group.contracts_limit_fp) is None
    group = OrderGroup.from_dict(
        {"id": "g", "is_auto_cancel_enabled": False, "contracts_limit_fp": "5.00"}
    )
    assert is_set(group.contracts_limit_fp) and group.contracts_limit_fp == "5.00"


def test_amounts_reads_every_money_field_of_a_returned_model() -> None:
    order = Order.from_dict(example_payload(SCHEMAS["Order"]))
    read = amounts(order)
    expected = {f.name for f in attrs.fields(Order) if f.name.endswith(("_dollars", "_fp"))}
    assert set(read) == expected
    assert read["yes_price_dollars"] == Decimal(order.yes_price_dollars)
    assert all(isinstance(value, Decimal) for value in read.values())
    with pytest.raises(TypeError):
        amounts({"yes_price_dollars": "0.5"})


def test_reprs_show_unset_fields_as_UNSET() -> None:
    fill = Fill.from_dict(example_payload(SCHEMAS["Fill"]))
    text = repr(attrs.evolve(fill, side=UNSET))
    assert "side=UNSET" in text
    assert "object at 0x" not in text
    assert repr(UNSET) == "UNSET"
