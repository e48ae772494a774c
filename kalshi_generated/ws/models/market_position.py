from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="MarketPosition")


@_attrs_define
class MarketPosition:
    """The msg of MarketPositionMessage.

    Attributes:
        user_id (str):
        market_ticker (str):
        position_fp (str):
        position_cost_dollars (str):
        realized_pnl_dollars (str):
        fees_paid_dollars (str):
        position_fee_cost_dollars (str):
        volume_fp (str):
        subaccount (int | Unset):
    """

    user_id: str
    market_ticker: str
    position_fp: str
    position_cost_dollars: str
    realized_pnl_dollars: str
    fees_paid_dollars: str
    position_fee_cost_dollars: str
    volume_fp: str
    subaccount: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        user_id = self.user_id

        market_ticker = self.market_ticker

        position_fp = self.position_fp

        position_cost_dollars = self.position_cost_dollars

        realized_pnl_dollars = self.realized_pnl_dollars

        fees_paid_dollars = self.fees_paid_dollars

        position_fee_cost_dollars = self.position_fee_cost_dollars

        volume_fp = self.volume_fp

        subaccount = self.subaccount

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "user_id": user_id,
                "market_ticker": market_ticker,
                "position_fp": position_fp,
                "position_cost_dollars": position_cost_dollars,
                "realized_pnl_dollars": realized_pnl_dollars,
                "fees_paid_dollars": fees_paid_dollars,
                "position_fee_cost_dollars": position_fee_cost_dollars,
                "volume_fp": volume_fp,
            }
        )
        if subaccount is not UNSET:
            field_dict["subaccount"] = subaccount

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        user_id = d.pop("user_id")

        market_ticker = d.pop("market_ticker")

        position_fp = d.pop("position_fp")

        position_cost_dollars = d.pop("position_cost_dollars")

        realized_pnl_dollars = d.pop("realized_pnl_dollars")

        fees_paid_dollars = d.pop("fees_paid_dollars")

        position_fee_cost_dollars = d.pop("position_fee_cost_dollars")

        volume_fp = d.pop("volume_fp")

        subaccount = d.pop("subaccount", UNSET)

        market_position = cls(
            user_id=user_id,
            market_ticker=market_ticker,
            position_fp=position_fp,
            position_cost_dollars=position_cost_dollars,
            realized_pnl_dollars=realized_pnl_dollars,
            fees_paid_dollars=fees_paid_dollars,
            position_fee_cost_dollars=position_fee_cost_dollars,
            volume_fp=volume_fp,
            subaccount=subaccount,
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
