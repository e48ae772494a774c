"""Pure retry decisions and delays, shared by Client and AsyncClient.

Nothing here sleeps, sends or awaits: the sync and async shells drive one
:class:`RetryController` per call and do the I/O themselves::

    controller = RetryController(policy, method=method, path=path, retry_safe=retry_safe)
    while True:
        timeout = controller.attempt_timeout()   # APITimeoutError once total_timeout is spent
        request = build_request(timeout)         # rebuilt on every attempt, so it is re-signed
        try:
            response = http.send(request)
        except httpx.TransportError as exc:
            delay = controller.after_exception(exc)  # raises the mapped error when it gives up
        else:
            delay = controller.after_response(response)
            if delay is None:
                return response                  # the caller maps a 4xx/5xx with make_status_error
            response.close()
        sleep(delay)

Rules:

* statuses retried: 408, 425, 429 and every 5xx but 501;
* a status, a read/write failure or a protocol error is retried only for a retry-safe request
  (:func:`is_retry_safe`); a failure to connect (the request never left) for every request;
* the delay is full-jitter exponential backoff, raised to the server's Retry-After, capped by
  ``max_delay``;
* ``total_timeout`` bounds the whole call: each attempt's timeout is cut to what is left, and a
  retry whose sleep would not leave time for another attempt is not taken at all.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable, Mapping
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Final, Protocol

import attrs
import httpx

from kalshi_ext.errors import APITimeoutError, map_transport_error, status_phrase

__all__ = [
    "RETRYABLE_STATUSES",
    "RETRY_SAFE_METHODS",
    "RetryConfig",
    "RetryController",
    "RetryPolicy",
    "backoff_delay",
    "is_retry_safe",
    "is_retryable_exception",
    "is_retryable_status",
    "may_have_reached_server",
    "parse_retry_after",
    "retry_delay",
]

logger = logging.getLogger("kalshi_ext")

RETRYABLE_STATUSES: Final = frozenset({408, 425, 429} | set(range(500, 600)) - {501})
"""Request Timeout, Too Early, Too Many Requests and every 5xx but 501 Not Implemented."""

RETRY_SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
"""Methods whose repetition does no more than their first success (RFC 9110 idempotent)."""

# The request never reached the server: resending cannot duplicate anything.
_NOT_SENT: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# The request as built is wrong (bad URL scheme, illegal header): resending cannot help.
_NEVER_RETRIED: Final = (httpx.UnsupportedProtocol, httpx.LocalProtocolError)

# Keeps `2.0**n` finite; any sane cap is reached long before this exponent.
_MAX_EXPONENT: Final = 1000

Rng = Callable[[float, float], float]
Clock = Callable[[], float]


def is_retryable_status(status_code: int) -> bool:
    """Whether a response with this status may be retried (for a retry-safe request)."""
    return status_code in RETRYABLE_STATUSES


def is_retry_safe(method: str, *, idempotent_post: bool = False) -> bool:
    """Whether a request may be sent again after it may have reached the server.

    POST is safe only when the caller vouches for it: an order creation carrying a
    ``client_order_id``, which the exchange refuses to fill twice.
    """
    method = method.upper()
    return method in RETRY_SAFE_METHODS or (method == "POST" and idempotent_post)


def is_retryable_exception(exc: BaseException, retry_safe: bool) -> bool:
    """Whether a failed attempt that got no response may be retried.

    Connect errors and pool timeouts (the request never left) are retried for any request; other
    transport errors (read/write failures and timeouts, protocol errors; the server may have acted)
    only for retry-safe ones. Anything that is not an httpx.TransportError never is.
    """
    if not isinstance(exc, httpx.TransportError) or isinstance(exc, _NEVER_RETRIED):
        return False
    return isinstance(exc, _NOT_SENT) or retry_safe


def may_have_reached_server(outcome: httpx.Response | BaseException) -> bool:
    """Whether an attempt that ended this way may have been acted on by the exchange.

    A 5xx or a failure after the request left (read/write error, read timeout, dropped
    connection) may have been processed; a 2xx/4xx answer, or a failure to connect, says it was
    or was not, and 408/425/429 are refusals before processing.
    """
    if isinstance(outcome, httpx.Response):
        return outcome.status_code >= 500
    if isinstance(outcome, httpx.RequestError):  # transport errors, and a body it could not decode
        return not isinstance(outcome, _NOT_SENT + _NEVER_RETRIED)
    return False


def parse_retry_after(headers: Mapping[str, str] | httpx.Headers, *, now: float) -> float | None:
    """Seconds the server asks to wait, or None when it asks nothing readable.

    ``retry-after-ms`` (milliseconds) wins over ``Retry-After``, which is delta-seconds or an
    HTTP-date measured against ``now`` (wall-clock epoch seconds); a past date gives 0.
    Negative, non-finite or unparsable values give None. Never raises.
    """
    if not isinstance(headers, httpx.Headers):
        headers = httpx.Headers(headers)
    milliseconds = _non_negative_number(headers.get("retry-after-ms"))
    if milliseconds is not None:
        return milliseconds / 1000
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _non_negative_number(value)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(value.strip())
        if when.tzinfo is None:  # "-0000" means UTC with no zone given (RFC 5322)
            when = when.replace(tzinfo=UTC)
        return max(0.0, when.timestamp() - now)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _non_negative_number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def backoff_delay(retries_taken: int, base: float, cap: float, rng: Rng = random.uniform) -> float:
    """Full-jitter exponential backoff: ``rng(0, min(cap, base * 2**retries_taken))``.

    ``retries_taken`` is 0 before the first retry. The result is clamped into that range, so a
    misbehaving ``rng`` cannot make it negative or exceed the cap.
    """
    if retries_taken < 0:
        raise ValueError(f"retries_taken must be >= 0, got {retries_taken}")
    upper = min(cap, base * 2.0 ** min(retries_taken, _MAX_EXPONENT))
    upper = max(0.0, upper)
    return min(upper, max(0.0, rng(0.0, upper)))


def retry_delay(
    retries_taken: int,
    *,
    base_delay: float,
    max_delay: float,
    retry_after: float | None,
    rng: Rng = random.uniform,
) -> float:
    """The sleep before the next retry: backoff raised to ``retry_after``, capped by ``max_delay``.

    The server's Retry-After is a floor, but ``max_delay`` caps every sleep, Retry-After included.
    """
    delay = backoff_delay(retries_taken, base_delay, max_delay, rng)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, max_delay)


class RetryConfig(Protocol):
    """The retry settings of a client config (KalshiConfig fits it)."""

    @property
    def max_retries(self) -> int: ...
    @property
    def retry_base_delay(self) -> float: ...
    @property
    def retry_max_delay(self) -> float: ...
    @property
    def total_timeout(self) -> float | None: ...
    @property
    def timeout(self) -> float: ...


def _check_seconds(name: str, value: float, *, positive: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, got {type(value).__name__}")
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"{name} must be a finite number of seconds {bound}, got {value!r}")


@attrs.frozen
class RetryPolicy:
    """Retry limits for every call of a client; see the module docstring for the rules.

    ``min_attempt_time`` is the least time worth starting another attempt with: a retry whose
    sleep would leave less of ``total_timeout`` than that is not taken.
    """

    max_retries: int
    base_delay: float
    max_delay: float
    total_timeout: float | None
    timeout: float
    min_attempt_time: float = 0.05

    def __attrs_post_init__(self) -> None:
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int):
            raise TypeError(f"max_retries must be an int, got {type(self.max_retries).__name__}")
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries}")
        _check_seconds("base_delay", self.base_delay, positive=False)
        _check_seconds("max_delay", self.max_delay, positive=False)
        _check_seconds("timeout", self.timeout, positive=True)
        _check_seconds("min_attempt_time", self.min_attempt_time, positive=False)
        if self.total_timeout is not None:
            _check_seconds("total_timeout", self.total_timeout, positive=True)

    @classmethod
    def from_config(cls, config: RetryConfig) -> RetryPolicy:
        return cls(
            max_retries=config.max_retries,
            base_delay=config.retry_base_delay,
            max_delay=config.retry_max_delay,
            total_timeout=config.total_timeout,
            timeout=config.timeout,
        )


class RetryController:
    """The retry state of one call: how many retries were taken and how much time is left.

    ``monotonic`` measures total_timeout, ``wall`` reads HTTP-date Retry-After values and ``rng``
    draws the jitter; tests inject all three.
    """

    policy: RetryPolicy
    method: str
    path: str
    retry_safe: bool
    retries_taken: int

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        method: str,
        path: str,
        retry_safe: bool,
        monotonic: Clock = time.monotonic,
        wall: Clock = time.time,
        rng: Rng = random.uniform,
    ) -> None:
        self.policy = policy
        self.method = method.upper()
        self.path = path.split("?", 1)[0]  # queries stay out of logs and errors
        self.retry_safe = retry_safe
        self.retries_taken = 0
        self._monotonic = monotonic
        self._wall = wall
        self._rng = rng
        self._deadline = (
            None if policy.total_timeout is None else monotonic() + policy.total_timeout
        )

    def __repr__(self) -> str:
        return (
            f"RetryController(method={self.method!r}, path={self.path!r}, "
            f"retry_safe={self.retry_safe!r}, retries_taken={self.retries_taken!r})"
        )

    def remaining(self) -> float | None:
        """Seconds left of total_timeout (may be negative), or None when there is no budget."""
        return None if self._deadline is None else self._deadline - self._monotonic()

    def attempt_timeout(self) -> float:
        """The httpx timeout for the next attempt: ``timeout`` cut to what total_timeout leaves.

        Raises APITimeoutError when total_timeout is already spent.
        """
        remaining = self.remaining()
        if remaining is None:
            return self.policy.timeout
        if remaining <= 0:
            raise APITimeoutError(
                f"total_timeout of {self.policy.total_timeout:g} s spent "
                f"after {self.retries_taken} retries",
                method=self.method,
                path=self.path,
            )
        return min(self.policy.timeout, remaining)

    def after_response(self, response: httpx.Response) -> float | None:
        """Decide after a response: None means final, a float means sleep that long and retry.

        None is returned for a success, a status that is not retried, a request that is not
        retry-safe, max_retries reached, or a sleep that total_timeout could not afford; the
        caller returns a 2xx and raises ``make_status_error(response)`` for the rest (which reads
        a 429's Retry-After itself, so a RateLimitError given up on early still carries it).
        """
        status = response.status_code
        if not (self.retry_safe and is_retryable_status(status)):
            return None
        retry_after = parse_retry_after(response.headers, now=self._wall())
        delay = self._next_delay(retry_after)
        what = f"{status} {status_phrase(status, response.reason_phrase)}"
        if not self._can_afford(delay, what):
            return None
        return self._take_retry(delay, what)

    def after_exception(self, exc: Exception) -> float:
        """Decide after an attempt that raised instead of answering: the sleep before the retry.

        When it gives up it raises the mapped APIConnectionError / APITimeoutError chained from
        ``exc`` (any httpx.RequestError); an exception that is not httpx's is re-raised untouched,
        since wrapping a bug as a connection error would hide it.
        """
        if not isinstance(exc, httpx.RequestError):
            raise exc
        error = map_transport_error(exc, method=self.method, path=self.path)
        if not is_retryable_exception(exc, self.retry_safe):
            raise error from exc
        what = type(exc).__name__
        delay = self._next_delay(None)
        if not self._can_afford(delay, what):
            raise error from exc
        return self._take_retry(delay, what)

    def _next_delay(self, retry_after: float | None) -> float:
        return retry_delay(
            self.retries_taken,
            base_delay=self.policy.base_delay,
            max_delay=self.policy.max_delay,
            retry_after=retry_after,
            rng=self._rng,
        )

    def _can_afford(self, delay: float, what: str) -> bool:
        if self.retries_taken >= self.policy.max_retries:
            reason = f"max_retries={self.policy.max_retries} reached"
        else:
            remaining = self.remaining()
            left_after_sleep = math.inf if remaining is None else remaining - delay
            if left_after_sleep > 0 and left_after_sleep >= self.policy.min_attempt_time:
                return True
            reason = f"a {delay:.2f} s sleep would outlast total_timeout"
        logger.debug("not retrying %s %s after %s: %s", self.method, self.path, what, reason)
        return False

    def _take_retry(self, delay: float, what: str) -> float:
        self.retries_taken += 1
        logger.warning(
            "retrying %s %s after %s in %.2f s (retry %d of %d)",
            self.method,
            self.path,
            what,
            delay,
            self.retries_taken,
            self.policy.max_retries,
        )
        return delay
