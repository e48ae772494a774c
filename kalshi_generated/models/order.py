from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Order")


@_attrs_define
class Order:
    """
    Attributes:
        order_id (str):
        user_id (str):
        client_order_id (str):
        ticker (str):
        outcome_side (str):
        book_side (str):
        type_ (str):
        status (str):
        yes_price_dollars (str):  Example: 0.5600.
        no_price_dollars (str):  Example: 0.5600.
        fill_count_fp (str):  Example: 10.00.
        remaining_count_fp (str):  Example: 10.00.
        initial_count_fp (str):  Example: 10.00.
        taker_fill_cost_dollars (str):  Example: 0.5600.
        maker_fill_cost_dollars (str):  Example: 0.5600.
        taker_fees_dollars (str):  Example: 0.5600.
        maker_fees_dollars (str):  Example: 0.5600.
        side (str | Unset):
        action (str | Unset):
        expiration_time (datetime.datetime | None | Unset):
        created_time (datetime.datetime | None | Unset):
        last_update_time (datetime.datetime | None | Unset):
        self_trade_prevention_type (None | str | Unset):
        order_group_id (None | str | Unset):
        cancel_order_on_pause (bool | Unset):
        subaccount_number (int | None | Unset):
        exchange_index (int | Unset):  Example: 0.
    """

    order_id: str
    user_id: str
    client_order_id: str
    ticker: str
    outcome_side: str
    book_side: str
    type_: str
    status: str
    yes_price_dollars: str
    no_price_dollars: str
    fill_count_fp: str
    remaining_count_fp: str
    initial_count_fp: str
    taker_fill_cost_dollars: str
    maker_fill_cost_dollars: str
    taker_fees_dollars: str
    maker_fees_dollars: str
    side: str | Unset = UNSET
    action: str | Unset = UNSET
    expiration_time: datetime.datetime | None | Unset = UNSET
    created_time: datetime.datetime | None | Unset = UNSET
    last_update_time: datetime.datetime | None | Unset = UNSET
    self_trade_prevention_type: None | str | Unset = UNSET
    order_group_id: None | str | Unset = UNSET
    cancel_order_on_pause: bool | Unset = UNSET
    subaccount_number: int | None | Unset = UNSET
    exchange_index: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        order_id = self.order_id

        user_id = self.user_id

        client_order_id = self.client_order_id

        ticker = self.ticker

        outcome_side = self.outcome_side

        book_side = self.book_side

        type_ = self.type_

        status = self.status

        yes_price_dollars = self.yes_price_dollars

        no_price_dollars = self.no_price_dollars

        fill_count_fp = self.fill_count_fp

        remaining_count_fp = self.remaining_count_fp

        initial_count_fp = self.initial_count_fp

        taker_fill_cost_dollars = self.taker_fill_cost_dollars

        maker_fill_cost_dollars = self.maker_fill_cost_dollars

        taker_fees_dollars = self.taker_fees_dollars

        maker_fees_dollars = self.maker_fees_dollars

        side = self.side

        action = self.action

        expiration_time: None | str | Unset
        if isinstance(self.expiration_time, Unset):
            expiration_time = UNSET
        elif isinstance(self.expiration_time, datetime.datetime):
            expiration_time = self.expiration_time.isoformat()
        else:
            expiration_time = self.expiration_time

        created_time: None | str | Unset
        if isinstance(self.created_time, Unset):
            created_time = UNSET
        elif isinstance(self.created_time, datetime.datetime):
            created_time = self.created_time.isoformat()
        else:
            created_time = self.created_time

        last_update_time: None | str | Unset
        if isinstance(self.last_update_time, Unset):
            last_update_time = UNSET
        elif isinstance(self.last_update_time, datetime.datetime):
            last_update_time = self.last_update_time.isoformat()
        else:
            last_update_time = self.last_update_time

        self_trade_prevention_type: None | str | Unset
        if isinstance(self.self_trade_prevention_type, Unset):
            self_trade_prevention_type = UNSET
        else:
            self_trade_prevention_type = self.self_trade_prevention_type

        order_group_id: None | str | Unset
        if isinstance(self.order_group_id, Unset):
            order_group_id = UNSET
        else:
            order_group_id = self.order_group_id

        cancel_order_on_pause = self.cancel_order_on_pause

        subaccount_number: int | None | Unset
        if isinstance(self.subaccount_number, Unset):
            subaccount_number = UNSET
        else:
            subaccount_number = self.subaccount_number

        exchange_index = self.exchange_index

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "order_id": order_id,
                "user_id": user_id,
                "client_order_id": client_order_id,
                "ticker": ticker,
                "outcome_side": outcome_side,
                "book_side": book_side,
                "type": type_,
                "status": status,
                "yes_price_dollars": yes_price_dollars,
                "no_price_dollars": no_price_dollars,
                "fill_count_fp": fill_count_fp,
                "remaining_count_fp": remaining_count_fp,
                "initial_count_fp": initial_count_fp,
                "taker_fill_cost_dollars": taker_fill_cost_dollars,
                "maker_fill_cost_dollars": maker_fill_cost_dollars,
                "taker_fees_dollars": taker_fees_dollars,
                "maker_fees_dollars": maker_fees_dollars,
            }
        )
        if side is not UNSET:
            field_dict["side"] = side
        if action is not UNSET:
            field_dict["action"] = action
        if expiration_time is not UNSET:
            field_dict["expiration_time"] = expiration_time
        if created_time is not UNSET:
            field_dict["created_time"] = created_time
        if last_update_time is not UNSET:
            field_dict["last_update_time"] = last_update_time
        if self_trade_prevention_type is not UNSET:
            field_dict["self_trade_prevention_type"] = self_trade_prevention_type
        if order_group_id is not UNSET:
            field_dict["order_group_id"] = order_group_id
        if cancel_order_on_pause is not UNSET:
            field_dict["cancel_order_on_pause"] = cancel_order_on_pause
        if subaccount_number is not UNSET:
            field_dict["subaccount_number"] = subaccount_number
        if exchange_index is not UNSET:
            field_dict["exchange_index"] = exchange_index

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        order_id = d.pop("order_id")

        user_id = d.pop("user_id")

        client_order_id = d.pop("client_order_id")

        ticker = d.pop("ticker")

        outcome_side = d.pop("outcome_side")

        book_side = d.pop("book_side")

        type_ = d.pop("type")

        status = d.pop("status")

        yes_price_dollars = d.pop("yes_price_dollars")

        no_price_dollars = d.pop("no_price_dollars")

        fill_count_fp = d.pop("fill_count_fp")

        remaining_count_fp = d.pop("remaining_count_fp")

        initial_count_fp = d.pop("initial_count_fp")

        taker_fill_cost_dollars = d.pop("taker_fill_cost_dollars")

        maker_fill_cost_dollars = d.pop("maker_fill_cost_dollars")

        taker_fees_dollars = d.pop("taker_fees_dollars")

        maker_fees_dollars = d.pop("maker_fees_dollars")

        side = d.pop("side", UNSET)

        action = d.pop("action", UNSET)

        def _parse_expiration_time(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expiration_time_type_0 = datetime.datetime.fromisoformat(data)

                return expiration_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        expiration_time = _parse_expiration_time(d.pop("expiration_time", UNSET))

        def _parse_created_time(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                created_time_type_0 = datetime.datetime.fromisoformat(data)

                return created_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        created_time = _parse_created_time(d.pop("created_time", UNSET))

        def _parse_last_update_time(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_update_time_type_0 = datetime.datetime.fromisoformat(data)

                return last_update_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_update_time = _parse_last_update_time(d.pop("last_update_time", UNSET))

        def _parse_self_trade_prevention_type(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        self_trade_prevention_type = _parse_self_trade_prevention_type(
            d.pop("self_trade_prevention_type", UNSET)
        )

        def _parse_order_group_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        order_group_id = _parse_order_group_id(d.pop("order_group_id", UNSET))

        cancel_order_on_pause = d.pop("cancel_order_on_pause", UNSET)

        def _parse_subaccount_number(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        subaccount_number = _parse_subaccount_number(d.pop("subaccount_number", UNSET))

        exchange_index = d.pop("exchange_index", UNSET)

        order = cls(
            order_id=order_id,
            user_id=user_id,
            client_order_id=client_order_id,
            ticker=ticker,
            outcome_side=outcome_side,
            book_side=book_side,
            type_=type_,
            status=status,
            yes_price_dollars=yes_price_dollars,
            no_price_dollars=no_price_dollars,
            fill_count_fp=fill_count_fp,
            remaining_count_fp=remaining_count_fp,
            initial_count_fp=initial_count_fp,
            taker_fill_cost_dollars=taker_fill_cost_dollars,
            maker_fill_cost_dollars=maker_fill_cost_dollars,
            taker_fees_dollars=taker_fees_dollars,
            maker_fees_dollars=maker_fees_dollars,
            side=side,
            action=action,
            expiration_time=expiration_time,
            created_time=created_time,
            last_update_time=last_update_time,
            self_trade_prevention_type=self_trade_prevention_type,
            order_group_id=order_group_id,
            cancel_order_on_pause=cancel_order_on_pause,
            subaccount_number=subaccount_number,
            exchange_index=exchange_index,
        )

        order.additional_properties = d
        return order

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
