"""kalshi_ext: the hand-written, ergonomic layer over kalshi_generated (public names only)."""

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
    "count_to_wire",
    "price_to_wire",
]
