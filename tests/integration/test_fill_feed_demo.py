"""make demo's fill-feed demo recovers the fill lost with a dropped connection."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_fill_feed_demo_recovers_a_fill_after_a_drop() -> None:
    result = subprocess.run(
        [sys.executable, "examples/fill_feed_demo.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for text in ("from the stream", "recovered after the drop", "resume point", "live: order"):
        assert text in result.stdout, result.stdout
