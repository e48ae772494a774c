"""Live portfolio streams over Kalshi's WebSocket API (fill, user_orders, market_positions,
order_group_updates); see docs/streams.md."""

from kalshi_ext.stream.buffer import DEFAULT_MAX_BUFFERED
from kalshi_ext.stream.errors import (
    StreamCommandError,
    StreamConnectionError,
    StreamError,
    StreamHandshakeError,
)
from kalshi_ext.stream.events import (
    PORTFOLIO_CHANNELS,
    ChannelError,
    Event,
    MalformedMessage,
    MessagesLost,
    Reconnected,
    SequenceGap,
    StreamMessage,
    Subscription,
    SubscriptionRestarted,
)
from kalshi_ext.stream.stream import AsyncStream, Stream, StreamStats

__all__ = [
    "DEFAULT_MAX_BUFFERED",
    "PORTFOLIO_CHANNELS",
    "AsyncStream",
    "ChannelError",
    "Event",
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
    "StreamStats",
    "Subscription",
    "SubscriptionRestarted",
]
