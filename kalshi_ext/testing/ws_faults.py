"""Scripted WebSocket failures for the local exchange: what each kind does and when it fires.

Kinds (names fixed by the test kit's contract):

- `drop`: the TCP connection is cut without a close frame (the client sees 1006).
- `close`: a close frame with `code` (1000, 1001, 1011, 4001...), then the connection ends.
- `stall`: the server stops reading, stops answering (and sending) pings and stops sending
  frames: a dead peer. The connection stays open until the client gives up.
- `suppress`: the next data frame of `channel` is never sent (on order_group_updates its seq is
  still used up, so the client sees a gap).
- `skip_seq`, `dup_seq`, `reset_seq`: the next order_group_updates frame's seq jumps one
  number ahead, is sent twice with the same seq, or restarts at 1.
- `delay_reply`: the next command reply is held for `delay_s` while data frames keep flowing.
- `refuse`: the next handshake is answered with HTTP `status` (403 as CloudFront sends, 503...)
  instead of being checked; nothing is accepted.
- `error`: with `channel`, an error frame `{"type": "error", "sid": S, "msg": {"code": code}}`
  on that channel's subscription; codes 10 and 25 (Kalshi's terminal errors) also end the
  subscription. Without `channel`, the next command is not executed and is answered with an
  error frame carrying its id and `code`.

`drop`, `close` and `stall` act at once on the open connections (oldest first, one use each);
uses left over act on the next connections right after their handshake. `error` with a channel
acts at once on open subscriptions of that channel, then on the next subscriptions to it. The
other kinds wait for the frame, command or handshake they change. Each fault fires `times` times.
"""

from __future__ import annotations

from typing import Literal

from attrs import define

from kalshi_ext.testing.faults import PendingFaults
from kalshi_ext.testing.ws_frames import MESSAGE_TYPES

WsFaultKind = Literal[
    "drop",
    "close",
    "suppress",
    "skip_seq",
    "dup_seq",
    "reset_seq",
    "delay_reply",
    "error",
    "stall",
    "refuse",
]
WS_FAULT_KINDS: tuple[WsFaultKind, ...] = (
    "drop", "close", "suppress", "skip_seq", "dup_seq", "reset_seq", "delay_reply", "error",
    "stall", "refuse",
)  # fmt: skip
CONNECTION_KINDS: frozenset[WsFaultKind] = frozenset({"drop", "close", "stall"})
SEQ_KINDS: frozenset[WsFaultKind] = frozenset({"skip_seq", "dup_seq", "reset_seq"})
SEQUENCED_CHANNEL = "order_group_updates"


@define
class WsFault:
    kind: WsFaultKind
    remaining: int
    code: int | None = None
    channel: str | None = None
    delay_s: float = 0.0
    status: int | None = None

    def validate(self) -> None:
        """Raise ValueError saying what to fix when the fault cannot fire as asked."""
        if self.kind not in WS_FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(WS_FAULT_KINDS)}, got {self.kind!r}")
        if self.remaining < 1:
            raise ValueError(f"times must be at least 1, got {self.remaining}")
        if self.channel is not None and self.channel not in MESSAGE_TYPES:
            raise ValueError(
                f"channel must be one of {', '.join(MESSAGE_TYPES)}, got {self.channel!r}"
            )
        if self.channel is not None and self.kind in (*CONNECTION_KINDS, "delay_reply", "refuse"):
            raise ValueError(f"kind {self.kind!r} does not take a channel")
        if self.kind == "close" and (self.code is None or not 1000 <= self.code <= 4999):
            raise ValueError(f"kind 'close' needs a close code 1000..4999, got {self.code!r}")
        if self.kind == "refuse" and (self.status is None or not 400 <= self.status <= 599):
            raise ValueError(f"kind 'refuse' needs an HTTP status 400..599, got {self.status!r}")
        if self.status is not None and self.kind != "refuse":
            raise ValueError(f"kind {self.kind!r} does not take a status")
        if self.kind == "error" and (self.code is None or self.code < 1):
            raise ValueError(f"kind 'error' needs a positive Kalshi error code, got {self.code!r}")
        if self.kind == "suppress" and self.channel is None:
            raise ValueError("kind 'suppress' needs the channel whose next frame to drop")
        if self.kind in SEQ_KINDS:
            if self.channel not in (None, SEQUENCED_CHANNEL):
                raise ValueError(f"kind {self.kind!r} applies to {SEQUENCED_CHANNEL} only")
            self.channel = SEQUENCED_CHANNEL
        if self.kind == "delay_reply" and not self.delay_s > 0:
            raise ValueError(f"kind 'delay_reply' needs delay_s > 0, got {self.delay_s!r}")
        if self.delay_s < 0:
            raise ValueError(f"delay_s must not be negative, got {self.delay_s!r}")


class WsFaultPlan:
    """Pending WebSocket faults, added from test threads and consumed on the server loop."""

    def __init__(self) -> None:
        self._faults = PendingFaults[WsFault]()

    def add(self, fault: WsFault) -> None:
        fault.validate()
        self._faults.add(fault)

    def take(self, kinds: frozenset[WsFaultKind], channel: str | None = None) -> WsFault | None:
        """The oldest pending fault of one of `kinds` (and `channel`), using up one firing."""
        return self._faults.take(lambda fault: fault.kind in kinds and fault.channel == channel)

    def clear(self) -> None:
        self._faults.clear()

    def pending(self) -> int:
        return self._faults.pending()
