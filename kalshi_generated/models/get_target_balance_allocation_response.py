from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.target_balance_allocation import TargetBalanceAllocation


T = TypeVar("T", bound="GetTargetBalanceAllocationResponse")


@_attrs_define
class GetTargetBalanceAllocationResponse:
    """
    Attributes:
        allocations (list[TargetBalanceAllocation]):
        resting_margin_reservation (str):
    """

    allocations: list[TargetBalanceAllocation]
    resting_margin_reservation: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        allocations = []
        for allocations_item_data in self.allocations:
            allocations_item = allocations_item_data.to_dict()
            allocations.append(allocations_item)

        resting_margin_reservation = self.resting_margin_reservation

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "allocations": allocations,
                "resting_margin_reservation": resting_margin_reservation,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.target_balance_allocation import TargetBalanceAllocation

        d = dict(src_dict)
        allocations = []
        _allocations = d.pop("allocations")
        for allocations_item_data in _allocations:
            allocations_item = TargetBalanceAllocation.from_dict(allocations_item_data)

            allocations.append(allocations_item)

        resting_margin_reservation = d.pop("resting_margin_reservation")

        get_target_balance_allocation_response = cls(
            allocations=allocations,
            resting_margin_reservation=resting_margin_reservation,
        )

        get_target_balance_allocation_response.additional_properties = d
        return get_target_balance_allocation_response

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
