"""What every benchmark shares: a test key, interleaved rounds, medians and the printed verdict."""

from __future__ import annotations

import statistics
import sys
from collections.abc import Awaitable, Callable, Sequence

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_ext import KalshiAuth

KEY_ID = "bench-key-0000"


def rsa_pem() -> bytes:
    """A fresh RSA-2048 private key in PEM (Kalshi issues RSA keys; 2048 bits is their size)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def floor_auth(pem: bytes) -> KalshiAuth:
    """The floor signs with the same code and key: only the layers around it differ."""
    return KalshiAuth.from_pem(KEY_ID, pem)


def interleaved(rounds: int, sides: dict[str, Callable[[], float]]) -> dict[str, list[float]]:
    """Run each side once per round, alternating which goes first (A B, B A, A B, ...),
    so that drift in the machine's speed falls on both sides alike. Returns each side's values."""
    names = list(sides)
    results: dict[str, list[float]] = {name: [] for name in names}
    for number in range(rounds):
        order = names if number % 2 == 0 else names[::-1]
        for name in order:
            results[name].append(sides[name]())
    return results


async def interleaved_async(
    rounds: int, sides: dict[str, Callable[[], Awaitable[float]]]
) -> dict[str, list[float]]:
    """The async twin of interleaved(), for sides that run on one event loop."""
    names = list(sides)
    results: dict[str, list[float]] = {name: [] for name in names}
    for number in range(rounds):
        for name in names if number % 2 == 0 else names[::-1]:
            results[name].append(await sides[name]())
    return results


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def paired_ratios(ours: Sequence[float], floor: Sequence[float]) -> list[float]:
    """Each round's ours/floor. Their median is what the verdicts judge: the two sides of a
    round ran back to back, so a change in the machine's speed between rounds (this VM's CPU
    speed moves by tens of percent) cancels out, which a ratio of the two medians does not do."""
    return [a / b for a, b in zip(ours, floor, strict=True)]


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    print(title)
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        print("  " + "  ".join(cells))


def verdict(name: str, checks: Sequence[tuple[str, bool]]) -> int:
    """Print one line per target and return the process exit code (1 if any is missed)."""
    for description, ok in checks:
        print(f"  {'PASS' if ok else 'MISS'}  {description}")
    missed = [description for description, ok in checks if not ok]
    print(f"{name}: {'all targets met' if not missed else f'{len(missed)} target(s) missed'}")
    sys.stdout.flush()
    return 1 if missed else 0
