from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Withdrawal")


@_attrs_define
class Withdrawal:
    """
    Attributes:
        id (str):
        status (str):
        type_ (str):
        amount_cents (int):
        fee_cents (int):
        created_ts (int):
        finalized_ts (int | None | Unset):
    """

    id: str
    status: str
    type_: str
    amount_cents: int
    fee_cents: int
    created_ts: int
    finalized_ts: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        status = self.status

        type_ = self.type_

        amount_cents = self.amount_cents

        fee_cents = self.fee_cents

        created_ts = self.created_ts

        finalized_ts: int | None | Unset
        if isinstance(self.finalized_ts, Unset):
            finalized_ts = UNSET
        else:
            finalized_ts = self.finalized_ts

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
                "type": type_,
                "amount_cents": amount_cents,
                "fee_cents": fee_cents,
                "created_ts": created_ts,
            }
        )
        if finalized_ts is not UNSET:
            field_dict["finalized_ts"] = finalized_ts

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        status = d.pop("status")

        type_ = d.pop("type")

        amount_cents = d.pop("amount_cents")

        fee_cents = d.pop("fee_cents")

        created_ts = d.pop("created_ts")

        def _parse_finalized_ts(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        finalized_ts = _parse_finalized_ts(d.pop("finalized_ts", UNSET))

        withdrawal = cls(
            id=id,
            status=status,
            type_=type_,
            amount_cents=amount_cents,
            fee_cents=fee_cents,
            created_ts=created_ts,
            finalized_ts=finalized_ts,
        )

        withdrawal.additional_properties = d
        return withdrawal

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
