"""decode_stream_fill (a fill frame's msg straight to the REST Fill) equals the reference
conversion, fill_from_stream(ws.Fill.from_dict(msg)), on varied frames: the same Fill, or the
same error, for odd-but-valid values and for frames the fast path hands to the reference."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_ext import feed
from kalshi_ext.feed import decode_stream_fill, fill_from_stream
from kalshi_generated.models import Fill
from kalshi_generated.types import Unset
from kalshi_generated.ws.models import Fill as WsFill


def reference(msg: Any) -> Fill:
    try:
        source = WsFill.from_dict(msg)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"not a fill message: {type(exc).__name__}: {exc}") from None
    return fill_from_stream(source)


def outcome(convert: Any, msg: Any) -> tuple[str, Any]:
    try:
        return "fill", convert(msg)
    except ValueError as exc:
        return "error", str(exc)


digits = st.text("0123456789", min_size=1, max_size=8)
dollars = st.one_of(
    st.sampled_from(["0.5000", "0.0100", "0.9900", "1", "0", "0.000001", "0.123456", "1.000000"]),
    st.builds(lambda whole, fraction: f"{whole}.{fraction}", digits, digits),
    st.builds(lambda whole: whole, digits),
    st.sampled_from(["-0.25", "1e-3", "NaN", "Infinity", "", "abc", "0.5.0", " 0.5"]),
)
fee = st.one_of(dollars, st.sampled_from(["0.012345", "0.010000", "1.500000", "0.12", "x.yyyyyy"]))
ts_ms = st.one_of(
    st.integers(1_600_000_000_000, 1_900_000_000_000),  # these years
    st.integers(-62_135_596_800_000, 253_402_300_799_999),  # year 1 to 9999
    st.sampled_from([0, -1, 999, 1000, 253_402_300_800_000, -62_135_596_800_001]),  # the edges
    st.integers(-(10**20), 10**20),  # out of datetime's range: an error either way
)
text = st.text(max_size=12)
frames = st.fixed_dictionaries(
    {
        "trade_id": text,
        "order_id": text,
        "market_ticker": text,
        "exchange_index": st.integers(-5, 10**6),
        "is_taker": st.booleans(),
        "side": st.sampled_from(["yes", "no", ""]),
        "ts": st.integers(0, 2**40),
        "ts_ms": ts_ms,
        "yes_price_dollars": dollars,
        "count_fp": st.sampled_from(["1.00", "278.00", "0.01", "1000000.00"]),
        "fee_cost": fee,
        "action": st.sampled_from(["buy", "sell"]),
        "post_position_fp": st.sampled_from(["0.00", "-3.00"]),
        "purchased_side": st.sampled_from(["yes", "no"]),
        "outcome_side": st.sampled_from(["yes", "no"]),
        "book_side": st.sampled_from(["bid", "ask"]),
    },
    optional={
        "client_order_id": text,
        "subaccount": st.one_of(st.none(), st.integers(0, 32)),
        "some_future_field": st.integers(),
    },
)


def damaged(frame: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """A frame the fast path may not take as is: a key missing, or a value of another type."""
    key = data.draw(st.sampled_from(sorted(frame)))
    if data.draw(st.booleans()):
        return {k: v for k, v in frame.items() if k != key}
    odd = data.draw(st.one_of(st.none(), st.floats(allow_nan=False), st.booleans(), text))
    return {**frame, key: odd}


@settings(max_examples=400, deadline=None)
@given(frame=frames)
def test_the_fast_conversion_equals_the_reference_on_varied_frames(frame: dict[str, Any]) -> None:
    fast = outcome(decode_stream_fill, dict(frame))
    assert fast == outcome(reference, dict(frame))
    if fast[0] == "fill":
        fill = fast[1]
        assert type(fill) is Fill and fill.additional_properties == {}
        assert fill.created_time.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
        # Exact amounts as strings, never floats; an absent subaccount is REST's own UNSET.
        assert type(fill.no_price_dollars) is str and type(fill.fee_cost) is str
        if "subaccount" not in frame:
            assert isinstance(fill.subaccount_number, Unset)


@settings(max_examples=300, deadline=None)
@given(frame=frames, data=st.data())
def test_frames_the_fast_path_does_not_take_get_the_reference_result(
    frame: dict[str, Any], data: st.DataObject
) -> None:
    odd = damaged(frame, data)
    assert outcome(decode_stream_fill, dict(odd)) == outcome(reference, dict(odd))


def test_a_usual_frame_decodes_to_the_documented_rest_fill(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frame = {
        "trade_id": "d91bc706-ee49-470d-82d8-11418bda6fed",
        "order_id": "ee587a1c-8b87-4dcf-b721-9f6f790619fa",
        "market_ticker": "KXDEMO-26DEC31-T50",
        "exchange_index": 7,
        "is_taker": True,
        "side": "yes",
        "ts": 1_700_000_000,
        "ts_ms": 1_700_000_000_123,
        "yes_price_dollars": "0.7500",
        "count_fp": "278.00",
        "fee_cost": "0.010000",
        "action": "buy",
        "post_position_fp": "500.00",
        "purchased_side": "yes",
        "outcome_side": "yes",
        "book_side": "bid",
    }
    with monkeypatch.context() as patch:  # the fast path takes it, without the reference
        patch.setattr(feed, "_reference_stream_fill", None)
        fill = decode_stream_fill(dict(frame))
    assert fill == reference(frame)
    assert (fill.no_price_dollars, fill.fee_cost, fill.ts) == ("0.2500", "0.0100", 1_700_000_000)
    assert fill.to_dict()["created_time"] == "2023-11-14T22:13:20.123000+00:00"
    assert "subaccount_number" not in fill.to_dict()  # absent: REST's UNSET, left out
    with pytest.raises(ValueError, match="not a fill message"):
        decode_stream_fill({"trade_id": "x"})
    with pytest.raises(ValueError, match="not a fill message"):
        decode_stream_fill([frame])
