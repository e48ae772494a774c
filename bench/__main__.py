"""`python -m bench`: run every benchmark, each in its own process, then print a summary.

Each benchmark prints its table and exits 1 when it misses a target; this runs them all (a miss
does not stop the others), repeats their verdict lines at the end and exits 1 if any missed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

BENCHMARKS = (
    "bench_balance",
    "bench_async",
    "bench_pagination",
    "bench_stream",
    "bench_stream_latency",
    "bench_import",
    "bench_cli",
    "bench_feed",
)
HERE = Path(__file__).resolve().parent
# The lines a benchmark prints that belong in the summary.
SUMMARY_PREFIXES = ("  ratio", "  PASS", "  MISS", "  memory", "  where", "  latency")


def run(name: str) -> tuple[int, list[str], float]:
    start = time.perf_counter()
    print(f"== {name}", flush=True)
    process = subprocess.Popen(
        [sys.executable, str(HERE / f"{name}.py")],
        stdout=subprocess.PIPE,
        text=True,
        cwd=HERE.parent,
        env=_with_repo_on_path(),
    )
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line.rstrip("\n"))
    code = process.wait()
    print(flush=True)
    return code, lines, time.perf_counter() - start


def _with_repo_on_path() -> dict[str, str]:
    """The scripts import `bench.*`, `kalshi_ext` and `tests.spec_payloads` from the repo root."""
    env = dict(os.environ)
    paths = [str(HERE.parent), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def main() -> int:
    results = {name: run(name) for name in BENCHMARKS}
    print("== summary")
    for name, (code, lines, elapsed) in results.items():
        status = {0: "all targets met", 1: "TARGET MISSED"}.get(code, f"FAILED (exit {code})")
        print(f"{name}: {status} ({elapsed:.0f} s)")
        for line in lines:
            if line.startswith(SUMMARY_PREFIXES):
                print(line)
    return 0 if all(code == 0 for code, _, _ in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
