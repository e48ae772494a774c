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
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import TYPE_CHECKING, Any, Final

import attrs

from kalshi_ext.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ArgumentTypeError,
    BatchIncompleteError,
    ClientClosedError,
    InvalidArgumentError,
    KalshiError,
    RateLimitError,
    ResponseValidationError,
)
from kalshi_ext.flow import AttemptLog, Flow, Sleep, as_recovery, send_with_retries
from kalshi_ext.operations import (
    CallContext,
    Detailed,
    OperationInfo,
    build_request,
    check_body_fields,
    parse_response,
)
from kalshi_ext.pagination import PAGED, CursorWalk, PageRequest
from kalshi_ext.retry import is_retryable_status, retry_delay
from kalshi_generated.types import Unset

if TYPE_CHECKING:  # the models are imported by the first order call (import kalshi_ext stays fast)
    from kalshi_generated.models import BatchCreateOrdersV2Response, CreateOrderV2Response, Order

PRICE_MIN, PRICE_MAX = Decimal("0.01"), Decimal("0.99")
PRICE_STEP = Decimal("0.0001")  # the wire's prices have 4 decimal places
DEFAULT_TICK = Decimal("0.01")
COUNT_STEP = Decimal("0.01")  # fixed-point counts have 0.01 granularity
# Far above any position limit; it keeps every count's arithmetic exact (28 digits).
MAX_COUNT = Decimal(10) ** 15
# Defaults for the two fields the API requires on every order.
DEFAULT_TIME_IN_FORCE: Final = "good_till_canceled"
DEFAULT_SELF_TRADE_PREVENTION: Final = "taker_at_cross"
ORDER_DEFAULTED = frozenset({"client_order_id", "time_in_force", "self_trade_prevention_type"})
LOOKUP_SLACK_S = 60  # orders are searched from this long before the first attempt (clock skew)
# Our own context: a caller's decimal.getcontext() (precision, traps) must not change the wire.
_EXACT = Context(
    prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)
_EXAMPLES = {"price": "'0.56' or Decimal('0.56')", "tick_size": "'0.01' or Decimal('0.01')"}


def _decimal(value: object, what: str) -> Decimal:
    # Callers take an int themselves (cents, contracts) before asking here; tick_size does not.
    accepted = "a Decimal or str" if what == "tick_size" else "a Decimal, str or int"
    example = _EXAMPLES.get(what, "'10' or Decimal('10')")
    if isinstance(value, float):
        raise ArgumentTypeError(
            f"{what} must be {accepted}, not float "
            f"(a float cannot hold a {what} exactly: pass {example})"
        )
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidArgumentError(f"{what} {value[:40]!r} is not a number") from None
    else:
        raise ArgumentTypeError(
            f"{what} must be {accepted} (e.g. {example}), not {type(value).__name__}"
        )
    if not number.is_finite():
        raise InvalidArgumentError(f"{what} must be finite, got {value!r}")
    return number


def price_to_wire(price: Decimal | str | int, *, tick_size: Decimal | str = DEFAULT_TICK) -> str:
    """A price as the wire's fixed-point dollar string ("0.5600").

    Decimal and str are dollars; an int is cents (56 -> "0.5600"), as in Kalshi's integer prices.
    Refuses prices outside $0.01-$0.99 and prices off the market's tick (default $0.01); a bad
    price or tick raises InvalidArgumentError (a ValueError), or ArgumentTypeError for a float.
    """
    with localcontext(_EXACT):
        if isinstance(price, int) and not isinstance(price, bool):
            dollars = Decimal(price).scaleb(-2)  # exact for any int, unlike a division
        else:
            dollars = _decimal(price, "price")
        tick = _decimal(tick_size, "tick_size")
        if tick <= 0:
            raise InvalidArgumentError(f"tick_size must be positive, got {tick_size!r}")
        if not PRICE_STEP <= tick <= PRICE_MAX:
            raise InvalidArgumentError(
                f"tick_size must be from ${PRICE_STEP} (prices have 4 decimal places) to "
                f"${PRICE_MAX}, got {_shown(tick_size)}"
            )
        if not PRICE_MIN <= dollars <= PRICE_MAX:
            raise InvalidArgumentError(
                f"price {_shown(price)} is outside ${PRICE_MIN}-${PRICE_MAX}"
            )
        # Both are bounded now, so the remainder is exact.
        if dollars % tick != 0:
            raise InvalidArgumentError(
                f"price {_shown(price)} is not a multiple of the tick size ${tick}"
            )
        if dollars != dollars.quantize(PRICE_STEP):
            raise InvalidArgumentError(f"price {_shown(price)} has more than 4 decimal places")
        return str(dollars.quantize(PRICE_STEP))


def count_to_wire(
    count: Decimal | str | int, *, what: str = "count", allow_zero: bool = False
) -> str:
    """A contract count as the wire's fixed-point string ("10.00"); 0.01 granularity, below
    MAX_COUNT. A bad count raises InvalidArgumentError (a ValueError), or ArgumentTypeError."""
    with localcontext(_EXACT):
        number = (
            Decimal(count)
            if isinstance(count, int) and not isinstance(count, bool)
            else _decimal(count, what)
        )
        if number < 0 or (number == 0 and not allow_zero):
            raise InvalidArgumentError(f"{what} must be positive, got {_shown(count)}")
        if number >= MAX_COUNT:
            raise InvalidArgumentError(
                f"{what} {_shown(count)} is too large: a count must be below {MAX_COUNT:,f}"
            )
        # An exact test (a remainder can underflow to 0 for a count like 1e-999999999).
        wire = number.quantize(COUNT_STEP)
        if wire != number:
            raise InvalidArgumentError(
                f"{what} {_shown(count)} is finer than the 0.01 contract granularity"
            )
        return str(wire)


def _shown(value: object) -> str:
    """A value for a message, cut short (an int may have thousands of digits)."""
    if isinstance(value, int) and value.bit_length() > 256:
        # repr() of an int over 4,300 digits raises ValueError; a long one says nothing anyway.
        digits = int(value.bit_length() * 0.30103) + 1  # log10(2): within one of the count
        return f"{'-' if value < 0 else ''}(an int of about {digits:,} digits)"
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


def normalize_order(
    order: Mapping[str, Any],
    *,
    tick_size: Decimal | str = DEFAULT_TICK,
    operation: str = "create_order()",
) -> dict[str, Any]:
    """An order's fields ready for the wire: exact strings, defaults, and a client_order_id.

    Unknown fields and bad enum values are refused first, then missing ones, then the values.
    """
    if not isinstance(order, Mapping):
        raise ArgumentTypeError(
            f"{operation}: each order must be a dict of fields, not {type(order).__name__}"
        )
    fields = {
        key: value
        for key, value in order.items()
        if value is not None and not isinstance(value, Unset)
    }
    check_body_fields(OperationInfo.load("create_order"), fields, operation)
    for required in ("ticker", "side", "count", "price"):
        if required not in fields:
            raise ArgumentTypeError(f"an order needs {required}=")
    fields["price"] = price_to_wire(fields["price"], tick_size=tick_size)
    fields["count"] = count_to_wire(fields["count"])
    fields.setdefault("time_in_force", DEFAULT_TIME_IN_FORCE)
    fields.setdefault("self_trade_prevention_type", DEFAULT_SELF_TRADE_PREVENTION)
    client_order_id = fields.setdefault("client_order_id", str(uuid.uuid4()))
    if not isinstance(client_order_id, str) or not client_order_id:
        raise InvalidArgumentError("client_order_id must be a non-empty str")
    return fields


def normalize_amend(arguments: Mapping[str, Any]) -> dict[str, Any]:
    fields = dict(arguments)
    tick_size = fields.pop("tick_size", DEFAULT_TICK)
    if "price" in fields:
        fields["price"] = price_to_wire(fields["price"], tick_size=tick_size)
    if "count" in fields:
        fields["count"] = count_to_wire(fields["count"])
    return fields


def normalize_decrease(arguments: Mapping[str, Any]) -> dict[str, Any]:
    fields = dict(arguments)
    if ("reduce_by" in fields) == ("reduce_to" in fields):
        raise ArgumentTypeError("decrease_order needs exactly one of reduce_by= or reduce_to=")
    if "reduce_by" in fields:
        fields["reduce_by"] = count_to_wire(fields["reduce_by"], what="reduce_by")
    if "reduce_to" in fields:
        fields["reduce_to"] = count_to_wire(fields["reduce_to"], what="reduce_to", allow_zero=True)
    return fields


def _within_budget(ctx: CallContext, started: float) -> CallContext | None:
    """ctx with what is left of total_timeout since `started`; None when nothing is left.

    An order call is several requests (placement, lookups, batch rounds): one budget for all.
    """
    total = ctx.policy.total_timeout
    if total is None:
        return ctx
    remaining = total - (ctx.clock.monotonic() - started)
    if remaining <= ctx.policy.min_attempt_time:
        return None
    return attrs.evolve(ctx, policy=attrs.evolve(ctx.policy, total_timeout=remaining))


def find_orders(
    ctx: CallContext, orders: Sequence[Mapping[str, Any]], since_s: int, started: float
) -> Flow[dict[str, Order]]:
    """The member's orders with the client_order_ids of `orders`, placed since since_s; every
    page within what is left of the call's total_timeout (counted from `started`)."""
    wanted = {order["client_order_id"] for order in orders}
    found: dict[str, Order] = {}
    scopes = sorted(
        {(o["ticker"], o.get("subaccount"), o.get("exchange_index")) for o in orders}, key=str
    )
    for ticker, subaccount, exchange_index in scopes:
        filters: dict[str, Any] = {"ticker": ticker, "min_ts": since_s}
        if subaccount is not None:
            filters["subaccount"] = subaccount
        if exchange_index is not None:
            filters["exchange_index"] = exchange_index
        request = PageRequest.create(
            PAGED["orders"], filters, page_size=1000, start_cursor=None, max_items=None
        )
        walk = CursorWalk("get_orders", None)
        while True:
            budget = _within_budget(ctx, started)
            if budget is None:
                raise APITimeoutError("total_timeout spent while looking orders up")
            page = yield from request.page_flow(budget, walk.cursor)
            for order in page.items:
                if order.client_order_id in wanted:
                    found[order.client_order_id] = order
            if wanted <= found.keys() or not walk.advance(
                page.next_cursor, page_was_empty=not len(page)
            ):
                break
    return found


@attrs.frozen
class Lookup:
    """The outcome of looking orders up: what was found, or why nothing could be."""

    found: dict[str, Order]
    failure: KalshiError | None = None


def _look_up(
    ctx: CallContext, orders: Sequence[Mapping[str, Any]], since_s: int, started: float
) -> Flow[Lookup]:
    try:
        # as_recovery: a lookup is still sent when the client is closed during the call.
        return Lookup((yield from as_recovery(find_orders(ctx, orders, since_s, started))))
    except KalshiError as exc:
        return Lookup({}, exc)


def _matches(order: Order, fields: Mapping[str, Any]) -> bool:
    """Whether an order found by client_order_id is the one these fields describe."""
    try:
        return (
            order.ticker == fields["ticker"]
            and order.book_side == fields["side"]
            and Decimal(order.yes_price_dollars) == Decimal(fields["price"])
            and Decimal(order.initial_count_fp) == Decimal(fields["count"])
        )
    except (InvalidOperation, TypeError):
        return False


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
    """Place one order; after an unclear outcome, find it by client_order_id before failing."""
    if not isinstance(retry, bool):
        raise ArgumentTypeError(f"retry must be True or False, not {retry!r}")
    fields = normalize_order(arguments, tick_size=tick_size)
    op = OperationInfo.load("create_order")
    request = build_request(op, fields)
    started = ctx.clock.monotonic()
    since_s = int(ctx.clock.wall()) - LOOKUP_SLACK_S
    policy = ctx.policy if retry else attrs.evolve(ctx.policy, max_retries=0)
    client_order_id = fields["client_order_id"]
    log = AttemptLog()
    sent = None
    try:
        sent = yield from send_with_retries(
            request,
            policy=policy,
            retry_safe=True,  # the client_order_id makes a resend answer 409, not a second order
            path=ctx.base_path + request.url,
            clock=ctx.clock,
            log=log,
        )
        parsed = parse_response(op, sent.response, ctx.json_loads)
        return Detailed(parsed, sent.response, sent.retries_taken)
    except KalshiError as failure:
        failure.client_order_id = client_order_id
        # A 2xx we could not read placed the order; so may an attempt with no clear answer,
        # which makes a later 409 (or any other refusal) our own earlier attempt's doing.
        if not (log.may_have_landed or isinstance(failure, ResponseValidationError)):
            failure.set_outcome(
                "absent",
                f"the exchange refused client_order_id {client_order_id}"
                if isinstance(failure, APIStatusError)
                else f"client_order_id {client_order_id} never reached the exchange",
            )
            raise
        lookup = yield from _look_up(ctx, [fields], since_s, started)
        order = lookup.found.get(client_order_id)
        if order is not None and _matches(order, fields):
            if isinstance(failure, ClientClosedError):  # the caller is shutting down: say so
                failure.set_outcome(
                    "placed",
                    f"order {order.order_id} (client_order_id {client_order_id}) is on "
                    "the exchange",
                )
                raise
            response = sent.response if sent is not None else None
            from kalshi_generated.models import CreateOrderV2Response

            item = CreateOrderV2Response.from_dict(_created_item(order))
            return Detailed(item, response, log.retries_taken, recovered=True)
        if order is not None:
            detail = (
                f"an order with client_order_id {client_order_id} exists but differs from this "
                "one (ticker, side, price or count): it was not placed by this call"
            )
            failure.add_note(detail)
            failure.set_outcome("absent", detail)
        elif lookup.failure is not None:
            detail = (
                f"whether client_order_id {client_order_id} was placed is unknown: looking it up "
                f"failed ({lookup.failure}); look it up before placing it again"
            )
            failure.add_note(detail)
            failure.set_outcome("unknown", detail)
        else:
            detail = f"client_order_id {client_order_id} is not on the exchange"
            failure.add_note(detail)
            failure.set_outcome("absent", detail)
        raise


def _reply_items(
    pending: Sequence[Mapping[str, Any]], reply: BatchCreateOrdersV2Response
) -> dict[str, dict[str, Any]]:
    """Reply items by client_order_id; by position when the exchange sent no ids at all."""
    items = [item.to_dict() for item in reply.orders]
    ids = {order["client_order_id"] for order in pending}
    by_id = {
        item["client_order_id"]: item
        for item in items
        if isinstance(item.get("client_order_id"), str) and item["client_order_id"] in ids
    }
    no_ids = not any(isinstance(item.get("client_order_id"), str) for item in items)
    if no_ids and len(items) == len(pending):
        by_id = {
            order["client_order_id"]: {**item, "client_order_id": order["client_order_id"]}
            for order, item in zip(pending, items, strict=True)
        }
    return by_id


def batch_create_orders_flow(
    ctx: CallContext,
    orders: Sequence[Mapping[str, Any]],
    *,
    retry: bool = True,
    tick_size: Decimal | str = DEFAULT_TICK,
) -> Flow[Detailed[BatchCreateOrdersV2Response]]:
    """Place orders in one batch; after an unclear outcome, resend only those not found.

    Raises BatchIncompleteError when some orders end placed and others not (or unknown).
    """
    if not isinstance(retry, bool):
        raise ArgumentTypeError(f"retry must be True or False, not {retry!r}")
    if isinstance(orders, str | bytes | Mapping) or not isinstance(orders, Sequence) or not orders:
        raise ArgumentTypeError(
            "batch_create_orders needs orders= as a non-empty list of order dicts"
        )
    normalized = [
        normalize_order(order, tick_size=tick_size, operation=f"batch_create_orders() orders[{i}]")
        for i, order in enumerate(orders)
    ]
    by_cid = {order["client_order_id"]: order for order in normalized}
    ids = list(by_cid)
    if len(ids) != len(normalized):
        raise InvalidArgumentError("every order in a batch needs its own client_order_id")
    op = OperationInfo.load("batch_create_orders")
    started = ctx.clock.monotonic()
    since_s = int(ctx.clock.wall()) - LOOKUP_SLACK_S
    rounds = ctx.policy.max_retries if retry else 0
    results: dict[str, dict[str, Any]] = {}  # reply items, or items rebuilt from orders found
    unknown: set[str] = set()
    sent_unclear: set[str] = set()  # ids sent in a round whose outcome was not seen
    pending: Sequence[Mapping[str, Any]] = normalized
    last_response = None
    round_number = 0

    def incomplete(message: str, cause: Exception | None) -> KalshiError:
        placed = [cid for cid in ids if cid in results and not results[cid].get("error")]
        if not placed and not unknown and cause is not None and isinstance(cause, KalshiError):
            # Nothing was placed: the failure itself is the answer, saying so as create_order's
            # errors do (a close() between rounds, say, after lookups found none of them).
            if cause.outcome is None:
                cause.set_outcome("absent", f"none of the batch's {len(ids)} orders was placed")
            return cause
        error = BatchIncompleteError(
            message,
            placed=[results[cid] for cid in placed],
            not_placed=[cid for cid in ids if cid not in placed and cid not in unknown],
            unknown=[cid for cid in ids if cid in unknown],
        )
        error.__cause__ = cause
        return error

    def look_up(candidates: Sequence[Mapping[str, Any]]) -> Flow[list[Mapping[str, Any]]]:
        """Record the candidates found (and this call's); return those still missing."""
        lookup = yield from _look_up(ctx, candidates, since_s, started)
        if lookup.failure is not None:
            unknown.update(order["client_order_id"] for order in candidates)
            raise incomplete("the batch's outcome could not be established", lookup.failure)
        still_missing = []
        for order in candidates:
            found = lookup.found.get(order["client_order_id"])
            if found is not None and _matches(found, order):
                results[order["client_order_id"]] = _created_item(found)
            elif found is not None:  # someone else's order holds this id: ours was refused
                results[order["client_order_id"]] = {
                    "client_order_id": order["client_order_id"],
                    "error": {"code": "client_order_id_in_use", "message": "another order has it"},
                }
            else:
                still_missing.append(order)
        return still_missing

    while True:
        budget = _within_budget(ctx, started)
        if budget is None:
            raise incomplete("total_timeout spent", None)
        request = build_request(op, {"orders": pending})
        log = AttemptLog()
        failure: KalshiError | None = None
        missing: Sequence[Mapping[str, Any]] = pending
        try:
            sent = yield from send_with_retries(
                request,
                policy=attrs.evolve(budget.policy, max_retries=0),
                retry_safe=False,  # never resend blindly: look first
                path=ctx.base_path + request.url,
                clock=ctx.clock,
                log=log,
            )
            last_response = sent.response
            reply = parse_response(op, sent.response, ctx.json_loads)
        except KalshiError as exc:
            failure = exc
        else:
            by_id = _reply_items(pending, reply)
            results.update(by_id)
            missing = [order for order in pending if order["client_order_id"] not in by_id]
            if not missing:
                break
        landed = (
            failure is None or log.may_have_landed or isinstance(failure, ResponseValidationError)
        )
        if landed:
            sent_unclear.update(order["client_order_id"] for order in missing)
            missing = yield from look_up(missing)
        if not missing:
            break
        retryable = (
            failure is None
            or isinstance(failure, APIConnectionError)
            or (isinstance(failure, APIStatusError) and is_retryable_status(failure.status_code))
        )
        if not retryable or round_number >= rounds:
            raise incomplete("the batch was not placed in full", failure)
        retry_after = failure.retry_after if isinstance(failure, RateLimitError) else None
        delay = retry_delay(
            round_number,
            base_delay=ctx.policy.base_delay,
            max_delay=ctx.policy.max_delay,
            retry_after=retry_after,
        )
        if ctx.policy.total_timeout is not None and (
            ctx.clock.monotonic() - started + delay >= ctx.policy.total_timeout
        ):
            raise incomplete("total_timeout would be spent before the next round", failure)
        round_number += 1
        pending = missing
        yield Sleep(delay)

    # An error item for an id sent in an unclear round: that round may have placed it.
    doubtful = [by_cid[cid] for cid in ids if cid in sent_unclear and results[cid].get("error")]
    if doubtful:
        yield from look_up(doubtful)  # what is found replaces its error item
    from kalshi_generated.models import BatchCreateOrdersV2Response

    reply = BatchCreateOrdersV2Response.from_dict({"orders": [results[cid] for cid in ids]})
    return Detailed(reply, last_response, round_number, recovered=bool(sent_unclear))
