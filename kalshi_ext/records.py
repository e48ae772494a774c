"""Flat records: a generated model's wire fields as rows of exact values, for CSV, JSONL and SQLite.

A row holds each field as the API sent it: prices, counts and fees stay the fixed-point strings
of the wire ("0.5600", "10.00"), integers stay integers, and nothing goes through float. A
date-time field is written back in RFC 3339 UTC with a "Z" (the generated model parses it into a
`datetime`); an absent field is None (an empty CSV cell, SQL NULL). Columns are named as the
API's fields (`type`, not the generator's `type_`).

Rows are built by one `attrgetter` per model and a short list of per-field fix-ups, so a row of
a 20-field model costs about a microsecond: exports and ledger syncs stay close to the cost of
iterating the models at all (bench/bench_cli.py).
"""

from __future__ import annotations

import datetime
import enum
import functools
import json
import operator
import typing
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

import attrs

from kalshi_ext.decoding import model_hints, union_members
from kalshi_generated.types import UNSET, Unset

Target = Literal["python", "csv"]
Fixup = Callable[[Any], Any]


def wire_name(attribute: str) -> str:
    """The API's name for a generated attribute (`type_` is `type` on the wire)."""
    return attribute[:-1] if attribute.endswith("_") else attribute


def iso_utc(value: datetime.datetime) -> str:
    """RFC 3339 in UTC with a "Z", as Kalshi writes date-times."""
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC)
    return value.replace(tzinfo=None).isoformat() + "Z"


def _unset_to_none(value: Any) -> Any:
    return None if value is UNSET else value


def _datetime_out(value: Any) -> Any:
    if value is UNSET or value is None:
        return None
    return iso_utc(value)


def _enum_out(value: Any) -> Any:
    if value is UNSET or value is None:
        return None
    return value.value


def _bool_csv(value: Any) -> Any:
    # JSON's spelling, as the API sends it (csv would write Python's True/False).
    if value is UNSET or value is None:
        return None
    return "true" if value else "false"


def _nested_out(value: Any) -> Any:
    if value is UNSET or value is None:
        return None
    plain = [v.to_dict() for v in value] if isinstance(value, list) else value.to_dict()
    return json.dumps(plain, separators=(",", ":"))


def _fixup_for(hint: Any, target: Target) -> Fixup | None:
    members = union_members(hint)
    plain = [m for m in members if m is not type(None) and m is not Unset]
    if any(m is datetime.datetime for m in plain):
        return _datetime_out
    if any(isinstance(m, type) and issubclass(m, enum.Enum) for m in plain):
        return _enum_out
    if any(typing.get_origin(m) is list or attrs.has(m) for m in plain):
        return _nested_out
    if target == "csv" and bool in plain:
        return _bool_csv
    if Unset in members:
        return _unset_to_none
    return None


@attrs.frozen
class RecordShape:
    """How to turn one model into rows with the given wire columns."""

    model: type[Any]
    columns: tuple[str, ...]
    _getter: Callable[[Any], Any]
    _fixups: tuple[tuple[int, Fixup], ...]

    @classmethod
    def of(
        cls, model: type[Any], columns: Sequence[str] | None = None, target: Target = "python"
    ) -> RecordShape:
        wanted = None if columns is None else tuple(columns)
        return _shape(model, wanted, target)  # type: ignore[arg-type,unused-ignore]

    def row(self, item: Any) -> list[Any]:
        values = self._getter(item)
        row = list(values) if len(self.columns) > 1 else [values]
        for index, fixup in self._fixups:
            row[index] = fixup(row[index])
        return row

    def rows(self, items: Iterable[Any]) -> Iterable[list[Any]]:
        return map(self.row, items)


def model_columns(model: type[Any]) -> tuple[str, ...]:
    """Every wire field of a generated model, in the model's order."""
    return tuple(
        wire_name(field.name)
        for field in attrs.fields(model)
        if field.name != "additional_properties"
    )


@functools.cache
def _shape(model: type[Any], columns: tuple[str, ...] | None, target: Target) -> RecordShape:
    hints = model_hints(model)
    by_wire = {wire_name(name): name for name in hints if name != "additional_properties"}
    wanted = model_columns(model) if columns is None else columns
    unknown = [column for column in wanted if column not in by_wire]
    if unknown:
        raise ValueError(f"{model.__name__} has no fields {unknown}")
    attributes = [by_wire[column] for column in wanted]
    fixups = []
    for index, attribute in enumerate(attributes):
        fixup = _fixup_for(hints[attribute], target)
        if fixup is not None:
            fixups.append((index, fixup))
    return RecordShape(model, tuple(wanted), operator.attrgetter(*attributes), tuple(fixups))
