"""`kalshi-portfolio export KIND`: a list as CSV or JSON Lines, with the API's names and values."""

from __future__ import annotations

import csv
from typing import IO, Any

import attrs
import click

from kalshi_ext.cli.app import Moment, examples, list_filters
from kalshi_ext.cli.session import Target


@attrs.frozen
class ExportKind:
    iterator: str
    model_name: str
    time_filter: bool  # the API filters by min_ts/max_ts; else --since/--until filter here
    time_field: str  # the field --since/--until compare (Unix seconds or a date-time)


KINDS: dict[str, ExportKind] = {
    "fills": ExportKind("iter_fills", "Fill", True, "created_time"),
    "orders": ExportKind("iter_orders", "Order", True, "created_time"),
    "settlements": ExportKind("iter_settlements", "Settlement", True, "settled_time"),
    "deposits": ExportKind("iter_deposits", "Deposit", False, "created_ts"),
    "withdrawals": ExportKind("iter_withdrawals", "Withdrawal", False, "created_ts"),
}
PAGE_SIZES = {"deposits": 500, "withdrawals": 500}


@click.command(
    epilog=examples(
        "kalshi-portfolio export fills --format csv --out fills.csv",
        "kalshi-portfolio export settlements --format jsonl --since 2026-01-01 --out -",
        "kalshi-portfolio export deposits --format csv --out - | column -s, -t",
    )
)
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@click.option(
    "--format", "file_format", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True
)
@click.option(
    "--out",
    metavar="PATH",
    help="The file to write ('-' for stdout; default KIND.FORMAT). It appears only when complete.",
)
@click.option("--since", type=Moment(), help="Only from this time on.")
@click.option("--until", type=Moment(end_of_day=True), help="Only up to this time (inclusive).")
@click.option("--page-size", type=click.IntRange(1, 1000), help="Items per request (default: max).")
@click.pass_obj
def export(
    target: Target,
    kind: str,
    file_format: str,
    out: str | None,
    since: int | None,
    until: int | None,
    page_size: int | None,
) -> None:
    """Export fills, orders, settlements, deposits or withdrawals, newest first.

    Columns are the API's field names; prices, counts and fees are written exactly as the API
    sends them (decimal text such as 0.5600, never a float). Progress (items, pages, rate) is
    shown on stderr when it is a terminal.
    """
    from kalshi_ext.cli.output import PageProgress, output_file
    from kalshi_ext.cli.session import open_client

    spec = KINDS[kind]
    path = out or f"{kind}.{file_format}"
    filters = list_filters(since=since, until=until) if spec.time_filter else {}
    size = min(page_size or 1000, PAGE_SIZES.get(kind, 1000))
    with open_client(target) as client, output_file(path) as stream:
        pager = getattr(client, spec.iterator)(page_size=size, **filters)
        with PageProgress(f"export {kind}") as progress:
            write = _csv_writer(spec, stream) if file_format == "csv" else _jsonl_writer(stream)
            keep = None if spec.time_filter else _window(spec, since, until)
            for page in pager.pages():
                # An item that does not match its model raises ResponseValidationError, as
                # iter_* would; the values written are the reply's own.
                page.validate()
                raw = page.raw_items if keep is None else list(filter(keep, page.raw_items))
                write(raw)
                progress.page(len(raw))
                # Held through the next fetch, a page's objects would reach the oldest GC
                # generation and set off full collections (pagination's _release_before_next_fetch).
                del page, raw
    if path != "-":
        click.echo(f"wrote {progress.items} {kind} to {path}", err=True)


def _model(spec: ExportKind) -> type[Any]:
    from kalshi_generated import models

    model: type[Any] = getattr(models, spec.model_name)
    return model


def _csv_writer(spec: ExportKind, stream: IO[str]) -> Any:
    from kalshi_ext.records import RecordShape

    shape = RecordShape.of(_model(spec), target="csv")
    csv.writer(stream, lineterminator="\n").writerow(shape.columns)
    lines = shape.wire_csv_lines

    def write(raw_items: list[dict[str, Any]]) -> None:
        stream.write(lines(raw_items))  # one write per page

    return write


def _jsonl_writer(stream: IO[str]) -> Any:
    import json

    dumps = json.JSONEncoder(separators=(",", ":")).encode

    def write(raw_items: list[dict[str, Any]]) -> None:
        # Each item as the API sent it, one JSON object a line; one write per page.
        stream.write("".join(f"{dumps(item)}\n" for item in raw_items))

    return write


def _window(spec: ExportKind, since: int | None, until: int | None) -> Any:
    if since is None and until is None:
        return None
    field = spec.time_field

    def keep(item: dict[str, Any]) -> bool:
        moment = item[field]  # Unix seconds, an integer on the wire and in the model
        return (since is None or moment >= since) and (until is None or moment <= until)

    return keep
