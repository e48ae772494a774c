"""Prism as a validating proxy (`prism proxy --errors`) in front of a local upstream."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import attrs
import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kalshi_generated import AuthenticatedClient
from kalshi_generated.api.portfolio import get_balance, get_deposits
from kalshi_generated.models import GetBalanceResponse
from tests.contract.prism import (
    DUMMY_AUTH_HEADERS,
    PrismServer,
    assert_no_violations,
    authenticated_client,
    violations,
)

BASE_PATH = "/trade-api/v2"
BALANCE_PATH = f"{BASE_PATH}/portfolio/balance"
VALID_BALANCE = {
    "balance": 100,
    "balance_dollars": "1.0000",
    "portfolio_value": 200,
    "updated_ts": 1700000000,
}


@attrs.define
class Upstream:
    """A stand-in exchange on 127.0.0.1: answers each path with the reply a test sets."""

    url: str
    replies: dict[str, tuple[int, Any]] = attrs.field(factory=dict)
    received: list[tuple[str, str, dict[str, str]]] = attrs.field(factory=list)

    async def handle(self, request: Request) -> JSONResponse:
        self.received.append((request.method, request.url.path, dict(request.headers)))
        status, payload = self.replies.get(request.url.path, (404, {"code": "not_found"}))
        return JSONResponse(payload, status_code=status)


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    upstream = Upstream(url="")
    methods = ["GET", "POST", "PUT", "DELETE"]
    app = Starlette(routes=[Route("/{path:path}", upstream.handle, methods=methods)])
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "upstream did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    upstream.url = f"http://127.0.0.1:{port}"
    yield upstream
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def proxy(prism_proxy: Any, upstream: Upstream) -> PrismServer:
    # Prism forwards to the upstream URL's path joined with the request path.
    server: PrismServer = prism_proxy(upstream.url + BASE_PATH)
    return server


@pytest.fixture
def client(proxy: PrismServer, upstream: Upstream) -> Iterator[AuthenticatedClient]:
    upstream.replies.clear()
    upstream.received.clear()
    with authenticated_client(proxy.base_url) as client:
        yield client


def test_a_valid_response_passes_through(client: AuthenticatedClient, upstream: Upstream) -> None:
    upstream.replies[BALANCE_PATH] = (200, VALID_BALANCE)
    response = get_balance.sync_detailed(client=client, subaccount=0)
    assert_no_violations(response, "get_balance")
    assert isinstance(response.parsed, GetBalanceResponse)
    assert response.parsed.to_dict() == VALID_BALANCE
    [(method, path, headers)] = upstream.received
    assert (method, path) == ("GET", BALANCE_PATH)
    for name, value in DUMMY_AUTH_HEADERS.items():
        assert headers[name.lower()] == value


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        (
            {key: value for key, value in VALID_BALANCE.items() if key != "balance_dollars"},
            "must have required property 'balance_dollars'",
        ),
        ({**VALID_BALANCE, "balance": "100"}, "balance must be integer"),
        (
            {**VALID_BALANCE, "balance_breakdown": [{"exchange_index": "0", "balance": "1.00"}]},
            "exchange_index must be integer",
        ),
    ],
    ids=["missing-required", "wrong-type", "wrong-nested-type"],
)
def test_a_response_breaking_the_spec_becomes_a_reported_500(
    client: AuthenticatedClient, upstream: Upstream, payload: dict[str, Any], complaint: str
) -> None:
    upstream.replies[BALANCE_PATH] = (200, payload)
    response = get_balance.sync_detailed(client=client)
    assert response.status_code == 500
    assert len(upstream.received) == 1
    with pytest.raises(AssertionError, match=complaint):
        assert_no_violations(response, "get_balance")
    assert any("VIOLATIONS" in str(found) for found in violations(response))


def test_an_invalid_request_never_reaches_the_upstream(
    client: AuthenticatedClient, upstream: Upstream
) -> None:
    upstream.replies[f"{BASE_PATH}/portfolio/deposits"] = (200, {"deposits": [], "cursor": ""})
    response = get_deposits.sync_detailed(client=client, limit=501)
    with pytest.raises(AssertionError, match="limit must be <= 500"):
        assert_no_violations(response, "get_deposits(limit=501)")
    assert upstream.received == []


def test_missing_signature_headers_never_reach_the_upstream(
    proxy: PrismServer, upstream: Upstream, client: AuthenticatedClient
) -> None:
    upstream.replies[BALANCE_PATH] = (200, VALID_BALANCE)
    response = httpx.get(f"{proxy.base_url}/portfolio/balance")
    assert response.status_code == 401
    with pytest.raises(AssertionError, match="Invalid security scheme used"):
        assert_no_violations(response)
    assert upstream.received == []
