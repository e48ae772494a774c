"""mypy --strict checks every call of the typed surface: wrong calls are each reported, right
calls pass (tests/typing/cases/; mypy runs in a subprocess, as a user's CI would run it)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).resolve().parent / "cases"
EXPECT = re.compile(r"#\s*expect:\s*([a-z-]+)")
REPORTED = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: .*\[(?P<code>[a-z-]+)\]$")


def run_mypy(*files: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mypy", "--strict", "--config-file", "pyproject.toml"]
    command += [str(f.relative_to(ROOT)) for f in files]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def expected_errors(path: Path) -> set[tuple[int, str]]:
    return {
        (number, match.group(1))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if (match := EXPECT.search(line))
    }


def test_each_wrong_call_is_reported_and_right_calls_pass() -> None:
    wrong, right = CASES / "wrong_calls.py", CASES / "right_calls.py"
    result = run_mypy(wrong, right)
    reported: dict[str, set[tuple[int, str]]] = {}
    for line in result.stdout.splitlines():
        if match := REPORTED.match(line):
            name = Path(match["file"]).name
            reported.setdefault(name, set()).add((int(match["line"]), match["code"]))
    assert result.returncode == 1, result.stdout + result.stderr
    assert reported.get("right_calls.py", set()) == set(), result.stdout
    expected = expected_errors(wrong)
    assert len(expected) >= 14  # typo'd names, wrong types, bad enum literals, positional calls
    assert reported.get("wrong_calls.py") == expected, result.stdout


def test_right_calls_alone_pass() -> None:
    result = run_mypy(CASES / "right_calls.py")
    assert result.returncode == 0, result.stdout + result.stderr
