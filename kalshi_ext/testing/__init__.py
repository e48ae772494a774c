"""Test support for kalshi_ext: LocalExchange, a local Kalshi exchange over HTTP and WebSocket."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kalshi_ext.testing.exchange import LocalExchange
    from kalshi_ext.testing.faults import ServedRequest

__all__ = ["LocalExchange", "ServedRequest"]


def __getattr__(name: str) -> Any:
    # Imported lazily so `python -m kalshi_ext.testing.exchange` does not load the module twice.
    if name == "LocalExchange":
        from kalshi_ext.testing.exchange import LocalExchange

        return LocalExchange
    if name == "ServedRequest":
        from kalshi_ext.testing.faults import ServedRequest

        return ServedRequest
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
