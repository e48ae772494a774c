from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Fill")


@_attrs_define
class Fill:
    """
    Attributes:
        fill_id (str):
        exchange_index (int):  Example: 0.
        trade_id (str):
        order_id (str):
        ticker (str):
        market_ticker (str):
        outcome_side (str):
        book_side (str):
        count_fp (str):  Example: 10.00.
        yes_price_dollars (str):  Example: 0.5600.
        no_price_dollars (str):  Example: 0.5600.
        is_taker (bool):
        fee_cost (str):  Example: 0.5600.
        side (str | Unset):
        action (str | Unset):
        created_time (datetime.datetime | Unset):
        subaccount_number (int | None | Unset):
        ts (int | Unset):
    """

    fill_id: str
    exchange_index: int
    trade_id: str
    order_id: str
    ticker: str
    market_ticker: str
    outcome_side: str
    book_side: str
    count_fp: str
    yes_price_dollars: str
    no_price_dollars: str
    is_taker: bool
    fee_cost: str
    side: str | Unset = UNSET
    action: str | Unset = UNSET
    created_time: datetime.datetime | Unset = UNSET
    subaccount_number: int | None | Unset = UNSET
    ts: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        fill_id = self.fill_id

        exchange_index = self.exchange_index

        trade_id = self.trade_id

        order_id = self.order_id

        ticker = self.ticker

        market_ticker = self.market_ticker

        outcome_side = self.outcome_side

        book_side = self.book_side

        count_fp = self.count_fp

        yes_price_dollars = self.yes_price_dollars

        no_price_dollars = self.no_price_dollars

        is_taker = self.is_taker

        fee_cost = self.fee_cost

        side = self.side

        action = self.action

        created_time: str | Unset = UNSET
        if not isinstance(self.created_time, Unset):
            created_time = self.created_time.isoformat()

        subaccount_number: int | None | Unset
        if isinstance(self.subaccount_number, Unset):
            subaccount_number = UNSET
        else:
            subaccount_number = self.subaccount_number

        ts = self.ts

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "fill_id": fill_id,
                "exchange_index": exchange_index,
                "trade_id": trade_id,
                "order_id": order_id,
                "ticker": ticker,
                "market_ticker": market_ticker,
                "outcome_side": outcome_side,
                "book_side": book_side,
                "count_fp": count_fp,
                "yes_price_dollars": yes_price_dollars,
                "no_price_dollars": no_price_dollars,
                "is_taker": is_taker,
                "fee_cost": fee_cost,
            }
        )
        if side is not UNSET:
            field_dict["side"] = side
        if action is not UNSET:
            field_dict["action"] = action
        if created_time is not UNSET:
            field_dict["created_time"] = created_time
        if subaccount_number is not UNSET:
            field_dict["subaccount_number"] = subaccount_number
        if ts is not UNSET:
            field_dict["ts"] = ts

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        fill_id = d.pop("fill_id")

        exchange_index = d.pop("exchange_index")

        trade_id = d.pop("trade_id")

        order_id = d.pop("order_id")

        ticker = d.pop("ticker")

        market_ticker = d.pop("market_ticker")

        outcome_side = d.pop("outcome_side")

        book_side = d.pop("book_side")

        count_fp = d.pop("count_fp")

        yes_price_dollars = d.pop("yes_price_dollars")

        no_price_dollars = d.pop("no_price_dollars")

        is_taker = d.pop("is_taker")

        fee_cost = d.pop("fee_cost")

        side = d.pop("side", UNSET)

        action = d.pop("action", UNSET)

        _created_time = d.pop("created_time", UNSET)
        created_time: datetime.datetime | Unset
        if isinstance(_created_time, Unset):
            created_time = UNSET
        else:
            created_time = datetime.datetime.fromisoformat(_created_time)

        def _parse_subaccount_number(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        subaccount_number = _parse_subaccount_number(d.pop("subaccount_number", UNSET))

        ts = d.pop("ts", UNSET)

        fill = cls(
            fill_id=fill_id,
            exchange_index=exchange_index,
            trade_id=trade_id,
            order_id=order_id,
            ticker=ticker,
            market_ticker=market_ticker,
            outcome_side=outcome_side,
            book_side=book_side,
            count_fp=count_fp,
            yes_price_dollars=yes_price_dollars,
            no_price_dollars=no_price_dollars,
            is_taker=is_taker,
            fee_cost=fee_cost,
            side=side,
            action=action,
            created_time=created_time,
            subaccount_number=subaccount_number,
            ts=ts,
        )

        fill.additional_properties = d
        return fill

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
