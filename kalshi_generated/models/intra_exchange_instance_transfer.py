from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="IntraExchangeInstanceTransfer")


@_attrs_define
class IntraExchangeInstanceTransfer:
    """
    Attributes:
        transfer_id (str):
        source (str):
        destination (str):
        source_exchange_shard (int):
        destination_exchange_shard (int):
        amount (str):  Example: 0.5600.
        status (str):
        created_ts (int):
    """

    transfer_id: str
    source: str
    destination: str
    source_exchange_shard: int
    destination_exchange_shard: int
    amount: str
    status: str
    created_ts: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        transfer_id = self.transfer_id

        source = self.source

        destination = self.destination

        source_exchange_shard = self.source_exchange_shard

        destination_exchange_shard = self.destination_exchange_shard

        amount = self.amount

        status = self.status

        created_ts = self.created_ts

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "transfer_id": transfer_id,
                "source": source,
                "destination": destination,
                "source_exchange_shard": source_exchange_shard,
                "destination_exchange_shard": destination_exchange_shard,
                "amount": amount,
                "status": status,
                "created_ts": created_ts,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        transfer_id = d.pop("transfer_id")

        source = d.pop("source")

        destination = d.pop("destination")

        source_exchange_shard = d.pop("source_exchange_shard")

        destination_exchange_shard = d.pop("destination_exchange_shard")

        amount = d.pop("amount")

        status = d.pop("status")

        created_ts = d.pop("created_ts")

        intra_exchange_instance_transfer = cls(
            transfer_id=transfer_id,
            source=source,
            destination=destination,
            source_exchange_shard=source_exchange_shard,
            destination_exchange_shard=destination_exchange_shard,
            amount=amount,
            status=status,
            created_ts=created_ts,
        )

        intra_exchange_instance_transfer.additional_properties = d
        return intra_exchange_instance_transfer

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
