"""kalshi_ext: the hand-written, ergonomic layer over kalshi_generated (public names only)."""

# A literal, so reading it costs no import; tests/unit/test_version.py keeps it equal to
# pyproject.toml's version.
__version__ = "0.1.0"

from kalshi_ext.auth import KalshiAuth, KeyLoadError, SigningError
from kalshi_ext.client import AsyncClient, AsyncKalshiClient, Client, KalshiClient
from kalshi_ext.config import ConfigError, KalshiConfig
from kalshi_ext.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ArgumentTypeError,
    AuthenticationError,
    BadRequestError,
    BatchIncompleteError,
    ClientClosedError,
    ConflictError,
    EventLoopError,
    InvalidArgumentError,
    KalshiError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
)
from kalshi_ext.flow import Clock
from kalshi_ext.operations import Detailed
from kalshi_ext.orders import count_to_wire, price_to_wire
from kalshi_ext.pagination import AsyncPager, Page, SyncPager

# The distribution's version (pyproject.toml's; tests/unit/test_typed_methods.py checks they
# agree). A constant: reading it from importlib.metadata costs more than the rest of a first call.
__version__ = "0.1.0"

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "ArgumentTypeError",
    "AsyncClient",
    "AsyncKalshiClient",
    "AsyncPager",
    "AuthenticationError",
    "BadRequestError",
    "BatchIncompleteError",
    "Client",
    "ClientClosedError",
    "Clock",
    "ConfigError",
    "ConflictError",
    "Detailed",
    "EventLoopError",
    "InvalidArgumentError",
    "KalshiAuth",
    "KalshiClient",
    "KalshiConfig",
    "KalshiError",
    "KeyLoadError",
    "NotFoundError",
    "Page",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "ServerError",
    "SigningError",
    "SyncPager",
    "__version__",
    "count_to_wire",
    "price_to_wire",
]
