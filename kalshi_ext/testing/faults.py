"""Scripted failures for the local exchange (statuses, dropped connections, delays) and its log.

Fault semantics, as a client sees them:

- `status`: the request is not processed; the client gets `status` with Kalshi's error envelope
  (or the given body) and, if set, a `Retry-After` header.
- `drop_before`: the connection is closed before the request is processed: no response, no
  state change. httpx raises `RemoteProtocolError` ("Server disconnected without sending a
  response").
- `drop_after`: the request is processed (its state change is applied), then the connection is
  closed instead of answering: the same transport error, but the order (say) exists.
- `delay`: the request is processed normally after sleeping `delay_s` seconds.

A fault matches by method ("*" for any) and by a glob over the path below the base path
(`fnmatch` rules, `*` also crosses "/"): "/portfolio/events/orders" matches only that path,
"/portfolio/events/orders*" also its sub-paths. A pattern that starts with the base path is
accepted too. Faults apply in the order they were added; each fires `times` times, then is gone.
They run before authentication.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import threading
from collections.abc import Callable
from typing import Any, Generic, Literal, NamedTuple, Protocol, TypeVar

from attrs import define
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FaultKind = Literal["status", "drop_before", "drop_after", "delay"]
FAULT_KINDS: tuple[FaultKind, ...] = ("status", "drop_before", "drop_after", "delay")

_STATUS_CODES = {
    429: "too_many_requests",
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


class ServedRequest(NamedTuple):
    """One request the exchange received. `status` is None when the connection was dropped."""

    method: str
    path: str  # below the base path, without the query: "/portfolio/balance"
    status: int | None
    fault: FaultKind | None


class ConnectionDropError(RuntimeError):
    """Raised to an in-process (ASGI transport) caller in place of closing a connection."""


@define
class Fault:
    method: str
    path: str
    kind: FaultKind
    remaining: int
    status: int = 503
    retry_after: str | None = None
    delay_s: float = 0.0
    body: dict[str, Any] | None = None

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and fnmatch.fnmatchcase(path, self.path)


class _Counted(Protocol):
    remaining: int


F = TypeVar("F", bound=_Counted)


class PendingFaults(Generic[F]):
    """Faults that fire `remaining` more times, oldest first; safe across threads."""

    def __init__(self) -> None:
        self._faults: list[F] = []
        self._lock = threading.Lock()

    def add(self, fault: F) -> None:
        with self._lock:
            self._faults.append(fault)

    def take(self, matches: Callable[[F], bool]) -> F | None:
        """The oldest pending fault that `matches`, using up one of its firings."""
        with self._lock:
            for fault in self._faults:
                if matches(fault):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> int:
        with self._lock:
            return sum(fault.remaining for fault in self._faults)


class FaultPlan:
    """Pending faults and the request log, shared between the server loop and test threads."""

    def __init__(self, base_path: str) -> None:
        self.base_path = base_path
        self._faults = PendingFaults[Fault]()
        self._log: list[ServedRequest] = []
        self._lock = threading.Lock()

    def relative(self, path: str) -> str:
        if path.startswith(self.base_path + "/"):
            return path[len(self.base_path) :]
        return path

    def add(self, fault: Fault) -> None:
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}, got {fault.kind!r}")
        if fault.remaining < 1:
            raise ValueError(f"times must be at least 1, got {fault.remaining}")
        if not 100 <= fault.status <= 599:
            raise ValueError(f"status must be an HTTP status code, got {fault.status}")
        if fault.delay_s < 0:
            raise ValueError(f"delay_s must not be negative, got {fault.delay_s}")
        fault.method = fault.method.upper()
        fault.path = self.relative(fault.path)
        self._faults.add(fault)

    def take(self, method: str, path: str) -> Fault | None:
        """The first pending fault matching the request, consuming one of its uses."""
        return self._faults.take(lambda fault: fault.matches(method, path))

    def clear(self) -> None:
        self._faults.clear()

    def pending(self) -> int:
        return self._faults.pending()

    def record(self, entry: ServedRequest) -> None:
        with self._lock:
            self._log.append(entry)

    def log(self) -> list[ServedRequest]:
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()


class FaultMiddleware:
    """Outermost ASGI layer: applies pending faults and logs every HTTP request."""

    def __init__(self, app: ASGIApp, plan: FaultPlan) -> None:
        self.app = app
        self.plan = plan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        path = self.plan.relative(scope["path"])
        fault = self.plan.take(method, path)
        kind = None if fault is None else fault.kind
        recorded = False

        def record(status: int | None) -> None:
            # Logged before the client can see the outcome, so a test reading the log right
            # after its call returns finds the entry.
            nonlocal recorded
            if not recorded:
                recorded = True
                self.plan.record(ServedRequest(method, path, status, kind))

        async def send_and_record(message: Message) -> None:
            if message["type"] == "http.response.start":
                record(int(message["status"]))
            await send(message)

        try:
            if fault is None:
                await self.app(scope, receive, send_and_record)
            elif fault.kind == "status":
                await _send_fault_response(fault, send_and_record)
            elif fault.kind == "delay":
                await asyncio.sleep(fault.delay_s)
                await self.app(scope, receive, send_and_record)
            elif fault.kind == "drop_before":
                record(None)
                await _read_body(receive)
                await _drop_connection(send)
            else:  # drop_after: process fully, swallow the response, then hang up
                await self.app(scope, receive, _swallow)
                record(None)
                await _drop_connection(send)
        finally:
            record(None)


async def _read_body(receive: Receive) -> None:
    """Read the request to its end without acting on it: a body left unread when the socket
    closes makes the close a reset, and the client then sees ECONNRESET (a ReadError) on some
    runs instead of a connection closed without a response."""
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _swallow(message: Message) -> None:
    return None


async def _send_fault_response(fault: Fault, send: Send) -> None:
    body = fault.body
    if body is None:
        body = {
            "code": _STATUS_CODES.get(fault.status, "injected_fault"),
            "message": f"injected fault: HTTP {fault.status}",
            "details": "",
        }
    payload = json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    if fault.retry_after is not None:
        headers.append((b"retry-after", fault.retry_after.encode("latin-1")))
    await send({"type": "http.response.start", "status": fault.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _drop_connection(send: Send) -> None:
    """Close the client's connection without a response.

    ASGI has no "abort" message, so this reaches uvicorn's per-request cycle (the object whose
    bound method `send` is) for its transport. Once the transport is gone uvicorn marks the cycle
    disconnected and does not substitute a 500. Without such a transport (an in-process ASGI
    transport) the caller gets ConnectionDropError instead.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if not isinstance(transport, asyncio.Transport):
        raise ConnectionDropError("injected fault: connection dropped")
    transport.abort()
    # Let the loop run connection_lost, which flags the cycle as disconnected.
    for _ in range(10):
        if getattr(cycle, "disconnected", True):
            return
        await asyncio.sleep(0)
