"""The local exchange's /portfolio HTTP API: request parsing and responses in the spec's shapes."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar, get_args

from attrs import define, frozen
from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, Router

from kalshi_ext.testing import paging
from kalshi_ext.testing.engine import (
    CENTICENTS_PER_CENT,
    DOLLAR_CENTICENTS,
    EXCHANGE_INDEX,
    MAX_SUBACCOUNT,
    CashMovement,
    Centicents,
    Engine,
    Execution,
    Fill,
    IntraTransfer,
    Order,
    OrderGroup,
    OrderRequest,
    Position,
    SelfTradePrevention,
    Settlement,
    Side,
    SubaccountTransfer,
    TimeInForce,
    outcome_of,
)
from kalshi_ext.testing.exchange_error import ExchangeError, invalid, missing, not_found
from kalshi_ext.testing.fixed_point import (
    count_fp,
    dollars,
    dollars_average,
    dollars_from_centicents,
    parse_count,
    parse_price_centicents,
)
from kalshi_ext.testing.signature_check import KeyRing

logger = logging.getLogger("kalshi_ext.testing.exchange")

JSON = dict[str, Any]
Reply = tuple[int, JSON | None]
E = TypeVar("E", bound=str)

MAX_BATCH = 20  # orders per batched create/cancel (Kalshi scales it with the tier; 20 here)
MAX_EVENT_TICKERS = 10
LIST_LIMIT_MAX = 1000
CASH_LIST_LIMIT_MAX = 500  # deposits, withdrawals, intra-exchange transfers


@define
class ApiState:
    """What the handlers share: the engine (replaced on reset), its lock, the key ring."""

    engine: Engine
    lock: threading.Lock
    keys: KeyRing


# ---- request parsing -----------------------------------------------------------------------


class Body:
    """A JSON object body with typed accessors that raise 400s naming the field."""

    def __init__(self, data: JSON, where: str = "") -> None:
        self._data = data
        self._where = where

    def qualified(self, name: str) -> str:
        return f"{self._where}{name}"

    def raw(self, name: str) -> object:
        return self._data.get(name)

    def req_str(self, name: str) -> str:
        value = self._data.get(name)
        if value is None:
            raise missing(self.qualified(name))
        if not isinstance(value, str) or not value:
            raise invalid(f"{self.qualified(name)} must be a non-empty string")
        return value

    def opt_str(self, name: str) -> str | None:
        value = self._data.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise invalid(f"{self.qualified(name)} must be a string")
        return value

    def opt_bool(self, name: str) -> bool:
        value = self._data.get(name)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise invalid(f"{self.qualified(name)} must be true or false")
        return value

    def opt_int(
        self, name: str, *, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        value = self._data.get(name)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise invalid(f"{self.qualified(name)} must be an integer")
        _check_range(self.qualified(name), value, minimum, maximum)
        return value

    def req_int(self, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
        value = self.opt_int(name, minimum=minimum, maximum=maximum)
        if value is None:
            raise missing(self.qualified(name))
        return value

    def req_enum(self, name: str, allowed: tuple[E, ...]) -> E:
        value = self._data.get(name)
        if value is None:
            raise missing(self.qualified(name))
        for option in allowed:
            if value == option:
                return option
        raise invalid(f"{self.qualified(name)} must be one of {', '.join(allowed)}; got {value!r}")

    def opt_enum(self, name: str, allowed: tuple[E, ...]) -> E | None:
        return None if self._data.get(name) is None else self.req_enum(name, allowed)

    def req_list(self, name: str) -> list[object]:
        value = self._data.get(name)
        if value is None:
            raise missing(self.qualified(name))
        if not isinstance(value, list):
            raise invalid(f"{self.qualified(name)} must be an array")
        return value


def _check_range(name: str, value: int, minimum: int | None, maximum: int | None) -> None:
    if minimum is not None and value < minimum:
        raise invalid(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise invalid(f"{name} must be at most {maximum}, got {value}")


@frozen
class Call:
    """One parsed request, as the handlers see it (they run under the engine lock)."""

    engine: Engine
    path_params: dict[str, str]
    query: QueryParams
    body_bytes: bytes

    def body(self, *, required: bool = True) -> Body:
        if not self.body_bytes.strip():
            if required:
                raise ExchangeError(400, "missing_parameters", "request body is required")
            return Body({})
        try:
            data = json.loads(self.body_bytes)
        except (ValueError, UnicodeDecodeError):
            raise invalid("request body is not valid JSON") from None
        if not isinstance(data, dict):
            raise invalid("request body must be a JSON object")
        return Body(data)

    def param(self, name: str) -> str:
        return self.path_params[name]

    def query_str(self, name: str) -> str | None:
        value = self.query.get(name)
        return value if value else None

    def query_int(
        self, name: str, *, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return None
        try:
            value = int(raw)
        except ValueError:
            raise invalid(f"{name} must be an integer, got {raw!r}") from None
        _check_range(name, value, minimum, maximum)
        return value

    def subaccount(self, *, default: int | None, must_exist: bool = True) -> int | None:
        """The `subaccount` query parameter; None means every subaccount.

        Operations whose spec declares no 400 pass must_exist=False: an unknown subaccount then
        simply owns nothing (their lookups answer 404 or an empty result).
        """
        value = self.query_int("subaccount", minimum=0, maximum=MAX_SUBACCOUNT)
        if value is None:
            return default
        if must_exist:
            self.engine.account(value)
        return value

    def subaccount_or_primary(self, *, must_exist: bool = True) -> int:
        value = self.subaccount(default=0, must_exist=must_exist)
        assert value is not None
        return value

    def other_shard(self) -> bool:
        """True when an `exchange_index` filter names a shard other than the only one, 0."""
        index = self.query_int("exchange_index", minimum=-1)
        return index is not None and index not in (EXCHANGE_INDEX, -1)

    def page_args(self, kind: str, maximum: int) -> tuple[int, int | None]:
        limit = paging.parse_limit(self.query.get("limit"), maximum)
        return limit, paging.decode_cursor(self.query.get("cursor"), kind)

    def time_window(self) -> tuple[int | None, int | None]:
        return self.query_int("min_ts"), self.query_int("max_ts")


def _in_window(ts: float, window: tuple[int | None, int | None]) -> bool:
    low, high = window
    return (low is None or ts >= low) and (high is None or ts <= high)


def _csv(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def _check_order_exchange_index(index: int | None) -> None:
    if index is not None and index not in (EXCHANGE_INDEX, -1):
        raise invalid(f"exchange shard {index} does not exist (only 0)")


def _parse_order_request(body: Body) -> OrderRequest:
    ticker = body.req_str("ticker")
    side: Side = body.req_enum("side", get_args(Side))
    count = parse_count(_required(body, "count"), body.qualified("count"))
    price = Centicents(parse_price_centicents(_required(body, "price"), body.qualified("price")))
    time_in_force: TimeInForce = body.req_enum("time_in_force", get_args(TimeInForce))
    stp: SelfTradePrevention = body.req_enum(
        "self_trade_prevention_type", get_args(SelfTradePrevention)
    )
    _check_order_exchange_index(body.opt_int("exchange_index"))
    return OrderRequest(
        ticker=ticker,
        side=side,
        price=price,
        count=count,
        time_in_force=time_in_force,
        self_trade_prevention=stp,
        client_order_id=body.opt_str("client_order_id") or "",
        post_only=body.opt_bool("post_only"),
        reduce_only=body.opt_bool("reduce_only"),
        cancel_order_on_pause=body.opt_bool("cancel_order_on_pause"),
        subaccount=body.opt_int("subaccount", minimum=0, maximum=MAX_SUBACCOUNT) or 0,
        order_group_id=body.opt_str("order_group_id") or None,
        expiration_ts=body.opt_int("expiration_time", minimum=0),
    )


def _required(body: Body, name: str) -> object:
    value = body.raw(name)
    if value is None:
        raise missing(body.qualified(name))
    return value


def _contracts_limit(body: Body) -> int:
    """contracts_limit and/or contracts_limit_fp: at least one, equal when both are given."""
    whole = body.opt_int("contracts_limit", minimum=1)
    fp_raw = body.raw("contracts_limit_fp")
    fp = None if fp_raw is None else parse_count(fp_raw, "contracts_limit_fp")
    if whole is None and fp is None:
        raise ExchangeError(
            400, "missing_parameters", "provide contracts_limit or contracts_limit_fp"
        )
    if whole is not None and fp is not None and whole != fp:
        raise invalid("contracts_limit and contracts_limit_fp must match when both are given")
    limit = whole if whole is not None else fp
    assert limit is not None
    return limit


# ---- rendering -----------------------------------------------------------------------------


def iso(ts: float) -> str:
    """RFC 3339 UTC date-time, as the spec's `format: date-time` fields carry."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def render_order(engine: Engine, order: Order) -> JSON:
    return {
        "order_id": order.order_id,
        "user_id": engine.user_id,
        "client_order_id": order.client_order_id,
        "ticker": order.ticker,
        "side": "yes",  # legacy: V2 orders are all on the YES leg, bought (bid) or sold (ask)
        "action": "buy" if order.side == "bid" else "sell",
        "outcome_side": outcome_of(order.side),
        "book_side": order.side,
        "type": "limit",
        "status": order.status,
        "yes_price_dollars": dollars_from_centicents(order.price_centicents),
        "no_price_dollars": dollars_from_centicents(DOLLAR_CENTICENTS - order.price_centicents),
        "fill_count_fp": count_fp(order.fill_count),
        "remaining_count_fp": count_fp(order.remaining),
        "initial_count_fp": count_fp(order.initial_count),
        "taker_fees_dollars": dollars(order.taker_fees_cents),
        "maker_fees_dollars": dollars(order.maker_fees_cents),
        "taker_fill_cost_dollars": dollars_from_centicents(order.taker_cost_centicents),
        "maker_fill_cost_dollars": dollars_from_centicents(order.maker_cost_centicents),
        "expiration_time": None if order.expiration_ts is None else iso(order.expiration_ts),
        "created_time": iso(order.created),
        "last_update_time": iso(order.last_update),
        "self_trade_prevention_type": order.self_trade_prevention,
        "order_group_id": order.order_group_id,
        "cancel_order_on_pause": order.cancel_order_on_pause,
        "subaccount_number": order.subaccount,
        "exchange_index": EXCHANGE_INDEX,
    }


def render_fill(fill: Fill) -> JSON:
    return {
        "fill_id": fill.fill_id,
        "trade_id": fill.fill_id,
        "exchange_index": EXCHANGE_INDEX,
        "order_id": fill.order_id,
        "ticker": fill.ticker,
        "market_ticker": fill.ticker,
        "side": "yes",
        "action": "buy" if fill.side == "bid" else "sell",
        "outcome_side": outcome_of(fill.side),
        "book_side": fill.side,
        "count_fp": count_fp(fill.count),
        "yes_price_dollars": dollars_from_centicents(fill.price_centicents),
        "no_price_dollars": dollars_from_centicents(DOLLAR_CENTICENTS - fill.price_centicents),
        "is_taker": fill.is_taker,
        "created_time": iso(fill.created),
        "fee_cost": dollars(fill.fee_cents),
        "subaccount_number": fill.subaccount,
        "ts": int(fill.created),
    }


def render_market_position(position: Position) -> JSON:
    return {
        "ticker": position.ticker,
        "exchange_index": EXCHANGE_INDEX,
        "total_traded_dollars": dollars_from_centicents(position.traded_cost_centicents),
        "position_fp": count_fp(position.signed),
        "market_exposure_dollars": dollars_from_centicents(position.exposure_centicents),
        "realized_pnl_dollars": dollars_from_centicents(position.realized_pnl_centicents),
        "fees_paid_dollars": dollars(position.fees_paid_cents),
        "last_updated_ts": iso(position.updated),
    }


def render_event_positions(positions: Iterable[Position]) -> list[JSON]:
    events: dict[str, list[Position]] = {}
    for position in positions:
        events.setdefault(position.event_ticker, []).append(position)
    return [
        {
            "event_ticker": event_ticker,
            "total_cost_dollars": dollars_from_centicents(
                sum(p.traded_cost_centicents for p in members)
            ),
            "total_cost_shares_fp": count_fp(sum(p.traded_contracts for p in members)),
            "event_exposure_dollars": dollars_from_centicents(
                sum(p.exposure_centicents for p in members)
            ),
            "realized_pnl_dollars": dollars_from_centicents(
                sum(p.realized_pnl_centicents for p in members)
            ),
            "fees_paid_dollars": dollars(sum(p.fees_paid_cents for p in members)),
        }
        for event_ticker, members in events.items()
    ]


def render_settlement(settlement: Settlement) -> JSON:
    return {
        "ticker": settlement.ticker,
        "exchange_index": EXCHANGE_INDEX,
        "event_ticker": settlement.event_ticker,
        "market_result": settlement.result,
        "yes_count_fp": count_fp(settlement.yes_count),
        "yes_total_cost_dollars": dollars_from_centicents(settlement.yes_cost_centicents),
        "no_count_fp": count_fp(settlement.no_count),
        "no_total_cost_dollars": dollars_from_centicents(settlement.no_cost_centicents),
        "revenue": settlement.revenue_cents,
        "settled_time": iso(settlement.settled),
        "fee_cost": dollars(settlement.fee_cents),
        "value": 100 if settlement.result == "yes" else 0,
    }


def render_movement(movement: CashMovement) -> JSON:
    return {
        "id": movement.movement_id,
        "status": movement.status,
        "type": movement.method,
        "amount_cents": movement.amount_cents,
        "fee_cents": movement.fee_cents,
        "created_ts": int(movement.created),
        "finalized_ts": int(movement.created),
    }


def render_subaccount_transfer(transfer: SubaccountTransfer) -> JSON:
    return {
        "transfer_id": transfer.transfer_id,
        "from_subaccount": transfer.from_subaccount,
        "to_subaccount": transfer.to_subaccount,
        "amount_cents": transfer.amount_cents,
        "created_ts": int(transfer.created),
        "exchange_index": EXCHANGE_INDEX,
    }


def render_intra_transfer(transfer: IntraTransfer) -> JSON:
    return {
        "transfer_id": transfer.transfer_id,
        "source": transfer.source,
        "destination": transfer.destination,
        "source_exchange_shard": transfer.source_shard,
        "destination_exchange_shard": transfer.destination_shard,
        "amount": dollars_from_centicents(transfer.amount_centicents),
        "status": "complete",
        "created_ts": int(transfer.created),
    }


def render_group(group: OrderGroup) -> JSON:
    return {
        "id": group.group_id,
        "contracts_limit_fp": count_fp(group.contracts_limit),
        "is_auto_cancel_enabled": True,
        "exchange_index": EXCHANGE_INDEX,
    }


def _fill_summary(execution: Execution) -> JSON:
    """average_fill_price / average_fee_paid, present only when something filled."""
    if execution.fill_count == 0:
        return {}
    return {
        "average_fill_price": dollars_average(
            execution.yes_price_total_centicents,
            execution.fill_count,
            per_dollar=DOLLAR_CENTICENTS,
        ),
        "average_fee_paid": dollars_average(execution.fees_cents, execution.fill_count),
    }


def render_created(execution: Execution) -> JSON:
    order = execution.order
    return {
        "order_id": order.order_id,
        "client_order_id": order.client_order_id,
        "fill_count": count_fp(execution.fill_count),
        "remaining_count": count_fp(order.remaining),
        **_fill_summary(execution),
        "ts_ms": execution.ts_ms,
    }


def _ts_ms(engine: Engine) -> int:
    return int(engine.now() * 1000)


# ---- handlers: orders ----------------------------------------------------------------------


def get_orders(call: Call) -> Reply:
    engine = call.engine
    limit, after = call.page_args("orders", LIST_LIMIT_MAX)
    ticker = call.query_str("ticker")
    events = _csv(call.query_str("event_ticker"))
    if len(events) > MAX_EVENT_TICKERS:
        raise invalid(f"event_ticker takes at most {MAX_EVENT_TICKERS} tickers")
    status = call.query_str("status")
    if status is not None and status not in ("resting", "canceled", "executed"):
        raise invalid(f"status must be resting, canceled or executed; got {status!r}")
    window = call.time_window()
    subaccount = call.subaccount(default=None)
    other_shard = call.other_shard()
    engine.expire()
    selected = [
        o
        for o in engine.orders.values()
        if not other_shard
        and (ticker is None or o.ticker == ticker)
        and (not events or engine.markets[o.ticker].event_ticker in events)
        and (status is None or o.status == status)
        and (subaccount is None or o.subaccount == subaccount)
        and _in_window(o.created, window)
    ]
    chunk, cursor = paging.page(selected, _seq, kind="orders", limit=limit, after=after)
    return 200, {"orders": [render_order(engine, o) for o in chunk], "cursor": cursor}


def get_order(call: Call) -> Reply:
    call.engine.expire()
    order = call.engine.own_order(call.param("order_id"), None)
    return 200, {"order": render_order(call.engine, order)}


def get_queue_positions(call: Call) -> Reply:
    engine = call.engine
    tickers = _csv(call.query_str("market_tickers"))
    event_ticker = call.query_str("event_ticker")
    subaccount = call.subaccount_or_primary()
    engine.expire()
    positions = [
        {
            "order_id": o.order_id,
            "market_ticker": o.ticker,
            "queue_position_fp": count_fp(engine.queue_position(o)),
        }
        for o in sorted(engine.resting_orders(), key=_seq)
        if o.subaccount == subaccount
        and (not tickers or o.ticker in tickers)
        and (event_ticker is None or engine.markets[o.ticker].event_ticker == event_ticker)
    ]
    return 200, {"queue_positions": positions}


def get_queue_position(call: Call) -> Reply:
    engine = call.engine
    engine.expire()
    order = engine.own_order(call.param("order_id"), None)
    if order.status != "resting":
        raise not_found(f"resting order {order.order_id!r}")
    return 200, {"queue_position_fp": count_fp(engine.queue_position(order))}


def create_order(call: Call) -> Reply:
    request = _parse_order_request(call.body())
    return 201, render_created(call.engine.place_order(request))


def batch_create_orders(call: Call) -> Reply:
    items = call.body().req_list("orders")
    _check_batch_size(items)
    results: list[JSON] = []
    for index, item in enumerate(items):
        client_order_id = item.get("client_order_id") if isinstance(item, dict) else None
        try:
            if not isinstance(item, dict):
                raise invalid(f"orders[{index}] must be an object")
            request = _parse_order_request(Body(item, f"orders[{index}]."))
            results.append({**render_created(call.engine.place_order(request)), "error": None})
        except ExchangeError as error:
            results.append(
                {
                    "client_order_id": client_order_id
                    if isinstance(client_order_id, str)
                    else None,
                    "fill_count": None,
                    "remaining_count": None,
                    "average_fill_price": None,
                    "average_fee_paid": None,
                    "ts_ms": None,
                    "error": error.envelope(),
                }
            )
    return 201, {"orders": results}


def batch_cancel_orders(call: Call) -> Reply:
    engine = call.engine
    items = call.body().req_list("orders")
    _check_batch_size(items)
    results: list[JSON] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise invalid(f"orders[{index}] must be an object")
        body = Body(item, f"orders[{index}].")
        order_id = body.req_str("order_id")
        try:
            subaccount = body.opt_int("subaccount", minimum=0, maximum=MAX_SUBACCOUNT) or 0
            _check_order_exchange_index(body.opt_int("exchange_index"))
            order, reduced = engine.cancel_order(order_id, subaccount)
            results.append(
                {
                    "order_id": order_id,
                    "client_order_id": order.client_order_id,
                    "reduced_by": count_fp(reduced),
                    "ts_ms": _ts_ms(engine),
                    "error": None,
                }
            )
        except ExchangeError as error:
            results.append(
                {
                    "order_id": order_id,
                    "client_order_id": None,
                    "reduced_by": count_fp(0),
                    "ts_ms": None,
                    "error": error.envelope(),
                }
            )
    return 200, {"orders": results}


def _check_batch_size(items: list[object]) -> None:
    if not 1 <= len(items) <= MAX_BATCH:
        raise invalid(f"orders must hold between 1 and {MAX_BATCH} entries, got {len(items)}")


def cancel_order(call: Call) -> Reply:
    engine = call.engine
    subaccount = call.subaccount_or_primary(must_exist=False)
    order_id = call.param("order_id")
    if call.other_shard():
        raise not_found(f"order {order_id!r} on that exchange shard")
    order, reduced = engine.cancel_order(order_id, subaccount)
    return 200, {
        "order_id": order.order_id,
        "client_order_id": order.client_order_id,
        "reduced_by": count_fp(reduced),
        "ts_ms": _ts_ms(engine),
    }


def cancel_all_orders(call: Call) -> Reply:
    call.engine.cancel_all(call.subaccount(default=None, must_exist=False))
    return 204, None


def amend_order(call: Call) -> Reply:
    subaccount = call.subaccount_or_primary()
    body = call.body()
    ticker = body.req_str("ticker")
    side: Side = body.req_enum("side", get_args(Side))
    price = Centicents(parse_price_centicents(_required(body, "price"), "price"))
    count = parse_count(_required(body, "count"), "count")
    _check_order_exchange_index(body.opt_int("exchange_index"))
    execution = call.engine.amend_order(
        call.param("order_id"),
        subaccount=subaccount,
        ticker=ticker,
        side=side,
        price=price,
        count=count,
        client_order_id=body.opt_str("client_order_id") or None,
        updated_client_order_id=body.opt_str("updated_client_order_id") or None,
        expiration_ts=body.opt_int("expiration_time", minimum=0),
    )
    order = execution.order
    summary = _fill_summary(execution)
    return 200, {
        "order_id": order.order_id,
        "client_order_id": order.client_order_id,
        "remaining_count": count_fp(order.remaining),
        "fill_count": count_fp(execution.fill_count),
        "average_fill_price": summary.get("average_fill_price"),
        "average_fee_paid": summary.get("average_fee_paid"),
        "ts_ms": execution.ts_ms,
    }


def decrease_order(call: Call) -> Reply:
    subaccount = call.subaccount_or_primary()
    body = call.body()
    reduce_by_raw, reduce_to_raw = body.raw("reduce_by"), body.raw("reduce_to")
    reduce_by = None if reduce_by_raw is None else parse_count(reduce_by_raw, "reduce_by")
    reduce_to = (
        None if reduce_to_raw is None else parse_count(reduce_to_raw, "reduce_to", allow_zero=True)
    )
    _check_order_exchange_index(body.opt_int("exchange_index"))
    order = call.engine.decrease_order(
        call.param("order_id"), subaccount=subaccount, reduce_by=reduce_by, reduce_to=reduce_to
    )
    return 200, {
        "order_id": order.order_id,
        "client_order_id": order.client_order_id,
        "remaining_count": count_fp(order.remaining),
        "ts_ms": _ts_ms(call.engine),
    }


# ---- handlers: order groups ----------------------------------------------------------------


def get_order_groups(call: Call) -> Reply:
    subaccount = call.subaccount(default=None)
    groups = [
        render_group(g)
        for g in sorted(call.engine.groups.values(), key=_seq)
        if subaccount is None or g.subaccount == subaccount
    ]
    return 200, {"order_groups": groups}


def create_order_group(call: Call) -> Reply:
    body = call.body()
    subaccount = body.opt_int("subaccount", minimum=0, maximum=MAX_SUBACCOUNT) or 0
    _check_shard_zero(body.opt_int("exchange_index"))
    group = call.engine.create_group(subaccount, _contracts_limit(body))
    return 201, {
        "order_group_id": group.group_id,
        "subaccount": group.subaccount,
        "exchange_index": EXCHANGE_INDEX,
    }


def _check_shard_zero(index: int | None) -> None:
    if index is not None and index != EXCHANGE_INDEX:
        raise invalid(f"exchange shard {index} does not exist (only 0)")


def _group_in_scope(call: Call) -> tuple[str, int]:
    """The path's group id and the subaccount it must belong to; other shards hold no groups."""
    group_id = call.param("order_group_id")
    if call.other_shard():
        raise not_found(f"order group {group_id!r} on that exchange shard")
    return group_id, call.subaccount_or_primary(must_exist=False)


def get_order_group(call: Call) -> Reply:
    call.engine.expire()
    subaccount = call.subaccount(default=None, must_exist=False)
    group = call.engine.group(call.param("order_group_id"), subaccount)
    return 200, {
        "is_auto_cancel_enabled": True,
        "contracts_limit_fp": count_fp(group.contracts_limit),
        "orders": list(group.order_ids),
        "exchange_index": EXCHANGE_INDEX,
    }


def delete_order_group(call: Call) -> Reply:
    call.engine.delete_group(*_group_in_scope(call))
    return 200, {}


def reset_order_group(call: Call) -> Reply:
    scope = _group_in_scope(call)
    call.body(required=False)
    call.engine.reset_group(*scope)
    return 200, {}


def trigger_order_group(call: Call) -> Reply:
    scope = _group_in_scope(call)
    call.body(required=False)
    call.engine.trigger_group(*scope)
    return 200, {}


def update_order_group_limit(call: Call) -> Reply:
    group_id, subaccount = _group_in_scope(call)
    limit = _contracts_limit(call.body())
    call.engine.update_group_limit(group_id, subaccount, limit)
    return 200, {}


# ---- handlers: balance, positions, history -------------------------------------------------


def get_balance(call: Call) -> Reply:
    engine = call.engine
    # GetBalance declares no 400: a subaccount never created is an empty account.
    subaccount = call.subaccount_or_primary(must_exist=False)
    on_shard = not call.other_shard()
    engine.expire()
    account = engine.accounts.get(subaccount)
    if account is None or not on_shard:
        balance = portfolio_value = 0
    else:
        balance = engine.available_centicents(subaccount)
        portfolio_value = engine.exposure_centicents(subaccount)
    updated = account.updated if account is not None else engine.now()
    # The integer cent fields round down; the *_dollars strings carry sub-penny amounts exactly.
    return 200, {
        "balance": balance // CENTICENTS_PER_CENT,
        "balance_dollars": dollars_from_centicents(balance),
        "portfolio_value": portfolio_value // CENTICENTS_PER_CENT,
        "updated_ts": int(updated),
        "balance_breakdown": [
            {"exchange_index": EXCHANGE_INDEX, "balance": dollars_from_centicents(balance)}
        ],
    }


def get_positions(call: Call) -> Reply:
    engine = call.engine
    limit, after = call.page_args("positions", LIST_LIMIT_MAX)
    filters = _csv(call.query_str("count_filter"))
    for name in filters:
        if name not in ("position", "total_traded"):
            raise invalid(f"count_filter accepts position and total_traded; got {name!r}")
    ticker = call.query_str("ticker")
    event_ticker = call.query_str("event_ticker")
    subaccount = call.subaccount_or_primary()
    other_shard = call.other_shard()

    def keep(p: Position) -> bool:
        if other_shard or p.subaccount != subaccount:
            return False
        if ticker is not None and p.ticker != ticker:
            return False
        if event_ticker is not None and p.event_ticker != event_ticker:
            return False
        nonzero = {"position": p.signed != 0, "total_traded": p.traded_cost_centicents != 0}
        return not filters or any(nonzero[name] for name in filters)

    selected = [p for p in engine.positions.values() if keep(p)]
    chunk, cursor = paging.page(selected, _seq, kind="positions", limit=limit, after=after)
    # Event aggregates cover every selected market; they come with the first page only, so a
    # cursor walk sees each event once.
    events = render_event_positions(selected) if after is None else []
    return 200, {
        "market_positions": [render_market_position(p) for p in chunk],
        "event_positions": events,
        "cursor": cursor,
    }


def get_settlements(call: Call) -> Reply:
    limit, after = call.page_args("settlements", LIST_LIMIT_MAX)
    ticker = call.query_str("ticker")
    event_ticker = call.query_str("event_ticker")
    window = call.time_window()
    subaccount = call.subaccount(default=None)
    selected = [
        s
        for s in call.engine.settlements
        if (ticker is None or s.ticker == ticker)
        and (event_ticker is None or s.event_ticker == event_ticker)
        and (subaccount is None or s.subaccount == subaccount)
        and _in_window(s.settled, window)
    ]
    chunk, cursor = paging.page(selected, _seq, kind="settlements", limit=limit, after=after)
    return 200, {"settlements": [render_settlement(s) for s in chunk], "cursor": cursor}


def get_fills(call: Call) -> Reply:
    limit, after = call.page_args("fills", LIST_LIMIT_MAX)
    ticker = call.query_str("ticker")
    order_id = call.query_str("order_id")
    window = call.time_window()
    subaccount = call.subaccount(default=None)
    other_shard = call.other_shard()
    selected = [
        f
        for f in call.engine.fills
        if not other_shard
        and (ticker is None or f.ticker == ticker)
        and (order_id is None or f.order_id == order_id)
        and (subaccount is None or f.subaccount == subaccount)
        and _in_window(f.created, window)
    ]
    chunk, cursor = paging.page(selected, _seq, kind="fills", limit=limit, after=after)
    return 200, {"fills": [render_fill(f) for f in chunk], "cursor": cursor}


def get_deposits(call: Call) -> Reply:
    limit, after = call.page_args("deposits", CASH_LIST_LIMIT_MAX)
    chunk, cursor = paging.page(
        call.engine.deposits, _seq, kind="deposits", limit=limit, after=after
    )
    return 200, {"deposits": [render_movement(m) for m in chunk], "cursor": cursor}


def get_withdrawals(call: Call) -> Reply:
    limit, after = call.page_args("withdrawals", CASH_LIST_LIMIT_MAX)
    chunk, cursor = paging.page(
        call.engine.withdrawals, _seq, kind="withdrawals", limit=limit, after=after
    )
    return 200, {"withdrawals": [render_movement(m) for m in chunk], "cursor": cursor}


def get_total_resting_order_value(call: Call) -> Reply:
    call.engine.expire()
    total = call.engine.reserved_centicents(None)
    return 200, {
        "total_resting_order_value": total // CENTICENTS_PER_CENT,  # cents, rounded down
        "resting_order_value_breakdown": [
            {"exchange_index": EXCHANGE_INDEX, "balance": dollars_from_centicents(total)}
        ],
    }


# ---- handlers: subaccounts and transfers ---------------------------------------------------


def create_subaccount(call: Call) -> Reply:
    _check_shard_zero(call.body(required=False).opt_int("exchange_index", minimum=0))
    account = call.engine.create_subaccount()
    return 201, {"subaccount_number": account.number}


def apply_subaccount_transfer(call: Call) -> Reply:
    body = call.body()
    client_transfer_id = body.req_str("client_transfer_id")
    try:
        uuid.UUID(client_transfer_id)
    except ValueError:
        raise invalid("client_transfer_id must be a UUID") from None
    from_subaccount = body.req_int("from_subaccount", minimum=0, maximum=MAX_SUBACCOUNT)
    to_subaccount = body.req_int("to_subaccount", minimum=0, maximum=MAX_SUBACCOUNT)
    amount = body.req_int("amount_cents", minimum=1)
    _check_shard_zero(body.opt_int("exchange_index"))
    call.engine.transfer(client_transfer_id, from_subaccount, to_subaccount, amount)
    return 200, {}


def get_subaccount_balances(call: Call) -> Reply:
    engine = call.engine
    engine.expire()
    return 200, {
        "subaccount_balances": [
            {
                "subaccount_number": number,
                "exchange_index": EXCHANGE_INDEX,
                "balance": dollars_from_centicents(engine.available_centicents(number)),
                "updated_ts": int(account.updated),
            }
            for number, account in sorted(engine.accounts.items())
        ]
    }


def get_subaccount_transfers(call: Call) -> Reply:
    limit, after = call.page_args("subaccount_transfers", LIST_LIMIT_MAX)
    chunk, cursor = paging.page(
        call.engine.subaccount_transfers,
        _seq,
        kind="subaccount_transfers",
        limit=limit,
        after=after,
    )
    return 200, {"transfers": [render_subaccount_transfer(t) for t in chunk], "cursor": cursor}


def update_subaccount_netting(call: Call) -> Reply:
    body = call.body()
    number = body.req_int("subaccount_number", minimum=0, maximum=MAX_SUBACCOUNT)
    enabled = body.raw("enabled")
    if enabled is None:
        raise missing("enabled")
    if not isinstance(enabled, bool):
        raise invalid("enabled must be true or false")
    call.engine.account(number).netting_enabled = enabled
    return 200, None


def get_subaccount_netting(call: Call) -> Reply:
    return 200, {
        "netting_configs": [
            {
                "subaccount_number": number,
                "enabled": account.netting_enabled,
                "exchange_index": EXCHANGE_INDEX,
            }
            for number, account in sorted(call.engine.accounts.items())
        ]
    }


def intra_exchange_transfer(call: Call) -> Reply:
    body = call.body()
    instances = ("event_contract", "margined")
    transfer = call.engine.intra_transfer(
        source=body.req_enum("source", instances),
        destination=body.req_enum("destination", instances),
        amount_centicents=body.req_int("amount"),
        source_shard=body.opt_int("source_exchange_shard", minimum=0, maximum=100) or 0,
        destination_shard=body.opt_int("destination_exchange_shard", minimum=0, maximum=100) or 0,
        source_subaccount=body.opt_int("source_subaccount", minimum=0, maximum=MAX_SUBACCOUNT) or 0,
        destination_subaccount=body.opt_int(
            "destination_subaccount", minimum=0, maximum=MAX_SUBACCOUNT
        )
        or 0,
    )
    return 200, {"transfer_id": transfer.transfer_id}


def get_intra_exchange_transfers(call: Call) -> Reply:
    limit, after = call.page_args("intra_transfers", CASH_LIST_LIMIT_MAX)
    chunk, cursor = paging.page(
        call.engine.intra_transfers, _seq, kind="intra_transfers", limit=limit, after=after
    )
    reply: JSON = {"transfers": [render_intra_transfer(t) for t in chunk]}
    if cursor:  # this endpoint omits the cursor on the last page (per its schema)
        reply["cursor"] = cursor
    return 200, reply


def get_intra_exchange_transfer(call: Call) -> Reply:
    transfer_id = call.param("transfer_id")
    for transfer in call.engine.intra_transfers:
        if transfer.transfer_id == transfer_id:
            return 200, {"transfer": render_intra_transfer(transfer)}
    raise not_found(f"transfer {transfer_id!r}")


def get_target_balance_allocation(call: Call) -> Reply:
    engine = call.engine
    return 200, {
        "allocations": [
            {"exchange_index": index, "percent": percent}
            for index, percent in engine.target_allocations
        ],
        "resting_margin_reservation": engine.resting_margin_reservation,
    }


def set_target_balance_allocation(call: Call) -> Reply:
    body = call.body()
    items = body.req_list("allocations")
    if len(items) > 101:
        raise invalid("allocations holds at most 101 entries")
    allocations: list[tuple[int, int]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise invalid(f"allocations[{index}] must be an object")
        entry = Body(item, f"allocations[{index}].")
        allocations.append(
            (
                entry.req_int("exchange_index", minimum=0),
                entry.req_int("percent", minimum=0, maximum=100),
            )
        )
    if allocations and sum(percent for _, percent in allocations) != 100:
        raise invalid("allocation percentages must total 100 (or send none to disable)")
    if len({index for index, _ in allocations}) != len(allocations):
        raise invalid("each exchange_index may appear once")
    reservation = body.opt_enum("resting_margin_reservation", ("none", "max", "sum")) or "sum"
    call.engine.target_allocations = allocations
    call.engine.resting_margin_reservation = reservation
    return 200, {}


class _Sequenced(Protocol):
    seq: int


def _seq(item: _Sequenced) -> int:
    """The sort key every listed record carries: the order in which it was created."""
    return item.seq


# ---- the table and the app -----------------------------------------------------------------

Handler = Callable[[Call], Reply]

# (method, path under the base path, handler). More specific paths come before templated ones.
OPERATIONS: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/portfolio/orders", get_orders),
    ("GET", "/portfolio/orders/queue_positions", get_queue_positions),
    ("GET", "/portfolio/orders/{order_id}", get_order),
    ("GET", "/portfolio/orders/{order_id}/queue_position", get_queue_position),
    ("POST", "/portfolio/events/orders", create_order),
    ("DELETE", "/portfolio/events/orders", cancel_all_orders),
    ("POST", "/portfolio/events/orders/batched", batch_create_orders),
    ("DELETE", "/portfolio/events/orders/batched", batch_cancel_orders),
    ("DELETE", "/portfolio/events/orders/{order_id}", cancel_order),
    ("POST", "/portfolio/events/orders/{order_id}/amend", amend_order),
    ("POST", "/portfolio/events/orders/{order_id}/decrease", decrease_order),
    ("GET", "/portfolio/order_groups", get_order_groups),
    ("POST", "/portfolio/order_groups/create", create_order_group),
    ("GET", "/portfolio/order_groups/{order_group_id}", get_order_group),
    ("DELETE", "/portfolio/order_groups/{order_group_id}", delete_order_group),
    ("PUT", "/portfolio/order_groups/{order_group_id}/reset", reset_order_group),
    ("PUT", "/portfolio/order_groups/{order_group_id}/trigger", trigger_order_group),
    ("PUT", "/portfolio/order_groups/{order_group_id}/limit", update_order_group_limit),
    ("GET", "/portfolio/balance", get_balance),
    ("POST", "/portfolio/intra_exchange_instance_transfer", intra_exchange_transfer),
    ("GET", "/portfolio/intra_exchange_instance_transfers", get_intra_exchange_transfers),
    (
        "GET",
        "/portfolio/intra_exchange_instance_transfers/{transfer_id}",
        get_intra_exchange_transfer,
    ),
    ("POST", "/portfolio/subaccounts", create_subaccount),
    ("POST", "/portfolio/subaccounts/transfer", apply_subaccount_transfer),
    ("GET", "/portfolio/subaccounts/balances", get_subaccount_balances),
    ("GET", "/portfolio/subaccounts/transfers", get_subaccount_transfers),
    ("PUT", "/portfolio/subaccounts/netting", update_subaccount_netting),
    ("GET", "/portfolio/subaccounts/netting", get_subaccount_netting),
    ("GET", "/portfolio/positions", get_positions),
    ("GET", "/portfolio/settlements", get_settlements),
    ("GET", "/portfolio/deposits", get_deposits),
    ("GET", "/portfolio/withdrawals", get_withdrawals),
    ("GET", "/portfolio/summary/total_resting_order_value", get_total_resting_order_value),
    ("GET", "/portfolio/fills", get_fills),
    ("GET", "/portfolio/target_balance_allocation", get_target_balance_allocation),
    ("POST", "/portfolio/target_balance_allocation", set_target_balance_allocation),
)


def error_response(error: ExchangeError, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(error.envelope(), status_code=error.status, headers=headers)


def _signed_path(request: Request) -> str:
    """The path the client signed: the encoded path as sent, without the query."""
    raw_path = request.scope.get("raw_path")
    if isinstance(raw_path, bytes):
        return raw_path.split(b"?", 1)[0].decode("latin-1")
    return request.url.path


def _endpoint(state: ApiState, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        body = await request.body()
        try:
            with state.lock:
                state.keys.verify(
                    request.headers, request.method, _signed_path(request), state.engine.now()
                )
                call = Call(state.engine, dict(request.path_params), request.query_params, body)
                status, payload = handler(call)
        except ExchangeError as error:
            return error_response(error)
        except Exception:
            logger.exception("local exchange failed on %s %s", request.method, request.url.path)
            return error_response(
                ExchangeError(500, "internal_server_error", "the local exchange failed")
            )
        if payload is None:
            return Response(status_code=status)
        return JSONResponse(payload, status_code=status)

    endpoint.__name__ = handler.__name__
    return endpoint


def _group_by_path(
    operations: Iterable[tuple[str, str, Handler]],
) -> dict[str, dict[str, Handler]]:
    by_path: dict[str, dict[str, Handler]] = {}
    for method, path, handler in operations:
        by_path.setdefault(path, {})[method] = handler
    return by_path


def _dispatch(
    state: ApiState, handlers: dict[str, Handler]
) -> Callable[[Request], Awaitable[Response]]:
    endpoints = {method: _endpoint(state, handler) for method, handler in handlers.items()}

    async def dispatch(request: Request) -> Response:
        endpoint = endpoints.get(request.method)
        if endpoint is None:
            allowed = ", ".join(sorted(endpoints))
            return error_response(
                ExchangeError(
                    405, "method_not_allowed", f"{request.method} is not allowed here ({allowed})"
                ),
                headers={"Allow": allowed},
            )
        return await endpoint(request)

    return dispatch


async def _not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    return error_response(ExchangeError(status, "not_found", f"no route for {request.url.path}"))


def build_app(state: ApiState, base_path: str) -> Starlette:
    """The Starlette app serving every /portfolio operation under `base_path`."""
    by_path = _group_by_path(OPERATIONS)
    # Literal segments must win over templates at the same depth (queue_positions vs
    # {order_id}, batched vs {order_id}, create vs {order_group_id}).
    ordered = sorted(by_path, key=lambda path: "{" in path.rsplit("/", 1)[-1])
    # Every method reaches the dispatcher, which answers 405 in Kalshi's envelope itself.
    methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
    routes = [Route(path, _dispatch(state, by_path[path]), methods=methods) for path in ordered]
    # No trailing-slash redirects: a client that does not follow them would see a bare 307.
    app = Starlette(
        routes=[Mount(base_path, app=Router(routes, redirect_slashes=False))],
        exception_handlers={404: _not_found},
    )
    app.router.redirect_slashes = False
    return app
