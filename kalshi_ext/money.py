"""Amounts of returned models as exact Decimals, and Unset narrowed: never through float.

Kalshi sends dollars and contract counts as fixed-point strings (``yes_price_dollars='0.5600'``,
``count_fp='10.00'``); a field the server may leave out is ``str | Unset``. These functions are
typed so that mypy makes a caller narrow first::

    price = decimal(fill.yes_price_dollars)              # str -> Decimal
    limit = decimal_or_none(group.contracts_limit_fp)     # str | Unset | None -> Decimal | None
    if is_set(group.contracts_limit_fp): ...             # narrows to str
    amounts(order)  # {"yes_price_dollars": Decimal("0.5600"), ...}: every *_dollars / *_fp field
"""

from __future__ import annotations

import decimal as _decimal
from decimal import Decimal
from typing import Any, TypeGuard, TypeVar

import attrs

from kalshi_generated.types import Unset

T = TypeVar("T")
MONEY_SUFFIXES = ("_dollars", "_fp")


class AmountError(ValueError):
    """A field meant to hold a fixed-point amount holds something else."""


def decimal(value: str) -> Decimal:
    """A fixed-point string from the wire as the exact Decimal it spells ('0.5600' keeps its
    four places). Refuses anything but a finite decimal string (a float, Unset, None, 'NaN')."""
    if not isinstance(value, str):
        raise AmountError(
            f"expected a fixed-point string such as '0.5600', got {type(value).__name__} "
            f"{value!r} (narrow Unset with is_set() or use decimal_or_none())"
        )
    try:
        number = Decimal(value.strip())
    except _decimal.InvalidOperation:
        raise AmountError(f"{value!r} is not a decimal number") from None
    if not number.is_finite():
        raise AmountError(f"{value!r} is not a finite amount")
    return number


def decimal_or_none(value: str | Unset | None) -> Decimal | None:
    """decimal(value), or None for a field the server left out (Unset) or sent as null."""
    if value is None or isinstance(value, Unset):
        return None
    return decimal(value)


def is_set(value: T | Unset) -> TypeGuard[T]:
    """Whether the server sent this field: narrows `X | Unset` to `X` for mypy."""
    return not isinstance(value, Unset)


def unset_to_none(value: T | Unset) -> T | None:
    """The field's value, or None where the server left it out."""
    return None if isinstance(value, Unset) else value


def amounts(model: Any) -> dict[str, Decimal | None]:
    """Every ``*_dollars`` and ``*_fp`` field of a generated model as a Decimal (None for a
    field left out or null), by field name."""
    if not attrs.has(type(model)):
        raise TypeError(f"amounts() takes a generated model, not {type(model).__name__}")
    return {
        field.name: decimal_or_none(getattr(model, field.name))
        for field in attrs.fields(type(model))
        if field.name.endswith(MONEY_SUFFIXES)
    }
