from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SubaccountTransfer")


@_attrs_define
class SubaccountTransfer:
    """
    Attributes:
        transfer_id (str):
        from_subaccount (int):
        to_subaccount (int):
        amount_cents (int):
        created_ts (int):
        exchange_index (int):
    """

    transfer_id: str
    from_subaccount: int
    to_subaccount: int
    amount_cents: int
    created_ts: int
    exchange_index: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        transfer_id = self.transfer_id

        from_subaccount = self.from_subaccount

        to_subaccount = self.to_subaccount

        amount_cents = self.amount_cents

        created_ts = self.created_ts

        exchange_index = self.exchange_index

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "transfer_id": transfer_id,
                "from_subaccount": from_subaccount,
                "to_subaccount": to_subaccount,
                "amount_cents": amount_cents,
                "created_ts": created_ts,
                "exchange_index": exchange_index,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        transfer_id = d.pop("transfer_id")

        from_subaccount = d.pop("from_subaccount")

        to_subaccount = d.pop("to_subaccount")

        amount_cents = d.pop("amount_cents")

        created_ts = d.pop("created_ts")

        exchange_index = d.pop("exchange_index")

        subaccount_transfer = cls(
            transfer_id=transfer_id,
            from_subaccount=from_subaccount,
            to_subaccount=to_subaccount,
            amount_cents=amount_cents,
            created_ts=created_ts,
            exchange_index=exchange_index,
        )

        subaccount_transfer.additional_properties = d
        return subaccount_transfer

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
