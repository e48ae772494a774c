"""Errors through the client: every status handled, nothing raw escapes, no secret in any text."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from kalshi_ext import (
    APIStatusError,
    AuthenticationError,
    Client,
    ConflictError,
    KalshiAuth,
    KalshiError,
    NotFoundError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
)
from tests.fakes import PRIVATE_PEM, Handler, fake_client

SECRET_HEADER = "SECRET-HEADER-VALUE-7f3a"


def client_for(handler: Handler, **config: Any) -> Client:
    return fake_client(handler, max_retries=0, extra_headers={"X-Desk": SECRET_HEADER}, **config)


def answer(status: int, content: bytes | str = b"", **headers: str) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=content, headers=headers)

    return handler


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, "BadRequestError"), (401, AuthenticationError), (403, "PermissionDeniedError"), (404, NotFoundError),
        (409, ConflictError), (429, RateLimitError), (499, APIStatusError), (500, ServerError), (501, ServerError),
        (520, ServerError), (527, ServerError), (302, APIStatusError), (418, APIStatusError),
    ],
)  # fmt: skip
def test_status_to_exception(status: int, error: type[Exception] | str) -> None:
    body = b'{"code": "some_code", "message": "what went wrong", "details": "more"}'
    with client_for(answer(status, body)) as client, pytest.raises(APIStatusError) as caught:
        client.get_balance()
    expected = error if isinstance(error, str) else error.__name__
    assert type(caught.value).__name__ == expected
    assert caught.value.status_code == status
    assert caught.value.code == "some_code" and caught.value.message == "what went wrong"
    assert caught.value.path == "/trade-api/v2/portfolio/balance"


def test_wrapped_error_body() -> None:
    body = b'{"error": {"code": "not_found", "message": "no such order", "details": "x"}}'
    with client_for(answer(404, body)) as client, pytest.raises(NotFoundError) as caught:
        client.get_order(order_id="abc")
    assert caught.value.code == "not_found"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"<html>oops</html>", "not JSON"),
        (b'{"code": "internal", "message": "failed"}', "error body"),
        (b'{"balance": "not-a-number"}', "does not match"),
        (b"[1, 2]", "JSON object"),
    ],
)
def test_2xx_bodies_that_are_not_the_model(content: bytes, reason: str) -> None:
    with (
        client_for(answer(200, content)) as client,
        pytest.raises(ResponseValidationError, match=reason),
    ):
        client.get_balance()


def test_nothing_raw_escapes_for_any_status() -> None:
    for status in [*range(300, 600, 7), 499, 520, 521, 522, 523, 524, 525, 526, 527, 599]:
        with client_for(answer(status, b"\xff\xfe garbage")) as client, pytest.raises(KalshiError):
            client.get_balance()


def test_no_secret_in_reprs_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    pem_body = PRIVATE_PEM.decode().splitlines()[5]
    texts: list[str] = []
    with caplog.at_level(logging.DEBUG):
        handler = answer(503, b'{"code": "busy", "message": "later"}', **{"Retry-After": "0"})
        with client_for(handler, retry_max_delay=0.0, retry_base_delay=0.0) as client:
            texts += [
                repr(client),
                str(client),
                repr(client.config),
                str(client.config),
                repr(client.auth),
            ]
            with pytest.raises(ServerError) as caught:
                client.get_balance()
            texts += [repr(caught.value), str(caught.value)]
        auth = KalshiAuth.from_pem("k", PRIVATE_PEM)
        texts += [repr(auth), str(auth)]
        try:
            KalshiAuth.from_pem("k", PRIVATE_PEM.replace(b"A", b"B", 3))
        except KalshiError as exc:
            texts += [repr(exc), str(exc)]
    texts.append(caplog.text)
    for text in texts:
        assert pem_body not in text
        assert SECRET_HEADER not in text
        assert "PRIVATE KEY" not in text
