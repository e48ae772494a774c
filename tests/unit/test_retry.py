"""Tests for kalshi_ext.retry: decisions, delays, the total_timeout budget and the retry log."""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kalshi_ext.errors import (
    APIConnectionError,
    APITimeoutError,
    RateLimitError,
    ServerError,
    make_status_error,
)
from kalshi_ext.retry import (
    RetryController,
    RetryPolicy,
    backoff_delay,
    is_retry_safe,
    is_retryable_exception,
    is_retryable_status,
    parse_retry_after,
    retry_delay,
)

PATH = "/trade-api/v2/portfolio/orders"
WALL_NOW = 1_700_000_000.0  # a fixed wall clock for HTTP-date Retry-After values


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def upper_bound(low: float, high: float) -> float:
    return high


def lower_bound(low: float, high: float) -> float:
    return low


def policy(**overrides: float | int | None) -> RetryPolicy:
    fields: dict[str, float | int | None] = {
        "max_retries": 3,
        "base_delay": 0.5,
        "max_delay": 30.0,
        "total_timeout": None,
        "timeout": 10.0,
    }
    fields.update(overrides)
    return RetryPolicy(**fields)  # type: ignore[arg-type]


def controller(
    retry_policy: RetryPolicy | None = None,
    *,
    method: str = "GET",
    retry_safe: bool = True,
    clock: FakeClock | None = None,
    rng: Callable[[float, float], float] = upper_bound,
) -> RetryController:
    return RetryController(
        retry_policy or policy(),
        method=method,
        path=PATH + "?cursor=SECRETCURSOR",
        retry_safe=retry_safe,
        monotonic=clock or FakeClock(),
        wall=lambda: WALL_NOW,
        rng=rng,
    )


def response(status: int, headers: dict[str, str] | None = None) -> httpx.Response:
    request = httpx.Request(
        "GET",
        "https://demo-api.kalshi.co" + PATH,
        headers={"KALSHI-ACCESS-SIGNATURE": "SECRETSIG", "X-Custom": "SECRETVAL"},
    )
    return httpx.Response(status, headers=headers, content=b"SECRETBODY", request=request)


# --- statuses and methods ---------------------------------------------------------------------

RETRIED = [408, 425, 429, 500, 502, 503, 504, 505, 520, 527, 599]
NOT_RETRIED = [200, 201, 204, 301, 400, 401, 403, 404, 405, 409, 410, 412, 413, 422, 499, 501, 600]


@pytest.mark.parametrize("status", RETRIED + NOT_RETRIED)
@pytest.mark.parametrize("retry_safe", [True, False])
def test_decision_by_status_and_retry_safety(status: int, retry_safe: bool) -> None:
    assert is_retryable_status(status) == (status in RETRIED)
    delay = controller(retry_safe=retry_safe).after_response(response(status))
    if status in RETRIED and retry_safe:
        assert delay == 0.5
    else:
        assert delay is None


@pytest.mark.parametrize(
    ("method", "idempotent_post", "expected"),
    [
        ("GET", False, True),
        ("get", False, True),
        ("HEAD", False, True),
        ("OPTIONS", False, True),
        ("PUT", False, True),
        ("DELETE", False, True),
        ("POST", False, False),
        ("post", True, True),
        ("PATCH", False, False),
        ("PATCH", True, False),
    ],
)
def test_is_retry_safe(method: str, idempotent_post: bool, expected: bool) -> None:
    assert is_retry_safe(method, idempotent_post=idempotent_post) is expected


# --- exceptions -------------------------------------------------------------------------------

ALWAYS: list[Exception] = [
    httpx.ConnectError("refused"),
    httpx.ConnectTimeout("connect timed out"),
    httpx.PoolTimeout("no free connection"),
]
SAFE_ONLY: list[Exception] = [
    httpx.ReadTimeout("read timed out"),
    httpx.WriteTimeout("write timed out"),
    httpx.ReadError("reset by peer"),
    httpx.WriteError("broken pipe"),
    httpx.RemoteProtocolError("Server disconnected without sending a response."),
    httpx.CloseError("close failed"),
    httpx.ProxyError("proxy refused"),
]
NEVER: list[Exception] = [
    httpx.UnsupportedProtocol("ftp://"),
    httpx.LocalProtocolError("illegal header"),
    httpx.DecodingError("bad gzip"),
    httpx.TooManyRedirects("loop"),
    ValueError("a bug"),
]


@pytest.mark.parametrize("exc", ALWAYS + SAFE_ONLY + NEVER, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("retry_safe", [True, False])
def test_decision_by_exception_and_retry_safety(exc: Exception, retry_safe: bool) -> None:
    expected = exc in ALWAYS or (exc in SAFE_ONLY and retry_safe)
    assert is_retryable_exception(exc, retry_safe) is expected
    ctl = controller(method="POST", retry_safe=retry_safe)
    if expected:
        assert ctl.after_exception(exc) == 0.5
        assert ctl.retries_taken == 1
    elif isinstance(exc, httpx.RequestError):
        error_type = (
            APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
        )
        with pytest.raises(error_type) as raised:
            ctl.after_exception(exc)
        assert raised.value.__cause__ is exc
        assert (raised.value.method, raised.value.path) == ("POST", PATH)
        assert ctl.retries_taken == 0
    else:
        with pytest.raises(ValueError, match="a bug"):
            ctl.after_exception(exc)


@pytest.mark.parametrize("exc", [httpx.ConnectTimeout("slow"), httpx.ReadTimeout("slow")])
def test_timeouts_given_up_on_raise_api_timeout_error(exc: Exception) -> None:
    ctl = controller(policy(max_retries=0))
    with pytest.raises(APITimeoutError) as raised:
        ctl.after_exception(exc)
    assert raised.value.__cause__ is exc


# --- delays -----------------------------------------------------------------------------------


def test_backoff_doubles_up_to_the_cap_with_an_upper_bound_rng() -> None:
    delays = [backoff_delay(n, 0.5, 30.0, upper_bound) for n in range(9)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]


def test_backoff_with_a_lower_bound_rng_is_zero() -> None:
    assert [backoff_delay(n, 0.5, 30.0, lower_bound) for n in range(5)] == [0.0] * 5


def test_backoff_draws_from_zero_to_the_bound() -> None:
    seen: list[tuple[float, float]] = []

    def recording(low: float, high: float) -> float:
        seen.append((low, high))
        return (low + high) / 2

    assert backoff_delay(2, 0.5, 30.0, recording) == 1.0
    assert seen == [(0.0, 2.0)]


def test_backoff_survives_huge_attempt_counts_and_clamps_a_bad_rng() -> None:
    assert backoff_delay(10_000, 0.5, 30.0, upper_bound) == 30.0
    assert backoff_delay(1, 0.5, 30.0, lambda low, high: high * 10) == 1.0
    assert backoff_delay(1, 0.5, 30.0, lambda low, high: -5.0) == 0.0
    with pytest.raises(ValueError, match="retries_taken"):
        backoff_delay(-1, 0.5, 30.0, upper_bound)


def test_controller_delays_grow_then_stop_at_max_retries() -> None:
    ctl = controller()
    delays = [ctl.after_response(response(503)) for _ in range(5)]
    assert delays == [0.5, 1.0, 2.0, None, None]
    assert ctl.retries_taken == 3


def test_max_retries_zero_never_retries() -> None:
    ctl = controller(policy(max_retries=0))
    assert ctl.after_response(response(503)) is None
    with pytest.raises(APIConnectionError):
        ctl.after_exception(httpx.ConnectError("refused"))


def test_retry_after_is_a_floor() -> None:
    ctl = controller(rng=lower_bound)
    assert ctl.after_response(response(429, {"Retry-After": "2"})) == 2.0
    # A backoff above the floor wins.
    ctl = controller(policy(base_delay=8.0), rng=upper_bound)
    assert ctl.after_response(response(429, {"Retry-After": "2"})) == 8.0


def test_retry_after_http_date_uses_the_wall_clock() -> None:
    when = datetime.fromtimestamp(WALL_NOW + 3, UTC)
    headers = {"Retry-After": format_datetime(when, usegmt=True)}
    assert controller(rng=lower_bound).after_response(response(503, headers)) == 3.0


def test_retry_after_ms_wins() -> None:
    headers = {"Retry-After": "9", "retry-after-ms": "1500"}
    assert controller(rng=lower_bound).after_response(response(429, headers)) == 1.5


def test_max_delay_caps_retry_after() -> None:
    ctl = controller(policy(max_delay=30.0), rng=lower_bound)
    assert ctl.after_response(response(429, {"Retry-After": "100"})) == 30.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "2"}, 2.0),
        ({"retry-after": " 2.5 "}, 2.5),
        ({"Retry-After": "0"}, 0.0),
        ({"Retry-After": "-1"}, None),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": "inf"}, None),
        ({"Retry-After": ""}, None),
        ({}, None),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "junk", "Retry-After": "3"}, 3.0),
        ({"retry-after-ms": "-5", "Retry-After": "3"}, 3.0),
        ({"Retry-After": format_datetime(datetime.fromtimestamp(WALL_NOW + 60, UTC), True)}, 60.0),
        ({"Retry-After": format_datetime(datetime.fromtimestamp(WALL_NOW - 60, UTC), True)}, 0.0),
        # No zone ("-0000") is read as UTC.
        (
            {
                "Retry-After": format_datetime(
                    datetime.fromtimestamp(WALL_NOW + 5, UTC).replace(tzinfo=None)
                )
            },
            5.0,
        ),
        ({"Retry-After": "Mon, 99 Foo 2024 25:61:61 GMT"}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers, now=WALL_NOW) == expected
    assert parse_retry_after(httpx.Headers(headers), now=WALL_NOW) == expected


@given(value=st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40))
def test_parse_retry_after_never_raises(value: str) -> None:
    for name in ("Retry-After", "retry-after-ms"):
        seconds = parse_retry_after({name: value}, now=WALL_NOW)
        assert seconds is None or (math.isfinite(seconds) and seconds >= 0)


fraction = st.floats(min_value=0.0, max_value=1.0)


@given(
    retries_taken=st.integers(min_value=0, max_value=2000),
    base_delay=st.floats(min_value=0.0, max_value=100.0),
    max_delay=st.floats(min_value=0.0, max_value=1000.0),
    retry_after=st.none() | st.floats(min_value=0.0, max_value=1e7),
    draw=fraction,
)
def test_delay_is_within_floor_and_cap(
    retries_taken: int,
    base_delay: float,
    max_delay: float,
    retry_after: float | None,
    draw: float,
) -> None:
    delay = retry_delay(
        retries_taken,
        base_delay=base_delay,
        max_delay=max_delay,
        retry_after=retry_after,
        rng=lambda low, high: low + draw * (high - low),
    )
    assert 0.0 <= delay <= max_delay
    if retry_after is not None:
        assert delay >= min(retry_after, max_delay)


# --- total_timeout ----------------------------------------------------------------------------


def test_attempt_timeout_without_budget_is_the_config_timeout() -> None:
    clock = FakeClock()
    ctl = controller(policy(timeout=7.0), clock=clock)
    clock.advance(1e6)
    assert ctl.attempt_timeout() == 7.0
    assert ctl.remaining() is None


def test_attempt_timeout_shrinks_then_raises_when_spent() -> None:
    clock = FakeClock()
    ctl = controller(policy(timeout=5.0, total_timeout=12.0), clock=clock)
    assert ctl.attempt_timeout() == 5.0
    clock.advance(9.0)
    assert ctl.attempt_timeout() == pytest.approx(3.0)
    clock.advance(2.5)
    assert ctl.attempt_timeout() == pytest.approx(0.5)
    clock.advance(0.5)
    with pytest.raises(APITimeoutError, match="total_timeout of 12 s spent"):
        ctl.attempt_timeout()
    clock.advance(1.0)
    with pytest.raises(APITimeoutError) as raised:
        ctl.attempt_timeout()
    assert (raised.value.method, raised.value.path) == ("GET", PATH)


def test_retry_after_past_the_budget_gives_up_at_once(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    ctl = controller(policy(total_timeout=10.0), clock=clock, rng=lower_bound)
    clock.advance(1.0)  # the attempt took a second
    limited = response(429, {"Retry-After": "20"})
    with caplog.at_level(logging.WARNING, logger="kalshi_ext"):
        assert ctl.after_response(limited) is None
    assert caplog.records == []
    assert ctl.retries_taken == 0
    error = make_status_error(limited)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 20.0


def test_no_retry_when_the_sleep_leaves_too_little_time() -> None:
    clock = FakeClock()
    ctl = controller(policy(total_timeout=10.0, max_delay=5.0), clock=clock, rng=lower_bound)
    clock.advance(9.0)
    # One second left: a 0.98 s sleep would leave 0.02 s, less than min_attempt_time.
    assert ctl.after_response(response(503, {"Retry-After": "0.98"})) is None
    assert ctl.after_response(response(503, {"Retry-After": "0.5"})) == 0.5


def test_exception_past_the_budget_raises_the_mapped_error() -> None:
    clock = FakeClock()
    ctl = controller(policy(total_timeout=1.0, base_delay=2.0), clock=clock, rng=upper_bound)
    exc = httpx.ConnectError("refused")
    with pytest.raises(APIConnectionError) as raised:
        ctl.after_exception(exc)
    assert type(raised.value) is APIConnectionError
    assert raised.value.__cause__ is exc


@st.composite
def outcomes(draw: st.DrawFn) -> tuple[str, float, float | None]:
    """One attempt: what happened, the share of its timeout it took, and any Retry-After."""
    kind = draw(st.sampled_from(["503", "429", "connect_error", "read_timeout"]))
    share = 1.0 if kind == "read_timeout" else draw(fraction)
    retry_after = (
        draw(st.none() | st.floats(min_value=0.0, max_value=100.0)) if kind == "429" else None
    )
    return kind, share, retry_after


@given(
    max_retries=st.integers(min_value=0, max_value=8),
    base_delay=st.floats(min_value=0.0, max_value=5.0),
    max_delay=st.floats(min_value=0.0, max_value=30.0),
    total_timeout=st.floats(min_value=0.01, max_value=60.0),
    timeout=st.floats(min_value=0.01, max_value=30.0),
    attempts=st.lists(outcomes(), min_size=1, max_size=12),
    draw=fraction,
)
def test_simulated_call_never_outlasts_total_timeout(
    max_retries: int,
    base_delay: float,
    max_delay: float,
    total_timeout: float,
    timeout: float,
    attempts: list[tuple[str, float, float | None]],
    draw: float,
) -> None:
    clock = FakeClock(0.0)
    ctl = RetryController(
        RetryPolicy(
            max_retries=max_retries,
            base_delay=base_delay,
            max_delay=max_delay,
            total_timeout=total_timeout,
            timeout=timeout,
        ),
        method="GET",
        path=PATH,
        retry_safe=True,
        monotonic=clock,
        wall=lambda: WALL_NOW,
        rng=lambda low, high: low + draw * (high - low),
    )
    sent = 0
    for kind, share, retry_after in attempts * (max_retries + 1):
        try:
            attempt_timeout = ctl.attempt_timeout()
        except APITimeoutError:
            break
        assert 0 < attempt_timeout <= timeout
        sent += 1
        clock.advance(share * attempt_timeout)
        delay: float | None
        if kind == "connect_error":
            exc: httpx.TransportError = httpx.ConnectError("refused")
        elif kind == "read_timeout":
            exc = httpx.ReadTimeout("slow")
        else:
            headers = {} if retry_after is None else {"Retry-After": repr(retry_after)}
            delay = ctl.after_response(response(int(kind), headers))
            if delay is None:
                break
            assert 0.0 <= delay <= max_delay
            clock.advance(delay)
            continue
        try:
            delay = ctl.after_exception(exc)
        except APIConnectionError:
            break
        assert 0.0 <= delay <= max_delay
        clock.advance(delay)
    assert clock.now <= total_timeout + 1e-9
    assert sent <= max_retries + 1
    assert ctl.retries_taken == sent - 1 or ctl.retries_taken == sent


# --- logging ----------------------------------------------------------------------------------


def test_one_warning_per_retry(caplog: pytest.LogCaptureFixture) -> None:
    ctl = controller(method="get")
    with caplog.at_level(logging.DEBUG, logger="kalshi_ext"):
        assert ctl.after_response(response(503)) == 0.5
        assert ctl.after_exception(httpx.ReadTimeout("slow")) == 1.0
        assert ctl.after_response(response(429, {"Retry-After": "2.345"})) == 2.345
        assert ctl.after_response(response(503)) is None  # max_retries reached: no warning
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert [record.name for record in warnings] == ["kalshi_ext"] * 3
    messages = [record.getMessage() for record in warnings]
    assert messages == [
        f"retrying GET {PATH} after 503 Service Unavailable in 0.50 s (retry 1 of 3)",
        f"retrying GET {PATH} after ReadTimeout in 1.00 s (retry 2 of 3)",
        f"retrying GET {PATH} after 429 Too Many Requests in 2.35 s (retry 3 of 3)",
    ]
    for record in caplog.records:
        text = record.getMessage()
        for secret in ("SECRETSIG", "SECRETVAL", "SECRETBODY", "SECRETCURSOR", "cursor="):
            assert secret not in text


# --- policy -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FrozenConfig:
    max_retries: int = 4
    retry_base_delay: float = 0.25
    retry_max_delay: float = 20.0
    total_timeout: float | None = 45.0
    timeout: float = 15.0


def test_policy_from_a_frozen_config() -> None:
    assert RetryPolicy.from_config(FrozenConfig()) == RetryPolicy(
        max_retries=4, base_delay=0.25, max_delay=20.0, total_timeout=45.0, timeout=15.0
    )


@pytest.mark.parametrize(
    ("overrides", "error_type", "match"),
    [
        ({"max_retries": -1}, ValueError, "max_retries must be >= 0"),
        ({"max_retries": True}, TypeError, "max_retries must be an int"),
        ({"max_retries": 2.0}, TypeError, "max_retries must be an int"),
        ({"base_delay": -0.1}, ValueError, "base_delay"),
        ({"max_delay": math.nan}, ValueError, "max_delay"),
        ({"timeout": 0}, ValueError, "timeout must be a finite number of seconds > 0"),
        ({"timeout": math.inf}, ValueError, "timeout"),
        ({"total_timeout": 0.0}, ValueError, "total_timeout"),
        ({"total_timeout": -5.0}, ValueError, "total_timeout"),
        ({"timeout": "10"}, TypeError, "timeout must be a number of seconds, got str"),
    ],
)
def test_policy_rejects_bad_numbers(
    overrides: dict[str, object], error_type: type[Exception], match: str
) -> None:
    with pytest.raises(error_type, match=match):
        policy(**overrides)  # type: ignore[arg-type]


def test_controller_repr_and_path() -> None:
    ctl = controller(method="delete")
    assert ctl.method == "DELETE"
    assert ctl.path == PATH
    assert "SECRETCURSOR" not in repr(ctl)


def test_server_error_after_retries_is_mapped_by_the_caller() -> None:
    ctl = controller(policy(max_retries=1))
    assert ctl.after_response(response(502)) == 0.5
    final = response(502)
    assert ctl.after_response(final) is None
    assert isinstance(make_status_error(final), ServerError)
