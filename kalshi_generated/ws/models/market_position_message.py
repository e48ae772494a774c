from __future__ import annotations

from collections.abc import Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    Literal,
    Self,
    TypeVar,
    cast,
)

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.market_position import MarketPosition


T = TypeVar("T", bound="MarketPositionMessage")


@_attrs_define
class MarketPositionMessage:
    """The member's position in one market changed.

    Attributes:
        type_ (Literal['market_position']):
        sid (int):
        msg (MarketPosition): The msg of MarketPositionMessage.
    """

    type_: Literal["market_position"]
    sid: int
    msg: MarketPosition
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        sid = self.sid

        msg = self.msg.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "sid": sid,
                "msg": msg,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.market_position import MarketPosition

        d = dict(src_dict)
        type_ = cast(Literal["market_position"], d.pop("type"))
        if type_ != "market_position":
            raise ValueError(f"type must match const 'market_position', got '{type_}'")

        sid = d.pop("sid")

        msg = MarketPosition.from_dict(d.pop("msg"))

        market_position_message = cls(
            type_=type_,
            sid=sid,
            msg=msg,
        )

        market_position_message.additional_properties = d
        return market_position_message

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
