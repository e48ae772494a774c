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
    from ..models.update_subscription_params import UpdateSubscriptionParams


T = TypeVar("T", bound="UpdateSubscriptionCommand")


@_attrs_define
class UpdateSubscriptionCommand:
    """Add or remove markets of one subscription.

    Attributes:
        id (int):
        cmd (Literal['update_subscription']):
        params (UpdateSubscriptionParams): The params of UpdateSubscriptionCommand.
    """

    id: int
    cmd: Literal["update_subscription"]
    params: UpdateSubscriptionParams
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
        from ..models.update_subscription_params import UpdateSubscriptionParams

        d = dict(src_dict)
        id = d.pop("id")

        cmd = cast(Literal["update_subscription"], d.pop("cmd"))
        if cmd != "update_subscription":
            raise ValueError(f"cmd must match const 'update_subscription', got '{cmd}'")

        params = UpdateSubscriptionParams.from_dict(d.pop("params"))

        update_subscription_command = cls(
            id=id,
            cmd=cmd,
            params=params,
        )

        update_subscription_command.additional_properties = d
        return update_subscription_command

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
