"""Which server and credentials a command uses: Client.from_env(), --demo, --base-url, --local."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import attrs
import click

if TYPE_CHECKING:
    from kalshi_ext import Client
    from kalshi_ext.testing import LocalExchange

TRY_OUT_MARKET = "KXDEMO-26DEC31-T50"


@attrs.frozen
class Target:
    """The global options: where to connect."""

    demo: bool = False
    base_url: str | None = None
    local: bool = False


@contextlib.contextmanager
def open_client(target: Target) -> Iterator[Client]:
    """A Client for the target; --local runs an embedded LocalExchange for the command's life."""
    if target.local:
        if target.demo or target.base_url:
            raise click.UsageError("--local cannot be combined with --demo or --base-url")
        with _local_exchange() as exchange, exchange.client() as client:
            yield client
        return
    from kalshi_ext import Client, KalshiConfig

    options: dict[str, Any] = {"demo": target.demo}
    if target.base_url:
        options["config"] = KalshiConfig(base_url=target.base_url)
    # Credentials and server as Client.from_env() reads them; --base-url / --demo must agree
    # with KALSHI_API_BASE_URL / KALSHI_DEMO when those are set (a ConfigError otherwise).
    with Client.from_env(**options) as client:
        yield client


@contextlib.contextmanager
def _local_exchange() -> Iterator[LocalExchange]:
    try:
        from kalshi_ext.testing import LocalExchange
    except ImportError:
        raise click.UsageError(
            "--local needs the local exchange: pip install 'kalshi-portfolio[testing]'"
        ) from None
    with LocalExchange() as exchange:
        seed_try_out(exchange)
        yield exchange


def seed_try_out(exchange: LocalExchange) -> None:
    """A little history to look at: trades on both sides, a settled market, cash movements."""
    with exchange.client() as client:
        client.create_order(
            ticker=TRY_OUT_MARKET, side="bid", count=10, price="0.53",
            time_in_force="immediate_or_cancel",
        )  # fmt: skip
        client.create_order(
            ticker="KXWX-26JUN30-T80", side="ask", count=5, price="0.69",
            time_in_force="immediate_or_cancel",
        )  # fmt: skip
        client.create_order(ticker="KXDEMO-26DEC31-T60", side="bid", count=3, price="0.30")
    exchange.settle_market(TRY_OUT_MARKET, "yes")
    exchange.deposit(25_000)
    exchange.withdraw(10_000)
