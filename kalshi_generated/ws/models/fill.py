from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Fill")


@_attrs_define
class Fill:
    """The msg of FillMessage.

    Attributes:
        trade_id (str):
        order_id (str):
        market_ticker (str):
        exchange_index (int):
        is_taker (bool):
        side (str):
        ts (int):
        ts_ms (int):
        yes_price_dollars (str):
        count_fp (str):
        fee_cost (str):
        action (str):
        post_position_fp (str):
        purchased_side (str):
        outcome_side (str):
        book_side (str):
        client_order_id (str | Unset):
        subaccount (int | Unset):
    """

    trade_id: str
    order_id: str
    market_ticker: str
    exchange_index: int
    is_taker: bool
    side: str
    ts: int
    ts_ms: int
    yes_price_dollars: str
    count_fp: str
    fee_cost: str
    action: str
    post_position_fp: str
    purchased_side: str
    outcome_side: str
    book_side: str
    client_order_id: str | Unset = UNSET
    subaccount: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        trade_id = self.trade_id

        order_id = self.order_id

        market_ticker = self.market_ticker

        exchange_index = self.exchange_index

        is_taker = self.is_taker

        side = self.side

        ts = self.ts

        ts_ms = self.ts_ms

        yes_price_dollars = self.yes_price_dollars

        count_fp = self.count_fp

        fee_cost = self.fee_cost

        action = self.action

        post_position_fp = self.post_position_fp

        purchased_side = self.purchased_side

        outcome_side = self.outcome_side

        book_side = self.book_side

        client_order_id = self.client_order_id

        subaccount = self.subaccount

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "trade_id": trade_id,
                "order_id": order_id,
                "market_ticker": market_ticker,
                "exchange_index": exchange_index,
                "is_taker": is_taker,
                "side": side,
                "ts": ts,
                "ts_ms": ts_ms,
                "yes_price_dollars": yes_price_dollars,
                "count_fp": count_fp,
                "fee_cost": fee_cost,
                "action": action,
                "post_position_fp": post_position_fp,
                "purchased_side": purchased_side,
                "outcome_side": outcome_side,
                "book_side": book_side,
            }
        )
        if client_order_id is not UNSET:
            field_dict["client_order_id"] = client_order_id
        if subaccount is not UNSET:
            field_dict["subaccount"] = subaccount

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        trade_id = d.pop("trade_id")

        order_id = d.pop("order_id")

        market_ticker = d.pop("market_ticker")

        exchange_index = d.pop("exchange_index")

        is_taker = d.pop("is_taker")

        side = d.pop("side")

        ts = d.pop("ts")

        ts_ms = d.pop("ts_ms")

        yes_price_dollars = d.pop("yes_price_dollars")

        count_fp = d.pop("count_fp")

        fee_cost = d.pop("fee_cost")

        action = d.pop("action")

        post_position_fp = d.pop("post_position_fp")

        purchased_side = d.pop("purchased_side")

        outcome_side = d.pop("outcome_side")

        book_side = d.pop("book_side")

        client_order_id = d.pop("client_order_id", UNSET)

        subaccount = d.pop("subaccount", UNSET)

        fill = cls(
            trade_id=trade_id,
            order_id=order_id,
            market_ticker=market_ticker,
            exchange_index=exchange_index,
            is_taker=is_taker,
            side=side,
            ts=ts,
            ts_ms=ts_ms,
            yes_price_dollars=yes_price_dollars,
            count_fp=count_fp,
            fee_cost=fee_cost,
            action=action,
            post_position_fp=post_position_fp,
            purchased_side=purchased_side,
            outcome_side=outcome_side,
            book_side=book_side,
            client_order_id=client_order_id,
            subaccount=subaccount,
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
