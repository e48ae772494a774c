"""The compiled decoders equal the generated from_dict on every input, and cover every model."""

from __future__ import annotations

import datetime
import pkgutil
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kalshi_generated.api.portfolio
import kalshi_generated.models as models
from kalshi_ext.decoding import _decoders, acceptor_for, decoder_for, is_compiled
from kalshi_ext.operations import OperationInfo
from kalshi_generated.models import Fill, GetOrdersResponse, Order
from tests.spec_payloads import example_payload, spec

ALL_MODELS = sorted(
    # models imports each model when first named: list them through __all__, not vars().
    (
        cls
        for cls in (getattr(models, name) for name in models.__all__)
        if isinstance(cls, type) and attrs.has(cls)
    ),
    key=lambda cls: cls.__name__,
)
# Left to their own from_dict, with the reason; a regen that adds a type the compiler does not
# know fails test_every_model_is_compiled until it is taught (or the model is listed here).
NOT_COMPILED = {
    "ApplySubaccountTransferRequest": "a request body with a uuid field; never decoded",
}
SCHEMAS = spec()["components"]["schemas"]
SCHEMA_MODELS = [cls for cls in ALL_MODELS if cls.__name__ in SCHEMAS]

Outcome = tuple[str, Any]


def outcome(decode: Any, payload: Any) -> Outcome:
    """What a decoder makes of payload: the value (with its repr, which shows every field's type)
    or the exception's type and message."""
    try:
        value = decode(payload)
    except Exception as exc:
        return ("raised", (type(exc), str(exc)))
    return ("value", (value, repr(value)))


def test_every_model_is_compiled() -> None:
    compiled = {cls.__name__ for cls in ALL_MODELS if is_compiled(cls)}
    assert compiled == {cls.__name__ for cls in ALL_MODELS} - set(NOT_COMPILED)


def test_every_reply_model_is_compiled() -> None:
    names = [info.name for info in pkgutil.iter_modules(kalshi_generated.api.portfolio.__path__)]
    replies = {OperationInfo.load(name).model for name in names}
    assert len(names) == 36
    assert all(is_compiled(model) for model in replies if model is not None)


def test_a_full_fill_decodes_equal_to_from_dict() -> None:
    payload = example_payload(SCHEMAS["Fill"])
    fast = decoder_for(Fill)(payload)
    assert fast == Fill.from_dict(payload)
    assert isinstance(fast.created_time, datetime.datetime)
    assert fast.additional_properties == {}


def test_unknown_keys_land_in_additional_properties() -> None:
    payload = {**example_payload(SCHEMAS["Fill"]), "new_field": [1, 2], "other": None}
    fast = decoder_for(Fill)(payload)
    assert fast.additional_properties == {"new_field": [1, 2], "other": None}
    assert fast == Fill.from_dict(payload)


def test_missing_optional_fields_are_unset() -> None:
    payload = example_payload(SCHEMAS["Fill"])
    for key in ("side", "created_time", "ts"):
        del payload[key]
    assert outcome(decoder_for(Fill), payload) == outcome(Fill.from_dict, payload)


def test_a_missing_required_field_raises_what_from_dict_raises() -> None:
    payload = example_payload(SCHEMAS["Fill"])
    del payload["fill_id"]
    result = outcome(decoder_for(Fill), payload)
    assert result == outcome(Fill.from_dict, payload)
    assert result[0] == "raised" and result[1][0] is KeyError
    with pytest.raises(KeyError) as raised:
        decoder_for(Fill)(payload)
    assert raised.value.__context__ is None  # from_dict's own error, not chained to ours


def test_a_nullable_date_that_does_not_parse_stays_raw_as_in_from_dict() -> None:
    # Order.created_time is `datetime | None`: from_dict keeps a string it cannot parse.
    payload = {**example_payload(SCHEMAS["Order"]), "created_time": "yesterday"}
    fast = decoder_for(Order)(payload)
    assert fast.created_time == "yesterday"
    assert outcome(decoder_for(Order), payload) == outcome(Order.from_dict, payload)


def test_a_field_renamed_by_the_generator_reads_its_wire_key() -> None:
    payload = example_payload(SCHEMAS["Order"])
    assert "type" in payload and is_compiled(Order)
    assert decoder_for(Order)(payload).type_ == payload["type"]
    assert decoder_for(Order)(payload) == Order.from_dict(payload)


def test_nested_lists_of_models_decode() -> None:
    payload = {"orders": [example_payload(SCHEMAS["Order"])] * 3, "cursor": "c"}
    fast = decoder_for(GetOrdersResponse)(payload)
    assert fast == GetOrdersResponse.from_dict(payload)
    assert all(isinstance(order, Order) for order in fast.orders)


def test_a_model_with_a_validator_keeps_from_dict() -> None:
    @attrs.define
    class Checked:
        count: int = attrs.field(validator=attrs.validators.instance_of(int))
        additional_properties: dict[str, Any] = attrs.field(init=False, factory=dict)

        @classmethod
        def from_dict(cls, src: dict[str, Any]) -> Checked:
            return cls(count=src["count"])

    assert not is_compiled(Checked)
    with pytest.raises(TypeError):
        decoder_for(Checked)({"count": "7"})  # the validator ran: from_dict built it


def test_a_model_whose_from_dict_reads_other_keys_keeps_from_dict() -> None:
    # The probe check: a decoder that would read the wrong keys is never used.
    @attrs.define
    class Renamed:
        price: str
        additional_properties: dict[str, Any] = attrs.field(init=False, factory=dict)

        @classmethod
        def from_dict(cls, src: dict[str, Any]) -> Renamed:
            d = dict(src)
            value = cls(price=d.pop("yes-price"))
            value.additional_properties = d
            return value

    assert not is_compiled(Renamed)
    assert decoder_for(Renamed)({"yes-price": "0.5"}) == Renamed(price="0.5")


def test_a_list_of_lists_keeps_from_dict() -> None:
    # The generator rebuilds such a list item by item (accepting any iterable); the compiler
    # does not mirror that, so it leaves the model on from_dict.
    @attrs.define
    class Rows:
        rows: list[list[str]]
        additional_properties: dict[str, Any] = attrs.field(init=False, factory=dict)

        @classmethod
        def from_dict(cls, src: dict[str, Any]) -> Rows:
            d = dict(src)
            value = cls(rows=[list(row) for row in d.pop("rows")])
            value.additional_properties = d
            return value

    assert not is_compiled(Rows)
    assert decoder_for(Rows)({"rows": "ab"}) == Rows(rows=[["a"], ["b"]])


# Values that test every branch: the wrong JSON type, null, dates good and bad, empty containers.
ODD_VALUES: st.SearchStrategy[Any] = st.sampled_from(
    [None, "", "text", "yesterday", "2026-01-02T03:04:05Z", "2026-01-02", 0, -3, 7, 1.5, True,
     False, [], {}, [{}], [1, "a"], {"unknown": 1}, {"code": "x", "message": "y"}]
)  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, value: Any, depth: int = 0) -> Any:
    """`value` with random damage: fields dropped, retyped or nulled, unknown keys added."""
    if draw(st.integers(0, 11)) == 0:
        return draw(ODD_VALUES)
    if isinstance(value, dict) and depth < 5:
        damaged = {}
        for key, item in value.items():
            if draw(st.integers(0, 9)) == 0:
                continue
            damaged[key] = draw(mutated(item, depth + 1))
        if draw(st.integers(0, 5)) == 0:
            damaged[draw(st.sampled_from(["extra", "type", "fills"]))] = draw(ODD_VALUES)
        return damaged
    if isinstance(value, list) and depth < 5:
        template = value[0] if value else {}
        return [draw(mutated(template, depth + 1)) for _ in range(draw(st.integers(0, 3)))]
    return value


@st.composite
def model_and_payload(draw: st.DrawFn) -> tuple[type[Any], Any]:
    model = draw(st.sampled_from(SCHEMA_MODELS))
    base = example_payload(SCHEMAS[model.__name__], nulls=draw(st.booleans()))
    return model, draw(mutated(base))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_and_payload())
def test_decoder_equals_from_dict_on_any_payload(case: tuple[type[Any], Any]) -> None:
    model, payload = case
    assert outcome(decoder_for(model), payload) == outcome(model.from_dict, payload)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_and_payload())
def test_acceptor_is_true_exactly_where_the_compiled_decoder_decodes(
    case: tuple[type[Any], Any],
) -> None:
    model, payload = case
    accepts, strict = acceptor_for(model), _decoders(model).strict
    if model.__name__ in NOT_COMPILED:
        assert accepts is None
        return
    assert accepts is not None and strict is not None
    decoded = outcome(strict, payload)
    assert accepts(payload) is (decoded[0] == "value")
    if accepts(payload):  # and then the decoder gives from_dict's value
        assert outcome(decoder_for(model), payload) == outcome(model.from_dict, payload)


def test_acceptor_checks_presence_and_conversions_only() -> None:
    accepts = acceptor_for(Fill)
    assert accepts is not None
    full = example_payload(SCHEMAS["Fill"])
    assert accepts(full) and accepts({**full, "unknown": 1})
    assert not accepts({k: v for k, v in full.items() if k != "fill_id"})  # required
    assert accepts({k: v for k, v in full.items() if k != "created_time"})  # optional
    assert not accepts({**full, "created_time": "yesterday"})  # a date-time that does not parse
    assert accepts({**full, "count_fp": 10})  # a plain field is read as it is, as decoding does
    assert not accepts([full]) and not accepts(None)
    assert acceptor_for(models.ApplySubaccountTransferRequest) is None  # not compiled
