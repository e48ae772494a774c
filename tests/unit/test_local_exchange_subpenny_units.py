"""The local exchange's finer unit: centicent prices and money, per-market ticks, fees on
sub-penny prices, and the engine's money staying exact on the $0.001 market."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_CEILING, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_ext.testing.engine import (
    DOLLAR_CENTICENTS,
    SEEDED,
    SEEDED_MARKETS,
    Centicents,
    Engine,
    OrderRequest,
    Side,
    dollars_text,
    opening_unit,
    taker_fee_cents,
    taker_fee_cents_at,
    whole_cents,
)
from kalshi_ext.testing.exchange import dollars_to_centicents
from kalshi_ext.testing.exchange_error import ExchangeError
from kalshi_ext.testing.fixed_point import (
    dollars_6dp,
    dollars_6dp_from_centicents,
    dollars_average,
    dollars_from_centicents,
    parse_price_centicents,
)

SUB = "KXSUBPENNY-26DEC31-T25"
START_CENTS = 20_000


@given(st.integers(1, 500), st.integers(1, 99))
def test_the_centicent_fee_is_the_cent_fee_on_penny_prices(count: int, cents: int) -> None:
    assert taker_fee_cents_at(count, cents * 100) == taker_fee_cents(count, cents)


@pytest.mark.parametrize(
    ("count", "price", "cents"),
    [(3, 2540, 4), (1, 10, 1), (100, 10, 1), (10, 4550, 18), (1000, 2555, 1332)],
)
def test_sub_penny_fees_round_up_to_the_cent(count: int, price: int, cents: int) -> None:
    exact = Decimal("0.07") * count * Decimal(price) / 10_000 * (1 - Decimal(price) / 10_000)
    assert cents == (exact * 100).to_integral_value(ROUND_CEILING)  # the schedule, in Decimal
    assert taker_fee_cents_at(count, price) == cents


@given(st.integers(1, 9_999))
def test_centicent_prices_round_trip(centicents: int) -> None:
    assert parse_price_centicents(dollars_from_centicents(centicents), "price") == centicents
    assert Decimal(dollars_6dp_from_centicents(centicents)) * 10_000 == centicents
    assert Decimal(dollars_text(centicents)) * 10_000 == centicents


@given(st.integers(-(10**9), 10**9))
def test_centicent_strings_match_the_cent_ones_on_whole_cents(cents: int) -> None:
    assert dollars_6dp_from_centicents(cents * 100) == dollars_6dp(cents)
    assert whole_cents(cents * 100, "x") == cents
    assert Decimal(dollars_text(cents * 100 + 5)) == Decimal(cents * 100 + 5) / 10_000


@pytest.mark.parametrize("bad", ["1.00", "0.0000", "0.00001", "-0.255", "", "abc", 0.255, None])
def test_bad_centicent_prices_are_rejected(bad: object) -> None:
    with pytest.raises(ExchangeError) as caught:
        parse_price_centicents(bad, "price")
    assert caught.value.status == 400


def test_an_average_in_centicents() -> None:
    assert dollars_average(2550 * 3, 3, per_dollar=DOLLAR_CENTICENTS) == "0.2550"
    assert dollars_average(2551 + 2552, 2, per_dollar=DOLLAR_CENTICENTS) == "0.25515"


def test_whole_cents_refuses_a_sub_penny_amount() -> None:
    with pytest.raises(ValueError, match="centicents"):
        whole_cents(2555, "price")


@pytest.mark.parametrize(
    ("price", "centicents"),
    [("0.255", 2550), (Decimal("0.25"), 2500), ("0.2555", 2555), ("1", 10_000)],
)
def test_dollar_prices_become_exact_centicents(price: Decimal | str, centicents: int) -> None:
    assert dollars_to_centicents(price) == centicents


@pytest.mark.parametrize("bad", ["0.00001", "abc", "NaN", "Infinity"])
def test_unusable_dollar_prices_raise_value_error(bad: str) -> None:
    with pytest.raises(ValueError, match="price"):
        dollars_to_centicents(bad)


def test_a_float_dollar_price_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="Decimal or a str"):
        dollars_to_centicents(0.255)  # type: ignore[arg-type]


def test_seeded_markets_and_their_older_shape() -> None:
    assert [(m.ticker, m.tick_centicents) for m in SEEDED][-1] == (SUB, 10)
    assert [ticker for ticker, _, _ in SEEDED_MARKETS] == [m.ticker for m in SEEDED]
    assert SEEDED_MARKETS[0] == ("KXDEMO-26DEC31-T50", "KXDEMO-26DEC31", 50)


@pytest.fixture
def engine() -> Engine:
    engine = Engine(seed=3, starting_balance_cents=START_CENTS, clock=lambda: 1_800_000_000.0)
    market = engine.markets[SUB]
    market.bids.clear()
    market.asks.clear()
    return engine


@pytest.mark.parametrize(
    ("price", "message"),
    [(2555, "off tick"), (5, "off tick"), (0, "out of range"), (9_990 + 10, "out of range")],
)
def test_the_sub_penny_market_checks_its_tick(engine: Engine, price: int, message: str) -> None:
    with pytest.raises(ExchangeError, match=message):
        engine.place_order(OrderRequest(SUB, "bid", Centicents(price), 1))
    with pytest.raises(ExchangeError, match=message):
        engine.add_other_order(SUB, "ask", Centicents(price), 1)


def test_a_penny_market_refuses_a_sub_penny_price(engine: Engine) -> None:
    with pytest.raises(ExchangeError, match=r"steps of \$0.01"):
        engine.place_order(OrderRequest("KXDEMO-26DEC31-T50", "bid", Centicents(4550), 1))


def test_whole_cent_prices_still_work_on_the_sub_penny_market(engine: Engine) -> None:
    engine.add_other_order(SUB, "ask", 26, 2)  # an int is whole cents
    execution = engine.place_order(OrderRequest(SUB, "bid", Centicents(2610), 2))
    assert (execution.fill_count, execution.yes_price_total_cents) == (2, 52)
    assert [f.price for f in engine.fills] == [26]


_sub_prices = st.integers(1, 999).map(lambda thousandths: thousandths * 10)
_sub_ops = st.lists(
    st.tuples(st.booleans(), st.sampled_from(["bid", "ask"]), _sub_prices, st.integers(1, 20)),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(_sub_ops, st.sampled_from(["yes", "no"]))
def test_money_stays_exact_on_the_sub_penny_market(
    ops: list[tuple[bool, Side, int, int]], result: str
) -> None:
    engine = Engine(seed=2, starting_balance_cents=START_CENTS, clock=lambda: 1_800_000_000.0)
    for own, side, price, count in ops:
        try:
            if own:
                engine.place_order(OrderRequest(SUB, side, Centicents(price), count))
            else:
                engine.add_other_order(SUB, side, Centicents(price), count)
        except ExchangeError as error:
            assert error.code == "insufficient_balance", error
        assert engine.available_centicents(0) >= 0
    # Cash follows from the fills alone: opening costs and fees out, $1 per redeemed YES/NO pair.
    bought: dict[str, int] = defaultdict(int)
    cash = START_CENTS * 100
    for fill in engine.fills:
        bought[fill.side] += fill.count
        unit = opening_unit(fill.side, fill.price_centicents, pair=DOLLAR_CENTICENTS)
        cash -= unit * fill.count + fill.fee_cents * 100
        assert fill.price_centicents % 10 == 0
    cash += DOLLAR_CENTICENTS * min(bought["bid"], bought["ask"])
    assert engine.accounts[0].cash_centicents == cash
    position = engine.positions.get((0, SUB))
    held = position.count if position else 0
    winning = position is not None and position.outcome == result
    engine.settle(SUB, "yes" if result == "yes" else "no")
    assert engine.accounts[0].cash_centicents == cash + (DOLLAR_CENTICENTS * held if winning else 0)
    assert engine.available_centicents(0) == engine.accounts[0].cash_centicents
