"""Every ```python block of README.md and docs/*.md runs, as is, in a fresh interpreter.

Conventions (also in HELPERS.md): a block preceded by the line `<!-- no-run -->` is skipped
(real credentials, placeholders); ```console and ```bash blocks are never run. A block that
defines `test_*` functions is a pytest module: it runs under pytest (with this package's
fixtures) and must pass at least one test. Any other block runs as a script and must exit 0.
Each block starts its own LocalExchange when it needs one; no block reaches the internet.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
NO_RUN = "<!-- no-run -->"
FENCE = re.compile(r"^```(\S*)\s*$")
TEST_FUNCTION = re.compile(r"^(async )?def test_", re.MULTILINE)
TIMEOUT_S = 120  # generous: a loaded 2-core machine; a block itself takes about a second


class Block(NamedTuple):
    page: Path
    line: int  # 1-based line of the opening fence
    language: str
    code: str
    skipped: bool

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"


def blocks_of(page: Path) -> list[Block]:
    """The fenced blocks of a Markdown page, with whether `<!-- no-run -->` precedes each."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    previous = ""
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            if lines[index].strip():
                previous = lines[index].strip()
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].rstrip() != "```":
            end += 1
        if end == len(lines):
            raise AssertionError(f"{page.name}:{index + 1}: unclosed code block")
        code = "\n".join(lines[index + 1 : end]) + "\n"
        found.append(Block(page, index + 1, opening.group(1), code, previous == NO_RUN))
        previous = ""
        index = end + 1
    return found


PYTHON_BLOCKS = [b for page in PAGES for b in blocks_of(page) if b.language == "python"]


def clean_env() -> dict[str, str]:
    """The environment without KALSHI_* variables: a block must not depend on the caller's."""
    return {k: v for k, v in os.environ.items() if not k.startswith("KALSHI_")}


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=[b.name for b in PYTHON_BLOCKS])
def test_code_block_runs(block: Block, tmp_path: Path) -> None:
    if block.skipped:
        pytest.skip(f"{NO_RUN}: needs real credentials")
    if TEST_FUNCTION.search(block.code):
        module = tmp_path / "test_block.py"
        module.write_text(block.code, encoding="utf-8")
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(module)]
    else:
        command = [sys.executable, "-c", block.code]
    result = subprocess.run(
        command, cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=TIMEOUT_S
    )
    assert result.returncode == 0, f"{block.name} failed:\n{result.stdout}\n{result.stderr}"
    if TEST_FUNCTION.search(block.code):
        assert re.search(r"\b[1-9]\d* passed\b", result.stdout), result.stdout


def test_every_page_has_its_blocks_found() -> None:
    """The collector sees the README's blocks: a broken fence would silently run nothing."""
    readme = [b for b in PYTHON_BLOCKS if b.page.name == "README.md"]
    assert len(readme) >= 8
    assert any(b.skipped for b in readme) and not all(b.skipped for b in readme)


def test_no_run_marks_only_the_next_block(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "text\n\n<!-- no-run -->\n```python\nraise SystemExit(1)\n```\n\n"
        "```python\nprint(1)\n```\n\n```console\n$ make\n```\n",
        encoding="utf-8",
    )
    found = blocks_of(page)
    assert [(b.language, b.skipped, b.line) for b in found] == [
        ("python", True, 4),
        ("python", False, 8),
        ("console", False, 12),
    ]
