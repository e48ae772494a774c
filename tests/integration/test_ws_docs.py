"""The ```python blocks of docs/local-exchange-ws.md run as-is, each in a fresh interpreter."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "local-exchange-ws.md"
BLOCK = re.compile(r"(?P<before>[^\n]*)\n```python\n(?P<code>.*?)```", re.DOTALL)


def blocks() -> list[str]:
    text = PAGE.read_text(encoding="utf-8")
    return [m["code"] for m in BLOCK.finditer(text) if "<!-- no-run -->" not in m["before"]]


def test_the_page_has_runnable_blocks() -> None:
    assert len(blocks()) == 2


@pytest.mark.parametrize("code", blocks(), ids=[f"block-{n}" for n in range(len(blocks()))])
def test_block_runs(code: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
