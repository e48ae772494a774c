"""bench_feed still runs and still checks what it reports (timings are never asserted here)."""

from __future__ import annotations

import asyncio

from bench.bench_feed import recovery, throughput


def test_recovery_delivers_every_missed_fill_once() -> None:
    _, checks = asyncio.run(recovery(50))
    assert all(ok for description, ok in checks), checks


def test_throughput_sides_both_run() -> None:
    rows, checks = asyncio.run(throughput(300, 1))
    assert [row[0] for row in rows[:2]] == ["bare stream", "watch_fills"]
    assert len(checks) == 1  # the ratio verdict: judged by `make bench`, not here
