"""Fixed-point wire values: dollar and contract-count strings to and from integer units."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal

from kalshi_ext.testing.exchange_error import invalid

# Requests accept 0-4 decimals for dollars and 0-2 for counts (FixedPointDollars/Count in the spec).
_DOLLARS_RE = re.compile(r"^[0-9]+(\.[0-9]{1,4})?$")
_COUNT_RE = re.compile(r"^[0-9]+(\.[0-9]{1,2})?$")

MIN_PRICE_CENTS = 1
MAX_PRICE_CENTS = 99


def parse_price_cents(value: object, field: str) -> int:
    """A yes price such as "0.56" or "0.5600" as whole cents, on the penny markets' $0.01 tick."""
    if not isinstance(value, str) or not _DOLLARS_RE.match(value):
        raise invalid(
            f"{field} must be a fixed-point dollar string such as '0.5600', got {value!r}"
        )
    cents = Decimal(value) * 100
    if cents != cents.to_integral_value():
        raise invalid(f"{field} {value!r} is off tick: prices move in steps of $0.01")
    whole = int(cents)
    if not MIN_PRICE_CENTS <= whole <= MAX_PRICE_CENTS:
        raise invalid(f"{field} {value!r} is out of range: prices run from 0.01 to 0.99")
    return whole


def parse_price_centicents(value: object, field: str) -> int:
    """A yes price such as "0.455" or "0.5600" in centicents (1/10,000 dollar).

    Only the shape and the $0.0001-$0.9999 range are checked here: the market checks its tick.
    """
    if not isinstance(value, str) or not _DOLLARS_RE.match(value):
        raise invalid(
            f"{field} must be a fixed-point dollar string such as '0.5600', got {value!r}"
        )
    centicents = int(Decimal(value).scaleb(4))  # exact: at most 4 decimals
    if not 1 <= centicents <= 9_999:
        raise invalid(f"{field} {value!r} is out of range: prices are above 0 and below 1")
    return centicents


def parse_count(value: object, field: str, *, allow_zero: bool = False) -> int:
    """A contract count such as "10" or "10.00" as whole contracts.

    The local markets do not enable fractional trading, so "2.50" is rejected.
    """
    if not isinstance(value, str) or not _COUNT_RE.match(value):
        raise invalid(f"{field} must be a fixed-point count string such as '10.00', got {value!r}")
    amount = Decimal(value)
    if amount != amount.to_integral_value():
        raise invalid(f"{field} {value!r}: fractional contracts are not enabled on this market")
    whole = int(amount)
    if whole == 0 and not allow_zero:
        raise invalid(f"{field} must be at least 1 contract")
    return whole


def dollars(cents: int) -> str:
    """Cents as a fixed-point dollar string with 4 decimals: 56 -> "0.5600", -5 -> "-0.0500"."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}00"


def dollars_from_centicents(centicents: int) -> str:
    """Hundredths of a cent as dollars with 4 decimals: 12345 -> "1.2345"."""
    sign = "-" if centicents < 0 else ""
    whole, frac = divmod(abs(centicents), 10_000)
    return f"{sign}{whole}.{frac:04d}"


def dollars_average(total_cents: int, count: int, *, per_dollar: int = 100) -> str:
    """A per-contract average in dollars, rounded to the 6 decimals responses may carry.

    `per_dollar` is the unit of `total_cents`: 100 for cents, 10_000 for centicents.
    """
    quantized = (Decimal(total_cents) / Decimal(per_dollar * count)).quantize(
        Decimal("0.000001"), rounding=ROUND_HALF_EVEN
    )
    text = f"{quantized:f}"
    # Keep at least 4 decimals, like every other dollar string; drop only padding beyond that.
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0").ljust(4, "0")
    return f"{whole}.{frac}"


def count_fp(count: int) -> str:
    """Whole contracts as a count string with 2 decimals: 10 -> "10.00", -3 -> "-3.00"."""
    return f"{count}.00" if count >= 0 else f"-{-count}.00"


def dollars_6dp(cents: int) -> str:
    """Cents as dollars with the 6 decimals of WebSocket costs and fees: 1 -> "0.010000"."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}0000"


def dollars_6dp_from_centicents(centicents: int) -> str:
    """Centicents as dollars with 6 decimals: 4550 -> "0.455000"."""
    sign = "-" if centicents < 0 else ""
    whole, frac = divmod(abs(centicents), 10_000)
    return f"{sign}{whole}.{frac:04d}00"
