"""Tests for kalshi_ext.errors: the status → exception map, error bodies and what errors show."""

from __future__ import annotations

import http
import json
import pickle
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kalshi_ext.errors import (
    BODY_LIMIT,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ErrorBody,
    KalshiError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
    looks_like_error_envelope,
    make_status_error,
    map_transport_error,
    parse_error_body,
    status_phrase,
)

ORDERS_URL = "https://demo-api.kalshi.co/trade-api/v2/portfolio/events/orders?cursor=c1&limit=5"
ORDERS_PATH = "/trade-api/v2/portfolio/events/orders"
SECRETS = ("SECRETSIG", "SECRETVAL", "SECRETKEY")
SECRET_HEADERS = {
    "KALSHI-ACCESS-KEY": "SECRETKEY",
    "KALSHI-ACCESS-SIGNATURE": "SECRETSIG",
    "KALSHI-ACCESS-TIMESTAMP": "1700000000000",
    "X-Custom": "SECRETVAL",
}


def signed_request(method: str = "POST", url: str = ORDERS_URL) -> httpx.Request:
    return httpx.Request(method, url, headers=SECRET_HEADERS)


def error_response(
    status: int,
    content: bytes = b"",
    headers: dict[str, str] | None = None,
    method: str = "POST",
) -> httpx.Response:
    return httpx.Response(status, content=content, headers=headers, request=signed_request(method))


def body(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def assert_no_secrets(error: BaseException) -> None:
    shown = [str(error), repr(error), repr(vars(error)), repr(error.args)]
    shown.append(pickle.dumps(error).decode("latin-1"))
    for text in shown:
        for secret in SECRETS:
            assert secret not in text


@pytest.mark.parametrize(
    ("status", "error_type", "phrase"),
    [
        (400, BadRequestError, "Bad Request"),
        (401, AuthenticationError, "Unauthorized"),
        (403, PermissionDeniedError, "Forbidden"),
        (404, NotFoundError, "Not Found"),
        (409, ConflictError, "Conflict"),
        (429, RateLimitError, "Too Many Requests"),
        (405, APIStatusError, "Method Not Allowed"),
        (408, APIStatusError, "Request Timeout"),
        (422, APIStatusError, http.HTTPStatus(422).phrase),  # renamed in Python 3.13
        (499, APIStatusError, "Client Closed Request"),
        (500, ServerError, "Internal Server Error"),
        (501, ServerError, "Not Implemented"),
        (503, ServerError, "Service Unavailable"),
        (520, ServerError, "Web Server Returned an Unknown Error"),
        (527, ServerError, "Railgun Error"),
        (599, ServerError, "Network Connect Timeout Error"),
        (577, ServerError, "Unknown Status"),
        (600, APIStatusError, "Unknown Status"),
    ],
)
def test_status_maps_to_its_error_type(
    status: int, error_type: type[APIStatusError], phrase: str
) -> None:
    error = make_status_error(error_response(status, b"<html>oops</html>"))
    assert type(error) is error_type
    assert error.status_code == status
    assert error.reason_phrase == phrase
    assert error.code is None
    assert error.message == phrase
    assert error.method == "POST"
    assert error.path == ORDERS_PATH
    assert error.body == "<html>oops</html>"
    hint = f"; {AuthenticationError.HINT}" if status == 401 else ""
    assert str(error) == f"{status} {phrase} (POST {ORDERS_PATH}){hint}"
    assert_no_secrets(error)


def test_unknown_status_falls_back_to_the_servers_phrase() -> None:
    response = error_response(577)
    response.extensions["reason_phrase"] = b"Custom Failure"
    assert make_status_error(response).reason_phrase == "Custom Failure"


def test_str_reads_like_a_sentence_with_code_message_and_request_id() -> None:
    response = error_response(
        409,
        body(code="order_already_exists", message="client order id already exists"),
        headers={"x-request-id": "abc"},
    )
    error = make_status_error(response)
    assert isinstance(error, ConflictError)
    assert str(error) == (
        "409 Conflict: order_already_exists: client order id already exists "
        f"(POST {ORDERS_PATH}, request id abc)"
    )
    assert error.request_id == "abc"
    assert "ConflictError(status_code=409, code='order_already_exists'" in repr(error)
    assert_no_secrets(error)


def test_str_shows_string_details_shortened() -> None:
    details = "count must be positive " * 30
    error = make_status_error(
        error_response(400, body(code="invalid_parameters", message="bad count", details=details))
    )
    assert error.details == details
    text = str(error)
    assert "400 Bad Request: invalid_parameters: bad count; details: count must be positive" in text
    assert len(text) < 400
    assert text.endswith(f"… (POST {ORDERS_PATH})")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-request-id": "r1", "cf-ray": "ray"}, "r1"),
        ({"Request-Id": "r2"}, "r2"),
        ({"x-amzn-RequestId": "r3"}, "r3"),
        ({"CF-RAY": "8a1b2c-IAD"}, "8a1b2c-IAD"),
        ({"x-request-id": "  ", "cf-ray": "ray"}, "ray"),
        ({}, None),
    ],
)
def test_request_id_is_picked_from_known_headers(
    headers: dict[str, str], expected: str | None
) -> None:
    assert make_status_error(error_response(500, headers=headers)).request_id == expected


def test_rate_limit_retry_after_from_delta_seconds() -> None:
    error = make_status_error(error_response(429, headers={"Retry-After": "7"}))
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 7.0
    assert str(error).endswith("; retry after 7.00 s")


def test_rate_limit_retry_after_from_http_date() -> None:
    when = datetime.now(UTC) + timedelta(seconds=100)
    error = make_status_error(
        error_response(429, headers={"Retry-After": format_datetime(when, usegmt=True)})
    )
    assert isinstance(error, RateLimitError)
    assert error.retry_after is not None
    # The date has whole seconds, and the test's clock moves a little between the two readings.
    assert 98.0 <= error.retry_after <= 100.5


def test_rate_limit_retry_after_argument_wins_over_the_header() -> None:
    error = make_status_error(error_response(429, headers={"Retry-After": "7"}), retry_after=1.5)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 1.5


def test_rate_limit_without_retry_after() -> None:
    error = make_status_error(error_response(429, headers={"Retry-After": "soon"}))
    assert isinstance(error, RateLimitError)
    assert error.retry_after is None
    assert "retry after" not in str(error)


def test_flat_error_body() -> None:
    parsed = parse_error_body(body(code="not_found", message="no such order", details="x"))
    assert parsed == ErrorBody(code="not_found", message="no such order", details="x")


def test_wrapped_error_body() -> None:
    content = json.dumps(
        {"error": {"code": "insufficient_balance", "message": "too poor", "details": {"a": 1}}}
    ).encode()
    assert parse_error_body(content) == ErrorBody(
        code="insufficient_balance", message="too poor", details={"a": 1}
    )
    error = make_status_error(error_response(400, content))
    assert (error.code, error.message, error.details) == (
        "insufficient_balance",
        "too poor",
        {"a": 1},
    )


def test_error_as_a_bare_string() -> None:
    assert parse_error_body(b'{"error": "service down"}') == ErrorBody(message="service down")


def test_numeric_code_is_kept_as_text_and_other_types_dropped() -> None:
    assert parse_error_body(b'{"code": 42, "message": 7}') == ErrorBody(code="42")
    assert parse_error_body(b'{"code": true, "message": null}') == ErrorBody()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"<html><body><h1>502 Bad Gateway</h1></body></html>",
        b"not json at all",
        b"[1, 2, 3]",
        b"42",
        b'"just a string"',
        b"null",
        b"{}",
        b"\xff\xfe\x00garbage",
        b"[" * 100_000,
    ],
)
def test_unusable_bodies_give_an_empty_error_body(content: bytes) -> None:
    assert parse_error_body(content) == ErrorBody()
    error = make_status_error(error_response(502, content))
    assert error.code is None
    assert error.message == "Bad Gateway"
    assert str(error).startswith(f"502 Bad Gateway (POST {ORDERS_PATH}")


def test_body_is_truncated() -> None:
    content = b"x" * (BODY_LIMIT * 5)
    error = make_status_error(error_response(500, content))
    assert error.body.startswith("x" * BODY_LIMIT)
    assert "x" * (BODY_LIMIT + 1) not in error.body
    assert error.body.endswith(f"[truncated, {BODY_LIMIT * 5} bytes in all]")


def test_response_without_request() -> None:
    error = make_status_error(httpx.Response(503, content=b"down"))
    assert isinstance(error, ServerError)
    assert (error.method, error.path) == (None, None)
    assert str(error) == "503 Service Unavailable (unknown request)"


def test_streamed_response_not_read() -> None:
    response = httpx.Response(
        500, stream=httpx.ByteStream(b'{"code": "x"}'), request=signed_request()
    )
    error = make_status_error(response)
    assert isinstance(error, ServerError)
    assert error.body == ""
    assert error.code is None


@pytest.mark.parametrize(
    "payload",
    [
        {"code": "internal_error", "message": "boom"},
        {"message": "boom"},
        {"code": "x"},
        {"code": "x", "message": "y", "details": None, "service": "exchange"},
        {"error": {"code": "x", "message": "y"}},
        {"error": {"message": "y", "details": {"k": 1}}},
    ],
)
def test_error_envelopes_are_recognized(payload: object) -> None:
    assert looks_like_error_envelope(payload)


@pytest.mark.parametrize(
    "payload",
    [
        {"balance": 100, "portfolio_value": 5, "updated_ts": 1},
        {},
        {"code": 5},
        {"details": "only details"},
        {"code": "x", "balance": 1},
        {"error": {"code": "x"}, "orders": []},
        {"error": "text"},
        {"error": {"balance": 1}},
        [{"code": "x"}],
        "code",
        None,
        {"orders": [], "cursor": ""},
    ],
)
def test_non_envelopes_are_not_flagged(payload: object) -> None:
    assert not looks_like_error_envelope(payload)


def test_map_transport_error_timeouts() -> None:
    for exc in (
        httpx.ConnectTimeout("connect timed out"),
        httpx.ReadTimeout("read timed out"),
        httpx.WriteTimeout("write timed out"),
        httpx.PoolTimeout("pool timed out"),
    ):
        error = map_transport_error(exc, method="GET", path="/trade-api/v2/portfolio/balance?x=1")
        assert type(error) is APITimeoutError
        assert str(error) == f"{type(exc).__name__}: {exc} (GET /trade-api/v2/portfolio/balance)"


def test_map_transport_error_connection_failures() -> None:
    for exc in (
        httpx.ConnectError("[Errno 111] Connection refused"),
        httpx.ReadError("reset"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.DecodingError("bad gzip"),
    ):
        error = map_transport_error(exc, method="POST", path=ORDERS_PATH)
        assert type(error) is APIConnectionError
        assert error.message.startswith(type(exc).__name__ + ": ")
        assert str(exc) in error.message


def test_map_transport_error_with_empty_message_names_the_class() -> None:
    error = map_transport_error(httpx.ReadError(""), method="GET", path="/p")
    assert str(error) == "ReadError (GET /p)"


def test_map_transport_error_withholds_messages_quoting_the_request() -> None:
    exc = httpx.LocalProtocolError("Illegal header value b'SECRETVAL\\n'")
    error = map_transport_error(exc, method="GET", path="/p")
    assert "LocalProtocolError" in str(error)
    assert_no_secrets(error)


def test_response_validation_error_from_response() -> None:
    response = httpx.Response(200, content=b"<html>" + b"y" * 5000, request=signed_request("GET"))
    error = ResponseValidationError.from_response(response, "body is not JSON")
    assert (error.status_code, error.method, error.path) == (200, "GET", ORDERS_PATH)
    assert str(error) == f"unusable 200 OK response to GET {ORDERS_PATH}: body is not JSON"
    assert len(error.body) < BODY_LIMIT + 100
    assert_no_secrets(error)


def test_pagination_error() -> None:
    error = PaginationError("cursor seen twice", path=ORDERS_URL.split("demo-api.kalshi.co")[1])
    assert error.path == ORDERS_PATH
    assert str(error) == f"cursor seen twice ({ORDERS_PATH})"
    error = PaginationError("cursor seen twice", cursor="abc")
    assert str(error) == "cursor seen twice; cursor 'abc'"


def every_error() -> list[KalshiError]:
    return [
        make_status_error(error_response(status, body(code="c", message="m")))
        for status in (400, 401, 403, 404, 409, 422, 429, 500, 520)
    ] + [
        map_transport_error(httpx.ConnectError("refused"), method="GET", path="/p"),
        map_transport_error(httpx.ReadTimeout("slow"), method="GET", path="/p"),
        ResponseValidationError.from_response(
            httpx.Response(200, json={"code": "x"}, request=signed_request()), "error envelope"
        ),
        PaginationError("loop", path="/p", cursor="c"),
    ]


@pytest.mark.parametrize("error", every_error(), ids=lambda error: type(error).__name__)
def test_no_error_shows_request_headers(error: KalshiError) -> None:
    assert_no_secrets(error)


@pytest.mark.parametrize("error", every_error(), ids=lambda error: type(error).__name__)
def test_errors_survive_pickling(error: KalshiError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)


def test_status_phrase_never_raises() -> None:
    assert status_phrase(200) == "OK"
    assert status_phrase(999) == "Unknown Status"
    assert status_phrase(999, " Weird ") == "Weird"
    assert status_phrase(-1) == "Unknown Status"


header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)


@given(
    status=st.integers(min_value=100, max_value=999),
    content=st.binary(max_size=3000),
    retry_after=header_text,
    request_id=header_text,
)
def test_make_status_error_never_raises(
    status: int, content: bytes, retry_after: str, request_id: str
) -> None:
    response = error_response(
        status, content, headers={"Retry-After": retry_after, "x-request-id": request_id}
    )
    error = make_status_error(response)
    assert isinstance(error, APIStatusError)
    assert error.status_code == status
    assert isinstance(error, ServerError) == (500 <= status <= 599)
    if isinstance(error, RateLimitError) and error.retry_after is not None:
        assert error.retry_after >= 0
    assert str(error) and repr(error)
    assert len(error.body) <= BODY_LIMIT + 100


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
error_like = st.fixed_dictionaries(
    {},
    optional={
        "code": json_values,
        "message": json_values,
        "details": json_values,
        "error": json_values,
    },
)


@given(content=st.binary(max_size=500))
def test_parse_error_body_never_raises_on_bytes(content: bytes) -> None:
    assert isinstance(parse_error_body(content), ErrorBody)


@given(payload=json_values | error_like)
def test_parse_error_body_never_raises_on_json(payload: object) -> None:
    parsed = parse_error_body(json.dumps(payload).encode())
    assert parsed.code is None or isinstance(parsed.code, str)
    assert parsed.message is None or isinstance(parsed.message, str)
    if (
        isinstance(payload, dict)
        and "error" not in payload
        and isinstance(payload.get("code"), str)
    ):
        assert parsed.code == (payload["code"] or None)
