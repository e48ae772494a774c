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

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.subscription import Subscription


T = TypeVar("T", bound="ListSubscriptionsResponse")


@_attrs_define
class ListSubscriptionsResponse:
    """The connection's subscriptions (type ok, msg is a list).

    Attributes:
        type_ (Literal['ok']):
        msg (list[Subscription]):
        id (int | Unset):
    """

    type_: Literal["ok"]
    msg: list[Subscription]
    id: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        msg = []
        for msg_item_data in self.msg:
            msg_item = msg_item_data.to_dict()
            msg.append(msg_item)

        id = self.id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "msg": msg,
            }
        )
        if id is not UNSET:
            field_dict["id"] = id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.subscription import Subscription

        d = dict(src_dict)
        type_ = cast(Literal["ok"], d.pop("type"))
        if type_ != "ok":
            raise ValueError(f"type must match const 'ok', got '{type_}'")

        msg = []
        _msg = d.pop("msg")
        for msg_item_data in _msg:
            msg_item = Subscription.from_dict(msg_item_data)

            msg.append(msg_item)

        id = d.pop("id", UNSET)

        list_subscriptions_response = cls(
            type_=type_,
            msg=msg,
            id=id,
        )

        list_subscriptions_response.additional_properties = d
        return list_subscriptions_response

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
