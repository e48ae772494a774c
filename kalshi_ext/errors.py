"""Exception hierarchy and the response → exception map.

::

    KalshiError
    ├── APIStatusError                  any non-2xx response (plain for 405, 408, 422, 499, ...)
    │   ├── BadRequestError             400
    │   ├── AuthenticationError         401
    │   ├── PermissionDeniedError       403
    │   ├── NotFoundError               404
    │   ├── ConflictError               409 (e.g. a duplicate client_order_id)
    │   ├── RateLimitError              429, with ``retry_after`` seconds
    │   └── ServerError                 every 5xx, including 501 and 520-599
    ├── APIConnectionError              no response: connect, read, write or protocol failure
    │   └── APITimeoutError             an httpx timeout or the whole call's total_timeout spent
    ├── ResponseValidationError         an unusable 2xx: not JSON, wrong shape, error envelope
    ├── ClientClosedError               a call on (or cut short by) a closed client
    ├── EventLoopError                  an AsyncClient used from a second event loop
    ├── PaginationError                 a cursor walk that cannot go on (a cursor seen twice)
    └── InvalidArgumentError            a bad argument, refused before sending (also ValueError)
        └── ArgumentTypeError           ... of the wrong type or name (also TypeError)

:func:`make_status_error` is the one place that turns a response into an exception.
No error keeps the request or its headers (they carry the signature): only the method, the path
without its query, and the response's body and request id. ``str()`` of an error is bounded (a
server's message and request id are cut); the whole body stays on ``content``.
"""

from __future__ import annotations

import contextlib
import http
import json
import time
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal

import attrs
import httpx

__all__ = [
    "BODY_LIMIT",
    "REQUEST_ID_HEADERS",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "ArgumentTypeError",
    "AuthenticationError",
    "BadRequestError",
    "BatchIncompleteError",
    "ClientClosedError",
    "ConflictError",
    "ErrorBody",
    "EventLoopError",
    "InvalidArgumentError",
    "KalshiError",
    "NotFoundError",
    "OrderOutcome",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "ServerError",
    "looks_like_error_envelope",
    "make_status_error",
    "map_transport_error",
    "parse_error_body",
    "status_phrase",
]

BODY_LIMIT: Final = 2048
"""Bytes of a response body kept on an error: enough for any error payload, bounded for logs."""

REQUEST_ID_HEADERS: Final = ("x-request-id", "request-id", "x-amzn-requestid", "cf-ray")
"""Response headers read, in this order, for a request id to quote to support.

Kalshi documents none; these are the common ones set by application servers, AWS and Cloudflare.
"""

# Statuses outside http.HTTPStatus that proxies and CDNs in front of an API do send.
_EXTRA_PHRASES: Final[Mapping[int, str]] = {
    499: "Client Closed Request",
    520: "Web Server Returned an Unknown Error",
    521: "Web Server Is Down",
    522: "Connection Timed Out",
    523: "Origin Is Unreachable",
    524: "A Timeout Occurred",
    525: "SSL Handshake Failed",
    526: "Invalid SSL Certificate",
    527: "Railgun Error",
    530: "Origin DNS Error",
    598: "Network Read Timeout Error",
    599: "Network Connect Timeout Error",
}

_DETAILS_IN_STR: Final = 200  # characters of a string `details` shown by str(APIStatusError)
# Characters of the server's message, code and request id shown by str(): a server (or a proxy)
# can send megabytes, and str(error) goes to logs. The attributes keep them whole.
_MESSAGE_IN_STR: Final = 500
_CODE_IN_STR: Final = 100
_REQUEST_ID_IN_STR: Final = 100
_CURSOR_IN_STR: Final = 100
_ENVELOPE_KEYS: Final = frozenset({"code", "message", "details", "service"})


def status_phrase(status_code: int, server_phrase: str = "") -> str:
    """The reason phrase for any status code; never raises.

    Known phrases win over the server's own (which HTTP/2 does not even send); an unknown code
    falls back to ``server_phrase`` and then to ``"Unknown Status"``.
    """
    try:
        return http.HTTPStatus(status_code).phrase
    except ValueError:
        pass
    return _EXTRA_PHRASES.get(status_code) or server_phrase.strip() or "Unknown Status"


def _rebuild(cls: type[KalshiError], args: tuple[Any, ...], state: dict[str, Any]) -> KalshiError:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


OrderOutcome = Literal["absent", "placed", "unknown"]


def _with_outcome(describe: Callable[[Any], str]) -> Callable[[Any], str]:
    def __str__(self: KalshiError) -> str:
        text = describe(self)
        if self.outcome is None:
            return text
        return f"{text} [order {self.outcome}: {self.outcome_detail}]"

    __str__.wraps_outcome = True  # type: ignore[attr-defined]
    return __str__


class KalshiError(Exception):
    """Root of every error this package raises.

    ``client_order_id`` is set on an error raised by an order placement, so a caller can look
    the order up (or retry with the same id) instead of placing it again under a new one.
    ``outcome`` says what became of that order: ``"absent"`` (not on the exchange: safe to
    send again), ``"placed"`` (it is there) or ``"unknown"`` (look it up before sending it
    again); ``str(error)`` ends with it and ``outcome_detail``, so a log line keeps it.
    """

    client_order_id: str | None = None
    outcome: OrderOutcome | None = None
    outcome_detail: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("__str__")
        if own is not None and not getattr(own, "wraps_outcome", False):
            cls.__str__ = _with_outcome(own)  # type: ignore[method-assign,assignment]

    def set_outcome(self, outcome: OrderOutcome, detail: str) -> None:
        self.outcome, self.outcome_detail = outcome, detail

    __str__ = _with_outcome(Exception.__str__)

    def __reduce__(self) -> tuple[Any, ...]:
        # The subclasses take keyword-only arguments, which BaseException's own reduce cannot
        # replay; rebuild from the attributes instead so errors cross process boundaries.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class InvalidArgumentError(KalshiError, ValueError):
    """An argument of a call is invalid (a price off the tick, an unknown enum value, ...); it
    was refused before anything was sent. The message says what to pass instead."""


class ArgumentTypeError(InvalidArgumentError, TypeError):
    """An argument has the wrong type, or a call got an argument it does not take."""


def _capped(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…[{len(text)} characters in all]"


def _path_only(path: str | None) -> str | None:
    return None if path is None else path.split("?", 1)[0]


def _where(method: str | None, path: str | None) -> str:
    return " ".join(part for part in (method, path) if part) or "unknown request"


class APIStatusError(KalshiError):
    """The API answered with a non-2xx status. Subclasses name the common statuses.

    ``body`` is the start of the response body as text (bounded, for logs); ``content`` is the
    whole body as received, for a message longer than ``str()`` shows.
    """

    status_code: int
    reason_phrase: str
    code: str | None
    message: str
    details: object
    request_id: str | None
    method: str | None
    path: str | None
    body: str
    content: bytes

    def __init__(
        self,
        *,
        status_code: int,
        message: str | None = None,
        code: str | None = None,
        details: object = None,
        request_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
        body: str = "",
        reason_phrase: str | None = None,
        content: bytes = b"",
    ) -> None:
        self.status_code = status_code
        self.reason_phrase = reason_phrase or status_phrase(status_code)
        self.code = code
        self.message = message or self.reason_phrase
        self.details = details
        self.request_id = request_id
        self.method = method
        self.path = _path_only(path)
        self.body = body
        self.content = content
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.status_code} {self.reason_phrase}"
        said = [
            _capped(part, limit)
            for part, limit in ((self.code, _CODE_IN_STR), (self.message, _MESSAGE_IN_STR))
            if part
        ]
        if said and not (self.code is None and self.message == self.reason_phrase):
            text += ": " + ": ".join(said)
        if isinstance(self.details, str) and self.details.strip():
            details = self.details.strip()
            if len(details) > _DETAILS_IN_STR:
                details = details[:_DETAILS_IN_STR] + "…"
            text += f"; details: {details}"
        where = _where(self.method, self.path)
        if self.request_id:
            where += f", request id {_capped(self.request_id, _REQUEST_ID_IN_STR)}"
        return f"{text} ({where})"

    def __repr__(self) -> str:
        code = None if self.code is None else _capped(self.code, _CODE_IN_STR)
        request_id = (
            None if self.request_id is None else _capped(self.request_id, _REQUEST_ID_IN_STR)
        )
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, code={code!r}, "
            f"message={_capped(self.message, _MESSAGE_IN_STR)!r}, method={self.method!r}, "
            f"path={self.path!r}, request_id={request_id!r})"
        )


class BadRequestError(APIStatusError):
    """400: the request is malformed or a parameter is invalid."""


class AuthenticationError(APIStatusError):
    """401: the key id, timestamp or signature was refused."""

    HINT: Final = (
        "usual causes: a demo key used on production (or a production key on demo), a key id "
        "that does not belong to the private key file, or a system clock off by more than a "
        "few seconds (each signature carries a timestamp)"
    )

    def __str__(self) -> str:
        return f"{super().__str__()}; {self.HINT}"


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this."""


class NotFoundError(APIStatusError):
    """404: no such resource (order, order group, ...)."""


class ConflictError(APIStatusError):
    """409: the resource already exists, e.g. an order with this client_order_id."""


class RateLimitError(APIStatusError):
    """429: too many requests. ``retry_after`` is the server's wait in seconds, if it sent one."""

    retry_after: float | None

    def __init__(self, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(**kwargs)

    def __str__(self) -> str:
        text = super().__str__()
        if self.retry_after is not None:
            text += f"; retry after {self.retry_after:.2f} s"
        return text


class ServerError(APIStatusError):
    """5xx: the server (or a proxy in front of it) failed."""


_STATUS_ERRORS: Final[Mapping[int, type[APIStatusError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


class APIConnectionError(KalshiError):
    """No usable response: the connection, the write, the read or the HTTP exchange failed.

    The httpx exception is kept as ``__cause__``.
    """

    method: str | None
    path: str | None
    message: str

    def __init__(self, message: str, *, method: str | None = None, path: str | None = None) -> None:
        self.message = message
        self.method = method
        self.path = _path_only(path)
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.message} ({_where(self.method, self.path)})"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, method={self.method!r}, "
            f"path={self.path!r})"
        )


class APITimeoutError(APIConnectionError):
    """An httpx timeout fired, or the call's total_timeout was spent before it could finish."""


class ResponseValidationError(KalshiError):
    """A 2xx response the client cannot use.

    ``reason`` says why: the body is not JSON, does not match the expected model, or is Kalshi's
    error envelope sent with a success status.
    """

    status_code: int
    method: str | None
    path: str | None
    reason: str
    body: str
    content: bytes

    def __init__(
        self,
        *,
        status_code: int,
        reason: str,
        method: str | None = None,
        path: str | None = None,
        body: str = "",
        content: bytes = b"",
    ) -> None:
        self.status_code = status_code
        self.reason = reason
        self.method = method
        self.path = _path_only(path)
        self.body = body
        self.content = content
        super().__init__(str(self))

    @classmethod
    def from_response(cls, response: httpx.Response, reason: str) -> ResponseValidationError:
        """Build the error from ``response`` (body truncated, request headers left out)."""
        method, path = _request_line(response)
        return cls(
            status_code=response.status_code,
            reason=reason,
            method=method,
            path=path,
            body=_body_text(response),
            content=_content(response),
        )

    def __str__(self) -> str:
        return (
            f"unusable {self.status_code} {status_phrase(self.status_code)} response to "
            f"{_where(self.method, self.path)}: {self.reason}"
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, reason={self.reason!r}, "
            f"method={self.method!r}, path={self.path!r})"
        )


class ClientClosedError(KalshiError, RuntimeError):
    """A call on a client after close() (or still running when close() was called).

    ``request_may_have_been_sent`` is True when close() cut a request off after it may have
    been sent. An order call closed under it carries ``client_order_id`` and ``outcome``.
    """

    request_may_have_been_sent: bool = False


class EventLoopError(KalshiError, RuntimeError):
    """An AsyncClient called from another event loop than the one it first ran on."""


class BatchIncompleteError(KalshiError):
    """A batch of orders ended with some orders placed and others not placed or unknown.

    ``placed`` holds the reply items (dicts in the wire's shape) of orders known to exist,
    ``not_placed`` the client_order_ids known not to exist, ``unknown`` those whose state could
    not be established (look them up by client_order_id before sending them again). The cause
    (``__cause__``) is the failure that stopped the batch.
    """

    def __init__(
        self,
        message: str,
        *,
        placed: list[dict[str, Any]],
        not_placed: list[str],
        unknown: list[str],
    ) -> None:
        self.message = message
        self.placed = placed
        self.not_placed = not_placed
        self.unknown = unknown
        super().__init__(str(self))

    def __str__(self) -> str:
        return (
            f"{self.message}: {len(self.placed)} placed, {len(self.not_placed)} not placed, "
            f"{len(self.unknown)} unknown"
        )


class PaginationError(KalshiError):
    """A cursor walk cannot go on without risking a loop or a dropped page."""

    message: str
    path: str | None
    cursor: str | None

    def __init__(self, message: str, *, path: str | None = None, cursor: str | None = None) -> None:
        self.message = message
        self.path = _path_only(path)
        self.cursor = cursor
        super().__init__(str(self))

    def __str__(self) -> str:
        text = self.message
        if self.path:
            text += f" ({self.path})"
        if self.cursor is not None:  # whole on the attribute, to resume from; cut here
            text += f"; cursor {_capped(self.cursor, _CURSOR_IN_STR)!r}"
        return text

    def __repr__(self) -> str:
        cursor = None if self.cursor is None else _capped(self.cursor, _CURSOR_IN_STR)
        return (
            f"{type(self).__name__}(message={self.message!r}, path={self.path!r}, "
            f"cursor={cursor!r})"
        )


@attrs.frozen
class ErrorBody:
    """What an error response's body says. Every field is None when the body says nothing usable;
    the caller then falls back to the status phrase."""

    code: str | None = None
    message: str | None = None
    details: object = None


def _as_text(value: object) -> str | None:
    if isinstance(value, str):
        return value or None
    # Some gateways send numeric codes; a bool is not a code.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def parse_error_body(content: bytes) -> ErrorBody:
    """Read Kalshi's error body; never raises.

    Accepts the spec's flat ``{"code", "message", "details"}`` (all optional), the wrapped
    ``{"error": {...}}`` the live API has been seen to send, and ``{"error": "text"}``.
    Anything else (empty, HTML, not JSON, a JSON list or number) gives an empty ErrorBody.
    """
    try:
        payload = json.loads(content)
    except (ValueError, RecursionError):
        # ValueError covers JSONDecodeError and UnicodeDecodeError; deep nesting can recurse out.
        return ErrorBody()
    if not isinstance(payload, dict):
        return ErrorBody()
    inner = payload.get("error")
    if isinstance(inner, dict):
        payload = inner
    elif isinstance(inner, str) and "message" not in payload:
        return ErrorBody(code=_as_text(payload.get("code")), message=inner or None)
    message = payload.get("message")
    return ErrorBody(
        code=_as_text(payload.get("code")),
        message=message if isinstance(message, str) and message else None,
        details=payload.get("details"),
    )


def _is_flat_envelope(payload: object) -> bool:
    return (
        isinstance(payload, dict)
        and bool(payload)
        and payload.keys() <= _ENVELOPE_KEYS
        and (isinstance(payload.get("code"), str) or isinstance(payload.get("message"), str))
    )


def looks_like_error_envelope(payload: object) -> bool:
    """True when a decoded body is Kalshi's error envelope, not a resource.

    Either a dict whose keys are all among code/message/details/service with a string code or
    message, or ``{"error": <such a dict>}``. Used to refuse a 2xx that carries an error.
    """
    if _is_flat_envelope(payload):
        return True
    return (
        isinstance(payload, dict)
        and payload.keys() == {"error"}
        and _is_flat_envelope(payload["error"])
    )


def _request_line(response: httpx.Response) -> tuple[str | None, str | None]:
    try:
        request = response.request
    except RuntimeError:  # a Response built by hand has no request
        return None, None
    # raw_path is the path as sent (still percent-encoded); the query is dropped.
    path = request.url.raw_path.split(b"?", 1)[0].decode("ascii", errors="replace")
    return request.method, path


def _content(response: httpx.Response) -> bytes:
    try:
        return response.content
    except httpx.ResponseNotRead:
        return b""


def _body_text(response: httpx.Response) -> str:
    content = _content(response)
    text = content[:BODY_LIMIT].decode("utf-8", errors="replace")
    if len(content) > BODY_LIMIT:
        text += f"…[truncated, {len(content)} bytes in all]"
    return text


def _request_id(headers: httpx.Headers) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value: str = headers.get(name, "").strip()
        if value:
            return value
    return None


def make_status_error(
    response: httpx.Response, *, retry_after: float | None = None
) -> APIStatusError:
    """THE status → exception map. Works for every status code and any body; never raises.

    400/401/403/404/409/429 get their subclass, every 5xx a ServerError, anything else a plain
    APIStatusError. For a 429, ``retry_after`` is taken from the argument or, when None, from the
    response's Retry-After / retry-after-ms headers.
    """
    status = response.status_code
    content = _content(response)
    body = parse_error_body(content)
    method, path = _request_line(response)
    fields: dict[str, Any] = {
        "status_code": status,
        "reason_phrase": status_phrase(status, response.reason_phrase),
        "code": body.code,
        "message": body.message,
        "details": body.details,
        "request_id": _request_id(response.headers),
        "method": method,
        "path": path,
        "body": _body_text(response),
        "content": content,
    }
    if status == 429:
        if retry_after is None:
            # Imported here: retry.py builds on this module, not the other way round.
            from kalshi_ext.retry import parse_retry_after

            retry_after = parse_retry_after(response.headers, now=time.time())
        return RateLimitError(retry_after=retry_after, **fields)
    if 500 <= status <= 599:
        return ServerError(**fields)
    return _STATUS_ERRORS.get(status, APIStatusError)(**fields)


# Their messages may quote the request as built (h11 quotes an illegal header value): withheld.
_WITHHELD_MESSAGES: Final = (httpx.LocalProtocolError,)


def map_transport_error(
    exc: BaseException, *, method: str | None, path: str | None
) -> APIConnectionError:
    """Map an httpx failure (no response) to APIConnectionError, or APITimeoutError for timeouts.

    The message names the exception class; it never quotes request headers. The caller raises
    the result ``from exc`` so the original stays reachable as ``__cause__``: the request httpx
    keeps on it has its signature withheld first (Kalshi does not sign the body, so a signature
    that outlives its request could carry any body until it expires).
    """
    # Imported here: auth.py builds on this module, not the other way round.
    from kalshi_ext.auth import withhold_signature

    if isinstance(exc, httpx.RequestError):
        with contextlib.suppress(RuntimeError):  # an httpx error raised without a request
            withhold_signature(exc.request)
    name = type(exc).__name__
    if isinstance(exc, _WITHHELD_MESSAGES):
        message = f"{name}: the request could not be sent as built (details withheld)"
    else:
        detail = str(exc).strip()
        message = f"{name}: {detail}" if detail else name
    error_type = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    return error_type(message, method=method, path=path)
