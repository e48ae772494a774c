"""The ```python blocks of docs/typed-surface.md run as written, each in a fresh interpreter
(a block preceded by `<!-- no-run -->` is shown, not run)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "typed-surface.md"
BLOCKS = [
    code
    for skip, code in re.findall(r"(<!-- no-run -->\n)?```python\n(.*?)```", PAGE.read_text(), re.S)
    if not skip
]


def test_the_page_has_runnable_blocks() -> None:
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{n}" for n in range(len(BLOCKS))])
def test_block_runs(code: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
