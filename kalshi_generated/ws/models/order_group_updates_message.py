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
    from ..models.order_group_update import OrderGroupUpdate


T = TypeVar("T", bound="OrderGroupUpdatesMessage")


@_attrs_define
class OrderGroupUpdatesMessage:
    """An order group event (sequenced per sid).

    Attributes:
        type_ (Literal['order_group_updates']):
        sid (int):
        seq (int):
        msg (OrderGroupUpdate): The msg of OrderGroupUpdatesMessage.
    """

    type_: Literal["order_group_updates"]
    sid: int
    seq: int
    msg: OrderGroupUpdate
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        sid = self.sid

        seq = self.seq

        msg = self.msg.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "sid": sid,
                "seq": seq,
                "msg": msg,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.order_group_update import OrderGroupUpdate

        d = dict(src_dict)
        type_ = cast(Literal["order_group_updates"], d.pop("type"))
        if type_ != "order_group_updates":
            raise ValueError(
                f"type must match const 'order_group_updates', got '{type_}'"
            )

        sid = d.pop("sid")

        seq = d.pop("seq")

        msg = OrderGroupUpdate.from_dict(d.pop("msg"))

        order_group_updates_message = cls(
            type_=type_,
            sid=sid,
            seq=seq,
            msg=msg,
        )

        order_group_updates_message.additional_properties = d
        return order_group_updates_message

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
