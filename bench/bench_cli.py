"""The kalshi-portfolio command line: start-up, `export fills --format csv` and `sync` of 100,000
fills, each side by side with its floor in one run.

- start-up: `kalshi-portfolio --help` (the installed console script, a new process each time)
  against the floor `python -c "import httpx"` plus the signing imports (cryptography's RSA,
  padding, hashes and serialization); target <= 2x.
- export: `export fills --format csv --out FILE` against `for fill in client.iter_fills()` over
  the same 100 pages of 1,000 fills from the benchmark server; target <= 1.3x.
- sync: `sync --db EMPTY --table fills` into a new ledger against the same iter_fills walk;
  target <= 1.5x. Beside it, for the record, SQLite's own share: the same rows, built before
  the clock starts, stored page by page into a new ledger as sync stores them
  (`kalshi_ext.ledger.store_page`: per-page transactions, the initial load's index drop and
  rebuild, the closing checkpoint), with nothing fetched or decoded.

Export and sync run in this process through `kalshi_ext.cli.main` (argument parsing, client
construction, file or ledger, all included), so the ratios measure the command's own work, not
interpreter start-up. Rounds alternate the sides; verdicts judge the median of per-round ratios.

Run: PYTHONPATH=. python bench/bench_cli.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench._common import (
    KEY_ID,
    interleaved,
    median,
    paired_ratios,
    print_table,
    rsa_pem,
    verdict,
)
from bench._server import running_server, server_description
from bench.bench_pagination import seconds
from kalshi_ext import Client, KalshiConfig
from kalshi_ext.cli import main as cli_main

TOTAL_FILLS = 100_000
PAGE_SIZE = 1000
STARTUP_TARGET = 2.0
EXPORT_TARGET = 1.3
SYNC_TARGET = 1.5
SCRIPT = str(Path(sys.executable).parent / "kalshi-portfolio")
FLOOR_IMPORTS = (
    "import httpx; "
    "from cryptography.hazmat.primitives import hashes, serialization; "
    "from cryptography.hazmat.primitives.asymmetric import padding, rsa"
)


def process(*command: str) -> Callable[[], None]:
    def run() -> None:
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    return run


class Sides:
    """The timed actions over one server; each checks that it saw every fill."""

    def __init__(self, base_url: str, pem: bytes, workdir: Path, total: int) -> None:
        self.base_url = base_url
        self.pem = pem
        self.workdir = workdir
        self.total = total
        self.runs = 0
        os.environ.update(KALSHI_KEY_ID=KEY_ID, KALSHI_PRIVATE_KEY=pem.decode())
        for name in ("KALSHI_PRIVATE_KEY_PATH", "KALSHI_DEMO", "KALSHI_API_BASE_URL"):
            os.environ.pop(name, None)

    def iter_fills(self) -> None:
        config = KalshiConfig(base_url=self.base_url)
        with Client(key_id=KEY_ID, private_key=self.pem, config=config) as client:
            count = sum(1 for _ in client.iter_fills(page_size=PAGE_SIZE))
        self._check("iter_fills", count)

    def export(self) -> None:
        out = self.workdir / "fills.csv"
        self._run_cli("export", "fills", "--format", "csv", "--out", str(out))
        with out.open("rb") as handle:
            lines = sum(1 for _ in handle)
        out.unlink()
        self._check("export", lines - 1)

    def sync(self) -> None:
        import sqlite3

        self.runs += 1
        db = self.workdir / f"ledger-{self.runs}.sqlite"
        self._run_cli("sync", "--db", str(db), "--table", "fills")
        connection = sqlite3.connect(db)
        count = connection.execute("SELECT COUNT(*) FROM fills").fetchone()[0]
        connection.close()
        for path in self.workdir.glob(f"ledger-{self.runs}.sqlite*"):
            path.unlink()
        self._check("sync", count)

    def prepare_sqlite_floor(self) -> None:
        """The 100 pages' ledger rows and cursors, as sync builds them (not timed)."""
        from kalshi_ext import ledger
        from kalshi_ext.records import RecordShape

        table = ledger.TABLES["fills"]
        shape = RecordShape.of(table.model, table.columns)
        config = KalshiConfig(base_url=self.base_url)
        self.pages: list[tuple[list[tuple[object, ...]], str | None]] = []
        with Client(key_id=KEY_ID, private_key=self.pem, config=config) as client:
            for page in client.iter_fills(page_size=PAGE_SIZE).pages():
                times = list(map(table.time_of, page))
                rows = shape.wire_rows(page.raw_items, times)
                self.pages.append((rows, page.next_cursor or None))

    def sqlite_floor(self) -> None:
        from kalshi_ext import ledger

        table = ledger.TABLES["fills"]
        insert = table.insert_sql()
        self.runs += 1
        db = self.workdir / f"floor-{self.runs}.sqlite"
        connection = ledger.connect(db)
        for number, (rows, cursor) in enumerate(self.pages):
            ledger.store_page(
                connection,
                table,
                rows,
                insert=insert,
                next_cursor=cursor,
                floor=None,
                drop_indexes=number == 0,
            )
        count = connection.execute("SELECT COUNT(*) FROM fills").fetchone()[0]
        connection.close()
        for path in self.workdir.glob(f"floor-{self.runs}.sqlite*"):
            path.unlink()
        self._check("sqlite floor", count)

    def _run_cli(self, *args: str) -> None:
        code = cli_main(["--base-url", self.base_url, *args])
        if code != 0:
            raise RuntimeError(f"kalshi-portfolio {' '.join(args)} exited {code}")

    def _check(self, side: str, count: int) -> None:
        if count != self.total:
            raise RuntimeError(f"{side} saw {count} fills, not {self.total}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--startup-rounds", type=int, default=21)
    args = parser.parse_args(argv)

    startup = interleaved(
        args.startup_rounds,
        {
            "floor": seconds(process(sys.executable, "-c", FLOOR_IMPORTS)),
            "help": seconds(process(SCRIPT, "--help")),
        },
    )
    startup_ratio = median(paired_ratios(startup["help"], startup["floor"]))

    pem = rsa_pem()
    with (
        running_server(total_fills=TOTAL_FILLS, page_size=PAGE_SIZE) as base_url,
        tempfile.TemporaryDirectory() as workdir,
    ):
        sides = Sides(base_url, pem, Path(workdir), TOTAL_FILLS)
        sides.iter_fills()  # warm up: connections, imports, decoders
        sides.export()
        sides.sync()
        sides.prepare_sqlite_floor()
        walks = interleaved(
            args.rounds,
            {
                "iter_fills": seconds(sides.iter_fills),
                "export": seconds(sides.export),
                "sync": seconds(sides.sync),
                "sqlite floor": seconds(sides.sqlite_floor),
            },
        )
    export_ratio = median(paired_ratios(walks["export"], walks["iter_fills"]))
    sync_ratio = median(paired_ratios(walks["sync"], walks["iter_fills"]))
    sqlite_ratio = median(paired_ratios(walks["sqlite floor"], walks["iter_fills"]))
    # What sync costs beyond fetching (iter_fills) and SQLite's own storing, per round.
    beyond = median(
        [
            (sync - floor - walk) / walk
            for sync, floor, walk in zip(
                walks["sync"], walks["sqlite floor"], walks["iter_fills"], strict=True
            )
        ]
    )

    print(f"server: {server_description()}")
    print_table(
        f"kalshi-portfolio start-up ({args.startup_rounds} rounds, median ms)",
        ["side", "median"],
        [[name, f"{median(values) * 1000:.0f}"] for name, values in startup.items()],
    )
    print_table(
        f"{TOTAL_FILLS:,} fills in pages of {PAGE_SIZE:,} ({args.rounds} rounds, median s)",
        ["side", "median"],
        [[name, f"{median(values):.3f}"] for name, values in walks.items()],
    )
    print(f"  ratio --help / floor imports    {startup_ratio:.2f}")
    print(f"  ratio export csv / iter_fills   {export_ratio:.2f}")
    print(f"  ratio sync / iter_fills         {sync_ratio:.2f}")
    print(f"  ratio sqlite floor / iter_fills {sqlite_ratio:.2f}  (storing alone, for the record)")
    print(f"  sync beyond the two, / iter_fills {beyond:+.2f}")
    return verdict(
        "bench_cli",
        [
            (f"--help <= {STARTUP_TARGET}x the import floor", startup_ratio <= STARTUP_TARGET),
            (f"export csv <= {EXPORT_TARGET}x iter_fills", export_ratio <= EXPORT_TARGET),
            (f"sync <= {SYNC_TARGET}x iter_fills", sync_ratio <= SYNC_TARGET),
        ],
    )


if __name__ == "__main__":
    sys.exit(main())
