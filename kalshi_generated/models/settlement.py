from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Settlement")


@_attrs_define
class Settlement:
    """
    Attributes:
        ticker (str):
        exchange_index (int):  Example: 0.
        event_ticker (str):
        market_result (str):
        yes_count_fp (str):  Example: 10.00.
        yes_total_cost_dollars (str):  Example: 0.5600.
        no_count_fp (str):  Example: 10.00.
        no_total_cost_dollars (str):  Example: 0.5600.
        revenue (int):
        settled_time (datetime.datetime):
        fee_cost (str):  Example: 0.5600.
        value (int | None | Unset):
    """

    ticker: str
    exchange_index: int
    event_ticker: str
    market_result: str
    yes_count_fp: str
    yes_total_cost_dollars: str
    no_count_fp: str
    no_total_cost_dollars: str
    revenue: int
    settled_time: datetime.datetime
    fee_cost: str
    value: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        ticker = self.ticker

        exchange_index = self.exchange_index

        event_ticker = self.event_ticker

        market_result = self.market_result

        yes_count_fp = self.yes_count_fp

        yes_total_cost_dollars = self.yes_total_cost_dollars

        no_count_fp = self.no_count_fp

        no_total_cost_dollars = self.no_total_cost_dollars

        revenue = self.revenue

        settled_time = self.settled_time.isoformat()

        fee_cost = self.fee_cost

        value: int | None | Unset
        if isinstance(self.value, Unset):
            value = UNSET
        else:
            value = self.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "ticker": ticker,
                "exchange_index": exchange_index,
                "event_ticker": event_ticker,
                "market_result": market_result,
                "yes_count_fp": yes_count_fp,
                "yes_total_cost_dollars": yes_total_cost_dollars,
                "no_count_fp": no_count_fp,
                "no_total_cost_dollars": no_total_cost_dollars,
                "revenue": revenue,
                "settled_time": settled_time,
                "fee_cost": fee_cost,
            }
        )
        if value is not UNSET:
            field_dict["value"] = value

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        ticker = d.pop("ticker")

        exchange_index = d.pop("exchange_index")

        event_ticker = d.pop("event_ticker")

        market_result = d.pop("market_result")

        yes_count_fp = d.pop("yes_count_fp")

        yes_total_cost_dollars = d.pop("yes_total_cost_dollars")

        no_count_fp = d.pop("no_count_fp")

        no_total_cost_dollars = d.pop("no_total_cost_dollars")

        revenue = d.pop("revenue")

        settled_time = datetime.datetime.fromisoformat(d.pop("settled_time"))

        fee_cost = d.pop("fee_cost")

        def _parse_value(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        value = _parse_value(d.pop("value", UNSET))

        settlement = cls(
            ticker=ticker,
            exchange_index=exchange_index,
            event_ticker=event_ticker,
            market_result=market_result,
            yes_count_fp=yes_count_fp,
            yes_total_cost_dollars=yes_total_cost_dollars,
            no_count_fp=no_count_fp,
            no_total_cost_dollars=no_total_cost_dollars,
            revenue=revenue,
            settled_time=settled_time,
            fee_cost=fee_cost,
            value=value,
        )

        settlement.additional_properties = d
        return settlement

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
