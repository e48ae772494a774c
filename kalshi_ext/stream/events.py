"""What a stream yields: data messages, and the markers that say what happened to the stream.

A consumer sees every data frame as a :class:`StreamMessage`, in the order the server sent it.
Whatever could make the data incomplete is said by an event of its own, in its place in the
sequence: :class:`Reconnected` (the socket was replaced), :class:`MessagesLost` (the consumer fell
too far behind and the buffer overflowed), :class:`SequenceGap` (order_group_updates skipped or
restarted its ``seq``), :class:`SubscriptionRestarted` (Kalshi ended a subscription with error
10 or 25 and the stream subscribed again), :class:`ChannelError` (any other error frame not tied
to a command) and :class:`MalformedMessage` (a frame the generated model could not decode).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

import attrs

__all__ = [
    "PORTFOLIO_CHANNELS",
    "ChannelError",
    "Event",
    "MalformedMessage",
    "MessagesLost",
    "Reconnected",
    "SequenceGap",
    "StreamMessage",
    "Subscription",
    "SubscriptionRestarted",
]

PORTFOLIO_CHANNELS: tuple[str, ...] = (
    "fill",
    "user_orders",
    "market_positions",
    "order_group_updates",
)
"""The private channels a portfolio stream subscribes to."""


@attrs.frozen
class Subscription:
    """One channel the stream is subscribed to: its markets (None: all) and current sid."""

    channel: str
    market_tickers: tuple[str, ...] | None
    sid: int | None  # None while (re)subscribing; a new sid on every connection


class StreamMessage(NamedTuple):
    """One data frame: ``msg`` is the generated model of the channel's payload.

    ``seq`` is the frame's sequence number where the channel has one (order_group_updates),
    else None. A NamedTuple (immutable, built in a third of a frozen attrs class's time: one is
    made per frame).
    """

    channel: str
    sid: int
    seq: int | None
    msg: Any


@attrs.frozen
class Reconnected:
    """The connection was lost and replaced; every subscription is restored (new sids).

    Frames the server sent between the loss and the restore are not replayed by Kalshi:
    reconcile over REST from ``lost_at`` (epoch seconds) if you need them.
    """

    down_for: float  # seconds from the loss to the restored subscriptions
    lost_at: float  # wall clock (epoch seconds) when the loss was noticed
    attempts: int  # connection attempts this outage took
    reason: str  # what ended the previous connection
    subscriptions: tuple[Subscription, ...]


@attrs.frozen
class MessagesLost:
    """The consumer fell ``max_buffered`` events behind: ``count`` data messages were dropped.

    They are the newest messages received from ``since`` to ``until`` (epoch seconds), per
    channel in ``channels``; everything before this event and after it was delivered.
    """

    count: int
    since: float
    until: float
    channels: Mapping[str, int]


@attrs.frozen
class SequenceGap:
    """A sequenced channel skipped (``kind="gap"``) or restarted (``"reset"``) its ``seq``.

    The frame that showed it is delivered right after this event; for a gap the messages
    ``expected`` .. ``received - 1`` never arrived.
    """

    channel: str
    sid: int
    expected: int
    received: int
    kind: Literal["gap", "reset"]


@attrs.frozen
class SubscriptionRestarted:
    """Kalshi ended a subscription with a terminal error (10 or 25); the stream subscribed
    again. Messages of ``channel`` between the error and the new subscription may be missing."""

    channel: str
    code: int
    message: str
    old_sid: int
    new_sid: int


@attrs.frozen
class ChannelError:
    """An error frame that answers no command (not a terminal one, which restarts instead)."""

    code: int
    message: str
    channel: str | None
    sid: int | None


@attrs.frozen
class MalformedMessage:
    """A data frame that could not be decoded; ``raw`` is the frame as received."""

    channel: str | None
    sid: int | None
    seq: int | None
    raw: Any
    error: str


Event = (
    StreamMessage
    | Reconnected
    | MessagesLost
    | SequenceGap
    | SubscriptionRestarted
    | ChannelError
    | MalformedMessage
)
