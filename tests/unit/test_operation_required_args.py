"""OperationInfo.required (read once at load) against the generated signatures it stands for."""

from __future__ import annotations

import inspect

import pytest

from kalshi_ext.operations import OperationInfo, build_request
from kalshi_ext.pagination import PAGED

OPERATIONS = sorted(
    {"get_order", "create_order", "cancel_order", "get_balance"}
    | {paged.operation for paged in PAGED.values()}
)


@pytest.mark.parametrize("name", OPERATIONS)
def test_required_matches_the_generated_signature(name: str) -> None:
    op = OperationInfo.load(name)
    parameters = inspect.signature(op.module._get_kwargs).parameters.values()
    assert op.required == tuple(p.name for p in parameters if p.default is p.empty)


def test_a_missing_path_parameter_is_named() -> None:
    with pytest.raises(TypeError, match=r"get_order\(\) missing required argument\(s\): order_id"):
        build_request(OperationInfo.load("get_order"), {})
    assert build_request(OperationInfo.load("get_order"), {"order_id": "a b"}).url == (
        "/portfolio/orders/a%20b"
    )
