"""Realized P&L against hand-computed cases: fees, partial fills, both sides, a zero settlement."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from kalshi_ext.pnl import CashRow, FillRow, SettlementRow, report, trade_entries

DAY = 86_400
T0 = 1_767_225_600  # 2026-01-01T00:00:00Z


def fill(ticker: str, outcome: str, count: str, yes: str, fee: str, t: int) -> FillRow:
    return FillRow(ticker, outcome, D(count), D(yes), D(1) - D(yes), D(fee), t)


# Buy 10 YES at 0.40 and 5 YES at 0.50 (a partial fill of a larger order), then 12 NO at 0.45:
# the NO buys close 10 @ 0.40 (10 x (1 - 0.45 - 0.40) = 1.50) and 2 @ 0.50 (2 x 0.05 = 0.10).
# 3 YES @ 0.50 remain and settle YES: revenue $3.00 less cost $1.50.
# Cash check: paid 4.00 + 2.50 + 5.40 = 11.90; got 12 pairs x $1 + $3.00 = 15.00; 3.10 - fees.
BOTH_SIDES = [
    fill("KXA-26JAN01-T1", "yes", "10.00", "0.4000", "0.17", T0 + 100),
    fill("KXA-26JAN01-T1", "yes", "5.00", "0.5000", "0.09", T0 + 200),
    fill("KXA-26JAN01-T1", "no", "12.00", "0.5500", "0.18", T0 + DAY + 300),
]
BOTH_SETTLED = SettlementRow("KXA-26JAN01-T1", "KXA-26JAN01", 300, D("1.5000"), D(0), T0 + 2 * DAY)
# 4 NO at 0.30 in a market that settled YES: the position is worth nothing.
ZERO_FILL = fill("KXB-26JAN02-T9", "no", "4.00", "0.7000", "0.06", T0 + 400)
ZERO_SETTLED = SettlementRow("KXB-26JAN02-T9", "KXB-26JAN02", 0, D(0), D("1.2000"), T0 + 2 * DAY)


def test_both_sides_with_fees_and_a_partial_fill() -> None:
    result = report(BOTH_SIDES, [BOTH_SETTLED])
    assert result.total.trading == D("1.60")
    assert result.total.settlement == D("1.50")
    assert result.total.fees == D("0.44")
    assert result.total.net == D("2.66")
    assert (result.total.fills, result.total.settled) == (3, 1)


def test_a_market_settled_at_zero_loses_its_cost_and_fees() -> None:
    result = report([ZERO_FILL], [ZERO_SETTLED])
    assert result.total.settlement == D("-1.20")
    assert result.total.net == D("-1.26")


def test_grouping_by_market_event_and_day() -> None:
    fills = [*BOTH_SIDES, ZERO_FILL]
    settlements = [BOTH_SETTLED, ZERO_SETTLED]
    by_market = dict(report(fills, settlements, group_by="market").groups)
    assert by_market["KXA-26JAN01-T1"].net == D("2.66")
    assert by_market["KXB-26JAN02-T9"].net == D("-1.26")
    by_event = dict(report(fills, settlements, group_by="event").groups)
    assert set(by_event) == {"KXA-26JAN01", "KXB-26JAN02"}
    by_day = dict(report(fills, settlements, group_by="day").groups)
    assert {day: totals.net for day, totals in by_day.items()} == {
        "2026-01-01": D("-0.32"),  # fees 0.17 + 0.09 + 0.06
        "2026-01-02": D("1.42"),  # 1.60 closed - 0.18 fee
        "2026-01-03": D("0.30"),  # settlements: 1.50 - 1.20
    }
    assert report(fills, settlements).total.net == D("1.40")


def test_a_window_counts_what_was_realized_inside_it_on_lots_bought_before() -> None:
    result = report(BOTH_SIDES, [BOTH_SETTLED], since=T0 + DAY, until=T0 + DAY + 999)
    assert (result.total.trading, result.total.fees, result.total.settlement) == (
        D("1.60"), D("0.18"), D("0.00"),
    )  # fmt: skip


def test_cash_movements_are_beside_the_pnl_not_in_it() -> None:
    result = report(
        [], [], [CashRow(100_000, 0, T0), CashRow(2_500, 5, T0 + 1)], [CashRow(30_001, 0, T0 + 2)]
    )
    assert result.total.net == 0
    assert result.total.net_deposits == D("725.00") - D("0.01")
    assert result.total.cash_fees == D("0.05")
    assert dict(result.groups)["(cash)"].deposits == D("1025.00")


def test_fractional_counts_stay_exact() -> None:
    entries = trade_entries(
        [
            fill("KXC-1-T1", "yes", "2.50", "0.3300", "0.01", T0),
            fill("KXC-1-T1", "no", "1.50", "0.3400", "0.01", T0 + 1),  # NO at 0.66
        ]
    )
    assert entries[1].trading == D("1.50") * (1 - D("0.66") - D("0.33"))
    assert str(entries[1].trading) == "0.015000"


@given(
    st.lists(
        st.tuples(st.sampled_from(["yes", "no"]), st.integers(1, 20), st.integers(1, 99)),
        min_size=1,
        max_size=30,
    ),
    st.integers(1, 99),
)
def test_a_closed_position_realizes_its_cash_flow(
    trades: list[tuple[str, int, int]], closing_price: int
) -> None:
    """Whatever the trades, once a final buy of the other side leaves no position, trading P&L
    is what came back ($1 per YES/NO pair) less what every buy cost."""
    yes = sum(n for side, n, _ in trades if side == "yes")
    no = sum(n for side, n, _ in trades if side == "no")
    if yes != no:
        trades = [*trades, ("no" if yes > no else "yes", abs(yes - no), closing_price)]
    fills = [
        # p is the price paid for the side bought; the YES price follows from it.
        fill("KXP-1-T1", side, str(n), f"{p / 100:.2f}" if side == "yes" else f"{1 - p / 100:.2f}",
             "0", T0 + i)
        for i, (side, n, p) in enumerate(trades)
    ]  # fmt: skip
    paid = sum(D(n) * D(p) / 100 for _, n, p in trades)
    pairs = max(yes, no)
    assert report(fills, []).total.trading == pairs - paid
