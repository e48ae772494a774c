"""Flat records: a generated model's wire fields as rows of exact values, for CSV, JSONL and SQLite.

A row holds each field as the API sent it: prices, counts and fees stay the fixed-point strings
of the wire ("0.5600", "10.00"), integers stay integers, and nothing goes through float. Columns
are named as the API's fields (`type`, not the generator's `type_`); an absent field is None (an
empty CSV cell, SQL NULL). Rows come from either of two sources:

- the reply's item dicts (`Page.raw_items`; ``wire_row``, ``wire_rows``, ``wire_csv_lines``):
  every value exactly as sent, a date-time's text included (its offset and fractional digits).
  `kalshi-portfolio export` and `sync` write these, after decoding each item into its model so
  that one that does not match raises as iterating would;
- models (``row``, ``rows``, ``csv_lines``), for the tables printed from typed replies: a
  date-time is written back in RFC 3339 UTC with a "Z", as the model holds a `datetime`.

Rows are built by straight-line code compiled once per (model, columns), as `decoding` compiles
decoders: one read per field and a conversion only where the field's type needs one. A CSV line
is built the same way and a page is checked at once for any character that would need quoting
(then those rows go through the `csv` module instead), so an export costs little more than
iterating the models at all (bench/bench_cli.py).
"""

from __future__ import annotations

import csv
import datetime
import enum
import functools
import io
import json
import typing
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

import attrs

from kalshi_ext.decoding import model_hints, union_members
from kalshi_generated.types import UNSET, Unset

Target = Literal["python", "csv"]
Kind = Literal["plain", "datetime", "enum", "nested", "bool"]


def wire_name(attribute: str) -> str:
    """The API's name for a generated attribute (`type_` is `type` on the wire)."""
    return attribute[:-1] if attribute.endswith("_") else attribute


def iso_utc(value: datetime.datetime) -> str:
    """RFC 3339 in UTC with a "Z", as Kalshi writes date-times."""
    text = value.isoformat()
    if text[-6:] == "+00:00":
        return text[:-6] + "Z"
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC)
    return value.replace(tzinfo=None).isoformat() + "Z"


def _datetime_out(value: Any) -> Any:
    return None if value is UNSET or value is None else iso_utc(value)


def _enum_out(value: Any) -> Any:
    return None if value is UNSET or value is None else value.value


def _nested_out(value: Any) -> Any:
    if value is UNSET or value is None:
        return None
    plain = [v.to_dict() for v in value] if isinstance(value, list) else value.to_dict()
    return json.dumps(plain, separators=(",", ":"))


def _bool_text(value: Any) -> Any:
    # JSON's spelling, as the API sends it (csv would write Python's True/False).
    return None if value is UNSET or value is None else ("true" if value else "false")


_CONVERT: dict[Kind, Callable[[Any], Any]] = {
    "datetime": _datetime_out,
    "enum": _enum_out,
    "nested": _nested_out,
    "bool": _bool_text,
}


def _kind(hint: Any) -> tuple[Kind, bool]:
    """How a field is written, and whether it can be absent (UNSET) or null."""
    members = union_members(hint)
    plain = [m for m in members if m is not type(None) and m is not Unset]
    optional = len(plain) != len(members)
    if any(m is datetime.datetime for m in plain):
        return "datetime", optional
    if any(isinstance(m, type) and issubclass(m, enum.Enum) for m in plain):
        return "enum", optional
    if any(typing.get_origin(m) is list or attrs.has(m) for m in plain):
        return "nested", optional
    if bool in plain:
        return "bool", optional
    return "plain", optional


@attrs.frozen
class _Writers:
    """Compiled row and CSV-line builders over one kind of input (models, or wire dicts)."""

    row: Callable[[Any], list[Any]]  # the values; bools as bools, or "true"/"false" for csv
    line: Callable[[Any], str]  # one CSV line without its newline, unchecked for quoting
    csv_row: Callable[[Any], list[Any]]  # the values for the csv module (bools as JSON spells)


@attrs.frozen
class RecordShape:
    """How to turn one model, or the wire dict it was decoded from, into rows (or CSV lines)
    with the given wire columns.

    ``row``/``csv_lines`` read models; ``wire_row``/``wire_csv_lines`` read the item dicts of
    the reply (`Page.raw_items`) and write each value exactly as sent, a date-time included.
    A wire dict must have decoded into its model first (a required field is read as present).
    """

    model: type[Any]
    columns: tuple[str, ...]
    _models: _Writers
    _wire: _Writers
    _wire_row_and: Callable[[Any, Any], tuple[Any, ...]]

    @classmethod
    def of(
        cls, model: type[Any], columns: Sequence[str] | None = None, target: Target = "python"
    ) -> RecordShape:
        wanted = None if columns is None else tuple(columns)
        return _shape(model, wanted, target)  # type: ignore[arg-type,unused-ignore]

    @property
    def row(self) -> Callable[[Any], list[Any]]:
        return self._models.row

    @property
    def wire_row(self) -> Callable[[Any], list[Any]]:
        return self._wire.row

    def wire_rows(self, raw_items: Iterable[Any], last: Iterable[Any]) -> list[tuple[Any, ...]]:
        """A tuple per wire dict (values as sent, bools as bools) with one more value at the
        end, taken from `last` in step (the ledger's `time_s`)."""
        return list(map(self._wire_row_and, raw_items, last))

    def rows(self, items: Iterable[Any]) -> Iterable[list[Any]]:
        return map(self._models.row, items)

    def csv_lines(self, items: Iterable[Any]) -> str:
        """The models as CSV lines, each ending in "\\n"; fields quoted where the csv module
        would quote them (only a field with a comma, quote or line break needs it)."""
        return self._csv_lines(self._models, list(items))

    def wire_csv_lines(self, raw_items: Sequence[Any]) -> str:
        """The wire dicts as CSV lines, as `csv_lines` writes models, values as sent."""
        return self._csv_lines(self._wire, raw_items)

    def _csv_lines(self, writers: _Writers, items: Sequence[Any]) -> str:
        lines = list(map(writers.line, items))
        if not lines:
            return ""
        count = len(lines)
        lines.append("")  # the last line's newline, without copying the text again
        text = "\n".join(lines)
        # One check for the whole page: as many commas as the fields make, a line break only
        # after each line, and no quote or carriage return. Otherwise, line by line.
        if (
            text.count(",") != (len(self.columns) - 1) * count
            or text.count("\n") != count
            or '"' in text
            or "\r" in text
        ):
            checked = [self._checked_line(writers, item) for item in items]
            checked.append("")
            text = "\n".join(checked)
        return text

    def _checked_line(self, writers: _Writers, item: Any) -> str:
        line = writers.line(item)
        if line.count(",") != len(self.columns) - 1 or any(c in line for c in '"\n\r'):
            buffer = io.StringIO()
            # The writer quotes a field holding a character of its line terminator: given
            # "\r\n", it quotes a field with either (given "\n" alone, a bare "\r" went unquoted
            # and a reader split the row there).
            csv.writer(buffer, lineterminator="\r\n").writerow(writers.csv_row(item))
            return buffer.getvalue()[:-2]
        return line


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
    fields = [(by_wire[column], *_kind(hints[by_wire[column]])) for column in wanted]
    models = _Writers(
        _compile_row(model, fields, csv_bools=target == "csv"),
        _compile_line(model, fields),
        _compile_row(model, fields, csv_bools=True),
    )
    wire_fields = [(wire_name(attribute), kind, optional) for attribute, kind, optional in fields]
    wire = _Writers(
        _compile_wire_row(model, wire_fields, csv_bools=target == "csv"),
        _compile_wire_line(model, wire_fields),
        _compile_wire_row(model, wire_fields, csv_bools=True),
    )
    wire_row_and = _compile_wire_row_and(model, wire_fields)
    return RecordShape(model, tuple(wanted), models, wire, wire_row_and)


_Fields = list[tuple[str, Kind, bool]]  # (attribute, kind, optional)


def _value(attribute: str, kind: Kind, optional: bool, csv_bools: bool) -> str:
    read = f"o.{attribute}"
    if kind == "plain" or (kind == "bool" and not csv_bools):
        return f"(None if (v := {read}) is _UNSET else v)" if optional else read
    if kind == "datetime":
        if optional:
            return f"(None if (v := {read}) is _UNSET or v is None else _iso(v))"
        return f"_iso({read})"
    return f"_{kind}({read})"


def _compile_row(model: type[Any], fields: _Fields, *, csv_bools: bool) -> Any:
    values = ", ".join(_value(a, k, opt, csv_bools) for a, k, opt in fields)
    source = f"def row(o):\n    return [{values}]\n"
    return _build(model, source, "row")


def _cell(attribute: str, kind: Kind, optional: bool) -> str:
    read = f"o.{attribute}"
    if kind == "plain":
        if optional:
            return f"{{'' if (v := {read}) is _UNSET or v is None else v}}"
        return f"{{{read}}}"
    if kind == "bool" and not optional:
        return f"{{'true' if {read} else 'false'}}"
    if kind == "datetime":
        if optional:
            return f"{{'' if (v := {read}) is _UNSET or v is None else _iso(v)}}"
        return f"{{_iso({read})}}"
    return f"{{_text(_{kind}({read}))}}"


def _compile_line(model: type[Any], fields: _Fields) -> Any:
    template = ",".join(_cell(a, k, opt) for a, k, opt in fields)
    source = f"def line(o):\n    return f{template!r}\n"
    return _build(model, source, "line")


# The wire writers read the reply's item dicts: a date-time or an enum is the text the API
# sent, a nested object the JSON it sent (compact), so only bools and absent fields need work.
def _wire_value(key: str, kind: Kind, optional: bool, csv_bools: bool) -> str:
    read = f"d[{key!r}]" if not optional else f"d.get({key!r})"
    if kind == "nested":
        return f"_json(d.get({key!r}))"
    if kind == "bool" and csv_bools:
        return f"_bool(d.get({key!r}))"
    return read


def _compile_wire_row(model: type[Any], fields: _Fields, *, csv_bools: bool) -> Any:
    values = ", ".join(_wire_value(k, kind, opt, csv_bools) for k, kind, opt in fields)
    source = f"def row(d):\n    return [{values}]\n"
    return _build(model, source, "wire row")


def _compile_wire_row_and(model: type[Any], fields: _Fields) -> Any:
    values = "".join(f"{_wire_value(k, kind, opt, csv_bools=False)}, " for k, kind, opt in fields)
    source = f"def row(d, last):\n    return ({values}last)\n"
    return _build(model, source, "wire row")


def _wire_cell(key: str, kind: Kind, optional: bool, present: bool) -> str:
    # present: the key is read with d[key] (a KeyError sends the item to the other line).
    read = f"d[{key!r}]" if present else f"d.get({key!r})"
    if kind == "nested":
        return f"{{_text(_json({read}))}}"
    if kind == "bool":
        if optional:
            return f"{{_text(_bool({read}))}}"
        return f"{{'true' if d[{key!r}] else 'false'}}"
    if optional:
        return f"{{'' if (v := {read}) is None else v}}"
    return f"{{d[{key!r}]}}"


def _compile_wire_line(model: type[Any], fields: _Fields) -> Any:
    # Two templates: every key read with d[key] (the usual item, which has them all: a
    # subscript costs less than a .get call), and, on a KeyError, optional keys with .get.
    every = ",".join(_wire_cell(k, kind, opt, present=True) for k, kind, opt in fields)
    general = ",".join(_wire_cell(k, kind, opt, present=False) for k, kind, opt in fields)
    source = (
        f"def line(d):\n    try:\n        return f{every!r}\n    except KeyError:\n"
        f"        pass\n    return f{general!r}\n"
    )
    return _build(model, source, "wire line")


def _json_text(value: Any) -> Any:
    return None if value is None else json.dumps(value, separators=(",", ":"))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _build(model: type[Any], source: str, name: str) -> Any:
    namespace: dict[str, Any] = {
        "_UNSET": UNSET,
        "_text": _text,
        "_iso": iso_utc,
        "_json": _json_text,
        "_bool": _bool_text,
    }
    namespace.update({f"_{kind}": convert for kind, convert in _CONVERT.items()})
    code = compile(source, f"<kalshi_ext {name} for {model.__qualname__}>", "exec")
    exec(code, namespace)  # the source is built above from attrs field names only
    return namespace[name.rsplit(" ", 1)[-1]]
