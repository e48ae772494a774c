"""The benchmarks still run: every side of bench_pagination and bench_cli walks a small dataset
and checks it.

Timings are never asserted here (they belong to `make bench`); this only keeps bench/ from
rotting, e.g. a side that silently stops seeing every fill.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from bench import bench_import
from bench._common import rsa_pem
from bench._server import running_server
from bench.bench_import import first_call, wall
from bench.bench_pagination import PAGE_SIZE, Walk


def test_every_pagination_side_sees_every_fill() -> None:
    total = 2 * PAGE_SIZE + 7
    with running_server(total_fills=total, page_size=PAGE_SIZE) as base_url:
        walk = Walk(base_url, rsa_pem(), json.loads, total=total)
        try:
            walk.ours()  # each side raises if it saw a fill too few or too many
            walk.floor(json.loads)
            walk.floor_with_models(json.loads)
        finally:
            walk.close()


def test_every_import_side_runs_and_reads_the_balance(tmp_path: Path) -> None:
    """bench_import's children: both sides import, make their first signed call and check it."""
    pem_path = tmp_path / "key.pem"
    pem_path.write_bytes(rsa_pem())
    with running_server() as base_url:
        for side in ("floor", "ours"):
            assert first_call(side, base_url, str(pem_path)) > 0  # raises if the balance is wrong
    assert wall([sys.executable, "-c", bench_import.OURS_IMPORT]) > 0


def test_every_cli_side_sees_every_fill(tmp_path: Path) -> None:
    from bench.bench_cli import PAGE_SIZE as CLI_PAGE_SIZE
    from bench.bench_cli import Sides

    total = 2 * CLI_PAGE_SIZE + 7
    with running_server(total_fills=total, page_size=CLI_PAGE_SIZE) as base_url:
        saved = dict(os.environ)
        try:
            sides = Sides(base_url, rsa_pem(), tmp_path, total)
            sides.iter_fills()  # each side raises if it saw a fill too few or too many
            sides.export()
            sides.sync()
        finally:
            os.environ.clear()
            os.environ.update(saved)
