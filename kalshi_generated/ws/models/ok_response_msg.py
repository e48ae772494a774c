from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="OkResponseMsg")


@_attrs_define
class OkResponseMsg:
    """The msg of OkResponse.

    Attributes:
        market_tickers (list[str] | Unset):
        market_ids (list[str] | Unset):
    """

    market_tickers: list[str] | Unset = UNSET
    market_ids: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        market_tickers: list[str] | Unset = UNSET
        if not isinstance(self.market_tickers, Unset):
            market_tickers = self.market_tickers

        market_ids: list[str] | Unset = UNSET
        if not isinstance(self.market_ids, Unset):
            market_ids = self.market_ids

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if market_tickers is not UNSET:
            field_dict["market_tickers"] = market_tickers
        if market_ids is not UNSET:
            field_dict["market_ids"] = market_ids

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        market_tickers = cast(list[str], d.pop("market_tickers", UNSET))

        market_ids = cast(list[str], d.pop("market_ids", UNSET))

        ok_response_msg = cls(
            market_tickers=market_tickers,
            market_ids=market_ids,
        )

        ok_response_msg.additional_properties = d
        return ok_response_msg

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
