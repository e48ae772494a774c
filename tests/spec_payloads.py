"""Payloads built from the derived spec's schemas, for tests that parse what the server sends."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "openapi" / "kalshi-portfolio.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")


@functools.cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return loaded


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec()["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield method, path, item[method]


def resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = spec()["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def ref_target(node: Any) -> str | None:
    """The component name a (possibly allOf-wrapped) schema refers to."""
    if isinstance(node, dict) and "$ref" in node:
        return str(node["$ref"]).rsplit("/", 1)[1]
    if isinstance(node, dict) and len(node.get("allOf", [])) == 1:
        return ref_target(node["allOf"][0])
    return None


def success_schema(op: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
    for status, response in op["responses"].items():
        if str(status).startswith("2"):
            content = response.get("content", {}).get("application/json")
            return int(status), (content or {}).get("schema")
    raise AssertionError("operation without a 2xx response")


def example_payload(schema: Any, *, nulls: bool = False, depth: int = 0) -> Any:
    """A value matching schema: the spec's example where it has one, else a typed value.

    With nulls=True every nullable field is null, to prove the models accept it.
    """
    nullable = isinstance(schema, dict) and schema.get("nullable") is True
    schema = resolve(schema)
    if nulls and nullable:
        return None
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = example_payload(part, nulls=nulls, depth=depth)
            if not isinstance(value, dict):
                return value
            merged.update(value)
        return merged
    for combinator in ("oneOf", "anyOf"):
        if combinator in schema:
            return example_payload(schema[combinator][0], nulls=nulls, depth=depth)
    if "example" in schema and schema.get("type") != "object":
        return schema["example"]
    if "enum" in schema:
        return schema["enum"][0]
    if "x-known-values" in schema:
        return schema["x-known-values"][0]
    kind = schema.get("type", "object")
    if kind == "object" or "properties" in schema:
        if depth > 6:
            return {}
        return {
            name: example_payload(sub, nulls=nulls, depth=depth + 1)
            for name, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [example_payload(schema.get("items", {}), nulls=nulls, depth=depth + 1)]
    if kind == "integer":
        return max(int(schema.get("minimum", 0)), 1)
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if schema.get("format") == "date-time":
        return "2026-11-22T01:02:03+00:00"
    if schema.get("format") == "date":
        return "2026-11-22"
    if schema.get("format") == "uuid":
        return "6f1c2a2e-5a8f-4f7e-9d3b-0c9a1e2b3c4d"
    return "text"
