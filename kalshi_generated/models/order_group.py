from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="OrderGroup")


@_attrs_define
class OrderGroup:
    """
    Attributes:
        id (str):
        is_auto_cancel_enabled (bool):
        contracts_limit_fp (str | Unset):  Example: 10.00.
        exchange_index (int | Unset):  Example: 0.
    """

    id: str
    is_auto_cancel_enabled: bool
    contracts_limit_fp: str | Unset = UNSET
    exchange_index: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        is_auto_cancel_enabled = self.is_auto_cancel_enabled

        contracts_limit_fp = self.contracts_limit_fp

        exchange_index = self.exchange_index

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "is_auto_cancel_enabled": is_auto_cancel_enabled,
            }
        )
        if contracts_limit_fp is not UNSET:
            field_dict["contracts_limit_fp"] = contracts_limit_fp
        if exchange_index is not UNSET:
            field_dict["exchange_index"] = exchange_index

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        is_auto_cancel_enabled = d.pop("is_auto_cancel_enabled")

        contracts_limit_fp = d.pop("contracts_limit_fp", UNSET)

        exchange_index = d.pop("exchange_index", UNSET)

        order_group = cls(
            id=id,
            is_auto_cancel_enabled=is_auto_cancel_enabled,
            contracts_limit_fp=contracts_limit_fp,
            exchange_index=exchange_index,
        )

        order_group.additional_properties = d
        return order_group

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
