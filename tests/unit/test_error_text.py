"""What an error's text shows: bounded however much a server sends (the whole body kept on the
exception), and a 401 that names its usual causes."""

from __future__ import annotations

import json
import pickle

import httpx
import pytest

from kalshi_ext import AuthenticationError, Client, KalshiConfig, ServerError
from kalshi_ext.errors import ResponseValidationError, make_status_error
from tests.fakes import BASE_URL, PRIVATE_PEM

MEGABYTE_MESSAGE = "m" * 1_000_000
HUGE_REQUEST_ID = "r" * 100_000


def client_answering(status: int, content: bytes, **headers: str) -> Client:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=content, headers=headers)

    return Client(
        key_id="k",
        private_key=PRIVATE_PEM,
        config=KalshiConfig(base_url=BASE_URL, max_retries=0),
        transport=httpx.MockTransport(handler),
    )


def test_a_megabyte_message_and_request_id_give_a_short_str_and_the_full_body() -> None:
    content = json.dumps({"code": "c" * 100_000, "message": MEGABYTE_MESSAGE}).encode()
    with (
        client_answering(500, content, **{"X-Request-Id": HUGE_REQUEST_ID}) as client,
        pytest.raises(ServerError) as caught,
    ):
        client.get_balance()
    error = caught.value
    assert len(str(error)) < 2_000
    assert len(repr(error)) < 2_000
    assert all(len(str(arg)) < 2_000 for arg in error.args)
    assert "[1000000 characters in all]" in str(error)
    # The whole of what the server said is still on the exception.
    assert error.message == MEGABYTE_MESSAGE
    assert error.request_id == HUGE_REQUEST_ID
    assert error.content == content
    assert json.loads(error.content)["message"] == MEGABYTE_MESSAGE
    copy = pickle.loads(pickle.dumps(error))
    assert copy.content == content and str(copy) == str(error)


def test_short_messages_are_shown_whole() -> None:
    content = json.dumps({"code": "insufficient_balance", "message": "not enough"}).encode()
    error = make_status_error(
        httpx.Response(
            400,
            content=content,
            headers={"x-request-id": "req-1"},
            request=httpx.Request("POST", BASE_URL + "/portfolio/orders"),
        )
    )
    assert str(error) == (
        "400 Bad Request: insufficient_balance: not enough "
        "(POST /trade-api/v2/portfolio/orders, request id req-1)"
    )
    assert error.content == content


def test_response_validation_error_keeps_the_whole_body() -> None:
    content = b"<html>" + b"y" * 100_000
    response = httpx.Response(200, content=content, request=httpx.Request("GET", BASE_URL))
    error = ResponseValidationError.from_response(response, "body is not JSON")
    assert error.content == content
    assert len(str(error)) < 500 and len(error.body) < 3_000


def test_401_names_the_usual_causes() -> None:
    body = b'{"code": "authentication_error", "message": "authentication_error"}'
    with client_answering(401, body) as client, pytest.raises(AuthenticationError) as caught:
        client.get_balance()
    text = str(caught.value)
    assert text.startswith("401 Unauthorized: authentication_error")
    for cause in ("demo key used on production", "key id", "private key file", "clock"):
        assert cause in text
