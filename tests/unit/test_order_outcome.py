"""An order call's error says what became of the order, as an attribute and in str(e)
(issue 9, item 20), so `log.error("%s", e)` keeps it."""

from __future__ import annotations

import logging
import pickle

import pytest

from kalshi_ext import APIConnectionError, BadRequestError, ConflictError, KalshiError
from kalshi_ext.generated_methods import CreateOrderV2Fields
from tests.fakes import FakeExchange, FakeTime

ORDER: CreateOrderV2Fields = {"ticker": "T", "side": "bid", "count": 1, "price": "0.50"}


def exchange() -> FakeExchange:
    return FakeExchange(FakeTime())


def test_unknown_outcome_is_in_str_and_attribute(caplog: pytest.LogCaptureFixture) -> None:
    ex = exchange()
    ex.faults = ["drop_after"] + [503] * 20  # placed, then every lookup fails
    with ex.client(max_retries=0) as client, pytest.raises(APIConnectionError) as caught:
        client.create_order(**ORDER)
    error = caught.value
    assert error.outcome == "unknown"
    assert error.client_order_id in ex.orders
    assert "[order unknown: whether client_order_id" in str(error)
    logging.getLogger("bot").error("%s", error)
    assert "order unknown" in caplog.text
    assert pickle.loads(pickle.dumps(error)).outcome == "unknown"


def test_absent_after_a_lookup_that_finds_nothing() -> None:
    ex = exchange()
    ex.faults = ["drop_before", "drop_before"]  # connect failures: never reached the exchange
    with (
        ex.client(max_retries=1, retry_base_delay=0.0) as client,
        pytest.raises(APIConnectionError) as caught,
    ):
        client.create_order(**ORDER)
    assert caught.value.outcome == "absent"
    assert "never reached the exchange" in str(caught.value)
    assert not ex.orders


def test_absent_when_the_exchange_refuses() -> None:
    ex = exchange()
    ex.faults = [400]
    with ex.client() as client, pytest.raises(BadRequestError) as caught:
        client.create_order(**(ORDER | {"client_order_id": "mine"}))
    assert (caught.value.client_order_id, caught.value.outcome) == ("mine", "absent")
    assert str(caught.value).endswith("[order absent: the exchange refused client_order_id mine]")


def test_a_differing_order_under_our_id_is_absent_with_the_reason() -> None:
    ex = exchange()
    with ex.client() as client:
        client.create_order(**(ORDER | {"client_order_id": "same-id"}))
        ex.faults = ["drop_after"]
        with pytest.raises(ConflictError) as caught:
            client.create_order(
                ticker="T", side="bid", count=7, price="0.90", client_order_id="same-id"
            )
    assert caught.value.outcome == "absent"
    assert "differs" in str(caught.value)


def test_errors_without_an_order_say_nothing_of_one() -> None:
    assert KalshiError("plain").outcome is None
    assert str(KalshiError("plain")) == "plain"


def test_a_batch_closed_after_its_orders_were_found_absent_says_so() -> None:
    # close() during a batch's wait between rounds: the rounds so far may have reached the
    # exchange, and the lookups found none of its orders; the error must say they are absent.
    ex = exchange()
    ex.faults = [503]  # may have landed: looked up (nothing there), then a wait to resend
    client = ex.client(max_retries=3, retry_base_delay=0.5)
    client._sleep = lambda seconds: client.close()  # close() comes during the wait
    orders = [ORDER | {"client_order_id": f"b{n}"} for n in range(3)]
    with pytest.raises(KalshiError) as caught:
        client.batch_create_orders(orders=orders)
    assert not ex.orders
    assert caught.value.outcome == "absent"
    assert "[order absent: " in str(caught.value) and "3 orders" in str(caught.value)
