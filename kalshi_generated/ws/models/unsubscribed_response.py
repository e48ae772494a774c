from __future__ import annotations

from collections.abc import Mapping
from typing import (
    Any,
    Literal,
    Self,
    TypeVar,
    cast,
)

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="UnsubscribedResponse")


@_attrs_define
class UnsubscribedResponse:
    """A subscription was cancelled.

    Attributes:
        type_ (Literal['unsubscribed']):
        sid (int):
        seq (int):
        id (int | Unset):
    """

    type_: Literal["unsubscribed"]
    sid: int
    seq: int
    id: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        sid = self.sid

        seq = self.seq

        id = self.id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "sid": sid,
                "seq": seq,
            }
        )
        if id is not UNSET:
            field_dict["id"] = id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        type_ = cast(Literal["unsubscribed"], d.pop("type"))
        if type_ != "unsubscribed":
            raise ValueError(f"type must match const 'unsubscribed', got '{type_}'")

        sid = d.pop("sid")

        seq = d.pop("seq")

        id = d.pop("id", UNSET)

        unsubscribed_response = cls(
            type_=type_,
            sid=sid,
            seq=seq,
            id=id,
        )

        unsubscribed_response.additional_properties = d
        return unsubscribed_response

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
