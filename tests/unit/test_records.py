"""CSV lines from wire dicts: whatever the text holds (commas, quotes, line breaks), the csv
module reads back exactly the values sent, one row per item."""

from __future__ import annotations

import csv
import io
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_ext.records import RecordShape, model_columns
from kalshi_generated.models import Fill

SHAPE = RecordShape.of(Fill, target="csv")
TEXT = st.text(alphabet=st.sampled_from(list('ab,"\n\r é0.')), max_size=6)


@st.composite
def wire_fill(draw: st.DrawFn) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for column in model_columns(Fill):
        if column in ("exchange_index", "ts", "subaccount_number"):
            item[column] = draw(st.integers(-5, 10**12))
        elif column == "is_taker":
            item[column] = draw(st.booleans())
        else:
            item[column] = draw(TEXT)
    for optional in ("side", "action", "created_time", "subaccount_number", "ts"):
        if draw(st.integers(0, 3)) == 0:
            del item[optional]  # absent: an empty cell
    return item


def expected(item: dict[str, Any]) -> list[str]:
    cells = []
    for column in SHAPE.columns:
        value = item.get(column)
        if value is None:
            cells.append("")
        elif isinstance(value, bool):
            cells.append("true" if value else "false")
        else:
            cells.append(str(value))
    return cells


@settings(max_examples=300, deadline=None)
@given(st.lists(wire_fill(), max_size=6))
def test_wire_csv_lines_read_back_as_the_values_sent(items: list[dict[str, Any]]) -> None:
    text = SHAPE.wire_csv_lines(items)
    assert text.endswith("\n") if items else text == ""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [expected(item) for item in items]


def test_a_plain_page_is_written_without_quotes() -> None:
    items = [{c: "x" for c in SHAPE.columns} | {"is_taker": True, "ts": 5} for _ in range(3)]
    text = SHAPE.wire_csv_lines(items)
    assert '"' not in text and text.count("\n") == 3
