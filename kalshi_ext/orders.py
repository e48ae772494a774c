"""Order writes: exact price/count conversion and exactly-once placement (single and batched).

Placement is made safe to retry by the ``client_order_id``: one is made (uuid4) when the caller
gives none and kept for every attempt. After an ambiguous failure (the request may have reached
the exchange: a dropped connection, a read timeout, a 5xx) the order is looked up by that id
before anything is sent again, so a call never places two orders.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from kalshi_ext.errors import APIConnectionError, KalshiError, make_status_error
from kalshi_ext.flow import Flow, Sleep, send_with_retries
from kalshi_ext.operations import (
    CallContext,
    Detailed,
    OperationInfo,
    build_request,
    parse_response,
)
from kalshi_ext.pagination import PAGED, CursorWalk, PageRequest
from kalshi_ext.retry import backoff_delay, is_retryable_status
from kalshi_generated.models import BatchCreateOrdersV2Response, CreateOrderV2Response, Order
from kalshi_generated.types import Unset

PRICE_MIN, PRICE_MAX = Decimal("0.01"), Decimal("0.99")
DEFAULT_TICK = Decimal("0.01")
COUNT_STEP = Decimal("0.01")  # fixed-point counts have 0.01 granularity
# Defaults for the two fields the API requires on every order.
DEFAULT_TIME_IN_FORCE = "good_till_canceled"
DEFAULT_SELF_TRADE_PREVENTION = "taker_at_cross"
LOOKUP_SLACK_S = 60  # orders are searched from this long before the first attempt (clock skew)


def _decimal(value: object, what: str) -> Decimal:
    if isinstance(value, bool | float):
        raise TypeError(
            f"{what} must be a Decimal, str or int, not {type(value).__name__} "
            "(a float cannot hold a price exactly: pass '0.56' or Decimal('0.56'))"
        )
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{what} {value!r} is not a number") from None
    else:
        raise TypeError(f"{what} must be a Decimal, str or int, not {type(value).__name__}")
    if not number.is_finite():
        raise ValueError(f"{what} must be finite, got {value!r}")
    return number


def price_to_wire(price: Decimal | str | int, *, tick_size: Decimal | str = DEFAULT_TICK) -> str:
    """A price as the wire's fixed-point dollar string ("0.5600").

    Decimal and str are dollars; an int is cents (56 -> "0.5600"), as in Kalshi's integer prices.
    Refuses prices outside $0.01-$0.99 and prices off the market's tick (default $0.01).
    """
    if isinstance(price, int) and not isinstance(price, bool):
        dollars = Decimal(price) / 100
    else:
        dollars = _decimal(price, "price")
    tick = _decimal(tick_size, "tick_size")
    if tick <= 0:
        raise ValueError(f"tick_size must be positive, got {tick_size!r}")
    if not PRICE_MIN <= dollars <= PRICE_MAX:
        raise ValueError(f"price {price!r} is outside ${PRICE_MIN}-${PRICE_MAX}")
    if dollars % tick != 0:
        raise ValueError(f"price {price!r} is not a multiple of the tick size ${tick}")
    if dollars != dollars.quantize(Decimal("0.0001")):
        raise ValueError(f"price {price!r} has more than 4 decimal places")
    return str(dollars.quantize(Decimal("0.0001")))


def count_to_wire(
    count: Decimal | str | int, *, what: str = "count", allow_zero: bool = False
) -> str:
    """A contract count as the wire's fixed-point string ("10.00"); 0.01 granularity."""
    number = (
        Decimal(count)
        if isinstance(count, int) and not isinstance(count, bool)
        else _decimal(count, what)
    )
    if number < 0 or (number == 0 and not allow_zero):
        raise ValueError(f"{what} must be positive, got {count!r}")
    if number % COUNT_STEP != 0:
        raise ValueError(f"{what} {count!r} is finer than the 0.01 contract granularity")
    return str(number.quantize(COUNT_STEP))


def normalize_order(
    order: Mapping[str, Any], *, tick_size: Decimal | str = DEFAULT_TICK
) -> dict[str, Any]:
    """An order's fields ready for the wire: exact strings, defaults, and a client_order_id."""
    fields = {
        key: value
        for key, value in order.items()
        if value is not None and not isinstance(value, Unset)
    }
    for required in ("ticker", "side", "count", "price"):
        if required not in fields:
            raise TypeError(f"an order needs {required}=")
    fields["price"] = price_to_wire(fields["price"], tick_size=tick_size)
    fields["count"] = count_to_wire(fields["count"])
    fields.setdefault("time_in_force", DEFAULT_TIME_IN_FORCE)
    fields.setdefault("self_trade_prevention_type", DEFAULT_SELF_TRADE_PREVENTION)
    client_order_id = fields.setdefault("client_order_id", str(uuid.uuid4()))
    if not isinstance(client_order_id, str) or not client_order_id:
        raise ValueError("client_order_id must be a non-empty str")
    return fields


def normalize_amend(
    arguments: Mapping[str, Any], *, tick_size: Decimal | str = DEFAULT_TICK
) -> dict[str, Any]:
    fields = dict(arguments)
    if "price" in fields:
        fields["price"] = price_to_wire(fields["price"], tick_size=tick_size)
    if "count" in fields:
        fields["count"] = count_to_wire(fields["count"])
    return fields


def normalize_decrease(arguments: Mapping[str, Any]) -> dict[str, Any]:
    fields = dict(arguments)
    if ("reduce_by" in fields) == ("reduce_to" in fields):
        raise TypeError("decrease_order needs exactly one of reduce_by= or reduce_to=")
    if "reduce_by" in fields:
        fields["reduce_by"] = count_to_wire(fields["reduce_by"], what="reduce_by")
    if "reduce_to" in fields:
        fields["reduce_to"] = count_to_wire(fields["reduce_to"], what="reduce_to", allow_zero=True)
    return fields


def _is_ambiguous(response_status: int) -> bool:
    """A status after which the order may or may not exist on the exchange."""
    return response_status >= 500 and is_retryable_status(response_status)


def find_orders(
    ctx: CallContext, tickers: Sequence[str], client_order_ids: set[str], since_s: int
) -> Flow[dict[str, Order]]:
    """The member's orders with these client_order_ids, placed in these markets since since_s."""
    found: dict[str, Order] = {}
    for ticker in sorted(set(tickers)):
        request = PageRequest.create(
            PAGED["orders"],
            {"ticker": ticker, "min_ts": since_s},
            page_size=1000,
            start_cursor=None,
            max_items=None,
        )
        walk = CursorWalk("get_orders", None)
        while True:
            page = yield from request.page_flow(ctx, walk.cursor)
            for order in page.items:
                if order.client_order_id in client_order_ids:
                    found[order.client_order_id] = order
            if client_order_ids <= found.keys() or not walk.advance(page.next_cursor):
                break
    return found


def _created_item(order: Order) -> dict[str, Any]:
    """A create-order reply rebuilt from the order found on the exchange."""
    created = order.created_time
    ts_ms = int(created.timestamp() * 1000) if isinstance(created, datetime) else 0
    return {
        "order_id": order.order_id,
        "client_order_id": order.client_order_id,
        "fill_count": order.fill_count_fp,
        "remaining_count": order.remaining_count_fp,
        "ts_ms": ts_ms,
    }


def create_order_flow(
    ctx: CallContext,
    arguments: Mapping[str, Any],
    *,
    retry: bool = True,
    tick_size: Decimal | str = DEFAULT_TICK,
) -> Flow[Detailed[CreateOrderV2Response]]:
    fields = normalize_order(arguments, tick_size=tick_size)
    op = OperationInfo.load("create_order")
    request = build_request(op, fields)
    since_s = int(ctx.clock.wall()) - LOOKUP_SLACK_S
    policy = ctx.policy if retry else attrs.evolve(ctx.policy, max_retries=0)
    client_order_id = fields["client_order_id"]

    def recover() -> Flow[Detailed[CreateOrderV2Response] | None]:
        found = yield from find_orders(ctx, [fields["ticker"]], {client_order_id}, since_s)
        if client_order_id not in found:
            return None
        order = found[client_order_id]
        return Detailed(
            CreateOrderV2Response.from_dict(_created_item(order)), None, retries, recovered=True
        )

    retries = 0
    try:
        sent = yield from send_with_retries(
            request,
            policy=policy,
            retry_safe=True,
            path=ctx.base_path + request.url,
            clock=ctx.clock,
        )
    except APIConnectionError as failure:
        # Retries are spent and the order may exist: look before reporting a failure.
        retries = policy.max_retries
        recovered = yield from _try(recover())
        if recovered is not None:
            return recovered
        failure.add_note(f"client_order_id {client_order_id} was not found on the exchange")
        raise
    retries = sent.retries_taken
    status = sent.response.status_code
    # A 409 after a retry is our own earlier attempt having landed; a final 5xx may have too.
    if (status == 409 and retries > 0) or _is_ambiguous(status):
        recovered = yield from _try(recover())
        if recovered is not None:
            return recovered
    return Detailed(parse_response(op, sent.response, ctx.json_loads), sent.response, retries)


def _try(flow: Flow[Detailed[Any] | None]) -> Flow[Detailed[Any] | None]:
    """Run a recovery lookup; its own failure leaves the original outcome standing."""
    try:
        return (yield from flow)
    except KalshiError:
        return None


def batch_create_orders_flow(
    ctx: CallContext,
    orders: Sequence[Mapping[str, Any]],
    *,
    retry: bool = True,
    tick_size: Decimal | str = DEFAULT_TICK,
) -> Flow[Detailed[BatchCreateOrdersV2Response]]:
    """Place orders in batches; after an ambiguous failure resend only those not found."""
    if isinstance(orders, Mapping) or not orders:
        raise ValueError("batch_create_orders needs a non-empty list of orders")
    normalized = [normalize_order(order, tick_size=tick_size) for order in orders]
    ids = [order["client_order_id"] for order in normalized]
    if len(set(ids)) != len(ids):
        raise ValueError("every order in a batch needs its own client_order_id")
    op = OperationInfo.load("batch_create_orders")
    since_s = int(ctx.clock.wall()) - LOOKUP_SLACK_S
    rounds = ctx.policy.max_retries if retry else 0
    results: dict[str, dict[str, Any]] = {}
    pending = normalized
    uncertain: set[str] = set()  # ids sent in a round whose outcome we did not see
    last_response = None
    for round_number in range(rounds + 1):
        request = build_request(op, {"orders": pending})
        outcome: Exception | None = None
        try:
            sent = yield from send_with_retries(
                request,
                policy=attrs.evolve(ctx.policy, max_retries=0),
                retry_safe=False,  # never resend blindly: look first
                path=ctx.base_path + request.url,
                clock=ctx.clock,
            )
        except APIConnectionError as exc:
            outcome = exc
        else:
            last_response = sent.response
            if not _is_ambiguous(sent.response.status_code):
                reply = parse_response(op, sent.response, ctx.json_loads)
                for item in reply.orders:
                    results[str(item.client_order_id)] = item.to_dict()
                break
            outcome = make_status_error(sent.response)
        uncertain.update(order["client_order_id"] for order in pending)
        found = yield from find_orders(
            ctx, [o["ticker"] for o in pending], {o["client_order_id"] for o in pending}, since_s
        )
        for client_order_id, order in found.items():
            results[client_order_id] = _created_item(order)
        pending = [order for order in pending if order["client_order_id"] not in found]
        if not pending:
            break
        if round_number == rounds:
            raise outcome
        yield Sleep(backoff_delay(round_number, ctx.policy.base_delay, ctx.policy.max_delay))
    # A duplicate error for an id whose earlier round we did not see: that round placed it.
    duplicated = {cid for cid, item in results.items() if item.get("error") and cid in uncertain}
    if duplicated:
        found = yield from find_orders(
            ctx,
            [o["ticker"] for o in normalized if o["client_order_id"] in duplicated],
            duplicated,
            since_s,
        )
        results.update({cid: _created_item(order) for cid, order in found.items()})
    reply = BatchCreateOrdersV2Response.from_dict(
        {"orders": [results[cid] for cid in ids if cid in results]}
    )
    return Detailed(reply, last_response, round_number, recovered=bool(uncertain))
