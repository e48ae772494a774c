"""The client's one retry loop, seen on the wire: attempts, delays, signatures, total_timeout."""

from __future__ import annotations

import email.utils
import logging

import httpx
import pytest

from kalshi_ext import (
    APITimeoutError,
    RateLimitError,
    ServerError,
)
from tests.fakes import FakeTime, fake_async_client, fake_client

BALANCE = {"balance": 1000, "balance_dollars": "10.00", "portfolio_value": 0, "updated_ts": 1}


class Script:
    """Answers each request with the next scripted reply: a status (with headers) or an exception."""

    def __init__(self, *replies: object) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0) if self.replies else 200
        if isinstance(reply, type) and issubclass(reply, Exception):
            raise reply("injected", request=request)  # type: ignore[call-arg]
        status, headers = reply if isinstance(reply, tuple) else (reply, {})
        body = BALANCE if status == 200 else {"code": "fault", "message": "injected"}
        return httpx.Response(status, json=body, headers=headers)


def test_503_twice_then_200() -> None:
    time, script = FakeTime(), Script(503, 503, 200)
    with fake_client(script, time, retry_base_delay=0.5) as client:
        detailed = client.get_balance.detailed()
    assert detailed.parsed.balance == 1000
    assert detailed.retries_taken == 2
    assert len(script.requests) == 3
    assert all(0 <= s <= 0.5 * 2**i for i, s in enumerate(time.sleeps))
    stamps = {r.headers["KALSHI-ACCESS-TIMESTAMP"] for r in script.requests}
    assert len(stamps) == 3, "a different signature timestamp per attempt"


def test_429_retry_after_seconds_is_a_floor() -> None:
    time, script = FakeTime(), Script((429, {"Retry-After": "2"}), 200)
    with fake_client(script, time) as client:
        client.get_balance()
    assert time.sleeps and time.sleeps[0] >= 2


def test_429_retry_after_http_date() -> None:
    time = FakeTime()
    date = email.utils.formatdate(time.now + 3, usegmt=True)
    script = Script((429, {"Retry-After": date}), 200)
    with fake_client(script, time) as client:
        client.get_balance()
    assert 3 - 0.01 <= time.sleeps[0] <= 30  # the signer ticks 1 ms per attempt


def test_retry_after_longer_than_max_delay_is_capped() -> None:
    time, script = FakeTime(), Script((503, {"Retry-After": "120"}), 200)
    with fake_client(script, time, retry_max_delay=5.0, retry_base_delay=0.5) as client:
        client.get_balance()
    assert time.sleeps == [5.0]


def test_retry_after_beyond_total_timeout_fails_at_once() -> None:
    time, script = FakeTime(), Script((429, {"Retry-After": "20"}), 200)
    with (
        fake_client(script, time, total_timeout=10.0, retry_max_delay=30.0) as client,
        pytest.raises(RateLimitError) as caught,
    ):
        client.get_balance()
    assert time.sleeps == [], "no sleep in vain"
    assert caught.value.retry_after == 20
    assert len(script.requests) == 1


def test_post_without_client_order_id_is_not_retried_on_500() -> None:
    time, script = FakeTime(), Script(500, 200)
    with fake_client(script, time) as client, pytest.raises(ServerError):
        client.create_order_group(contracts_limit=5)
    assert len(script.requests) == 1


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504, 520, 527])
def test_retried_statuses(status: int) -> None:
    time, script = FakeTime(), Script(status, 200)
    with fake_client(script, time) as client:
        assert client.get_balance.detailed().retries_taken == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 501])
def test_not_retried_statuses(status: int) -> None:
    time, script = FakeTime(), Script(status, 200)
    with fake_client(script, time) as client, pytest.raises(Exception) as caught:
        client.get_balance()
    assert getattr(caught.value, "status_code", None) == status
    assert len(script.requests) == 1


def test_read_timeout_retried_for_get_not_for_plain_post() -> None:
    time = FakeTime()
    script = Script(httpx.ReadTimeout, 200)
    with fake_client(script, time) as client:
        assert client.get_balance.detailed().retries_taken == 1
    script = Script(httpx.ReadTimeout, 200)
    with fake_client(script, time) as client, pytest.raises(APITimeoutError):
        client.create_order_group(contracts_limit=5)
    assert len(script.requests) == 1


def test_connect_error_retried_even_for_plain_post() -> None:
    time, script = FakeTime(), Script(httpx.ConnectError, 500)
    with fake_client(script, time) as client, pytest.raises(ServerError):
        client.create_order_group(contracts_limit=5)
    assert len(script.requests) == 2, "the connect failure is retried, the 500 on a POST is not"


def test_max_retries_then_the_typed_error() -> None:
    time, script = FakeTime(), Script(503, 503, 503, 503, 503)
    with fake_client(script, time, max_retries=3) as client, pytest.raises(ServerError) as caught:
        client.get_balance()
    assert len(script.requests) == 4
    assert caught.value.status_code == 503


def test_total_timeout_bounds_the_whole_call() -> None:
    time, script = FakeTime(), Script(*([503] * 50))
    with (
        fake_client(
            script,
            time,
            total_timeout=3.0,
            max_retries=50,
            retry_base_delay=0.5,
            retry_max_delay=2.0,
        ) as client,
        pytest.raises((ServerError, APITimeoutError)),
    ):
        client.get_balance()
    assert sum(time.sleeps) <= 3.0
    timeouts = [r.extensions["timeout"]["read"] for r in script.requests]
    assert all(t <= 3.0 for t in timeouts)
    assert timeouts == sorted(timeouts, reverse=True), (
        "each attempt's timeout is cut to what is left"
    )


def test_one_warning_per_retry_without_secrets(caplog: pytest.LogCaptureFixture) -> None:
    time, script = FakeTime(), Script(503, 503, 200)
    with (
        caplog.at_level(logging.DEBUG, logger="kalshi_ext"),
        fake_client(script, time, extra_headers={"X-Team": "SECRET-HEADER-VALUE"}) as client,
    ):
        client.get_balance(subaccount=1)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    text = caplog.text
    assert "/portfolio/balance" in text and "subaccount" not in text
    assert "SECRET-HEADER-VALUE" not in text and "KALSHI-ACCESS" not in text.upper().replace(
        "KALSHI_EXT", ""
    )


async def test_async_client_retries_the_same_way() -> None:
    time, script = FakeTime(), Script(503, (429, {"Retry-After": "1"}), 200)
    async with fake_async_client(script, time) as client:
        detailed = await client.get_balance.detailed()
    assert detailed.retries_taken == 2
    assert time.sleeps[1] >= 1
