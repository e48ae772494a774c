"""Opaque cursors and page-size limits for the local exchange's list endpoints."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import TypeVar

from kalshi_ext.testing.exchange_error import invalid

T = TypeVar("T")

DEFAULT_LIMIT = 100


def parse_limit(raw: str | None, maximum: int) -> int:
    """The `limit` query parameter: 1..maximum, 100 when absent."""
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise invalid(f"limit must be an integer, got {raw!r}") from None
    if not 1 <= limit <= maximum:
        raise invalid(f"limit must be between 1 and {maximum}, got {limit}")
    return limit


def encode_cursor(kind: str, after_seq: int) -> str:
    """An opaque cursor: which list it belongs to and the sort key of the last item served."""
    raw = json.dumps({"k": kind, "s": after_seq}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(raw: str | None, kind: str) -> int | None:
    """The sort key a cursor resumes after, or None for the first page. Bad cursors are 400."""
    if raw is None or raw == "":
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid("cursor is not a cursor this endpoint returned") from None
    if (
        not isinstance(decoded, dict)
        or decoded.get("k") != kind
        or not isinstance(decoded.get("s"), int)
        or isinstance(decoded.get("s"), bool)
    ):
        raise invalid("cursor is not a cursor this endpoint returned")
    seq: int = decoded["s"]
    return seq


def page(
    items: Sequence[T], seq_of: Callable[[T], int], *, kind: str, limit: int, after: int | None
) -> tuple[list[T], str]:
    """Items newest first (highest sort key first), resuming after a cursor's key.

    Keys never change and new items get higher keys, so a cursor walk sees every item that
    existed when it started exactly once, however the list grows meanwhile.
    Returns the page and the next cursor ("" on the last page).
    """
    ordered = sorted(items, key=seq_of, reverse=True)
    if after is not None:
        ordered = [item for item in ordered if seq_of(item) < after]
    chunk = ordered[:limit]
    more = len(ordered) > limit
    return chunk, encode_cursor(kind, seq_of(chunk[-1])) if more else ""
