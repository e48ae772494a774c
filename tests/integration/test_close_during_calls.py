"""close() while calls run (issue 9, items 1, 7, 8 and 20): every call ends in its result or a
typed error; an order call's error carries its client_order_id and what became of the order."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from kalshi_ext import AsyncClient, Client, ClientClosedError, KalshiError
from kalshi_ext.errors import EventLoopError
from kalshi_ext.generated_methods import CreateOrderV2Fields
from kalshi_ext.testing import LocalExchange

TICKER = "KXDEMO-26DEC31-T50"
ORDERS = "/portfolio/events/orders"


@pytest.fixture(scope="module")
def exchange() -> Iterator[LocalExchange]:
    with LocalExchange() as running:
        yield running


@pytest.fixture(autouse=True)
def fresh(exchange: LocalExchange) -> None:
    exchange.reset()


def order(n: int) -> CreateOrderV2Fields:
    return {
        "ticker": TICKER,
        "side": "bid",
        "count": 1,
        "price": "0.03",
        "client_order_id": f"c{n}",
    }


def check_outcomes(
    exchange: LocalExchange, results: dict[str, object], *, expect_placed_error: bool = False
) -> None:
    """Each call: a result, or a KalshiError whose outcome matches the exchange."""
    on_exchange = {o.client_order_id for o in exchange.orders}
    placed_errors = 0
    for cid, result in results.items():
        if not isinstance(result, BaseException):
            assert cid in on_exchange
            continue
        assert isinstance(result, KalshiError), repr(result)
        assert result.client_order_id == cid
        assert result.outcome in ("absent", "placed", "unknown")
        assert f"[order {result.outcome}: " in str(result)
        if result.outcome == "placed":
            placed_errors += 1
            assert cid in on_exchange
        if result.outcome == "absent":
            assert cid not in on_exchange
    if expect_placed_error:
        assert placed_errors > 0


def long_waits(exchange: LocalExchange, calls: int) -> None:
    """Each of `calls` creates is placed but its reply lost; its next attempt gets a 503 with
    a 5 s Retry-After, so that close() comes while it waits (backoff alone is jittered)."""
    exchange.inject_fault(method="POST", path=ORDERS, kind="drop_after", times=calls)
    exchange.inject_fault(
        method="POST", path=ORDERS, kind="status", status=503, retry_after="5", times=100
    )


def wait_for_posts(exchange: LocalExchange, count: int) -> None:
    deadline = time.monotonic() + 30
    while sum(r.method == "POST" for r in exchange.requests_log) < count:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.05)


def place_in_threads(
    client: Client, count: int
) -> tuple[list[threading.Thread], dict[str, object]]:
    """Start `count` threads each placing one order; results (or errors) by client_order_id."""
    results: dict[str, object] = {}

    def place(n: int) -> None:
        try:
            results[f"c{n}"] = client.create_order(**order(n))
        except BaseException as exc:
            results[f"c{n}"] = exc

    threads = [threading.Thread(target=place, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    return threads, results


def test_sync_close_from_another_thread_while_orders_wait_to_retry(
    exchange: LocalExchange,
) -> None:
    # Each order is placed but its reply is lost; its next attempt gets a 503 with a 5 s
    # Retry-After, and close() comes while the calls wait for that.
    long_waits(exchange, 8)
    client = exchange.client(max_retries=10, retry_base_delay=0.5, retry_max_delay=5.0)
    threads, results = place_in_threads(client, 8)
    wait_for_posts(exchange, 16)
    started = time.monotonic()
    client.close()
    for thread in threads:
        thread.join(30)
    assert time.monotonic() - started < 4.5  # the 5 s retry waits were cut short
    assert len(results) == 8
    check_outcomes(exchange, results, expect_placed_error=True)
    assert all(isinstance(r, ClientClosedError) for r in results.values())
    with pytest.raises(ClientClosedError):
        client.get_balance()


def test_sync_close_while_orders_are_in_flight(exchange: LocalExchange) -> None:
    exchange.inject_fault(method="POST", path=ORDERS, kind="delay", delay_s=0.5, times=8)
    client = exchange.client()
    threads, results = place_in_threads(client, 8)
    time.sleep(0.25)
    client.close()
    for thread in threads:
        thread.join(30)
    check_outcomes(exchange, results)


@pytest.mark.parametrize("lookup", ["works", "fails"])
async def test_async_close_while_a_create_waits_to_retry(
    exchange: LocalExchange, lookup: str
) -> None:
    long_waits(exchange, 1)
    if lookup == "fails":  # every lookup refused for a while: the order's fate is unknown
        exchange.inject_fault(method="GET", path="/portfolio/orders", kind="status", times=50)
    client = exchange.async_client(max_retries=10, retry_base_delay=0.5, retry_max_delay=5.0)
    call = asyncio.create_task(client.create_order(**order(1)))
    await asyncio.to_thread(wait_for_posts, exchange, 2)
    await client.close()
    with pytest.raises(ClientClosedError) as caught:
        await asyncio.wait_for(call, 10)
    expected = "placed" if lookup == "works" else "unknown"
    assert (caught.value.client_order_id, caught.value.outcome) == ("c1", expected)
    assert f"[order {expected}: " in str(caught.value)
    if lookup == "fails":
        assert "look it up before placing it again" in str(caught.value)
    assert "c1" in {o.client_order_id for o in exchange.orders}


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
async def test_async_close_racing_orders(exchange: LocalExchange, transport: str) -> None:
    exchange.inject_fault(method="POST", path=ORDERS, kind="delay", delay_s=0.2, times=10)
    client = async_client_over(exchange, transport)
    calls = [asyncio.create_task(client.create_order(**order(n))) for n in range(20)]
    await asyncio.sleep(0.1)
    await client.close()
    done = await asyncio.gather(*calls, return_exceptions=True)
    check_outcomes(exchange, {f"c{n}": r for n, r in enumerate(done)})


def async_client_over(exchange: LocalExchange, transport: str) -> AsyncClient:
    return AsyncClient(
        key_id=exchange.key_id,
        private_key=exchange.private_key_pem,
        config=exchange.config(),
        transport=httpx.AsyncHTTPTransport() if transport == "httpx" else None,
    )


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
async def test_async_close_racing_reads_raises_client_closed(
    exchange: LocalExchange, transport: str
) -> None:
    client = async_client_over(exchange, transport)
    await client.get_balance()
    calls = [asyncio.create_task(client.get_balance()) for _ in range(200)]
    await asyncio.sleep(0.005)
    await client.close()
    done = await asyncio.gather(*calls, return_exceptions=True)
    errors = [r for r in done if isinstance(r, BaseException)]
    assert all(isinstance(e, ClientClosedError) for e in errors), {type(e) for e in errors}


def test_async_close_after_a_clear_refusal_says_absent(exchange: LocalExchange) -> None:
    # A 429 is a clear "not processed": nothing can have landed, so no lookup is needed.
    # Retry-After pins the wait at 5 s (full jitter alone can draw a wait shorter than the
    # test's own pause, and the retry would land the order before close()).
    exchange.inject_fault(method="POST", path=ORDERS, kind="status", status=429, retry_after="5")

    async def scenario() -> ClientClosedError:
        client = exchange.async_client(retry_base_delay=5.0, retry_max_delay=5.0)
        call = asyncio.create_task(client.create_order(**order(7)))
        while exchange.pending_faults:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        await client.close()
        try:
            await call
        except ClientClosedError as exc:
            return exc
        raise AssertionError("the call should have been closed")

    error = asyncio.run(scenario())
    assert (error.client_order_id, error.outcome) == ("c7", "absent")
    assert "[order absent: " in str(error)
    assert not exchange.orders
    assert [r.method for r in exchange.requests_log] == ["POST"]  # no resend, no lookup


def test_async_client_from_a_second_event_loop(exchange: LocalExchange) -> None:
    client = exchange.async_client()
    assert asyncio.run(client.get_balance()).balance > 0
    with pytest.raises(EventLoopError, match="belongs to the event loop it first ran on"):
        asyncio.run(client.get_balance())
    asyncio.run(client.close())


def test_async_client_shared_by_threads_with_their_own_loops(exchange: LocalExchange) -> None:
    client = exchange.async_client()
    outcomes: list[object] = []

    def worker() -> None:
        try:
            outcomes.append(asyncio.run(client.get_balance()))
        except BaseException as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert all(isinstance(e, EventLoopError) for e in errors), errors
    assert len(outcomes) - len(errors) >= 1


def test_second_event_loop_leaves_no_warnings(exchange: LocalExchange) -> None:
    script = textwrap.dedent(
        f"""
        import asyncio, gc
        from kalshi_ext import AsyncClient, KalshiConfig
        from kalshi_ext.errors import EventLoopError
        client = AsyncClient(key_id={exchange.key_id!r}, private_key={exchange.private_key_pem!r},
                             config=KalshiConfig(base_url={exchange.base_url!r}))
        asyncio.run(client.get_balance())
        try:
            asyncio.run(client.get_balance())
        except EventLoopError:
            print("refused")
        asyncio.run(client.close())
        del client
        gc.collect()
        """
    )
    run = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "always", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "refused"
    assert "nclosed" not in run.stderr and "Warning" not in run.stderr, run.stderr
