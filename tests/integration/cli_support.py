"""Running the installed `kalshi-portfolio` console script against a LocalExchange."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs

from kalshi_ext.testing import LocalExchange

# The console script pip installed next to this interpreter (`pip install -e .`).
SCRIPT = str(Path(sys.executable).parent / "kalshi-portfolio")
MARKET = "KXDEMO-26DEC31-T50"
OTHER_MARKET = "KXWX-26JUN30-T80"
THIRD_MARKET = "KXDEMO-26DEC31-T60"


def exchange_env(exchange: LocalExchange) -> dict[str, str]:
    """The environment a user would set: credentials and the server, as Client.from_env reads."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("KALSHI_") and key not in ("COLUMNS", "LINES")
    }
    env.update(
        KALSHI_KEY_ID=exchange.key_id,
        KALSHI_PRIVATE_KEY=exchange.private_key_pem.decode(),
        KALSHI_API_BASE_URL=exchange.base_url,
        COLUMNS="200",
    )
    return env


@attrs.frozen
class Run:
    code: int
    stdout: str
    stderr: str


def run_cli(env: dict[str, str], *args: str, input: str | None = None, timeout: float = 120) -> Run:
    done = subprocess.run(
        [SCRIPT, *args],
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=None if input is not None else subprocess.DEVNULL,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def trade_history(exchange: LocalExchange, *, fills: int = 0) -> None:
    """Fills on both sides of two markets, a partial fill left resting, a settlement at zero for
    the held side, a deposit and a withdrawal. `fills` adds that many one-contract fills."""
    with exchange.client() as client:
        # Buy YES at the asks (several makers: several fills), then close part by buying NO.
        client.create_order(
            ticker=MARKET, side="bid", count=12, price="0.53", time_in_force="immediate_or_cancel"
        )
        client.create_order(
            ticker=MARKET, side="ask", count=4, price="0.47", time_in_force="immediate_or_cancel"
        )
        # Buy NO in another market; it will settle YES, so the NO side gets nothing.
        client.create_order(
            ticker=OTHER_MARKET, side="ask", count=6, price="0.69",
            time_in_force="immediate_or_cancel",
        )  # fmt: skip
        if fills:
            # One-contract asks just below the seeded best ask: one fill each, at 0.38.
            for _ in range(fills):
                exchange.add_other_order(THIRD_MARKET, "ask", 38, 1)
            client.create_order(
                ticker=THIRD_MARKET, side="bid", count=fills, price="0.38",
                time_in_force="immediate_or_cancel",
            )  # fmt: skip
        # A partial fill: 3 more than the best ask level offers; the rest stays resting.
        price, size = exchange.book(THIRD_MARKET).asks[0]
        client.create_order(ticker=THIRD_MARKET, side="bid", count=size + 3, price=f"0.{price:02d}")
    exchange.settle_market(MARKET, "yes")
    exchange.settle_market(OTHER_MARKET, "yes")
    exchange.deposit(50_000)
    exchange.withdraw(12_345)


def wire(item: Any) -> dict[str, Any]:
    data: dict[str, Any] = item.to_dict()
    return data
