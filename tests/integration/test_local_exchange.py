"""LocalExchange over real HTTP: auth, orders, fills, positions, paging, faults and bad input.

The tests talk to the exchange with plain httpx and their own signer (not kalshi_ext's client),
and every response of the `api` client is checked against the spec's schema for its operation.
"""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kalshi_ext.testing import LocalExchange
from kalshi_ext.testing.engine import taker_fee_cents
from tests.integration.openapi_check import ShapeChecker, spec_path

T50 = "KXDEMO-26DEC31-T50"
T60 = "KXDEMO-26DEC31-T60"
WX = "KXWX-26JUN30-T80"
START = 1_000_000
REPO = Path(__file__).resolve().parents[2]
# The exchange speaks plain HTTP; one shared context spares every client loading CA files.
NO_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def http_get(url: str, **kwargs: Any) -> httpx.Response:
    with httpx.Client(verify=NO_TLS) as client:
        return client.get(url, **kwargs)


# ---- a tiny signer, independent of kalshi_ext ---------------------------------------------


class Signer(httpx.Auth):
    """KALSHI-ACCESS-* headers: RSA-PSS-SHA256 or Ed25519 over timestamp + METHOD + path."""

    def __init__(
        self,
        key_id: str,
        private_key: rsa.RSAPrivateKey | Ed25519PrivateKey,
        *,
        clock: Callable[[], float] = time.time,
        path_override: str | None = None,
    ) -> None:
        self.key_id = key_id
        self.private_key = private_key
        self.clock = clock
        self.path_override = path_override

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        timestamp = str(int(self.clock() * 1000))
        path = self.path_override or request.url.raw_path.split(b"?")[0].decode()
        message = f"{timestamp}{request.method}{path}".encode()
        if isinstance(self.private_key, Ed25519PrivateKey):
            signature = self.private_key.sign(message)
        else:
            signature = self.private_key.sign(
                message,
                padding.PSS(
                    mgf=padding.MGF1(hashes.SHA256()), salt_length=hashes.SHA256.digest_size
                ),
                hashes.SHA256(),
            )
        request.headers["KALSHI-ACCESS-KEY"] = self.key_id
        request.headers["KALSHI-ACCESS-TIMESTAMP"] = timestamp
        request.headers["KALSHI-ACCESS-SIGNATURE"] = base64.b64encode(signature).decode()
        yield request


def load_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


# ---- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def running() -> Iterator[LocalExchange]:
    with LocalExchange(seed=7) as exchange:
        yield exchange


@pytest.fixture
def ex(running: LocalExchange) -> LocalExchange:
    running.reset()
    return running


@pytest.fixture(scope="module")
def shapes() -> ShapeChecker | None:
    path = spec_path()
    if path is None:
        return None
    pytest.importorskip("yaml")
    return ShapeChecker.load(path)


@pytest.fixture(scope="module")
def rsa_key(running: LocalExchange) -> rsa.RSAPrivateKey:
    return load_key(running.private_key_pem)


@pytest.fixture
def api(
    ex: LocalExchange, rsa_key: rsa.RSAPrivateKey, shapes: ShapeChecker | None
) -> Iterator[httpx.Client]:
    """A signed client whose every response is checked against the spec."""

    def check(response: httpx.Response) -> None:
        response.read()
        if shapes is not None:
            shapes.check_response(response, ex.base_path)

    with httpx.Client(
        base_url=ex.base_url,
        auth=Signer(ex.key_id, rsa_key),
        event_hooks={"response": [check]},
        timeout=10,
        verify=NO_TLS,
    ) as client:
        yield client


@pytest.fixture
def raw(ex: LocalExchange, rsa_key: rsa.RSAPrivateKey) -> Iterator[httpx.Client]:
    """A signed client without shape checks, for injected faults."""
    auth = Signer(ex.key_id, rsa_key)
    with httpx.Client(base_url=ex.base_url, auth=auth, timeout=10, verify=NO_TLS) as client:
        yield client


def order(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ticker": T50,
        "side": "bid",
        "count": "1",
        "price": "0.10",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
        "client_order_id": str(uuid.uuid4()),
    }
    body.update(overrides)
    return body


def place(api: httpx.Client, **overrides: Any) -> dict[str, Any]:
    response = api.post("/portfolio/events/orders", json=order(**overrides))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def get_order(api: httpx.Client, order_id: str) -> dict[str, Any]:
    response = api.get(f"/portfolio/orders/{order_id}")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["order"]
    return result


def balance(api: httpx.Client) -> int:
    value: int = api.get("/portfolio/balance").json()["balance"]
    return value


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code, body
    assert body["message"]
    return body


def dollars(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}00"


# ---- authentication --------------------------------------------------------------------------


def test_signed_request_is_accepted(api: httpx.Client) -> None:
    response = api.get("/portfolio/balance")
    assert response.status_code == 200
    body = response.json()
    assert body["balance"] == START
    assert body["balance_dollars"] == "10000.0000"
    assert body["portfolio_value"] == 0


def test_unsigned_request_is_rejected_with_the_error_envelope(ex: LocalExchange) -> None:
    response = http_get(f"{ex.base_url}/portfolio/balance")
    assert_error(response, 401, "unauthorized")


@pytest.mark.parametrize(
    "signer_kwargs",
    [
        pytest.param({"path_override": "/trade-api/v2/portfolio/orders"}, id="other-path"),
        pytest.param({"path_override": "/portfolio/balance"}, id="path-without-base"),
        pytest.param({"clock": lambda: time.time() - 60}, id="stale"),
        pytest.param({"clock": lambda: time.time() + 60}, id="from-the-future"),
    ],
)
def test_tampered_or_stale_signatures_are_rejected(
    ex: LocalExchange, rsa_key: rsa.RSAPrivateKey, signer_kwargs: dict[str, Any]
) -> None:
    auth = Signer(ex.key_id, rsa_key, **signer_kwargs)
    response = http_get(f"{ex.base_url}/portfolio/balance", auth=auth)
    assert_error(response, 401, "unauthorized")


def test_a_flipped_signature_byte_is_rejected(ex: LocalExchange, api: httpx.Client) -> None:
    request = api.build_request("GET", "/portfolio/balance")
    signed = next(api.auth.sync_auth_flow(request))  # type: ignore[union-attr]
    raw = bytearray(base64.b64decode(signed.headers["KALSHI-ACCESS-SIGNATURE"]))
    raw[0] ^= 1
    signed.headers["KALSHI-ACCESS-SIGNATURE"] = base64.b64encode(bytes(raw)).decode()
    with httpx.Client(verify=NO_TLS) as plain:
        assert_error(plain.send(signed), 401, "unauthorized")


def test_unknown_key_and_malformed_headers_are_rejected(
    ex: LocalExchange, rsa_key: rsa.RSAPrivateKey
) -> None:
    url = f"{ex.base_url}/portfolio/balance"
    assert_error(http_get(url, auth=Signer("no-such-key", rsa_key)), 401, "unauthorized")
    headers = {
        "KALSHI-ACCESS-KEY": ex.key_id,
        "KALSHI-ACCESS-TIMESTAMP": "yesterday",
        "KALSHI-ACCESS-SIGNATURE": "!!!",
    }
    assert_error(http_get(url, headers=headers), 401, "unauthorized")


def test_registered_ed25519_key_is_accepted(ex: LocalExchange) -> None:
    key = Ed25519PrivateKey.generate()
    ex.register_key("ed-key", key.public_key())
    response = http_get(f"{ex.base_url}/portfolio/balance", auth=Signer("ed-key", key))
    assert response.status_code == 200


def test_the_query_string_is_not_signed(api: httpx.Client) -> None:
    response = api.get("/portfolio/orders", params={"limit": 5, "status": "resting"})
    assert response.status_code == 200


# ---- orders, fills, positions ----------------------------------------------------------------


def test_resting_order_reserves_its_cost(ex: LocalExchange, api: httpx.Client) -> None:
    best_bid = ex.book(T50).best_bid
    assert best_bid is not None
    created = place(api, price=dollars(best_bid - 5), count="10.00")
    assert created["fill_count"] == "0.00"
    assert created["remaining_count"] == "10.00"
    assert "average_fill_price" not in created

    resting = get_order(api, created["order_id"])
    assert resting["status"] == "resting"
    assert resting["book_side"] == "bid" and resting["outcome_side"] == "yes"
    assert resting["yes_price_dollars"] == dollars(best_bid - 5)
    assert resting["no_price_dollars"] == dollars(100 - (best_bid - 5))
    reserve = (best_bid - 5) * 10
    assert balance(api) == START - reserve
    total = api.get("/portfolio/summary/total_resting_order_value").json()
    assert total["total_resting_order_value"] == reserve


def test_crossing_bid_fills_at_maker_prices_best_first(
    ex: LocalExchange, api: httpx.Client
) -> None:
    (p1, q1), (p2, q2), _ = ex.book(T50).asks
    count = q1 + 3
    created = place(api, price=dollars(p2), count=str(count))
    assert created["fill_count"] == f"{count}.00"
    assert created["remaining_count"] == "0.00"

    fills = api.get("/portfolio/fills", params={"order_id": created["order_id"]}).json()["fills"]
    by_price = sorted((f["yes_price_dollars"], f["count_fp"], f["is_taker"]) for f in fills)
    # The first level is taken whole (its orders in time priority), the rest from the next one.
    assert sum(int(float(c)) for p, c, _ in by_price if p == dollars(p1)) == q1
    assert sum(int(float(c)) for p, c, _ in by_price if p == dollars(p2)) == 3
    assert all(taker for _, _, taker in by_price)

    fees = sum(round(float(f["fee_cost"]) * 100) for f in fills)
    assert fees == sum(taker_fee_cents(f.count, f.price_cents) for f in ex.fills)
    cost = p1 * q1 + p2 * 3
    assert balance(api) == START - cost - fees
    assert ex.book(T50).asks[0] == (p2, q2 - 3)

    positions = api.get("/portfolio/positions").json()
    (market,) = positions["market_positions"]
    assert market["ticker"] == T50
    assert market["position_fp"] == f"{count}.00"
    assert market["market_exposure_dollars"] == dollars(cost)
    (event,) = positions["event_positions"]
    assert event["event_ticker"] == "KXDEMO-26DEC31"
    assert event["total_cost_shares_fp"] == f"{count}.00"


def test_ask_sells_yes_and_opens_a_no_position(ex: LocalExchange, api: httpx.Client) -> None:
    best_bid, _ = ex.book(T60).bids[0]
    created = place(api, ticker=T60, side="ask", price=dollars(best_bid), count="4")
    assert created["fill_count"] == "4.00"
    assert created["average_fill_price"] == dollars(best_bid)
    (fill,) = api.get("/portfolio/fills").json()["fills"]
    assert (fill["book_side"], fill["outcome_side"], fill["action"]) == ("ask", "no", "sell")
    (position,) = ex.positions
    assert position.position == -4
    # Selling YES at p is buying NO at 1 - p.
    assert position.exposure_cents == (100 - best_bid) * 4
    fee = taker_fee_cents(4, best_bid)
    assert balance(api) == START - (100 - best_bid) * 4 - fee


def test_selling_what_was_bought_realizes_the_spread(ex: LocalExchange, api: httpx.Client) -> None:
    best_ask, _ = ex.book(WX).asks[0]
    best_bid, _ = ex.book(WX).bids[0]
    place(api, ticker=WX, price=dollars(best_ask), count="2")
    place(api, ticker=WX, side="ask", price=dollars(best_bid), count="2")
    (position,) = api.get("/portfolio/positions").json()["market_positions"]
    assert position["position_fp"] == "0.00"
    assert position["realized_pnl_dollars"] == "-" + dollars((best_ask - best_bid) * 2)
    fees = taker_fee_cents(2, best_ask) + taker_fee_cents(2, best_bid)
    assert balance(api) == START - (best_ask - best_bid) * 2 - fees
    filtered = api.get("/portfolio/positions", params={"count_filter": "position"}).json()
    assert filtered["market_positions"] == []


def test_immediate_or_cancel_cancels_the_rest(ex: LocalExchange, api: httpx.Client) -> None:
    (p1, q1), *_ = ex.book(T50).asks
    created = place(api, price=dollars(p1), count=str(q1 + 5), time_in_force="immediate_or_cancel")
    assert created["fill_count"] == f"{q1}.00"
    assert created["remaining_count"] == "0.00"
    assert get_order(api, created["order_id"])["status"] == "canceled"
    assert ex.book(T50).asks[0][0] > p1


def test_fill_or_kill_is_all_or_nothing(ex: LocalExchange, api: httpx.Client) -> None:
    (p1, q1), *_ = ex.book(T50).asks
    killed = place(api, price=dollars(p1), count=str(q1 + 1), time_in_force="fill_or_kill")
    assert (killed["fill_count"], killed["remaining_count"]) == ("0.00", "0.00")
    assert get_order(api, killed["order_id"])["status"] == "canceled"
    assert ex.fills == []
    filled = place(api, price=dollars(p1), count=str(q1), time_in_force="fill_or_kill")
    assert filled["fill_count"] == f"{q1}.00"
    assert get_order(api, filled["order_id"])["status"] == "executed"


def test_other_traders_fill_a_resting_order_as_maker(ex: LocalExchange, api: httpx.Client) -> None:
    best_ask = ex.book(T50).best_ask
    assert best_ask is not None
    created = place(api, side="ask", price=dollars(best_ask - 1), count="6")
    ex.add_other_order(T50, "bid", best_ask - 1, 4)
    resting = get_order(api, created["order_id"])
    assert (resting["fill_count_fp"], resting["remaining_count_fp"]) == ("4.00", "2.00")
    assert resting["maker_fill_cost_dollars"] == dollars((100 - best_ask + 1) * 4)
    (fill,) = api.get("/portfolio/fills").json()["fills"]
    assert fill["is_taker"] is False
    assert fill["fee_cost"] == "0.0000"


def test_list_orders_cursor_walk_sees_each_order_once(ex: LocalExchange, api: httpx.Client) -> None:
    placed = {place(api, price="0.05")["order_id"] for _ in range(23)}
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 5}
        if cursor:
            params["cursor"] = cursor
        body = api.get("/portfolio/orders", params=params).json()
        seen += [o["order_id"] for o in body["orders"]]
        pages += 1
        if pages == 2:
            place(api, price="0.06")  # a new order mid-walk must not shift later pages
        cursor = body["cursor"]
        if not cursor:
            break
    assert pages == 5
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == placed


def test_list_filters(ex: LocalExchange, api: httpx.Client) -> None:
    kept = place(api, ticker=T60, price="0.05")["order_id"]
    place(api, ticker=WX, price="0.05")
    canceled = place(api, ticker=T60, price="0.06")["order_id"]
    api.delete(f"/portfolio/events/orders/{canceled}")
    by_ticker = api.get("/portfolio/orders", params={"ticker": T60, "status": "resting"}).json()
    assert [o["order_id"] for o in by_ticker["orders"]] == [kept]
    by_event = api.get("/portfolio/orders", params={"event_ticker": "KXDEMO-26DEC31"}).json()
    assert {o["order_id"] for o in by_event["orders"]} == {kept, canceled}
    other_shard = api.get("/portfolio/orders", params={"exchange_index": 3}).json()
    assert other_shard["orders"] == []


def test_amend_reprices_and_resizes(ex: LocalExchange, api: httpx.Client) -> None:
    created = place(api, price="0.20", count="5")
    new_id = str(uuid.uuid4())
    response = api.post(
        f"/portfolio/events/orders/{created['order_id']}/amend",
        json={
            "ticker": T50,
            "side": "bid",
            "price": "0.25",
            "count": "8",
            "updated_client_order_id": new_id,
        },
    )
    assert response.status_code == 200, response.text
    amended = response.json()
    assert amended["remaining_count"] == "8.00"
    assert amended["fill_count"] == "0.00"
    assert amended["client_order_id"] == new_id
    current = get_order(api, created["order_id"])
    assert (current["yes_price_dollars"], current["remaining_count_fp"]) == ("0.2500", "8.00")
    assert balance(api) == START - 25 * 8


def test_amend_across_the_book_fills(ex: LocalExchange, api: httpx.Client) -> None:
    best_ask, size = ex.book(T50).asks[0]
    created = place(api, price="0.20", count="3")
    amended = api.post(
        f"/portfolio/events/orders/{created['order_id']}/amend",
        json={"ticker": T50, "side": "bid", "price": dollars(best_ask), "count": "3"},
    ).json()
    assert amended["fill_count"] == "3.00"
    assert amended["remaining_count"] == "0.00"
    assert amended["average_fill_price"] == dollars(best_ask)
    assert get_order(api, created["order_id"])["status"] == "executed"
    assert ex.book(T50).asks[0] == (best_ask, size - 3)


def test_decrease_by_and_to(api: httpx.Client) -> None:
    created = place(api, price="0.20", count="10")
    path = f"/portfolio/events/orders/{created['order_id']}/decrease"
    assert api.post(path, json={"reduce_by": "3"}).json()["remaining_count"] == "7.00"
    assert api.post(path, json={"reduce_to": "2.00"}).json()["remaining_count"] == "2.00"
    assert_error(
        api.post(path, json={"reduce_by": "1", "reduce_to": "1"}), 400, "invalid_parameters"
    )
    assert_error(api.post(path, json={}), 400, "invalid_parameters")
    assert api.post(path, json={"reduce_to": "0"}).json()["remaining_count"] == "0.00"
    assert get_order(api, created["order_id"])["status"] == "canceled"
    assert balance(api) == START


def test_cancel_then_cancel_again_is_404(api: httpx.Client) -> None:
    created = place(api, price="0.20", count="4")
    response = api.delete(f"/portfolio/events/orders/{created['order_id']}")
    assert response.status_code == 200
    body = response.json()
    assert (body["order_id"], body["reduced_by"]) == (created["order_id"], "4.00")
    assert body["client_order_id"] == created["client_order_id"]
    assert_error(api.delete(f"/portfolio/events/orders/{created['order_id']}"), 404, "not_found")
    assert balance(api) == START


def test_cancel_all_orders(ex: LocalExchange, api: httpx.Client) -> None:
    for ticker in (T50, T60, WX):
        place(api, ticker=ticker, price="0.03")
    response = api.delete("/portfolio/events/orders")
    assert response.status_code == 204
    assert response.content == b""
    assert {o.status for o in ex.orders} == {"canceled"}
    assert balance(api) == START


def test_batched_create_and_cancel_report_per_order_results(
    ex: LocalExchange, api: httpx.Client
) -> None:
    duplicate = str(uuid.uuid4())
    place(api, client_order_id=duplicate, price="0.02")
    response = api.post(
        "/portfolio/events/orders/batched",
        json={
            "orders": [
                order(price="0.11"),
                order(price="0.115"),  # off tick
                order(client_order_id=duplicate),
                order(ticker=T60, side="ask", price="0.90", count="2"),
            ]
        },
    )
    assert response.status_code == 201
    results = response.json()["orders"]
    assert [r["error"]["code"] if r["error"] else None for r in results] == [
        None,
        "invalid_parameters",
        "order_already_exists",
        None,
    ]
    created_ids = [r["order_id"] for r in results if r["error"] is None]
    assert len(created_ids) == 2

    canceled = api.request(
        "DELETE",
        "/portfolio/events/orders/batched",
        json={"orders": [{"order_id": i} for i in created_ids] + [{"order_id": "nope"}]},
    )
    assert canceled.status_code == 200
    entries = canceled.json()["orders"]
    assert [e["reduced_by"] for e in entries] == ["1.00", "2.00", "0.00"]
    assert entries[2]["error"]["code"] == "not_found"
    assert {ex_o.status for ex_o in ex.orders if ex_o.order_id in created_ids} == {"canceled"}


def test_batch_size_limits(api: httpx.Client) -> None:
    assert_error(
        api.post("/portfolio/events/orders/batched", json={"orders": []}), 400, "invalid_parameters"
    )
    many = {"orders": [order(price="0.01") for _ in range(21)]}
    assert_error(api.post("/portfolio/events/orders/batched", json=many), 400, "invalid_parameters")


def test_duplicate_client_order_id_is_409_whatever_the_status(api: httpx.Client) -> None:
    client_order_id = str(uuid.uuid4())
    created = place(api, client_order_id=client_order_id, price="0.20")
    again = api.post("/portfolio/events/orders", json=order(client_order_id=client_order_id))
    assert_error(again, 409, "order_already_exists")
    api.delete(f"/portfolio/events/orders/{created['order_id']}")
    again = api.post("/portfolio/events/orders", json=order(client_order_id=client_order_id))
    assert_error(again, 409, "order_already_exists")


def test_order_group_lifecycle(ex: LocalExchange, api: httpx.Client) -> None:
    created = api.post("/portfolio/order_groups/create", json={"contracts_limit": 50})
    assert created.status_code == 201
    group_id = created.json()["order_group_id"]
    assert created.json()["subaccount"] == 0

    listed = api.get("/portfolio/order_groups").json()["order_groups"]
    assert [(g["id"], g["contracts_limit_fp"]) for g in listed] == [(group_id, "50.00")]

    first = place(api, price="0.20", order_group_id=group_id)
    second = place(api, price="0.21", order_group_id=group_id)
    group = api.get(f"/portfolio/order_groups/{group_id}").json()
    assert group["orders"] == [first["order_id"], second["order_id"]]

    assert api.put(f"/portfolio/order_groups/{group_id}/trigger").json() == {}
    assert {get_order(api, o["order_id"])["status"] for o in (first, second)} == {"canceled"}
    blocked = api.post("/portfolio/events/orders", json=order(order_group_id=group_id))
    assert_error(blocked, 400, "order_group_triggered")

    assert api.put(f"/portfolio/order_groups/{group_id}/reset", json={}).status_code == 200
    place(api, price="0.22", order_group_id=group_id)
    limit = api.put(f"/portfolio/order_groups/{group_id}/limit", json={"contracts_limit_fp": "7"})
    assert limit.status_code == 200
    assert api.get(f"/portfolio/order_groups/{group_id}").json()["contracts_limit_fp"] == "7.00"

    assert api.delete(f"/portfolio/order_groups/{group_id}").json() == {}
    assert_error(api.get(f"/portfolio/order_groups/{group_id}"), 404, "not_found")
    assert {o.status for o in ex.orders} == {"canceled"}


def test_order_group_limit_caps_fills_and_triggers(ex: LocalExchange, api: httpx.Client) -> None:
    group_id = api.post(
        "/portfolio/order_groups/create", json={"contracts_limit": 5, "contracts_limit_fp": "5.00"}
    ).json()["order_group_id"]
    resting = place(api, price="0.05", order_group_id=group_id)
    best_ask = ex.book(T50).best_ask
    assert best_ask is not None
    taker = place(api, price=dollars(best_ask), count="9", order_group_id=group_id)
    assert taker["fill_count"] == "5.00"
    assert taker["remaining_count"] == "0.00"
    assert get_order(api, resting["order_id"])["status"] == "canceled"
    blocked = api.post("/portfolio/events/orders", json=order(order_group_id=group_id))
    assert_error(blocked, 400, "order_group_triggered")


def test_queue_positions_count_contracts_ahead(ex: LocalExchange, api: httpx.Client) -> None:
    level_price, level_size = ex.book(T50).bids[0]
    first = place(api, price=dollars(level_price), count="3")
    second = place(api, price=dollars(level_price), count="2")
    other = place(api, ticker=T60, price="0.05")
    path = f"/portfolio/orders/{second['order_id']}/queue_position"
    assert api.get(path).json() == {"queue_position_fp": f"{level_size + 3}.00"}

    response = api.get("/portfolio/orders/queue_positions", params={"market_tickers": T50})
    positions = {p["order_id"]: p["queue_position_fp"] for p in response.json()["queue_positions"]}
    assert positions == {
        first["order_id"]: f"{level_size}.00",
        second["order_id"]: f"{level_size + 3}.00",
    }
    everything = api.get("/portfolio/orders/queue_positions").json()["queue_positions"]
    assert other["order_id"] in {p["order_id"] for p in everything}

    api.delete(f"/portfolio/events/orders/{first['order_id']}")
    assert api.get(path).json() == {"queue_position_fp": f"{level_size}.00"}
    assert_error(api.get(f"/portfolio/orders/{first['order_id']}/queue_position"), 404, "not_found")


def test_settle_market_pays_winners_and_closes_the_market(
    ex: LocalExchange, api: httpx.Client
) -> None:
    best_ask, _ = ex.book(T50).asks[0]
    place(api, price=dollars(best_ask), count="10")
    resting = place(api, price="0.05", count="1")
    fee = taker_fee_cents(10, best_ask)
    ex.settle_market(T50, "yes")

    (settlement,) = api.get("/portfolio/settlements").json()["settlements"]
    assert settlement["ticker"] == T50
    assert settlement["market_result"] == "yes"
    assert settlement["yes_count_fp"] == "10.00"
    assert settlement["yes_total_cost_dollars"] == dollars(best_ask * 10)
    assert settlement["revenue"] == 1000
    assert settlement["value"] == 100
    assert balance(api) == START - best_ask * 10 - fee + 1000
    assert get_order(api, resting["order_id"])["status"] == "canceled"
    (position,) = api.get("/portfolio/positions").json()["market_positions"]
    assert position["position_fp"] == "0.00"
    assert position["realized_pnl_dollars"] == dollars(1000 - best_ask * 10)

    closed = api.post("/portfolio/events/orders", json=order())
    assert_error(closed, 400, "market_closed")
    with pytest.raises(ValueError, match="settled"):
        ex.settle_market(T50, "no")


# ---- faults ---------------------------------------------------------------------------------


def test_status_fault_answers_429_with_retry_after(ex: LocalExchange, raw: httpx.Client) -> None:
    ex.inject_fault(
        method="POST", path="/portfolio/events/orders", kind="status", status=429, retry_after="3"
    )
    response = raw.post("/portfolio/events/orders", json=order())
    assert_error(response, 429, "too_many_requests")
    assert response.headers["Retry-After"] == "3"
    assert ex.orders == []
    retried = raw.post("/portfolio/events/orders", json=order())
    assert retried.status_code == 201
    assert [(r.method, r.path, r.status, r.fault) for r in ex.requests_log] == [
        ("POST", "/portfolio/events/orders", 429, "status"),
        ("POST", "/portfolio/events/orders", 201, None),
    ]


def test_drop_before_is_a_transport_error_without_a_state_change(
    ex: LocalExchange, raw: httpx.Client
) -> None:
    ex.inject_fault(method="POST", path="/portfolio/events/orders", kind="drop_before")
    with pytest.raises(httpx.RemoteProtocolError):
        raw.post("/portfolio/events/orders", json=order())
    assert ex.orders == []
    assert raw.get("/portfolio/balance").json()["balance"] == START
    assert ex.requests_log[0].status is None and ex.requests_log[0].fault == "drop_before"


def test_drop_after_is_a_transport_error_but_the_order_exists(
    ex: LocalExchange, raw: httpx.Client
) -> None:
    body = order(price="0.20", count="5")
    ex.inject_fault(method="POST", path="/portfolio/events/orders", kind="drop_after")
    with pytest.raises(httpx.RemoteProtocolError):
        raw.post("/portfolio/events/orders", json=body)
    (placed,) = ex.orders
    assert (placed.client_order_id, placed.status) == (body["client_order_id"], "resting")
    # A retry with the same client_order_id is told the order already exists.
    assert_error(raw.post("/portfolio/events/orders", json=body), 409, "order_already_exists")
    assert len(ex.orders) == 1


def test_delay_fault_then_normal_service(ex: LocalExchange, raw: httpx.Client) -> None:
    ex.inject_fault(method="GET", path="/portfolio/balance", kind="delay", delay_s=0.01)
    assert raw.get("/portfolio/balance").status_code == 200
    assert ex.requests_log[-1].fault == "delay"
    assert ex.pending_faults == 0


def test_faults_match_a_glob_and_fire_the_given_number_of_times(
    ex: LocalExchange, raw: httpx.Client
) -> None:
    ex.inject_fault(method="*", path="/portfolio/orders*", kind="status", status=503, times=2)
    assert raw.get("/portfolio/orders").status_code == 503
    assert raw.get("/portfolio/orders/queue_positions").status_code == 503
    assert raw.get("/portfolio/orders").status_code == 200
    assert raw.get("/portfolio/balance").status_code == 200


def test_status_fault_with_a_custom_body(ex: LocalExchange, raw: httpx.Client) -> None:
    body = {"code": "rate_limited", "message": "slow down", "details": "bucket empty"}
    ex.inject_fault(method="GET", path="/portfolio/balance", kind="status", status=429, body=body)
    response = raw.get("/portfolio/balance")
    assert (response.status_code, response.json()) == (429, body)


def test_inject_fault_rejects_nonsense(ex: LocalExchange) -> None:
    with pytest.raises(ValueError, match="kind"):
        ex.inject_fault(method="GET", path="/x", kind="explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="times"):
        ex.inject_fault(method="GET", path="/x", kind="delay", times=0)


# ---- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        pytest.param({"price": "0.555"}, "invalid_parameters", id="off-tick"),
        pytest.param({"price": "1.00"}, "invalid_parameters", id="price-out-of-range"),
        pytest.param({"price": 0.5}, "invalid_parameters", id="price-not-a-string"),
        pytest.param({"count": "2.50"}, "invalid_parameters", id="fractional-count"),
        pytest.param({"count": "0"}, "invalid_parameters", id="zero-count"),
        pytest.param({"side": "buy"}, "invalid_parameters", id="bad-side"),
        pytest.param({"time_in_force": "gtc"}, "invalid_parameters", id="bad-tif"),
        pytest.param({"ticker": None}, "missing_parameters", id="no-ticker"),
        pytest.param({"self_trade_prevention_type": None}, "missing_parameters", id="no-stp"),
        pytest.param({"ticker": "NOPE"}, "market_not_found", id="unknown-market"),
        pytest.param({"count": "100001"}, "insufficient_balance", id="too-expensive"),
        pytest.param({"exchange_index": 4}, "invalid_parameters", id="unknown-shard"),
        pytest.param({"reduce_only": True}, "invalid_parameters", id="reduce-only-gtc"),
        pytest.param(
            {"post_only": True, "price": "0.99"}, "post_only_cross", id="post-only-crosses"
        ),
    ],
)
def test_bad_orders_are_400s(api: httpx.Client, overrides: dict[str, Any], code: str) -> None:
    body = {k: v for k, v in order(**overrides).items() if v is not None}
    assert_error(api.post("/portfolio/events/orders", json=body), 400, code)


def test_unknown_body_fields_are_ignored(api: httpx.Client) -> None:
    assert api.post("/portfolio/events/orders", json=order(extra="x")).status_code == 201


def test_garbage_then_a_valid_request(api: httpx.Client) -> None:
    garbage = api.post(
        "/portfolio/events/orders", content=b"{not json", headers={"content-type": "x"}
    )
    assert_error(garbage, 400, "invalid_parameters")
    assert_error(api.post("/portfolio/events/orders", json=[1, 2]), 400, "invalid_parameters")
    assert_error(api.post("/portfolio/events/orders"), 400, "missing_parameters")
    assert api.post("/portfolio/events/orders", json=order()).status_code == 201


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/portfolio/orders", {"limit": 0}),
        ("/portfolio/orders", {"limit": 1001}),
        ("/portfolio/orders", {"limit": "ten"}),
        ("/portfolio/orders", {"cursor": "not-a-cursor"}),
        ("/portfolio/fills", {"cursor": "eyJrIjoib3JkZXJzIiwicyI6MX0"}),  # an orders cursor
        ("/portfolio/deposits", {"limit": 501}),
        ("/portfolio/orders", {"status": "open"}),
        ("/portfolio/positions", {"count_filter": "volume"}),
        ("/portfolio/fills", {"subaccount": 9}),  # never created
    ],
)
def test_bad_query_parameters_are_400s(
    api: httpx.Client, path: str, params: dict[str, Any]
) -> None:
    assert_error(api.get(path, params=params), 400, "invalid_parameters")


def test_unknown_subaccounts_own_nothing_where_the_spec_declares_no_400(
    api: httpx.Client,
) -> None:
    empty = api.get("/portfolio/balance", params={"subaccount": 9}).json()
    assert (empty["balance"], empty["portfolio_value"]) == (0, 0)
    assert api.get("/portfolio/balance", params={"exchange_index": 2}).json()["balance"] == 0
    created = place(api, price="0.10")
    wrong_sub = api.delete(f"/portfolio/events/orders/{created['order_id']}?subaccount=9")
    assert_error(wrong_sub, 404, "not_found")
    wrong_shard = api.delete(f"/portfolio/events/orders/{created['order_id']}?exchange_index=2")
    assert_error(wrong_shard, 404, "not_found")
    assert api.delete("/portfolio/events/orders", params={"subaccount": 9}).status_code == 204
    assert get_order(api, created["order_id"])["status"] == "resting"


def test_unknown_ids_are_404s(api: httpx.Client) -> None:
    assert_error(api.get("/portfolio/orders/nope"), 404, "not_found")
    assert_error(api.delete("/portfolio/events/orders/nope"), 404, "not_found")
    amend = {"ticker": T50, "side": "bid", "price": "0.10", "count": "2"}
    assert_error(api.post("/portfolio/events/orders/nope/amend", json=amend), 404, "not_found")
    assert_error(api.put("/portfolio/order_groups/nope/trigger"), 404, "not_found")
    assert_error(api.get("/portfolio/intra_exchange_instance_transfers/nope"), 404, "not_found")


def test_unknown_routes_and_methods(ex: LocalExchange, raw: httpx.Client) -> None:
    assert_error(raw.get("/portfolio/nothing-here"), 404, "not_found")
    response = raw.patch("/portfolio/balance")
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "GET"


# ---- every operation, and the remaining ones in depth ----------------------------------------


def test_every_portfolio_operation_of_the_spec_is_routed(
    ex: LocalExchange, raw: httpx.Client, shapes: ShapeChecker | None
) -> None:
    if shapes is None:
        pytest.skip("the OpenAPI spec is not available")
    operations = [(m, p) for m, p in shapes.operations() if p.startswith("/portfolio")]
    assert len(operations) == 36
    for method, template in operations:
        path = template.replace("{order_id}", "x").replace("{order_group_id}", "x")
        path = path.replace("{transfer_id}", "x")
        response = raw.request(method, path)
        assert response.status_code != 405, (method, path)
        if response.status_code == 404:
            assert "no route" not in response.json()["message"], (method, path)


def test_subaccounts_and_transfers(ex: LocalExchange, api: httpx.Client) -> None:
    created = api.post("/portfolio/subaccounts")
    assert (created.status_code, created.json()) == (201, {"subaccount_number": 1})
    transfer = {
        "client_transfer_id": str(uuid.uuid4()),
        "from_subaccount": 0,
        "to_subaccount": 1,
        "amount_cents": 2_500,
    }
    assert api.post("/portfolio/subaccounts/transfer", json=transfer).json() == {}
    # Replaying the same client_transfer_id does not move the money twice.
    assert api.post("/portfolio/subaccounts/transfer", json=transfer).status_code == 200
    balances = api.get("/portfolio/subaccounts/balances").json()["subaccount_balances"]
    assert [(b["subaccount_number"], b["balance"]) for b in balances] == [
        (0, "9975.0000"),
        (1, "25.0000"),
    ]
    assert api.get("/portfolio/balance", params={"subaccount": 1}).json()["balance"] == 2_500
    (listed,) = api.get("/portfolio/subaccounts/transfers").json()["transfers"]
    assert (listed["from_subaccount"], listed["amount_cents"]) == (0, 2_500)
    too_much = {**transfer, "client_transfer_id": str(uuid.uuid4()), "amount_cents": 10**9}
    assert_error(
        api.post("/portfolio/subaccounts/transfer", json=too_much), 400, "insufficient_balance"
    )

    order_in_sub = place(api, subaccount=1, price="0.10", count="3")
    assert ex.balance_cents(1) == 2_500 - 30
    assert get_order(api, order_in_sub["order_id"])["subaccount_number"] == 1
    cancel = api.delete(f"/portfolio/events/orders/{order_in_sub['order_id']}")
    assert_error(cancel, 404, "not_found")  # subaccount defaults to 0
    cancel = api.delete(
        f"/portfolio/events/orders/{order_in_sub['order_id']}", params={"subaccount": 1}
    )
    assert cancel.status_code == 200

    assert (
        api.put(
            "/portfolio/subaccounts/netting", json={"subaccount_number": 1, "enabled": False}
        ).content
        == b""
    )
    configs = api.get("/portfolio/subaccounts/netting").json()["netting_configs"]
    assert [(c["subaccount_number"], c["enabled"]) for c in configs] == [(0, True), (1, False)]


def test_intra_exchange_transfers(ex: LocalExchange, api: httpx.Client) -> None:
    api.post("/portfolio/subaccounts", json={"exchange_index": 0})
    body = {
        "source": "event_contract",
        "destination": "event_contract",
        "amount": 12_300,  # centicents: $1.23
        "destination_subaccount": 1,
    }
    transfer_id = api.post("/portfolio/intra_exchange_instance_transfer", json=body).json()[
        "transfer_id"
    ]
    one = api.get(f"/portfolio/intra_exchange_instance_transfers/{transfer_id}").json()
    assert one["transfer"]["amount"] == "1.2300"
    assert one["transfer"]["status"] == "complete"
    listed = api.get("/portfolio/intra_exchange_instance_transfers").json()
    assert [t["transfer_id"] for t in listed["transfers"]] == [transfer_id]
    assert "cursor" not in listed
    assert ex.balance_cents(1) == 123
    margined = {**body, "destination": "margined"}
    response = api.post("/portfolio/intra_exchange_instance_transfer", json=margined)
    assert_error(response, 403, "margined_not_enabled")


def test_deposits_withdrawals_and_their_pages(ex: LocalExchange, api: httpx.Client) -> None:
    for amount in (100, 200, 300):
        ex.deposit(amount)
    ex.withdraw(50)
    first = api.get("/portfolio/deposits", params={"limit": 3}).json()
    assert [d["amount_cents"] for d in first["deposits"]] == [300, 200, 100]
    rest = api.get("/portfolio/deposits", params={"limit": 3, "cursor": first["cursor"]}).json()
    assert [d["amount_cents"] for d in rest["deposits"]] == [START]
    assert rest["cursor"] == ""
    (withdrawal,) = api.get("/portfolio/withdrawals").json()["withdrawals"]
    assert withdrawal["amount_cents"] == 50
    assert balance(api) == START + 600 - 50


def test_fills_and_positions_page_too(ex: LocalExchange, api: httpx.Client) -> None:
    for ticker in (T50, T60, WX):
        best_ask, _ = ex.book(ticker).asks[0]
        place(api, ticker=ticker, price=dollars(best_ask), count="1")
    first = api.get("/portfolio/positions", params={"limit": 2}).json()
    assert len(first["market_positions"]) == 2
    assert {e["event_ticker"] for e in first["event_positions"]} == {
        "KXDEMO-26DEC31",
        "KXWX-26JUN30",
    }
    second = api.get("/portfolio/positions", params={"limit": 2, "cursor": first["cursor"]}).json()
    assert len(second["market_positions"]) == 1
    assert second["event_positions"] == []  # event aggregates come with the first page only
    tickers = [p["ticker"] for p in first["market_positions"] + second["market_positions"]]
    assert sorted(tickers) == sorted([T50, T60, WX])
    fills = api.get("/portfolio/fills", params={"limit": 1}).json()
    assert len(fills["fills"]) == 1 and fills["cursor"]


def test_target_balance_allocation(api: httpx.Client) -> None:
    empty = api.get("/portfolio/target_balance_allocation").json()
    assert empty == {"allocations": [], "resting_margin_reservation": "sum"}
    body = {
        "allocations": [{"exchange_index": 0, "percent": 60}, {"exchange_index": 1, "percent": 40}],
        "resting_margin_reservation": "max",
    }
    assert api.post("/portfolio/target_balance_allocation", json=body).json() == {}
    assert api.get("/portfolio/target_balance_allocation").json() == body
    bad = {"allocations": [{"exchange_index": 0, "percent": 60}]}
    assert_error(
        api.post("/portfolio/target_balance_allocation", json=bad), 400, "invalid_parameters"
    )


def test_in_process_app_serves_the_same_api(ex: LocalExchange, rsa_key: rsa.RSAPrivateKey) -> None:
    transport = httpx.ASGITransport(app=ex.app)

    async def go() -> int:
        async with httpx.AsyncClient(
            transport=transport, base_url=ex.base_url, auth=Signer(ex.key_id, rsa_key)
        ) as client:
            return (await client.get("/portfolio/balance")).json()["balance"]  # type: ignore[no-any-return]

    assert asyncio.run(go()) == START


# ---- lifecycle -----------------------------------------------------------------------------


async def test_async_context_manager_serves_and_stops() -> None:
    async with LocalExchange(seed=1, starting_balance_cents=500) as exchange:
        auth = Signer(exchange.key_id, load_key(exchange.private_key_pem))
        async with httpx.AsyncClient(
            base_url=exchange.base_url, auth=auth, verify=NO_TLS
        ) as client:
            assert (await client.get("/portfolio/balance")).json()["balance"] == 500
        url = exchange.base_url
    assert "not started" in repr(exchange)
    with pytest.raises(httpx.ConnectError):
        http_get(f"{url}/portfolio/balance")


def test_exchange_refuses_non_loopback_hosts() -> None:
    with pytest.raises(ValueError, match="loopback"):
        LocalExchange(host="0.0.0.0")


def test_repr_and_str_never_show_the_private_key(ex: LocalExchange) -> None:
    assert b"PRIVATE KEY" in ex.private_key_pem
    assert "PRIVATE" not in repr(ex) and "PRIVATE" not in str(ex)


def test_command_line_runs_until_sigterm(tmp_path: Path) -> None:
    key_out = tmp_path / "key.pem"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kalshi_ext.testing.exchange",
            "--port",
            "0",
            "--key-out",
            str(key_out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        lines: dict[str, str] = {}
        while len(lines) < 3:
            line = process.stdout.readline()
            assert line, "the exchange exited before printing its export lines"
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").strip().partition("=")
                lines[name] = value
        assert lines["KALSHI_PRIVATE_KEY_PATH"] == str(key_out)
        assert key_out.stat().st_mode & 0o777 == 0o600
        auth = Signer(lines["KALSHI_KEY_ID"], load_key(key_out.read_bytes()))
        response = http_get(f"{lines['KALSHI_API_BASE_URL']}/portfolio/balance", auth=auth)
        assert response.json()["balance"] == START
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert "PRIVATE KEY" not in out + err
    assert key_out.exists(), "a key file the caller named is kept"
