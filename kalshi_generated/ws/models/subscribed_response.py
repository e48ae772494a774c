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


T = TypeVar("T", bound="SubscribedResponse")


@_attrs_define
class SubscribedResponse:
    """A subscription was created.

    Attributes:
        type_ (Literal['subscribed']):
        msg (Subscription): The msg of SubscribedResponse.
        id (int | Unset):
    """

    type_: Literal["subscribed"]
    msg: Subscription
    id: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        msg = self.msg.to_dict()

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
        type_ = cast(Literal["subscribed"], d.pop("type"))
        if type_ != "subscribed":
            raise ValueError(f"type must match const 'subscribed', got '{type_}'")

        msg = Subscription.from_dict(d.pop("msg"))

        id = d.pop("id", UNSET)

        subscribed_response = cls(
            type_=type_,
            msg=msg,
            id=id,
        )

        subscribed_response.additional_properties = d
        return subscribed_response

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
