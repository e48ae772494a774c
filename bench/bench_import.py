"""Import and first call: `import kalshi_ext` against the floor `import httpx` + the cryptography
modules that sign, and a first Client(...) + get_balance() against the floor's first signed call.

Each measurement is a fresh interpreter (subprocess), the sides interleaved round by round with
a bare interpreter start-up (`python -c pass`), which is subtracted from both import times:
    import     = wall(python -c "import <side>") - wall(python -c pass)
    first call = in the child, after its imports: the floor builds an httpx.Client, loads the
                 key, signs and sends GET /portfolio/balance and json.loads the reply; ours
                 builds Client(key_id=, private_key=, config=) and calls get_balance().
Targets: import ratio <= 1.5x; first-call ratio <= 1.0x (ours adds no more than the floor's).

Run: PYTHONPATH=. python bench/bench_import.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench._common import KEY_ID, median, paired_ratios, print_table, rsa_pem, verdict
from bench._server import BALANCE, running_server, server_description

IMPORT_TARGET = 1.5
FIRST_CALL_TARGET = 1.0
# The floor: what kalshi_ext cannot do without (HTTP, and the key and signature primitives).
FLOOR_IMPORT = (
    "import httpx; from cryptography.hazmat.primitives import hashes, serialization; "
    "from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, padding, rsa"
)
OURS_IMPORT = "import kalshi_ext"


def floor_first_call(base_url: str, pem: bytes) -> object:
    """A signed GET /portfolio/balance with nothing but httpx and cryptography."""
    import base64

    import httpx
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    url = httpx.URL(base_url + "/portfolio/balance")
    timestamp = str(int(time.time() * 1000))
    signature = key.sign(
        (timestamp + "GET" + url.path).encode(),
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH),
        hashes.SHA256(),
    )
    headers = {
        "KALSHI-ACCESS-KEY": KEY_ID,
        "KALSHI-ACCESS-TIMESTAMP": timestamp,
        "KALSHI-ACCESS-SIGNATURE": base64.b64encode(signature).decode(),
    }
    with httpx.Client() as http:
        response = http.get(url, headers=headers)
        response.raise_for_status()
        return json.loads(response.content)


def ours_first_call(base_url: str, pem: bytes) -> object:
    from kalshi_ext import Client, KalshiConfig

    with Client(key_id=KEY_ID, private_key=pem, config=KalshiConfig(base_url=base_url)) as client:
        return client.get_balance().to_dict()


def child(side: str, base_url: str, pem_path: str) -> None:
    """In a fresh interpreter: import the side, then time its first call; print the seconds."""
    pem = Path(pem_path).read_bytes()
    start = time.perf_counter()
    exec(FLOOR_IMPORT if side == "floor" else OURS_IMPORT)
    imported = time.perf_counter()
    reply = (floor_first_call if side == "floor" else ours_first_call)(base_url, pem)
    called = time.perf_counter()
    if reply != BALANCE:
        raise SystemExit(f"{side}: unexpected balance {reply!r}")
    print(json.dumps({"import_s": imported - start, "first_call_s": called - imported}))


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, env=_env())
    return time.perf_counter() - start


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # As installed code runs: from bytecode caches (the warm-up run writes any that are missing;
    # the dependencies' were written when they were installed).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    return env


def first_call(side: str, base_url: str, pem_path: str) -> float:
    command = [sys.executable, "-m", "bench.bench_import", "--child", side, base_url, pem_path]
    result = subprocess.run(command, check=True, capture_output=True, text=True, env=_env())
    return float(json.loads(result.stdout)["first_call_s"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--child", nargs=3, metavar=("SIDE", "BASE_URL", "PEM"))
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0

    python = sys.executable
    sides: dict[str, Callable[[], float]] = {
        "start-up": lambda: wall([python, "-c", "pass"]),
        "floor import": lambda: wall([python, "-c", FLOOR_IMPORT]),
        "ours import": lambda: wall([python, "-c", OURS_IMPORT]),
    }
    with tempfile.TemporaryDirectory() as tmp, running_server() as base_url:
        pem_path = Path(tmp) / "key.pem"
        pem_path.write_bytes(rsa_pem())
        sides["floor first call"] = lambda: first_call("floor", base_url, str(pem_path))
        sides["ours first call"] = lambda: first_call("ours", base_url, str(pem_path))
        for run in sides.values():  # warm the OS file cache and the bytecode caches
            run()
        names = list(sides)
        times: dict[str, list[float]] = {name: [] for name in names}
        for number in range(args.rounds):
            for name in names if number % 2 == 0 else names[::-1]:
                times[name].append(sides[name]())

    start_up = times["start-up"]
    net = {
        side: [t - s for t, s in zip(times[f"{side} import"], start_up, strict=True)]
        for side in ("floor", "ours")
    }
    import_ratios = paired_ratios(net["ours"], net["floor"])
    call_ratios = paired_ratios(times["ours first call"], times["floor first call"])
    import_ratio, call_ratio = median(import_ratios), median(call_ratios)

    def ms(values: list[float]) -> str:
        return f"{median(values) * 1000:.0f} ms"

    print(f"server: {server_description()}; {args.rounds} rounds, medians")
    print_table(
        "import and first call, each in a fresh interpreter",
        ["measure", "ours", "floor", "ratio (median of rounds)"],
        [
            ["interpreter start-up (subtracted)", ms(start_up), ms(start_up), ""],
            ["import, net of start-up", ms(net["ours"]), ms(net["floor"]), f"{import_ratio:.2f}x"],
            [
                "first client + signed get_balance",
                ms(times["ours first call"]),
                ms(times["floor first call"]),
                f"{call_ratio:.2f}x",
            ],
        ],
    )
    print(f"  ratio import {import_ratio:.2f}x, first call {call_ratio:.2f}x")
    for name, ratios in (("import", import_ratios), ("first call", call_ratios)):
        print(f"  per-round {name} ratios: {' '.join(f'{r:.2f}' for r in ratios)}")
    return verdict(
        "bench_import",
        [
            (f"import kalshi_ext <= {IMPORT_TARGET}x the floor", import_ratio <= IMPORT_TARGET),
            (
                f"first Client + call <= {FIRST_CALL_TARGET}x the floor's first call",
                call_ratio <= FIRST_CALL_TARGET,
            ),
        ],
    )


if __name__ == "__main__":
    sys.exit(main())
