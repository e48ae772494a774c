"""The ledger's schema: every API field has a column, versions migrate, rows are exact."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from kalshi_ext import ledger
from kalshi_ext.records import RecordShape, model_columns
from kalshi_generated.models import Deposit, Fill, Order


def test_every_table_stores_every_field_of_its_model(tmp_path: Path) -> None:
    connection = ledger.connect(tmp_path / "l.sqlite")
    for name, table in ledger.TABLES.items():
        assert sorted(table.columns) == sorted(model_columns(table.model)), name
        stored = [row[1] for row in connection.execute(f"PRAGMA table_info({name})")]
        assert stored == [*table.columns, "time_s"], name
    connection.close()


def test_a_version_1_ledger_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path, isolation_level=None)
    ledger.migrate(old, ledger.MIGRATIONS[:1])
    old.execute(
        "INSERT INTO deposits VALUES ('d1', 'applied', 'ach', 500, 0, 1767225600, NULL, 1767225600)"
    )
    assert ledger.schema_version(old) == 1
    old.close()

    connection = ledger.connect(path)
    assert ledger.schema_version(connection) == ledger.SCHEMA_VERSION == 2
    indexes = {row[1] for row in connection.execute("PRAGMA index_list(fills)")}
    assert {"fills_time", "fills_ticker"} <= indexes
    assert connection.execute("SELECT id, amount_cents FROM deposits").fetchall() == [("d1", 500)]
    connection.close()


def test_a_ledger_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    newer = sqlite3.connect(path)
    newer.execute("PRAGMA user_version = 99")
    newer.close()
    with pytest.raises(ledger.LedgerError, match="upgrade kalshi-portfolio"):
        ledger.connect(path)


def test_a_failed_migration_leaves_the_ledger_as_it_was(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "l.sqlite", isolation_level=None)
    with pytest.raises(sqlite3.OperationalError):
        ledger.migrate(connection, (ledger.MIGRATIONS[0], "CREATE INDEX x ON nowhere (y)"))
    assert ledger.schema_version(connection) == 1
    assert connection.execute("SELECT name FROM sqlite_master WHERE name = 'x'").fetchall() == []


FILL = {
    "fill_id": "f1", "exchange_index": 0, "trade_id": "t1", "order_id": "o1",
    "ticker": "KXA-1-T1", "market_ticker": "KXA-1-T1", "outcome_side": "yes",
    "book_side": "bid", "count_fp": "10.00", "yes_price_dollars": "0.5600",
    "no_price_dollars": "0.4400", "is_taker": True, "fee_cost": "0.1200",
    "created_time": "2026-01-01T00:00:01.250000Z", "ts": 1767225601,
}  # fmt: skip


def test_rows_keep_the_wire_values() -> None:
    fill = Fill.from_dict(FILL)
    row = dict(zip(model_columns(Fill), RecordShape.of(Fill).row(fill), strict=True))
    assert row == {**FILL, "side": None, "action": None, "subaccount_number": None}
    csv_row = RecordShape.of(Fill, ["is_taker", "count_fp"], target="csv").row(fill)
    assert csv_row == ["true", "10.00"]


def test_renamed_fields_take_their_wire_names() -> None:
    assert "type" in model_columns(Deposit) and "type" in model_columns(Order)
    with pytest.raises(ValueError, match="no fields"):
        RecordShape.of(Deposit, ["type_"])


def test_csv_lines_quote_only_what_needs_quoting() -> None:
    import csv
    import io

    odd = Fill.from_dict({**FILL, "fill_id": 'a,"b"', "ticker": "line\nbreak"})
    plain = Fill.from_dict(FILL)
    shape = RecordShape.of(Fill, target="csv")
    text = shape.csv_lines([plain, odd, plain])
    # Read back, every row has its fields as they were, the odd ones included.
    expected = [["" if v is None else str(v) for v in shape.row(x)] for x in (plain, odd, plain)]
    assert list(csv.reader(io.StringIO(text))) == expected
    assert expected[1][0] == 'a,"b"' and expected[1][4] == "line\nbreak"
    assert text.splitlines()[0] == text.splitlines()[-1]  # plain rows are not quoted
    assert shape.csv_lines([]) == ""


@pytest.mark.parametrize(
    "odd",
    [
        {"fill_id": 'a,"b"'},
        {"ticker": "line\nbreak"},
        {"ticker": "carriage\rreturn"},
        {"market_ticker": "comma,only"},
        {"side": None, "created_time": "2026-01-02T03:04:05.120+02:00"},
    ],
)
def test_wire_csv_lines_write_values_as_sent_quoting_what_needs_it(odd: dict[str, Any]) -> None:
    import csv
    import io

    shape = RecordShape.of(Fill, target="csv")
    items = [FILL, {**FILL, **odd}, FILL]
    text = shape.wire_csv_lines(items)
    columns = model_columns(Fill)
    expected = [
        ["" if d.get(c) is None else str(d[c]).lower() if d.get(c) is True or d.get(c) is False
         else str(d[c]) for c in columns]
        for d in items
    ]  # fmt: skip
    assert list(csv.reader(io.StringIO(text, newline=""))) == expected
    assert text.endswith("\n") and text.splitlines()[0] == text.splitlines()[-1]
    # Models decoded from the same dicts give the same cells, date-times aside.
    models = [Fill.from_dict(d) for d in items]
    parsed = list(csv.reader(io.StringIO(shape.csv_lines(models), newline="")))
    for got, want in zip(parsed, expected, strict=True):
        assert [g for g, c in zip(got, columns, strict=True) if c != "created_time"] == [
            w for w, c in zip(want, columns, strict=True) if c != "created_time"
        ]
    assert shape.wire_csv_lines([]) == ""
