"""sync reads each item's time from its wire dict (for items the compiled decoder accepts): the
same time the model gives, for every table, on varied and damaged payloads."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshi_ext import ledger
from kalshi_ext.decoding import acceptor_for, decoder_for
from tests.spec_payloads import example_payload, spec
from tests.unit.test_decoding import mutated

SCHEMAS = spec()["components"]["schemas"]
TIMES: st.SearchStrategy[Any] = st.sampled_from(
    [None, 1_767_225_600, 7, True, 1.5e9, "1767225600", "2026-01-02T03:04:05Z",
     "2026-01-02T03:04:05.123456+05:30", "2026-01-02", "yesterday"]
)  # fmt: skip


@st.composite
def table_and_item(draw: st.DrawFn) -> tuple[ledger.LedgerTable, Any]:
    table = draw(st.sampled_from(list(ledger.TABLES.values())))
    item = example_payload(SCHEMAS[table.model_name], nulls=draw(st.booleans()))
    for key in ("ts", "created_time", "last_update_time", "settled_time", "created_ts"):
        if key in item or draw(st.booleans()):
            choice = draw(st.integers(0, 2))
            if choice == 0:
                item.pop(key, None)
            elif choice == 1:
                item[key] = draw(TIMES)
    return table, draw(mutated(item)) if draw(st.booleans()) else item


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table_and_item())
def test_the_wire_time_equals_the_models_time(case: tuple[ledger.LedgerTable, Any]) -> None:
    table, item = case
    accepts = acceptor_for(table.model)
    assert accepts is not None
    if not accepts(item):
        return  # sync decodes such a page: the model's time (or its error) then
    wire = table.wire_time_of(item)
    try:
        expected: Any = table.time_of(decoder_for(table.model)(item))
    except Exception as error:  # the model's time fails: the wire must defer to it
        assert wire is None, (wire, error)
        return
    assert wire is None or wire == expected


def test_the_wire_times_are_read_for_the_usual_items() -> None:
    for table in ledger.TABLES.values():
        item = example_payload(SCHEMAS[table.model_name])
        assert table.wire_time_of(item) is not None, table.name
