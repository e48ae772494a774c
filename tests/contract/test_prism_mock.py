"""Every generated operation against Prism's mock: requests it accepts, responses our models parse."""

from __future__ import annotations

import importlib
import inspect
import json
import typing
from collections.abc import Iterator
from datetime import datetime
from types import ModuleType
from typing import Any

import httpx
import pytest

from kalshi_generated import AuthenticatedClient
from kalshi_generated.types import UNSET, Response
from tests.contract.prism import (
    DUMMY_AUTH_HEADERS,
    PrismServer,
    assert_no_violations,
    authenticated_client,
)
from tests.spec_payloads import example_payload, operations, ref_target, spec, success_schema

CASES = list(operations())
GET_CASES = [case for case in CASES if case[0] == "get"]
DYNAMIC_REQUESTS_PER_OPERATION = 20

# What a trader would send; a parameter missing here gets a value built from its spec schema.
REALISTIC_VALUES: dict[str, Any] = {
    "order_id": "ee4ecd1f-3bd1-4c5e-9a8a-0d4f5d6c7b8a",
    "order_group_id": "0f6f43a3-9b1c-4f7a-8f0e-6f2a1c9d7e55",
    "transfer_id": "7d9c1b2a-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "ticker": "KXHIGHNY-26NOV22-T58",
    "market_ticker": "KXHIGHNY-26NOV22-T58",
    "market_tickers": "KXHIGHNY-26NOV22-T58,KXHIGHNY-26NOV22-T60",
    "event_ticker": "KXHIGHNY-26NOV22",
    "status": "resting",
    "count_filter": "position",
    "min_ts": 1763769600,
    "max_ts": 1763856000,
    "subaccount": 1,
    "exchange_index": 0,
    "limit": 25,
    "cursor": "c2V0dGxlbWVudHM6MTAw",
}


def operation_module(op: dict[str, Any]) -> ModuleType:
    return importlib.import_module(f"kalshi_generated.api.portfolio.{op['operationId']}")


def declared_parameters(op: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for parameter in op.get("parameters", []):
        if "$ref" in parameter:
            parameter = spec()["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
        found.append(parameter)
    return found


def call_arguments(op: dict[str, Any], *, every_parameter: bool) -> dict[str, Any]:
    """Arguments for the operation's sync_detailed: a body built from the spec, path parameters,
    and either every query parameter (every_parameter) or none, so the generated defaults go out."""
    function = operation_module(op).sync_detailed
    accepted = inspect.signature(function).parameters
    arguments: dict[str, Any] = {}
    for parameter in declared_parameters(op):
        name = parameter["name"]
        assert name in accepted, f"{op['operationId']}: spec parameter {name} not generated"
        if parameter.get("required") or every_parameter:
            arguments[name] = REALISTIC_VALUES.get(name, example_payload(parameter["schema"]))
    if "requestBody" in op:
        body_schema = op["requestBody"]["content"]["application/json"]["schema"]
        hint = typing.get_type_hints(function)["body"]
        model = next(t for t in typing.get_args(hint) or [hint] if t is not type(UNSET))
        arguments["body"] = model.from_dict(example_payload(body_schema))
    return arguments


def assert_parsed_as_declared(op: dict[str, Any], response: Response[Any], context: str) -> None:
    status, schema = success_schema(op)
    assert response.status_code == status, f"{context}: {response.content[:500]!r}"
    model_name = ref_target(schema) if schema else None
    if model_name is None:
        assert response.parsed is None, context
    else:
        assert type(response.parsed).__name__ == model_name, context


def comparable(value: Any) -> Any:
    """JSON as the models re-serialize it: date-times compared by instant."""
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [comparable(item) for item in value]
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return value


@pytest.fixture(scope="module")
def mock_client(prism_mock: PrismServer) -> Iterator[AuthenticatedClient]:
    with authenticated_client(prism_mock.base_url) as client:
        yield client


@pytest.fixture(scope="module")
def dynamic_client(prism_dynamic: PrismServer) -> Iterator[AuthenticatedClient]:
    with authenticated_client(prism_dynamic.base_url) as client:
        yield client


def test_every_operation_is_covered() -> None:
    assert len(CASES) == 36
    assert len(GET_CASES) == 19


@pytest.mark.parametrize("every_parameter", [False, True], ids=["defaults", "every-parameter"])
@pytest.mark.parametrize(
    ("method", "path", "op"), CASES, ids=[op["operationId"] for _, _, op in CASES]
)
def test_static_mock_accepts_the_request_and_the_response_parses(
    mock_client: AuthenticatedClient,
    method: str,
    path: str,
    op: dict[str, Any],
    every_parameter: bool,
) -> None:
    arguments = call_arguments(op, every_parameter=every_parameter)
    context = f"{method.upper()} {path} {op['operationId']}({sorted(arguments)})"
    response = operation_module(op).sync_detailed(client=mock_client, **arguments)
    assert_no_violations(response, context)
    assert_parsed_as_declared(op, response, context)


@pytest.mark.parametrize(
    ("method", "path", "op"), GET_CASES, ids=[op["operationId"] for _, _, op in GET_CASES]
)
def test_dynamic_responses_parse_and_keep_every_field(
    dynamic_client: AuthenticatedClient,
    prism_dynamic: PrismServer,
    method: str,
    path: str,
    op: dict[str, Any],
) -> None:
    arguments = call_arguments(op, every_parameter=True)
    function = operation_module(op).sync_detailed
    # The seed in the command reproduces the sequence (PRISM_SEED=...).
    context = f"{op['operationId']} on {' '.join(prism_dynamic.command[1:])}"
    for attempt in range(DYNAMIC_REQUESTS_PER_OPERATION):
        response = function(client=dynamic_client, **arguments)
        assert_no_violations(response, f"{context}, request {attempt}")
        assert_parsed_as_declared(op, response, f"{context}, request {attempt}")
        # Random extra properties, at any depth, survive in additional_properties.
        assert comparable(response.parsed.to_dict()) == comparable(json.loads(response.content)), (
            f"{context}, request {attempt}: {response.content[:2000]!r}"
        )


# The checks above can fail: Prism flags each of these requests, and assert_no_violations says so.


def test_missing_signature_headers_are_reported(prism_mock: PrismServer) -> None:
    response = httpx.get(f"{prism_mock.base_url}/portfolio/balance")
    assert response.status_code == 401
    with pytest.raises(AssertionError, match="Invalid security scheme used"):
        assert_no_violations(response)


def test_limit_outside_the_spec_is_reported(mock_client: AuthenticatedClient) -> None:
    from kalshi_generated.api.portfolio import get_deposits

    response = get_deposits.sync_detailed(client=mock_client, limit=501)
    assert response.status_code == 400
    with pytest.raises(AssertionError, match=r"limit must be <= 500"):
        assert_no_violations(response, "get_deposits(limit=501)")


def test_body_missing_required_fields_is_reported(prism_mock: PrismServer) -> None:
    response = httpx.post(
        f"{prism_mock.base_url}/portfolio/events/orders", json={}, headers=DUMMY_AUTH_HEADERS
    )
    assert response.status_code == 400
    with pytest.raises(AssertionError, match="must have required property 'ticker'"):
        assert_no_violations(response)


def test_unknown_route_is_reported(prism_mock: PrismServer) -> None:
    response = httpx.get(
        f"{prism_mock.base_url}/trade-api/v2/portfolio/balance", headers=DUMMY_AUTH_HEADERS
    )
    assert response.status_code == 404
    with pytest.raises(AssertionError, match="NO_PATH_MATCHED_ERROR"):
        assert_no_violations(response)
