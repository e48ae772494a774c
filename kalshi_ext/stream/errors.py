"""The errors a stream raises: refused handshakes, lost connections and refused commands.

::

    KalshiError
    └── StreamError
        ├── StreamConnectionError       the socket is gone for good: ws_max_retries spent, or a
        │   │                           close the server says is permanent
        │   └── StreamHandshakeError    the HTTP upgrade was refused (401/403/404 are not retried)
        └── StreamCommandError          Kalshi answered a command with an error frame (``code``)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from kalshi_ext.errors import KalshiError

__all__ = [
    "COMMAND_ERROR_NAMES",
    "TERMINAL_CHANNEL_CODES",
    "StreamCommandError",
    "StreamConnectionError",
    "StreamError",
    "StreamHandshakeError",
]

COMMAND_ERROR_NAMES: Final[Mapping[int, str]] = {
    1: "Unable to process message",
    2: "Params required",
    3: "Channels required",
    4: "Subscription IDs required",
    5: "Unknown command",
    7: "Unknown subscription ID",
    8: "Unknown channel name",
    9: "Authentication required",
    10: "Channel error",
    11: "Invalid parameter",
    12: "Exactly one subscription ID is required",
    13: "Unsupported action",
    14: "Market Ticker required",
    15: "Action required",
    18: "Command timeout",
    19: "shard_factor must be > 0",
    20: "shard_factor is required when shard_key is set",
    21: "shard_key must be >= 0 and < shard_factor",
    22: "shard_factor must be <= 100",
    23: "Match IDs required",
    24: "Index IDs required",
    25: "Subscription buffer overflow",
    26: "Subscription market limit exceeded",
    27: "Too many requests",
    28: "Underlying tickers required",
}
"""Kalshi's WebSocket error codes and their `msg` texts (AsyncAPI 2.0.0); 6, 16, 17 are retired."""

TERMINAL_CHANNEL_CODES: Final = frozenset({10, 25})
"""Errors after which a subscription sends nothing more: the client must subscribe again."""


class StreamError(KalshiError):
    """Root of the errors raised by a portfolio stream."""


class StreamConnectionError(StreamError):
    """The stream's connection is lost for good; iteration raises this after the buffered events.

    ``attempts`` is how many connection attempts the last outage took, ``reason`` what ended it.
    """

    def __init__(self, message: str, *, attempts: int = 0, reason: str = "") -> None:
        self.message = message
        self.attempts = attempts
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        text = self.message
        if self.reason:
            text += f" (last failure: {self.reason})"
        return text


class StreamHandshakeError(StreamConnectionError):
    """The server refused the WebSocket upgrade with an HTTP status; 401/403/404 are final.

    A 401 or 403 means the key, the signature or the timestamp was refused: check the key id,
    the private key and the machine's clock.
    """

    def __init__(self, message: str, *, status: int, attempts: int = 1) -> None:
        self.status = status
        super().__init__(message, attempts=attempts, reason=f"HTTP {status}")


class StreamCommandError(StreamError):
    """Kalshi refused a command: ``code`` is its numeric error code (see COMMAND_ERROR_NAMES)."""

    def __init__(
        self,
        *,
        code: int,
        message: str,
        command: str,
        channel: str | None = None,
        sid: int | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.command = command
        self.channel = channel
        self.sid = sid
        super().__init__(str(self))

    @property
    def name(self) -> str:
        """Kalshi's name for the code, or "Unknown error code"."""
        return COMMAND_ERROR_NAMES.get(self.code, "Unknown error code")

    def __str__(self) -> str:
        about = f" on {self.channel}" if self.channel else ""
        said = f": {self.message}" if self.message and self.message != self.name else ""
        return f"{self.command}{about} refused with code {self.code} ({self.name}){said}"
