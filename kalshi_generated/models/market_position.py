from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="MarketPosition")


@_attrs_define
class MarketPosition:
    """
    Attributes:
        ticker (str):
        exchange_index (int):  Example: 0.
        total_traded_dollars (str):  Example: 0.5600.
        position_fp (str):  Example: 10.00.
        market_exposure_dollars (str):  Example: 0.5600.
        realized_pnl_dollars (str):  Example: 0.5600.
        fees_paid_dollars (str):  Example: 0.5600.
        last_updated_ts (datetime.datetime):
    """

    ticker: str
    exchange_index: int
    total_traded_dollars: str
    position_fp: str
    market_exposure_dollars: str
    realized_pnl_dollars: str
    fees_paid_dollars: str
    last_updated_ts: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        ticker = self.ticker

        exchange_index = self.exchange_index

        total_traded_dollars = self.total_traded_dollars

        position_fp = self.position_fp

        market_exposure_dollars = self.market_exposure_dollars

        realized_pnl_dollars = self.realized_pnl_dollars

        fees_paid_dollars = self.fees_paid_dollars

        last_updated_ts = self.last_updated_ts.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "ticker": ticker,
                "exchange_index": exchange_index,
                "total_traded_dollars": total_traded_dollars,
                "position_fp": position_fp,
                "market_exposure_dollars": market_exposure_dollars,
                "realized_pnl_dollars": realized_pnl_dollars,
                "fees_paid_dollars": fees_paid_dollars,
                "last_updated_ts": last_updated_ts,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        ticker = d.pop("ticker")

        exchange_index = d.pop("exchange_index")

        total_traded_dollars = d.pop("total_traded_dollars")

        position_fp = d.pop("position_fp")

        market_exposure_dollars = d.pop("market_exposure_dollars")

        realized_pnl_dollars = d.pop("realized_pnl_dollars")

        fees_paid_dollars = d.pop("fees_paid_dollars")

        last_updated_ts = datetime.datetime.fromisoformat(d.pop("last_updated_ts"))

        market_position = cls(
            ticker=ticker,
            exchange_index=exchange_index,
            total_traded_dollars=total_traded_dollars,
            position_fp=position_fp,
            market_exposure_dollars=market_exposure_dollars,
            realized_pnl_dollars=realized_pnl_dollars,
            fees_paid_dollars=fees_paid_dollars,
            last_updated_ts=last_updated_ts,
        )

        market_position.additional_properties = d
        return market_position

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
