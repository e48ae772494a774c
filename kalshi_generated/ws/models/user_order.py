from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="UserOrder")


@_attrs_define
class UserOrder:
    """The msg of UserOrderMessage.

    Attributes:
        order_id (str):
        user_id (str):
        ticker (str):
        exchange_index (int):
        status (str):
        side (str):
        is_yes (bool):
        outcome_side (str):
        book_side (str):
        yes_price_dollars (str):
        fill_count_fp (str):
        remaining_count_fp (str):
        initial_count_fp (str):
        taker_fill_cost_dollars (str):
        maker_fill_cost_dollars (str):
        taker_fees_dollars (str):
        maker_fees_dollars (str):
        client_order_id (str):
        created_time (datetime.datetime | None):
        created_ts_ms (int | None):
        order_group_id (str | Unset):
        self_trade_prevention_type (str | Unset):
        last_update_time (datetime.datetime | Unset):
        expiration_time (datetime.datetime | Unset):
        expiration_ts_ms (int | Unset):
        last_updated_ts_ms (int | Unset):
        last_update_reason (str | Unset):
        subaccount_number (int | Unset):
    """

    order_id: str
    user_id: str
    ticker: str
    exchange_index: int
    status: str
    side: str
    is_yes: bool
    outcome_side: str
    book_side: str
    yes_price_dollars: str
    fill_count_fp: str
    remaining_count_fp: str
    initial_count_fp: str
    taker_fill_cost_dollars: str
    maker_fill_cost_dollars: str
    taker_fees_dollars: str
    maker_fees_dollars: str
    client_order_id: str
    created_time: datetime.datetime | None
    created_ts_ms: int | None
    order_group_id: str | Unset = UNSET
    self_trade_prevention_type: str | Unset = UNSET
    last_update_time: datetime.datetime | Unset = UNSET
    expiration_time: datetime.datetime | Unset = UNSET
    expiration_ts_ms: int | Unset = UNSET
    last_updated_ts_ms: int | Unset = UNSET
    last_update_reason: str | Unset = UNSET
    subaccount_number: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        order_id = self.order_id

        user_id = self.user_id

        ticker = self.ticker

        exchange_index = self.exchange_index

        status = self.status

        side = self.side

        is_yes = self.is_yes

        outcome_side = self.outcome_side

        book_side = self.book_side

        yes_price_dollars = self.yes_price_dollars

        fill_count_fp = self.fill_count_fp

        remaining_count_fp = self.remaining_count_fp

        initial_count_fp = self.initial_count_fp

        taker_fill_cost_dollars = self.taker_fill_cost_dollars

        maker_fill_cost_dollars = self.maker_fill_cost_dollars

        taker_fees_dollars = self.taker_fees_dollars

        maker_fees_dollars = self.maker_fees_dollars

        client_order_id = self.client_order_id

        created_time: None | str
        if isinstance(self.created_time, datetime.datetime):
            created_time = self.created_time.isoformat()
        else:
            created_time = self.created_time

        created_ts_ms: int | None
        created_ts_ms = self.created_ts_ms

        order_group_id = self.order_group_id

        self_trade_prevention_type = self.self_trade_prevention_type

        last_update_time: str | Unset = UNSET
        if not isinstance(self.last_update_time, Unset):
            last_update_time = self.last_update_time.isoformat()

        expiration_time: str | Unset = UNSET
        if not isinstance(self.expiration_time, Unset):
            expiration_time = self.expiration_time.isoformat()

        expiration_ts_ms = self.expiration_ts_ms

        last_updated_ts_ms = self.last_updated_ts_ms

        last_update_reason = self.last_update_reason

        subaccount_number = self.subaccount_number

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "order_id": order_id,
                "user_id": user_id,
                "ticker": ticker,
                "exchange_index": exchange_index,
                "status": status,
                "side": side,
                "is_yes": is_yes,
                "outcome_side": outcome_side,
                "book_side": book_side,
                "yes_price_dollars": yes_price_dollars,
                "fill_count_fp": fill_count_fp,
                "remaining_count_fp": remaining_count_fp,
                "initial_count_fp": initial_count_fp,
                "taker_fill_cost_dollars": taker_fill_cost_dollars,
                "maker_fill_cost_dollars": maker_fill_cost_dollars,
                "taker_fees_dollars": taker_fees_dollars,
                "maker_fees_dollars": maker_fees_dollars,
                "client_order_id": client_order_id,
                "created_time": created_time,
                "created_ts_ms": created_ts_ms,
            }
        )
        if order_group_id is not UNSET:
            field_dict["order_group_id"] = order_group_id
        if self_trade_prevention_type is not UNSET:
            field_dict["self_trade_prevention_type"] = self_trade_prevention_type
        if last_update_time is not UNSET:
            field_dict["last_update_time"] = last_update_time
        if expiration_time is not UNSET:
            field_dict["expiration_time"] = expiration_time
        if expiration_ts_ms is not UNSET:
            field_dict["expiration_ts_ms"] = expiration_ts_ms
        if last_updated_ts_ms is not UNSET:
            field_dict["last_updated_ts_ms"] = last_updated_ts_ms
        if last_update_reason is not UNSET:
            field_dict["last_update_reason"] = last_update_reason
        if subaccount_number is not UNSET:
            field_dict["subaccount_number"] = subaccount_number

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        order_id = d.pop("order_id")

        user_id = d.pop("user_id")

        ticker = d.pop("ticker")

        exchange_index = d.pop("exchange_index")

        status = d.pop("status")

        side = d.pop("side")

        is_yes = d.pop("is_yes")

        outcome_side = d.pop("outcome_side")

        book_side = d.pop("book_side")

        yes_price_dollars = d.pop("yes_price_dollars")

        fill_count_fp = d.pop("fill_count_fp")

        remaining_count_fp = d.pop("remaining_count_fp")

        initial_count_fp = d.pop("initial_count_fp")

        taker_fill_cost_dollars = d.pop("taker_fill_cost_dollars")

        maker_fill_cost_dollars = d.pop("maker_fill_cost_dollars")

        taker_fees_dollars = d.pop("taker_fees_dollars")

        maker_fees_dollars = d.pop("maker_fees_dollars")

        client_order_id = d.pop("client_order_id")

        def _parse_created_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                created_time_type_0 = datetime.datetime.fromisoformat(data)

                return created_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        created_time = _parse_created_time(d.pop("created_time"))

        def _parse_created_ts_ms(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        created_ts_ms = _parse_created_ts_ms(d.pop("created_ts_ms"))

        order_group_id = d.pop("order_group_id", UNSET)

        self_trade_prevention_type = d.pop("self_trade_prevention_type", UNSET)

        _last_update_time = d.pop("last_update_time", UNSET)
        last_update_time: datetime.datetime | Unset
        if isinstance(_last_update_time, Unset):
            last_update_time = UNSET
        else:
            last_update_time = datetime.datetime.fromisoformat(_last_update_time)

        _expiration_time = d.pop("expiration_time", UNSET)
        expiration_time: datetime.datetime | Unset
        if isinstance(_expiration_time, Unset):
            expiration_time = UNSET
        else:
            expiration_time = datetime.datetime.fromisoformat(_expiration_time)

        expiration_ts_ms = d.pop("expiration_ts_ms", UNSET)

        last_updated_ts_ms = d.pop("last_updated_ts_ms", UNSET)

        last_update_reason = d.pop("last_update_reason", UNSET)

        subaccount_number = d.pop("subaccount_number", UNSET)

        user_order = cls(
            order_id=order_id,
            user_id=user_id,
            ticker=ticker,
            exchange_index=exchange_index,
            status=status,
            side=side,
            is_yes=is_yes,
            outcome_side=outcome_side,
            book_side=book_side,
            yes_price_dollars=yes_price_dollars,
            fill_count_fp=fill_count_fp,
            remaining_count_fp=remaining_count_fp,
            initial_count_fp=initial_count_fp,
            taker_fill_cost_dollars=taker_fill_cost_dollars,
            maker_fill_cost_dollars=maker_fill_cost_dollars,
            taker_fees_dollars=taker_fees_dollars,
            maker_fees_dollars=maker_fees_dollars,
            client_order_id=client_order_id,
            created_time=created_time,
            created_ts_ms=created_ts_ms,
            order_group_id=order_group_id,
            self_trade_prevention_type=self_trade_prevention_type,
            last_update_time=last_update_time,
            expiration_time=expiration_time,
            expiration_ts_ms=expiration_ts_ms,
            last_updated_ts_ms=last_updated_ts_ms,
            last_update_reason=last_update_reason,
            subaccount_number=subaccount_number,
        )

        user_order.additional_properties = d
        return user_order

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
