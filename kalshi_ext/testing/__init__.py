"""Test support for kalshi_ext: LocalExchange, a local Kalshi exchange over HTTP and WebSocket."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kalshi_ext.testing.exchange import LocalExchange
    from kalshi_ext.testing.faults import ServedRequest

__all__ = ["LocalExchange", "ServedRequest", "require_testing_extra"]

# What the [testing] extra installs (pyproject.toml), imported by the local exchange.
TESTING_EXTRA_MODULES = ("starlette", "uvicorn")


def require_testing_extra() -> None:
    """Raise ModuleNotFoundError naming the extra to install when its packages are missing."""
    missing = []
    for module in TESTING_EXTRA_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise ModuleNotFoundError(
            "kalshi_ext.testing (LocalExchange and the pytest fixtures) needs the [testing] "
            f"extra: pip install 'kalshi-portfolio[testing]' (missing: {', '.join(missing)})",
            name=missing[0],
        )


def __getattr__(name: str) -> Any:
    # Imported lazily so `python -m kalshi_ext.testing.exchange` does not load the module twice.
    if name in ("LocalExchange", "ServedRequest"):
        require_testing_extra()
    if name == "LocalExchange":
        from kalshi_ext.testing.exchange import LocalExchange

        return LocalExchange
    if name == "ServedRequest":
        from kalshi_ext.testing.faults import ServedRequest

        return ServedRequest
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
