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
    from ..models.error_response_msg import ErrorResponseMsg


T = TypeVar("T", bound="ErrorResponse")


@_attrs_define
class ErrorResponse:
    """A command failed, or a subscription broke (sid set).

    Attributes:
        type_ (Literal['error']):
        msg (ErrorResponseMsg): The msg of ErrorResponse.
        id (int | Unset):
        sid (int | Unset):
        seq (int | Unset):
    """

    type_: Literal["error"]
    msg: ErrorResponseMsg
    id: int | Unset = UNSET
    sid: int | Unset = UNSET
    seq: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        msg = self.msg.to_dict()

        id = self.id

        sid = self.sid

        seq = self.seq

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
        if sid is not UNSET:
            field_dict["sid"] = sid
        if seq is not UNSET:
            field_dict["seq"] = seq

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.error_response_msg import ErrorResponseMsg

        d = dict(src_dict)
        type_ = cast(Literal["error"], d.pop("type"))
        if type_ != "error":
            raise ValueError(f"type must match const 'error', got '{type_}'")

        msg = ErrorResponseMsg.from_dict(d.pop("msg"))

        id = d.pop("id", UNSET)

        sid = d.pop("sid", UNSET)

        seq = d.pop("seq", UNSET)

        error_response = cls(
            type_=type_,
            msg=msg,
            id=id,
            sid=sid,
            seq=seq,
        )

        error_response.additional_properties = d
        return error_response

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
