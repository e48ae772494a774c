from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ErrorResponseMsg")


@_attrs_define
class ErrorResponseMsg:
    """The msg of ErrorResponse.

    Attributes:
        code (int):
        msg (str):
        market_ticker (str | Unset):
        market_tickers (list[str] | Unset):
    """

    code: int
    msg: str
    market_ticker: str | Unset = UNSET
    market_tickers: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        msg = self.msg

        market_ticker = self.market_ticker

        market_tickers: list[str] | Unset = UNSET
        if not isinstance(self.market_tickers, Unset):
            market_tickers = self.market_tickers

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "msg": msg,
            }
        )
        if market_ticker is not UNSET:
            field_dict["market_ticker"] = market_ticker
        if market_tickers is not UNSET:
            field_dict["market_tickers"] = market_tickers

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        code = d.pop("code")

        msg = d.pop("msg")

        market_ticker = d.pop("market_ticker", UNSET)

        market_tickers = cast(list[str], d.pop("market_tickers", UNSET))

        error_response_msg = cls(
            code=code,
            msg=msg,
            market_ticker=market_ticker,
            market_tickers=market_tickers,
        )

        error_response_msg.additional_properties = d
        return error_response_msg

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
