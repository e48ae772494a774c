"""What the commands write: rich tables, JSON Lines, files replaced atomically, stderr progress."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from kalshi_ext.records import RecordShape


def console() -> Any:
    """stdout for tables: a terminal's width, or unbounded in a pipe or file (rows whole)."""
    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=100_000)


def print_table(title: str, model: type[Any], columns: Sequence[str], items: Iterable[Any]) -> None:
    """Items as a rich table with the given API fields as columns (values as the API sent)."""
    from rich.table import Table

    shape = RecordShape.of(model, columns, target="csv")
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    count = 0
    for row in shape.rows(items):
        table.add_row(*("" if value is None else str(value) for value in row))
        count += 1
    table.caption = f"{count} {title.lower()}"
    table.caption_justify = "left"
    console().print(table)


def print_fields(title: str, pairs: Sequence[tuple[str, str]]) -> None:
    """One record as a two-column table of field and value."""
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for name, value in pairs:
        table.add_row(name, value)
    console().print(table)


def write_json_lines(items: Iterable[Any], out: IO[str] | None = None) -> int:
    """Each model's wire dict as one JSON line; returns how many were written."""
    stream = sys.stdout if out is None else out
    count = 0
    for item in items:
        stream.write(json.dumps(item.to_dict(), separators=(",", ":")))
        stream.write("\n")
        count += 1
    return count


def print_json(value: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(value, separators=(",", ":")) + "\n")


@contextlib.contextmanager
def output_file(path: str) -> Iterator[IO[str]]:
    """`-`: stdout. Otherwise a temporary file beside `path`, renamed over it only when the
    block finishes: an interrupted or failed export never leaves a partial file at `path`."""
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


class PageProgress:
    """Items, pages and rate on stderr, only when stderr is a terminal (never in a pipe/log)."""

    def __init__(self, description: str, *, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.description = description
        self.items = 0
        self.pages = 0
        self._started = time.perf_counter()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> PageProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TextColumn("{task.completed:,} items"),
                TextColumn("{task.fields[pages]:,} pages"),
                TextColumn("{task.fields[rate]:,.0f} items/s"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task(self.description, total=None, pages=0, rate=0.0)
        return self

    def page(self, items: int, description: str | None = None) -> None:
        self.items += items
        self.pages += 1
        if self._progress is not None:
            elapsed = max(time.perf_counter() - self._started, 1e-9)
            self._progress.update(
                self._task,
                completed=self.items,
                pages=self.pages,
                rate=self.items / elapsed,
                description=description or self.description,
            )

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(None, None, None)
