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
    from ..models.ok_response_msg import OkResponseMsg


T = TypeVar("T", bound="OkResponse")


@_attrs_define
class OkResponse:
    """A subscription was updated; msg lists its markets after the update.

    Attributes:
        type_ (Literal['ok']):
        id (int | Unset):
        sid (int | Unset):
        seq (int | Unset):
        msg (OkResponseMsg | Unset): The msg of OkResponse.
    """

    type_: Literal["ok"]
    id: int | Unset = UNSET
    sid: int | Unset = UNSET
    seq: int | Unset = UNSET
    msg: OkResponseMsg | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        id = self.id

        sid = self.sid

        seq = self.seq

        msg: dict[str, Any] | Unset = UNSET
        if not isinstance(self.msg, Unset):
            msg = self.msg.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if id is not UNSET:
            field_dict["id"] = id
        if sid is not UNSET:
            field_dict["sid"] = sid
        if seq is not UNSET:
            field_dict["seq"] = seq
        if msg is not UNSET:
            field_dict["msg"] = msg

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.ok_response_msg import OkResponseMsg

        d = dict(src_dict)
        type_ = cast(Literal["ok"], d.pop("type"))
        if type_ != "ok":
            raise ValueError(f"type must match const 'ok', got '{type_}'")

        id = d.pop("id", UNSET)

        sid = d.pop("sid", UNSET)

        seq = d.pop("seq", UNSET)

        _msg = d.pop("msg", UNSET)
        msg: OkResponseMsg | Unset
        if isinstance(_msg, Unset):
            msg = UNSET
        else:
            msg = OkResponseMsg.from_dict(_msg)

        ok_response = cls(
            type_=type_,
            id=id,
            sid=sid,
            seq=seq,
            msg=msg,
        )

        ok_response.additional_properties = d
        return ok_response

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
