"""make demo's stream demo shows fills, order updates and a reconnect (docs/streams.md's code
blocks are run by tests/docs/test_code_blocks.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_stream_demo_shows_events_arriving_and_a_reconnect() -> None:
    result = subprocess.run(
        [sys.executable, "examples/stream_demo.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for text in ("stream fill", "stream user_order", "executed", "canceled", "RECONNECTED"):
        assert text in out, out
