#!/usr/bin/env python3
"""Derive openapi/kalshi-portfolio.yaml, the /portfolio subset of Kalshi's OpenAPI document.

Usage: derive_spec.py UPSTREAM.yaml OUT.yaml

What is kept from upstream are facts: paths, methods, parameters, schemas, required lists, enums,
formats and example values. Upstream prose is dropped and replaced by the short descriptions of
OPERATIONS below. The output is byte-identical for the same input.

Fixes for openapi-python-client 0.29.1, whose code would otherwise crash on real responses:
- a `$ref` with `nullable: true` beside it loses the nullability: it becomes
  `allOf: [$ref]` + nullable;
- an inline nullable enum is hoisted into its own component, referenced the same way;
- enums are closed in generated code (an unknown value raises), so every enum reached from a
  response becomes an open string, its known values kept in `x-known-values`. Request-side enums
  stay strict.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
TAG = "portfolio"


class Operation(NamedTuple):
    name: str  # the operationId we publish (the official SDK's name where it has one)
    summary: str


# Upstream operationId -> our operationId and one-line summary. An upstream operation missing here
# fails the derivation, so a new endpoint is named on purpose rather than by accident.
OPERATIONS: dict[str, Operation] = {
    "GetBalance": Operation("get_balance", "Balance and portfolio value, in cents."),
    "GetFills": Operation("get_fills", "Fills (trades of the member's orders), newest first."),
    "GetOrders": Operation("get_orders", "Orders, filtered by ticker, event, time or status."),
    "GetOrder": Operation("get_order", "One order by id."),
    "CreateOrderV2": Operation("create_order", "Place an order (bid or ask, fixed-point price)."),
    "CancelOrderV2": Operation("cancel_order", "Cancel a resting order."),
    "AmendOrderV2": Operation("amend_order", "Change a resting order's price and/or count."),
    "DecreaseOrderV2": Operation("decrease_order", "Reduce a resting order's remaining count."),
    "BatchCreateOrdersV2": Operation("batch_create_orders", "Place several orders at once."),
    "BatchCancelOrdersV2": Operation("batch_cancel_orders", "Cancel several orders at once."),
    "CancelAllOrders": Operation("cancel_all_orders", "Cancel every resting order."),
    "GetPositions": Operation("get_positions", "Market and event positions."),
    "GetSettlements": Operation("get_settlements", "Settlements of markets the member held."),
    "GetPortfolioRestingOrderTotalValue": Operation(
        "get_total_resting_order_value", "Total value of resting orders, in cents."
    ),
    "GetOrderQueuePosition": Operation(
        "get_order_queue_position", "Contracts ahead of one resting order in its price level."
    ),
    "GetOrderQueuePositions": Operation(
        "get_queue_positions", "Queue positions of resting orders in the given markets."
    ),
    "CreateOrderGroup": Operation("create_order_group", "Create an order group with a limit."),
    "GetOrderGroup": Operation("get_order_group", "One order group and its orders."),
    "GetOrderGroups": Operation("get_order_groups", "All order groups."),
    "DeleteOrderGroup": Operation(
        "delete_order_group", "Delete an order group, cancelling its orders."
    ),
    "ResetOrderGroup": Operation(
        "reset_order_group", "Reset an order group's matched-contracts count."
    ),
    "TriggerOrderGroup": Operation(
        "trigger_order_group", "Trigger an order group: cancel its orders."
    ),
    "UpdateOrderGroupLimit": Operation(
        "update_order_group_limit", "Change an order group's limit."
    ),
    "GetDeposits": Operation("get_deposits", "Deposits into the account."),
    "GetWithdrawals": Operation("get_withdrawals", "Withdrawals from the account."),
    "CreateSubaccount": Operation("create_subaccount", "Create a subaccount."),
    "ApplySubaccountTransfer": Operation(
        "apply_subaccount_transfer", "Move funds between the primary account and subaccounts."
    ),
    "GetSubaccountBalances": Operation("get_subaccount_balances", "Balances of every subaccount."),
    "GetSubaccountTransfers": Operation(
        "get_subaccount_transfers", "Transfers between subaccounts."
    ),
    "GetSubaccountNetting": Operation("get_subaccount_netting", "Netting setting per subaccount."),
    "UpdateSubaccountNetting": Operation(
        "update_subaccount_netting", "Turn netting on or off for a subaccount."
    ),
    "IntraExchangeInstanceTransfer": Operation(
        "create_intra_exchange_instance_transfer", "Move funds between exchange instances."
    ),
    "GetIntraExchangeInstanceTransfers": Operation(
        "get_intra_exchange_instance_transfers", "Transfers between exchange instances."
    ),
    "GetIntraExchangeInstanceTransfer": Operation(
        "get_intra_exchange_instance_transfer", "One transfer between exchange instances."
    ),
    # Legacy order writes (up to 3.2x), replaced upstream by the /portfolio/events/orders family.
    "CreateOrder": Operation("create_order", "Place an order (legacy yes/no route)."),
    "CancelOrder": Operation("cancel_order", "Cancel a resting order (legacy route)."),
    "AmendOrder": Operation("amend_order", "Amend a resting order (legacy route)."),
    "DecreaseOrder": Operation("decrease_order", "Decrease a resting order (legacy route)."),
    "BatchCreateOrders": Operation("batch_create_orders", "Place several orders (legacy route)."),
    "BatchCancelOrders": Operation("batch_cancel_orders", "Cancel several orders (legacy route)."),
    "GetTargetBalanceAllocation": Operation(
        "get_target_balance_allocation", "Target split of the balance across exchange instances."
    ),
    "SetTargetBalanceAllocation": Operation(
        "set_target_balance_allocation", "Set the target split of the balance across instances."
    ),
}

# Our descriptions of the shared security schemes (upstream prose is not copied).
SECURITY_DESCRIPTIONS = {
    "kalshiAccessKey": "API key id.",
    "kalshiAccessSignature": "Base64 signature of timestamp + METHOD + path (RSA-PSS or Ed25519).",
    "kalshiAccessTimestamp": "Request time in milliseconds since the epoch.",
    "kalshiOauthAccessToken": "OAuth access token (accepted by a few read endpoints).",
}

# Dropped everywhere: prose, and other generators' hints (x-go-*, x-oapi-*...).
PROSE_KEYS = frozenset({"description", "summary", "externalDocs"})


class DerivationError(Exception):
    """The input cannot be derived from; the message is one line saying why."""


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: derive_spec.py UPSTREAM.yaml OUT.yaml", file=sys.stderr)
        return 2
    upstream_path, out_path = Path(argv[1]), Path(argv[2])
    try:
        upstream = load_document(upstream_path)
        text = render(derive(upstream))
    except DerivationError as exc:
        print(f"derive_spec: {upstream_path}: {exc}", file=sys.stderr)
        return 1
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(text, encoding="utf-8")
    return 0


def read_yaml(path: Path) -> Any:
    """The parsed file; a DerivationError when it cannot be read or is not YAML/JSON."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DerivationError(f"cannot read: {exc.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DerivationError(f"not YAML or JSON: {type(exc).__name__}") from None


def load_document(path: Path) -> dict[str, Any]:
    document = read_yaml(path)
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3.0"):
        raise DerivationError("not an OpenAPI 3.0 document (no 'openapi: 3.0.x' field)")
    if not isinstance(document.get("paths"), dict):
        raise DerivationError("OpenAPI document has no 'paths' object")
    return document


def derive(upstream: dict[str, Any]) -> dict[str, Any]:
    components = upstream.get("components", {})
    paths = {
        path: item
        for path, item in sorted(upstream["paths"].items())
        if path == "/portfolio" or path.startswith("/portfolio/")
    }
    if not paths:
        raise DerivationError("no /portfolio paths in this document")

    out_paths: dict[str, Any] = {}
    for path, item in paths.items():
        out_item: dict[str, Any] = {}
        for key, value in item.items():
            if key in HTTP_METHODS:
                out_item[key] = derive_operation(path, key, value)
            elif key == "parameters":
                out_item[key] = strip_prose(value)
        out_paths[path] = out_item

    published = [
        op["operationId"]
        for item in out_paths.values()
        for op in item.values()
        if "operationId" in op
    ]
    if len(published) != len(set(published)):
        twice = sorted({name for name in published if published.count(name) > 1})
        raise DerivationError(f"two upstream operations map to the same name: {', '.join(twice)}")

    out_components = {
        kind: {
            name: strip_prose(schema) for name, schema in sorted(components.get(kind, {}).items())
        }
        for kind in ("schemas", "parameters", "responses")
    }
    out_components["securitySchemes"] = {
        name: {**strip_prose(scheme), "description": SECURITY_DESCRIPTIONS.get(name, name)}
        for name, scheme in sorted(components.get("securitySchemes", {}).items())
    }
    for response in out_components["responses"].values():
        response["description"] = "Error."  # required by OpenAPI; the status code says which

    spec: dict[str, Any] = {
        "openapi": upstream["openapi"],
        "info": {
            "title": "Kalshi Trade API: /portfolio subset",
            "version": str(upstream.get("info", {}).get("version", "unknown")),
            "description": "Derived by scripts/derive_spec.py from Kalshi's published OpenAPI "
            "document; regenerate rather than edit.",
        },
        "servers": [
            {
                "url": server["url"],
                "description": "Demo" if "demo" in server["url"] else "Production",
            }
            for server in upstream.get("servers", [])
        ],
        "tags": [{"name": TAG, "description": "Kalshi /portfolio endpoints."}],
        "paths": out_paths,
        "components": out_components,
    }
    open_response_enums(spec)
    fix_nullable_refs(spec)
    hoist_inline_nullable_enums(spec)
    prune_components(spec)
    return spec


def derive_operation(path: str, method: str, operation: dict[str, Any]) -> dict[str, Any]:
    upstream_id = operation.get("operationId")
    if upstream_id not in OPERATIONS:
        raise DerivationError(
            f"{method.upper()} {path}: operationId {upstream_id!r} is not in OPERATIONS; "
            "name it in scripts/derive_spec.py"
        )
    ours = OPERATIONS[upstream_id]
    out: dict[str, Any] = {"operationId": ours.name, "summary": ours.summary, "tags": [TAG]}
    for key, value in operation.items():
        if key in ("operationId", "tags") or key in PROSE_KEYS or key.startswith("x-"):
            continue
        out[key] = strip_prose(value)
    for status, response in out.get("responses", {}).items():
        if "$ref" not in response:
            response["description"] = "Success." if str(status).startswith("2") else "Error."
    if "requestBody" in out and "$ref" not in out["requestBody"]:
        out["requestBody"].pop("description", None)
    return out


def strip_prose(node: Any, *, in_properties: bool = False) -> Any:
    """A deep copy of node without upstream prose or other generators' extensions."""
    if isinstance(node, dict):
        result: dict[str, Any] = {}
        for key, value in node.items():
            # Inside `properties` the keys are field names: a field called "description" stays.
            if not in_properties and (key in PROSE_KEYS or key.startswith("x-")):
                continue
            result[key] = strip_prose(
                value, in_properties=key == "properties" and not in_properties
            )
        return result
    if isinstance(node, list):
        return [strip_prose(item) for item in node]
    return copy.deepcopy(node)


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict in node, parents before children."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def ref_name(ref: str) -> tuple[str, str]:
    _, _, kind, name = ref.split("/")
    return kind, name


def closure(spec: dict[str, Any], roots: Any) -> set[tuple[str, str]]:
    """Components reachable from roots through $ref."""
    components = spec["components"]
    seen: set[tuple[str, str]] = set()
    stack = [ref_name(d["$ref"]) for d in walk(roots) if isinstance(d.get("$ref"), str)]
    while stack:
        key = stack.pop()
        if key in seen:
            continue
        seen.add(key)
        kind, name = key
        stack.extend(
            ref_name(d["$ref"])
            for d in walk(components[kind][name])
            if isinstance(d.get("$ref"), str)
        )
    return seen


def operations(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in spec["paths"].values():
        for method in HTTP_METHODS:
            if method in item:
                yield item[method]


def request_roots(spec: dict[str, Any]) -> list[Any]:
    roots: list[Any] = [item.get("parameters", []) for item in spec["paths"].values()]
    for op in operations(spec):
        roots += [op.get("parameters", []), op.get("requestBody", {})]
    return roots


def open_response_enums(spec: dict[str, Any]) -> None:
    """Make every enum a response can carry an open string, leaving request-side enums strict."""
    schemas = spec["components"]["schemas"]
    request_side = closure(spec, request_roots(spec))
    response_side = closure(spec, [op.get("responses", {}) for op in operations(spec)])
    enum_components = {name for name, schema in schemas.items() if "enum" in schema}

    def open_enum(schema: dict[str, Any]) -> None:
        schema["x-known-values"] = schema.pop("enum")
        schema.setdefault("type", "string")

    for kind, name in sorted(response_side - request_side):
        if kind != "schemas":
            continue
        for node in walk(schemas[name]):
            if "enum" in node:
                open_enum(node)
            ref = node.get("$ref")
            if isinstance(ref, str) and ref_name(ref)[1] in enum_components:
                target = schemas[ref_name(ref)[1]]
                del node["$ref"]
                node.update({k: copy.deepcopy(v) for k, v in target.items() if k != "enum"})
                node["x-known-values"] = list(target.get("enum", node.get("x-known-values", [])))
    # Inline enums in response bodies that are not components.
    for op in operations(spec):
        for node in walk(op.get("responses", {})):
            if "enum" in node:
                open_enum(node)


def fix_nullable_refs(spec: dict[str, Any]) -> None:
    """`{$ref, nullable: true}` -> `{allOf: [{$ref}], nullable: true}`; other siblings dropped."""
    for node in walk(spec):
        ref = node.get("$ref")
        if not isinstance(ref, str) or len(node) == 1:
            continue
        nullable = node.get("nullable") is True
        node.clear()
        if nullable:
            node.update({"allOf": [{"$ref": ref}], "nullable": True})
        else:
            node["$ref"] = ref


def hoist_inline_nullable_enums(spec: dict[str, Any]) -> None:
    """An inline `{type, enum, nullable: true}` property becomes a named enum component."""
    schemas = spec["components"]["schemas"]
    for schema_name in sorted(schemas):
        properties = schemas[schema_name].get("properties", {})
        for prop_name, prop in sorted(properties.items()):
            if "enum" in prop and prop.get("nullable") is True:
                component = schema_name + "".join(p.title() for p in prop_name.split("_"))
                schemas[component] = {k: v for k, v in prop.items() if k != "nullable"}
                properties[prop_name] = {
                    "allOf": [{"$ref": f"#/components/schemas/{component}"}],
                    "nullable": True,
                }


def prune_components(spec: dict[str, Any]) -> None:
    reachable = closure(spec, spec["paths"])
    components = spec["components"]
    for kind in ("schemas", "parameters", "responses"):
        components[kind] = {
            name: value
            for name, value in sorted(components[kind].items())
            if (kind, name) in reachable
        }
    used = {name for op in operations(spec) for req in op.get("security", []) for name in req}
    components["securitySchemes"] = {
        name: value for name, value in components["securitySchemes"].items() if name in used
    }


def render(spec: dict[str, Any]) -> str:
    header = "# Generated by scripts/derive_spec.py from Kalshi's OpenAPI document. Do not edit.\n"
    return header + yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
