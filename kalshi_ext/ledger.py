"""The local ledger: a SQLite copy of fills, orders, settlements, deposits and withdrawals, synced
incrementally and crash-safely through a Client.

Schema (version 2; `PRAGMA user_version` holds it, older ledgers are migrated on open):

- one plain table per list (`fills`, `orders`, `settlements`, `deposits`, `withdrawals`) whose
  columns are the API's field names with the values exactly as sent: dollar amounts and counts
  as the API's decimal text ("0.5600", "10.00"), cents as integers, booleans as 0/1, date-times
  as the API's RFC 3339 text (ledgers synced before kalshi-portfolio wrote the reply's own
  text hold it re-written in UTC with a "Z": the same instants); plus `time_s`, the item's time
  in Unix seconds (`created_time`, `settled_time` or `created_ts`), indexed with `ticker`;
- `sync_state`: the resume point (cursor and time floor) of a walk that has not finished;
- `ledger_meta`: which API (`base_url`) and subaccount the ledger holds.

Incremental: each list is walked newest first from the API down to a floor, the newest time
already stored less an overlap (orders: the oldest order still resting, since orders change
until they are final); rows are upserted by primary key, so the overlap never duplicates. A sync
with nothing new costs one request per list.

Crash-safe: each page's rows and the walk's next cursor are committed in one transaction (WAL
journal), and a walk that was interrupted is resumed from its cursor before a new one starts; a
run killed at any point and run again ends with exactly the rows of a clean run
(tests/integration/test_cli_ledger.py kills it with SIGKILL).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from kalshi_ext.records import RecordShape

SCHEMA_VERSION = 2
DEFAULT_OVERLAP_S = 3600

# Deposits and withdrawals have the same fields.
_CASH_TABLE = """
CREATE TABLE {name} (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    type TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    fee_cents INTEGER NOT NULL,
    created_ts INTEGER NOT NULL,
    finalized_ts INTEGER,
    time_s INTEGER NOT NULL
);
"""

_MIGRATION_1 = """
CREATE TABLE ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sync_state (
    table_name TEXT PRIMARY KEY,
    cursor TEXT NOT NULL,
    min_ts INTEGER
);
CREATE TABLE fills (
    fill_id TEXT PRIMARY KEY,
    trade_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    ticker TEXT NOT NULL,
    market_ticker TEXT NOT NULL,
    outcome_side TEXT NOT NULL,
    book_side TEXT NOT NULL,
    side TEXT,
    action TEXT,
    count_fp TEXT NOT NULL,
    yes_price_dollars TEXT NOT NULL,
    no_price_dollars TEXT NOT NULL,
    is_taker INTEGER NOT NULL,
    fee_cost TEXT NOT NULL,
    created_time TEXT,
    ts INTEGER,
    subaccount_number INTEGER,
    exchange_index INTEGER NOT NULL,
    time_s INTEGER NOT NULL
);
CREATE TABLE orders (
    order_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    client_order_id TEXT NOT NULL,
    ticker TEXT NOT NULL,
    outcome_side TEXT NOT NULL,
    book_side TEXT NOT NULL,
    side TEXT,
    action TEXT,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    yes_price_dollars TEXT NOT NULL,
    no_price_dollars TEXT NOT NULL,
    fill_count_fp TEXT NOT NULL,
    remaining_count_fp TEXT NOT NULL,
    initial_count_fp TEXT NOT NULL,
    taker_fill_cost_dollars TEXT NOT NULL,
    maker_fill_cost_dollars TEXT NOT NULL,
    taker_fees_dollars TEXT NOT NULL,
    maker_fees_dollars TEXT NOT NULL,
    expiration_time TEXT,
    created_time TEXT,
    last_update_time TEXT,
    self_trade_prevention_type TEXT,
    order_group_id TEXT,
    cancel_order_on_pause INTEGER,
    subaccount_number INTEGER,
    exchange_index INTEGER,
    time_s INTEGER NOT NULL
);
CREATE TABLE settlements (
    ticker TEXT NOT NULL,
    exchange_index INTEGER NOT NULL,
    event_ticker TEXT NOT NULL,
    market_result TEXT NOT NULL,
    yes_count_fp TEXT NOT NULL,
    yes_total_cost_dollars TEXT NOT NULL,
    no_count_fp TEXT NOT NULL,
    no_total_cost_dollars TEXT NOT NULL,
    revenue INTEGER NOT NULL,
    settled_time TEXT NOT NULL,
    fee_cost TEXT NOT NULL,
    value INTEGER,
    time_s INTEGER NOT NULL,
    PRIMARY KEY (ticker, exchange_index)
);
""" + "".join(_CASH_TABLE.format(name=name) for name in ("deposits", "withdrawals"))

# Version 2: the time and ticker indexes (version 1 ledgers had only primary keys). The same
# statements rebuild an index that an initial load dropped (see _walk).
INDEXES: dict[str, tuple[str, ...]] = {
    "fills": (
        "CREATE INDEX IF NOT EXISTS fills_time ON fills (time_s)",
        "CREATE INDEX IF NOT EXISTS fills_ticker ON fills (ticker, time_s)",
    ),
    "orders": (
        "CREATE INDEX IF NOT EXISTS orders_time ON orders (time_s)",
        "CREATE INDEX IF NOT EXISTS orders_ticker ON orders (ticker, time_s)",
        "CREATE INDEX IF NOT EXISTS orders_status ON orders (status, time_s)",
    ),
    "settlements": ("CREATE INDEX IF NOT EXISTS settlements_time ON settlements (time_s)",),
    "deposits": ("CREATE INDEX IF NOT EXISTS deposits_time ON deposits (time_s)",),
    "withdrawals": ("CREATE INDEX IF NOT EXISTS withdrawals_time ON withdrawals (time_s)",),
}
_MIGRATION_2 = ";\n".join(statement for table in INDEXES.values() for statement in table)

# MIGRATIONS[n] takes a ledger from version n to n + 1.
MIGRATIONS: tuple[str, ...] = (_MIGRATION_1, _MIGRATION_2)


class LedgerError(Exception):
    """The ledger file cannot be used as asked (newer schema, another account or API)."""


def _time_of_fill(fill: Any) -> int:
    if isinstance(fill.ts, int):
        return fill.ts
    return int(fill.created_time.timestamp())


def _time_of_order(order: Any) -> int:
    for moment in (order.created_time, order.last_update_time):
        if hasattr(moment, "timestamp"):
            return int(moment.timestamp())
    return 0


# The same times read from an item's wire dict, for an item the compiled decoder accepts
# (decoding.acceptor_for: its date-times parse with datetime.fromisoformat, as here). None:
# read it from the model instead. A test proves each equal to its model twin.


def _wire_seconds(text: Any) -> int | None:
    return int(datetime.fromisoformat(text).timestamp()) if isinstance(text, str) else None


def _wire_time_of_fill(item: dict[str, Any]) -> int | None:
    ts = item.get("ts")
    if isinstance(ts, int):
        return ts
    return _wire_seconds(item.get("created_time"))


def _wire_time_of_order(item: dict[str, Any]) -> int | None:
    for key in ("created_time", "last_update_time"):
        moment = item.get(key)
        if moment is not None:
            return _wire_seconds(moment)
    return 0


def _wire_time_of_settlement(item: dict[str, Any]) -> int | None:
    return _wire_seconds(item.get("settled_time"))


def _wire_time_of_movement(item: dict[str, Any]) -> int | None:
    created = item.get("created_ts")
    return int(created) if isinstance(created, int) else None


@attrs.frozen
class LedgerTable:
    """One synced list: its table, the iterator that fills it and how its walk is bounded."""

    name: str
    iterator: str  # the Client method, e.g. "iter_fills"
    model_name: str  # in kalshi_generated.models
    columns: tuple[str, ...]  # the API fields stored, in table order (time_s follows)
    primary_key: tuple[str, ...]
    time_of: Callable[[Any], int]
    wire_time_of: Callable[[dict[str, Any]], int | None]  # time_of from the wire dict, or None
    page_size: int
    mutable: bool  # items change after they appear (an order's status): upserted, not ignored
    time_filter: bool  # the operation takes min_ts
    per_subaccount: bool  # the operation takes subaccount
    floor_sql: str  # the newest time known to be complete (before the overlap)

    @property
    def model(self) -> type[Any]:
        from kalshi_generated import models

        model: type[Any] = getattr(models, self.model_name)
        return model

    def insert_sql(self) -> str:
        names = [*self.columns, "time_s"]
        quoted = ", ".join(f'"{name}"' for name in names)
        marks = ", ".join("?" for _ in names)
        if not self.mutable:
            return f'INSERT OR IGNORE INTO "{self.name}" ({quoted}) VALUES ({marks})'
        updates = ", ".join(
            f'"{name}" = excluded."{name}"' for name in names if name not in self.primary_key
        )
        keys = ", ".join(f'"{name}"' for name in self.primary_key)
        return (
            f'INSERT INTO "{self.name}" ({quoted}) VALUES ({marks}) '
            f"ON CONFLICT ({keys}) DO UPDATE SET {updates}"
        )


def _max_time(table: str) -> str:
    return f'SELECT MAX(time_s) FROM "{table}"'


TABLES: dict[str, LedgerTable] = {
    table.name: table
    for table in (
        LedgerTable(
            name="fills",
            mutable=False,
            iterator="iter_fills",
            model_name="Fill",
            columns=(
                "fill_id",
                "trade_id",
                "order_id",
                "ticker",
                "market_ticker",
                "outcome_side",
                "book_side",
                "side",
                "action",
                "count_fp",
                "yes_price_dollars",
                "no_price_dollars",
                "is_taker",
                "fee_cost",
                "created_time",
                "ts",
                "subaccount_number",
                "exchange_index",
            ),
            primary_key=("fill_id",),
            time_of=_time_of_fill,
            wire_time_of=_wire_time_of_fill,
            page_size=1000,
            time_filter=True,
            per_subaccount=True,
            floor_sql=_max_time("fills"),
        ),
        LedgerTable(
            name="orders",
            mutable=True,
            iterator="iter_orders",
            model_name="Order",
            columns=(
                "order_id",
                "user_id",
                "client_order_id",
                "ticker",
                "outcome_side",
                "book_side",
                "side",
                "action",
                "type",
                "status",
                "yes_price_dollars",
                "no_price_dollars",
                "fill_count_fp",
                "remaining_count_fp",
                "initial_count_fp",
                "taker_fill_cost_dollars",
                "maker_fill_cost_dollars",
                "taker_fees_dollars",
                "maker_fees_dollars",
                "expiration_time",
                "created_time",
                "last_update_time",
                "self_trade_prevention_type",
                "order_group_id",
                "cancel_order_on_pause",
                "subaccount_number",
                "exchange_index",
            ),
            primary_key=("order_id",),
            time_of=_time_of_order,
            wire_time_of=_wire_time_of_order,
            page_size=1000,
            time_filter=True,
            per_subaccount=True,
            # A resting order can still fill or be canceled: walk back to the oldest one.
            floor_sql=(
                "SELECT COALESCE((SELECT MIN(time_s) FROM orders WHERE status = 'resting'),"
                " (SELECT MAX(time_s) FROM orders))"
            ),
        ),
        LedgerTable(
            name="settlements",
            mutable=False,
            iterator="iter_settlements",
            model_name="Settlement",
            columns=(
                "ticker",
                "exchange_index",
                "event_ticker",
                "market_result",
                "yes_count_fp",
                "yes_total_cost_dollars",
                "no_count_fp",
                "no_total_cost_dollars",
                "revenue",
                "settled_time",
                "fee_cost",
                "value",
            ),
            primary_key=("ticker", "exchange_index"),
            time_of=lambda settlement: int(settlement.settled_time.timestamp()),
            wire_time_of=_wire_time_of_settlement,
            page_size=1000,
            time_filter=True,
            per_subaccount=True,
            floor_sql=_max_time("settlements"),
        ),
        *(
            LedgerTable(
                name=name,
                mutable=True,  # a pending deposit or withdrawal is applied later
                iterator=f"iter_{name}",
                model_name=model_name,
                columns=(
                    "id",
                    "status",
                    "type",
                    "amount_cents",
                    "fee_cents",
                    "created_ts",
                    "finalized_ts",
                ),
                primary_key=("id",),
                time_of=lambda movement: int(movement.created_ts),
                wire_time_of=_wire_time_of_movement,
                page_size=500,
                time_filter=False,
                per_subaccount=False,
                floor_sql=_max_time(name),
            )
            for name, model_name in (("deposits", "Deposit"), ("withdrawals", "Withdrawal"))
        ),
    )
}


# ---- opening and migrating ----------------------------------------------------------------


def connect(path: str | Path) -> sqlite3.Connection:
    """Open (creating if needed) a ledger and bring its schema to SCHEMA_VERSION."""
    connection = sqlite3.connect(str(path), isolation_level=None)
    try:
        # WAL: a commit is atomic on disk and survives a killed process; NORMAL skips the
        # fsync per commit (a power cut may lose the last pages, which the next sync refetches).
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        # Checkpoints (copying the WAL into the database, with an fsync each) every 64 MiB of
        # WAL rather than SQLite's 4 MiB: an initial load of 100,000 fills did ~25 of them,
        # ~0.3 s. Commits stay atomic either way; the last connection to close checkpoints.
        connection.execute("PRAGMA wal_autocheckpoint = 16384")
        connection.execute("PRAGMA cache_size = -32768")  # 32 MiB: index pages stay cached
        migrate(connection)
    except BaseException:
        connection.close()
        raise
    return connection


def schema_version(connection: sqlite3.Connection) -> int:
    version: int = connection.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(connection: sqlite3.Connection, migrations: Sequence[str] = MIGRATIONS) -> int:
    """Apply the migrations a ledger lacks, each with its version bump in one transaction."""
    version = schema_version(connection)
    if version > len(migrations):
        raise LedgerError(
            f"the ledger has schema version {version}, newer than this kalshi-portfolio knows "
            f"({len(migrations)}): upgrade kalshi-portfolio"
        )
    for number in range(version, len(migrations)):
        with transaction(connection):
            for statement in _statements(migrations[number]):
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {number + 1}")
    return len(migrations)


def _statements(script: str) -> Iterator[str]:
    # executescript() would commit on its own; statements are run one by one inside ours.
    for statement in script.split(";"):
        if statement.strip():
            yield statement


class transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception (KeyboardInterrupt included)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        self.connection.execute("BEGIN IMMEDIATE")
        return self.connection

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        self.connection.execute("COMMIT" if exc_type is None else "ROLLBACK")


def check_identity(connection: sqlite3.Connection, base_url: str, subaccount: int) -> None:
    """Record which API and subaccount the ledger holds; refuse to mix in another."""
    wanted = {"base_url": base_url, "subaccount": str(subaccount)}
    with transaction(connection):
        stored = dict(connection.execute("SELECT key, value FROM ledger_meta").fetchall())
        for key, value in wanted.items():
            if key not in stored:
                connection.execute("INSERT INTO ledger_meta VALUES (?, ?)", (key, value))
            elif stored[key] != value:
                raise LedgerError(
                    f"this ledger holds {key} {stored[key]!r}, not {value!r}: "
                    "use another --db file for another account, API or subaccount"
                )


# ---- syncing ------------------------------------------------------------------------------


@attrs.define
class TableReport:
    table: str
    pages: int = 0
    items: int = 0  # items received (the overlap included)
    new_rows: int = 0  # rows the ledger did not have


PageListener = Callable[[str, int], None]  # (table, items in the page)


def sync(
    client: Any,
    connection: sqlite3.Connection,
    *,
    tables: Sequence[str] = tuple(TABLES),
    subaccount: int = 0,
    overlap_s: int = DEFAULT_OVERLAP_S,
    page_size: int | None = None,
    on_page: PageListener | None = None,
) -> list[TableReport]:
    """Bring each table up to date; returns what each one fetched."""
    check_identity(connection, client.config.base_url, subaccount)
    reports = []
    for name in tables:
        table = TABLES[name]
        report = TableReport(name)
        count_rows = f'SELECT COUNT(*) FROM "{table.name}"'
        before = connection.execute(count_rows).fetchone()[0]
        # An interrupted walk is finished first; then a new walk picks up what came since.
        while _walk(client, connection, table, report, subaccount, overlap_s, page_size, on_page):
            pass
        report.new_rows = connection.execute(count_rows).fetchone()[0] - before
        reports.append(report)
    return reports


def _walk(
    client: Any,
    connection: sqlite3.Connection,
    table: LedgerTable,
    report: TableReport,
    subaccount: int,
    overlap_s: int,
    page_size: int | None,
    on_page: PageListener | None,
) -> bool:
    """One walk down to the floor; True if it was a resumed one (another walk should follow)."""
    saved = connection.execute(
        "SELECT cursor, min_ts FROM sync_state WHERE table_name = ?", (table.name,)
    ).fetchone()
    if saved is not None:
        cursor, floor = saved
    else:
        cursor = None
        newest = connection.execute(table.floor_sql).fetchone()[0]
        floor = None if newest is None else max(0, newest - overlap_s)
    # An initial load (an empty table) drops the table's secondary indexes with its first page
    # and builds them with its last: one sort instead of 100,000 random B-tree inserts each.
    # A load interrupted in between is resumed, and its last page builds them.
    initial_load = saved is None and floor is None
    filters: dict[str, Any] = {}
    if table.per_subaccount:
        filters["subaccount"] = subaccount
    if table.time_filter and floor is not None:
        filters["min_ts"] = floor
    pager = getattr(client, table.iterator)(
        page_size=page_size or table.page_size, start_cursor=cursor, **filters
    )
    shape = RecordShape.of(table.model, table.columns)
    time_of, wire_time_of = table.time_of, table.wire_time_of
    insert = table.insert_sql()
    for page in pager.pages():
        # An item that does not match its model raises ResponseValidationError before anything
        # of the page is stored. Items the compiled decoder's check passed give their time from
        # the wire; otherwise, from the models. The stored values are the reply's own.
        times: list[Any] | None = None
        if page.validate():
            times = list(map(wire_time_of, page.raw_items))
        if times is None or None in times:
            times = list(map(time_of, page))
        rows = shape.wire_rows(page.raw_items, times)
        reached_floor = floor is not None and bool(times) and min(times) < floor
        done = reached_floor or not page.next_cursor
        store_page(
            connection,
            table,
            rows,
            insert=insert,
            next_cursor=None if done else page.next_cursor,
            floor=floor,
            drop_indexes=initial_load and report.pages == 0 and not done,
        )
        report.pages += 1
        report.items += len(rows)
        if on_page is not None:
            on_page(table.name, len(rows))
        if done:
            break
        # Held through the next fetch, a page's models and rows would reach the oldest GC
        # generation and set off full collections (pagination's _release_before_next_fetch).
        del page, rows, times
    return saved is not None


def store_page(
    connection: sqlite3.Connection,
    table: LedgerTable,
    rows: list[tuple[Any, ...]],
    *,
    insert: str,
    next_cursor: str | None,
    floor: int | None,
    drop_indexes: bool = False,
) -> None:
    """One page's rows and the walk's resume state in one transaction: the next cursor, or
    (the walk done, `next_cursor` None) no resume state and the table's indexes in place.
    `drop_indexes` drops them first (an initial load's first page; its last rebuilds them)."""
    with transaction(connection):
        if drop_indexes:
            _drop_indexes(connection, table.name)
        connection.executemany(insert, rows)
        if next_cursor is None:
            connection.execute("DELETE FROM sync_state WHERE table_name = ?", (table.name,))
            for statement in INDEXES[table.name]:
                connection.execute(statement)
        else:
            connection.execute(
                "INSERT OR REPLACE INTO sync_state VALUES (?, ?, ?)",
                (table.name, next_cursor, floor),
            )


def _drop_indexes(connection: sqlite3.Connection, table: str) -> None:
    names = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        (table,),
    ).fetchall()
    for (name,) in names:
        connection.execute(f'DROP INDEX "{name}"')
