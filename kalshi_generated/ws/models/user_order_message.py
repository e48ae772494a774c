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
    from ..models.user_order import UserOrder


T = TypeVar("T", bound="UserOrderMessage")


@_attrs_define
class UserOrderMessage:
    """An order of the member was created or changed.

    Attributes:
        type_ (Literal['user_order']):
        sid (int):
        msg (UserOrder): The msg of UserOrderMessage.
    """

    type_: Literal["user_order"]
    sid: int
    msg: UserOrder
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
        from ..models.user_order import UserOrder

        d = dict(src_dict)
        type_ = cast(Literal["user_order"], d.pop("type"))
        if type_ != "user_order":
            raise ValueError(f"type must match const 'user_order', got '{type_}'")

        sid = d.pop("sid")

        msg = UserOrder.from_dict(d.pop("msg"))

        user_order_message = cls(
            type_=type_,
            sid=sid,
            msg=msg,
        )

        user_order_message.additional_properties = d
        return user_order_message

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
