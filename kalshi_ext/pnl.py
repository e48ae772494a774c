"""Realized profit and loss from a ledger's fills, settlements, deposits and withdrawals, exactly.

All amounts are `Decimal` dollars computed from the API's decimal text; nothing goes through
float (the optional chart converts at the very end). What is counted:

- trading P&L: V2 fills buy an outcome (a `bid` buys YES at the YES price, an `ask` buys NO at
  the NO price). Buying the side opposite to a held position closes it, first in first out: each
  YES/NO pair is worth $1, so closing `n` contracts held at cost `c` by buying the other side at
  `u` realizes `n * (1 - u - c)` when that fill happens;
- settlement P&L: `revenue` (cents) less the cost of what was held at settlement
  (`yes_total_cost_dollars + no_total_cost_dollars`), when the market settled; a market that
  settled against the position has revenue 0 and loses its whole cost;
- fees: the sum of the fills' `fee_cost` (settlements' `fee_cost` repeats those fees and is not
  added again);
- net P&L = trading + settlement - fees; deposits and withdrawals (and their fees) are shown
  beside it, not in it. Open positions' unrealized value is not counted.

Every amount is attributed to its moment (a fill's or a settlement's time), so `--by day` and
`--since/--until` select by when it was realized.
"""

from __future__ import annotations

import datetime
import sqlite3
from collections import deque
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Literal

import attrs

GroupBy = Literal["day", "market", "event"]
ONE = Decimal(1)
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@attrs.frozen
class FillRow:
    ticker: str
    outcome_side: str  # "yes" or "no": what the fill bought
    count: Decimal
    yes_price: Decimal
    no_price: Decimal
    fee: Decimal
    time_s: int


@attrs.frozen
class SettlementRow:
    ticker: str
    event_ticker: str
    revenue_cents: int
    yes_cost: Decimal
    no_cost: Decimal
    time_s: int


@attrs.frozen
class CashRow:
    amount_cents: int
    fee_cents: int
    time_s: int


@attrs.define
class Totals:
    """Amounts realized (and cash moved), summed over entries."""

    trading: Decimal = ZERO
    settlement: Decimal = ZERO
    fees: Decimal = ZERO
    deposits: Decimal = ZERO
    withdrawals: Decimal = ZERO
    cash_fees: Decimal = ZERO
    fills: int = 0  # fills counted (1 in a fill's entry)
    settled: int = 0  # settlements counted (1 in a settlement's entry)

    @property
    def realized(self) -> Decimal:
        return self.trading + self.settlement

    @property
    def net(self) -> Decimal:
        return self.trading + self.settlement - self.fees

    @property
    def net_deposits(self) -> Decimal:
        return self.deposits - self.withdrawals

    def add(self, entry: Totals) -> None:
        self.trading += entry.trading
        self.settlement += entry.settlement
        self.fees += entry.fees
        self.deposits += entry.deposits
        self.withdrawals += entry.withdrawals
        self.cash_fees += entry.cash_fees
        self.fills += entry.fills
        self.settled += entry.settled


@attrs.define(kw_only=True)
class Entry(Totals):
    """One realized amount: what it is, where and when."""

    time_s: int
    ticker: str | None  # None for deposits and withdrawals


@attrs.frozen
class Report:
    group_by: GroupBy
    groups: list[tuple[str, Totals]]  # in key order
    total: Totals
    entries: list[Entry]  # the selected entries, oldest first (the chart's points)


def trade_entries(fills: Iterable[FillRow]) -> list[Entry]:
    """An entry per fill: its fee and what it realized by closing opposite contracts (FIFO)."""
    lots: dict[str, tuple[str | None, deque[list[Decimal]]]] = {}
    entries = []
    for fill in sorted(fills, key=lambda f: f.time_s):
        side, held = lots.get(fill.ticker, (None, deque()))
        unit = fill.yes_price if fill.outcome_side == "yes" else fill.no_price
        left = fill.count
        realized = ZERO
        if side is not None and side != fill.outcome_side:
            while left and held:
                lot = held[0]  # [count, unit cost]
                closed = min(left, lot[0])
                realized += closed * (ONE - unit - lot[1])
                lot[0] -= closed
                left -= closed
                if not lot[0]:
                    held.popleft()
            if not held:
                side = None
        if left:
            side = fill.outcome_side
            held.append([left, unit])
        lots[fill.ticker] = (side, held)
        entries.append(
            Entry(time_s=fill.time_s, ticker=fill.ticker, trading=realized, fees=fill.fee, fills=1)
        )
    return entries


def settlement_entry(settlement: SettlementRow) -> Entry:
    revenue = Decimal(settlement.revenue_cents) * CENT
    cost = settlement.yes_cost + settlement.no_cost
    return Entry(
        time_s=settlement.time_s,
        ticker=settlement.ticker,
        settlement=revenue - cost,
        settled=1,
    )


def cash_entries(deposits: Iterable[CashRow], withdrawals: Iterable[CashRow]) -> list[Entry]:
    entries = [
        Entry(
            time_s=d.time_s,
            ticker=None,
            deposits=d.amount_cents * CENT,
            cash_fees=d.fee_cents * CENT,
        )
        for d in deposits
    ]
    entries += [
        Entry(
            time_s=w.time_s,
            ticker=None,
            withdrawals=w.amount_cents * CENT,
            cash_fees=w.fee_cents * CENT,
        )
        for w in withdrawals
    ]
    return entries


def event_of(ticker: str, known: dict[str, str]) -> str:
    """A market's event: from its settlement, else its ticker less the last `-` part (Kalshi's
    naming: KXHIGHNY-26NOV22-T58 is in event KXHIGHNY-26NOV22)."""
    return known.get(ticker) or ticker.rpartition("-")[0] or ticker


def day_of(time_s: int) -> str:
    return datetime.datetime.fromtimestamp(time_s, datetime.UTC).date().isoformat()


def report(
    fills: Sequence[FillRow],
    settlements: Sequence[SettlementRow],
    deposits: Sequence[CashRow] = (),
    withdrawals: Sequence[CashRow] = (),
    *,
    group_by: GroupBy = "market",
    since: int | None = None,
    until: int | None = None,
) -> Report:
    """The P&L of everything realized in [since, until], grouped.

    Trading P&L depends on the lots bought before `since`, so every fill is replayed and only
    the entries inside the window are counted.
    """
    events = {s.ticker: s.event_ticker for s in settlements}
    entries = trade_entries(fills)
    entries += [settlement_entry(s) for s in settlements]
    entries += cash_entries(deposits, withdrawals)
    selected = sorted(
        (
            e
            for e in entries
            if (since is None or e.time_s >= since) and (until is None or e.time_s <= until)
        ),
        key=lambda e: e.time_s,
    )
    groups: dict[str, Totals] = {}
    total = Totals()
    for entry in selected:
        total.add(entry)
        if group_by == "day":
            key = day_of(entry.time_s)
        elif entry.ticker is None:
            key = "(cash)"
        elif group_by == "market":
            key = entry.ticker
        else:
            key = event_of(entry.ticker, events)
        groups.setdefault(key, Totals()).add(entry)
    return Report(group_by, sorted(groups.items()), total, selected)


# ---- reading a ledger ---------------------------------------------------------------------


def load(
    connection: sqlite3.Connection,
) -> tuple[list[FillRow], list[SettlementRow], list[CashRow], list[CashRow]]:
    fills = [
        FillRow(
            ticker,
            outcome,
            Decimal(count),
            Decimal(yes_price),
            Decimal(no_price),
            Decimal(fee),
            time_s,
        )
        for ticker, outcome, count, yes_price, no_price, fee, time_s in connection.execute(
            "SELECT ticker, outcome_side, count_fp, yes_price_dollars, no_price_dollars,"
            " fee_cost, time_s FROM fills ORDER BY time_s, created_time, fill_id"
        )
    ]
    settlements = [
        SettlementRow(ticker, event, revenue, Decimal(yes_cost), Decimal(no_cost), time_s)
        for ticker, event, revenue, yes_cost, no_cost, time_s in connection.execute(
            "SELECT ticker, event_ticker, revenue, yes_total_cost_dollars,"
            " no_total_cost_dollars, time_s FROM settlements ORDER BY time_s, ticker"
        )
    ]
    deposits, withdrawals = (
        [
            CashRow(amount, fee, time_s)
            for amount, fee, time_s in connection.execute(
                f"SELECT amount_cents, fee_cents, time_s FROM {table} ORDER BY time_s, id"
            )
        ]
        for table in ("deposits", "withdrawals")
    )
    return fills, settlements, deposits, withdrawals


def write_chart(result: Report, path: str) -> None:
    """A cumulative net P&L step chart (needs the `plot` extra: matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    times: list[datetime.datetime] = []
    values: list[float] = []
    running = ZERO
    for entry in result.entries:
        running += entry.trading + entry.settlement - entry.fees
        times.append(datetime.datetime.fromtimestamp(entry.time_s, datetime.UTC))
        values.append(float(running))  # only for drawing
    figure, axes = plt.subplots(figsize=(9, 4.5))
    axes.step(times, values, where="post")  # type: ignore[arg-type,unused-ignore]
    axes.axhline(0, color="grey", linewidth=0.8)
    axes.set_title("Cumulative realized P&L (net of fees)")
    axes.set_ylabel("USD")
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
