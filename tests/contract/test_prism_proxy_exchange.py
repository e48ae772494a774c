"""A scripted trading session through Prism's validating proxy in front of the LocalExchange:
every operation at least once, and Prism must find no violation in any request or response."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from kalshi_ext import Client, KalshiConfig, NotFoundError, PermissionDeniedError
from kalshi_ext.testing import LocalExchange
from tests.contract.prism import PrismServer, assert_no_violations
from tests.spec_payloads import operations

TICKER = "KXDEMO-26DEC31-T50"
OTHER = "KXDEMO-26DEC31-T60"


@pytest.fixture(scope="module")
def exchange() -> Iterator[LocalExchange]:
    # At the root: Prism ignores the spec's base path, so the path it forwards is the one signed.
    with LocalExchange(base_path="") as running:
        yield running


def test_every_operation_through_the_validating_proxy(
    exchange: LocalExchange, prism_proxy: Callable[[str], PrismServer]
) -> None:
    proxy = prism_proxy(exchange.base_url)
    seen: list[tuple[str, httpx.Response]] = []
    called: set[str] = set()

    def record(response: httpx.Response) -> None:
        response.read()
        seen.append((f"{response.request.method} {response.request.url.path}", response))

    config = KalshiConfig(base_url=proxy.base_url, max_retries=0)
    with Client(
        key_id=exchange.key_id, private_key=exchange.private_key_pem, config=config
    ) as client:
        client.http.event_hooks["response"].append(record)

        def call(name: str, **arguments: object) -> Any:
            called.add(name)
            return getattr(client, name)(**arguments)

        call("get_balance")
        group = call("create_order_group", contracts_limit=50)
        group_id = group.order_group_id
        resting = call(
            "create_order",
            ticker=TICKER,
            side="bid",
            count=3,
            price="0.05",
            order_group_id=group_id,
        )
        call(
            "create_order",
            ticker=TICKER,
            side="bid",
            count=1,
            price="0.99",
            time_in_force="immediate_or_cancel",
        )
        batch = call(
            "batch_create_orders",
            orders=[
                {"ticker": OTHER, "side": "bid", "count": 1, "price": "0.04"},
                {"ticker": OTHER, "side": "bid", "count": 1, "price": "0.03"},
            ],
        )
        call("get_orders", ticker=TICKER)
        call("get_order", order_id=resting.order_id)
        call("get_order_queue_position", order_id=resting.order_id)
        call("get_queue_positions", market_tickers=f"{TICKER},{OTHER}")
        call(
            "amend_order",
            order_id=resting.order_id,
            ticker=TICKER,
            side="bid",
            price="0.06",
            count=3,
        )
        call("decrease_order", order_id=resting.order_id, reduce_by=1)
        call("get_total_resting_order_value")
        call("get_fills", ticker=TICKER)
        call("get_positions")
        call("get_order_group", order_group_id=group_id)
        call("get_order_groups")
        call("update_order_group_limit", order_group_id=group_id, contracts_limit=40)
        call("reset_order_group", order_group_id=group_id)
        call("trigger_order_group", order_group_id=group_id)
        call("delete_order_group", order_group_id=group_id)
        first = batch.orders[0].order_id
        call("cancel_order", order_id=first)
        call("batch_cancel_orders", orders=[{"order_id": batch.orders[1].order_id}])
        call("create_order", ticker=OTHER, side="bid", count=1, price="0.02")
        call("cancel_all_orders")
        exchange.settle_market(TICKER, "yes")
        call("get_settlements")
        call("get_deposits")
        call("get_withdrawals")
        call("create_subaccount")
        call("get_subaccount_balances")
        call(
            "apply_subaccount_transfer",
            client_transfer_id="5f0c2a4e-8d4b-4f2a-9a51-2f7c6b1d0e93",
            from_subaccount=0,
            to_subaccount=1,
            amount_cents=100,
        )
        call("get_subaccount_transfers")
        call("get_subaccount_netting")
        call("update_subaccount_netting", subaccount_number=1, enabled=True)
        call("get_target_balance_allocation")
        call("get_intra_exchange_instance_transfers")
        call("set_target_balance_allocation", allocations=[])
        # The local exchange has no margined instance: declared 403 and 404 answers.
        with pytest.raises(PermissionDeniedError):
            call(
                "create_intra_exchange_instance_transfer",
                source="event_contract",
                destination="margined",
                amount=100,
            )
        with pytest.raises(NotFoundError):
            call(
                "get_intra_exchange_instance_transfer",
                transfer_id="5f0c2a4e-8d4b-4f2a-9a51-2f7c6b1d0e94",
            )
    assert called == {op["operationId"] for _, _, op in operations()}
    for where, response in seen:
        assert_no_violations(response, where)
