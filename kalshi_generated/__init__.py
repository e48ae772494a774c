"""A client library for accessing Kalshi Trade API: /portfolio subset"""

# kalshi-portfolio's custom template: the clients are imported when first named (PEP 562), so
# importing kalshi_generated.types or one model does not build them.
import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import AuthenticatedClient, Client


def __getattr__(name: str) -> Any:
    if name not in ("AuthenticatedClient", "Client"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(".client", __name__), name)
    globals()[name] = value
    return value


__all__ = (
    "AuthenticatedClient",
    "Client",
)
