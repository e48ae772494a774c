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

T = TypeVar("T", bound="ListSubscriptionsCommand")


@_attrs_define
class ListSubscriptionsCommand:
    """List this connection's subscriptions.

    Attributes:
        id (int):
        cmd (Literal['list_subscriptions']):
    """

    id: int
    cmd: Literal["list_subscriptions"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        cmd = self.cmd

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "cmd": cmd,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        cmd = cast(Literal["list_subscriptions"], d.pop("cmd"))
        if cmd != "list_subscriptions":
            raise ValueError(f"cmd must match const 'list_subscriptions', got '{cmd}'")

        list_subscriptions_command = cls(
            id=id,
            cmd=cmd,
        )

        list_subscriptions_command.additional_properties = d
        return list_subscriptions_command

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
