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
    from ..models.unsubscribe_params import UnsubscribeParams


T = TypeVar("T", bound="UnsubscribeCommand")


@_attrs_define
class UnsubscribeCommand:
    """Cancel subscriptions by sid.

    Attributes:
        id (int):
        cmd (Literal['unsubscribe']):
        params (UnsubscribeParams): The params of UnsubscribeCommand.
    """

    id: int
    cmd: Literal["unsubscribe"]
    params: UnsubscribeParams
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        cmd = self.cmd

        params = self.params.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "cmd": cmd,
                "params": params,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.unsubscribe_params import UnsubscribeParams

        d = dict(src_dict)
        id = d.pop("id")

        cmd = cast(Literal["unsubscribe"], d.pop("cmd"))
        if cmd != "unsubscribe":
            raise ValueError(f"cmd must match const 'unsubscribe', got '{cmd}'")

        params = UnsubscribeParams.from_dict(d.pop("params"))

        unsubscribe_command = cls(
            id=id,
            cmd=cmd,
            params=params,
        )

        unsubscribe_command.additional_properties = d
        return unsubscribe_command

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
