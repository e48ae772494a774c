"""kalshi_ext: the hand-written, ergonomic layer over kalshi_generated (public names only)."""

# A literal, so reading it costs no import; tests/unit/test_version.py keeps it equal to
# pyproject.toml's version.
__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from kalshi_ext.feed import FillNotFoundError, ResumePoint
    from kalshi_ext.feed_io import (
        AsyncFillFeed,
        AsyncLivePortfolio,
        FeedOptions,
        FillFeed,
        LiveOptions,
        LivePortfolio,
    )
    from kalshi_ext.stream import (
        AsyncStream,
        ChannelError,
        MalformedMessage,
        MessagesLost,
        Reconnected,
        SequenceGap,
        Stream,
        StreamCommandError,
        StreamConnectionError,
        StreamError,
        StreamHandshakeError,
        StreamMessage,
        Subscription,
        SubscriptionRestarted,
    )

# The stream names are imported when first used (PEP 562): the stream package brings asyncio and
# its protocol with it, which a program that never streams does not pay for at import.
_STREAM_NAMES = frozenset(
    {
        "AsyncStream",
        "ChannelError",
        "MalformedMessage",
        "MessagesLost",
        "Reconnected",
        "SequenceGap",
        "Stream",
        "StreamCommandError",
        "StreamConnectionError",
        "StreamError",
        "StreamHandshakeError",
        "StreamMessage",
        "Subscription",
        "SubscriptionRestarted",
    }
)


# The fill feed's names too (watch_fills, live_portfolio): they bring the stream package.
_FEED_NAMES = {
    "FillNotFoundError": "kalshi_ext.feed",
    "ResumePoint": "kalshi_ext.feed",
    "AsyncFillFeed": "kalshi_ext.feed_io",
    "AsyncLivePortfolio": "kalshi_ext.feed_io",
    "FeedOptions": "kalshi_ext.feed_io",
    "FillFeed": "kalshi_ext.feed_io",
    "LiveOptions": "kalshi_ext.feed_io",
    "LivePortfolio": "kalshi_ext.feed_io",
}


def __getattr__(name: str) -> Any:
    if name in _STREAM_NAMES or name in _FEED_NAMES:
        import importlib

        module = importlib.import_module(_FEED_NAMES.get(name, "kalshi_ext.stream"))
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "ArgumentTypeError",
    "AsyncClient",
    "AsyncFillFeed",
    "AsyncKalshiClient",
    "AsyncLivePortfolio",
    "AsyncPager",
    "AsyncStream",
    "AuthenticationError",
    "BadRequestError",
    "BatchIncompleteError",
    "ChannelError",
    "Client",
    "ClientClosedError",
    "Clock",
    "ConfigError",
    "ConflictError",
    "Detailed",
    "EventLoopError",
    "FeedOptions",
    "FillFeed",
    "FillNotFoundError",
    "InvalidArgumentError",
    "KalshiAuth",
    "KalshiClient",
    "KalshiConfig",
    "KalshiError",
    "KeyLoadError",
    "LiveOptions",
    "LivePortfolio",
    "MalformedMessage",
    "MessagesLost",
    "NotFoundError",
    "Page",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "Reconnected",
    "ResponseValidationError",
    "ResumePoint",
    "SequenceGap",
    "ServerError",
    "SigningError",
    "Stream",
    "StreamCommandError",
    "StreamConnectionError",
    "StreamError",
    "StreamHandshakeError",
    "StreamMessage",
    "Subscription",
    "SubscriptionRestarted",
    "SyncPager",
    "__version__",
    "count_to_wire",
    "price_to_wire",
]
