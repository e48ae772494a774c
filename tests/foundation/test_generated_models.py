"""The generated package: every operation present, and its models parse what the server sends."""

from __future__ import annotations

import importlib
import inspect
import typing
from datetime import datetime
from typing import Any

import httpx
import pytest

from kalshi_generated import AuthenticatedClient
from kalshi_generated.types import UNSET
from tests.spec_payloads import example_payload, operations, ref_target, spec, success_schema

OPERATION_IDS = sorted(op["operationId"] for _, _, op in operations())

# The 20 operations of the official SDK's portfolio reference, all still present upstream.
SDK_REFERENCE_NAMES = [
    "amend_order", "batch_cancel_orders", "batch_create_orders", "cancel_order", "create_order",
    "create_order_group", "decrease_order", "delete_order_group", "get_balance", "get_fills",
    "get_order", "get_order_group", "get_order_groups", "get_order_queue_position", "get_orders",
    "get_positions", "get_queue_positions", "get_settlements", "get_total_resting_order_value",
    "reset_order_group",
]  # fmt: skip


def test_thirty_six_operations_each_with_four_entry_points() -> None:
    assert len(OPERATION_IDS) == 36
    for name in OPERATION_IDS:
        module = importlib.import_module(f"kalshi_generated.api.portfolio.{name}")
        for function in ("sync", "sync_detailed", "asyncio", "asyncio_detailed"):
            assert callable(getattr(module, function)), f"{name}.{function}"


def test_sdk_reference_names_present() -> None:
    assert set(SDK_REFERENCE_NAMES) <= set(OPERATION_IDS)


def normalize(value: Any) -> Any:
    """Compare date-times by instant: the models re-serialize them in isoformat."""
    if isinstance(value, dict):
        return {key: normalize(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalize(item) for item in value]
    if isinstance(value, str) and "T" in value and value[:4].isdigit():
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return value


def call_kwargs(function: Any, method: str, path: str, op: dict[str, Any]) -> dict[str, Any]:
    """Arguments for a generated function: path parameters and a request body built from the spec."""
    hints = typing.get_type_hints(function)
    kwargs: dict[str, Any] = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name == "client" or parameter.default is not inspect.Parameter.empty:
            continue
        if name == "body":
            body_schema = op["requestBody"]["content"]["application/json"]["schema"]
            model = next(
                t for t in typing.get_args(hints["body"]) or [hints["body"]] if t is not type(UNSET)
            )
            kwargs["body"] = model.from_dict(example_payload(body_schema))
        else:
            kwargs[name] = "id-1"
    return kwargs


def serve(payload: Any, status: int) -> AuthenticatedClient:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=payload)

    client = AuthenticatedClient(base_url="http://127.0.0.1", token="unused")
    client.set_httpx_client(
        httpx.Client(base_url="http://127.0.0.1", transport=httpx.MockTransport(handler))
    )
    return client


CASES = [(method, path, op) for method, path, op in operations()]


@pytest.mark.parametrize("nulls", [False, True], ids=["examples", "nulls"])
@pytest.mark.parametrize(
    ("method", "path", "op"), CASES, ids=[op["operationId"] for _, _, op in CASES]
)
def test_success_payload_parses_and_round_trips(
    method: str, path: str, op: dict[str, Any], nulls: bool
) -> None:
    module = importlib.import_module(f"kalshi_generated.api.portfolio.{op['operationId']}")
    status, schema = success_schema(op)
    payload = example_payload(schema, nulls=nulls) if schema else {}
    payload_with_extra = (
        {**payload, "field_added_by_kalshi_later": {"x": [1, 2]}}
        if isinstance(payload, dict)
        else payload
    )
    response = module.sync_detailed(
        client=serve(payload_with_extra, status),
        **call_kwargs(module.sync_detailed, method, path, op),
    )
    assert response.status_code == status
    parsed = response.parsed
    if schema is None or ref_target(schema) is None:
        return
    assert type(parsed).__name__ == ref_target(schema)
    assert parsed.additional_properties.get("field_added_by_kalshi_later") == {"x": [1, 2]}
    assert normalize(parsed.to_dict()) == normalize(payload_with_extra)


def test_unknown_enum_values_in_responses_parse() -> None:
    from kalshi_generated.models import GetOrderResponse

    order = example_payload(spec()["components"]["schemas"]["Order"])
    order.update(
        status="pending_review",
        book_side="cross",
        outcome_side="maybe",
        self_trade_prevention_type="new_mode",
    )
    parsed = GetOrderResponse.from_dict({"order": order})
    assert parsed.order.status == "pending_review"
    assert parsed.order.self_trade_prevention_type == "new_mode"
    assert normalize(parsed.to_dict()) == normalize({"order": order})


def test_self_trade_prevention_type_null_parses() -> None:
    from kalshi_generated.models import Order

    order = example_payload(spec()["components"]["schemas"]["Order"])
    order["self_trade_prevention_type"] = None
    assert Order.from_dict(order).self_trade_prevention_type is None


def test_request_side_enums_stay_strict() -> None:
    from kalshi_generated.models import CreateOrderV2Request

    body = example_payload(spec()["components"]["schemas"]["CreateOrderV2Request"])
    body["side"] = "sideways"
    with pytest.raises(ValueError):
        CreateOrderV2Request.from_dict(body)
