#!/usr/bin/env python3
"""Drift report: what changed between two Kalshi OpenAPI documents, or two AsyncAPI documents.

Usage: spec_diff.py OLD.yaml NEW.yaml

OpenAPI: lists /portfolio operations added and removed, and for operations present in both, the
parameters, request body fields, response fields and enum values added, removed or changed.
Operations are matched by METHOD + path, so a route that moved shows as one removal and one
addition.

AsyncAPI (both files have an `asyncapi` field): lists channels added and removed, and for
channels present in both, the messages added or removed and each message's payload fields and
enum values added, removed or changed. The `root` channel carries the commands, replies and
errors, so their drift shows there. Exit status: 0 when nothing changed, 1 when something did,
2 on bad input.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from derive_asyncapi import load_asyncapi
from derive_spec import HTTP_METHODS, DerivationError, load_document

# A flattened schema: dotted field path -> short description of its type ("string/date-time",
# "integer nullable", "enum[a,b]"...). Array items show as `field[]`.
Fields = dict[str, str]


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": op
        for path, item in sorted(document["paths"].items())
        if path == "/portfolio" or path.startswith("/portfolio/")
        for method, op in item.items()
        if method in HTTP_METHODS
    }


class Resolver:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def deref(self, node: Any) -> Any:
        seen = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                break
            seen.add(ref)
            target: Any = self.document
            for part in ref.lstrip("#/").split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            # Siblings of a $ref (nullable...) are kept on top of the target.
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node

    def flatten(self, schema: Any, prefix: str = "", depth: int = 0) -> Fields:
        schema = self.deref(schema)
        if not isinstance(schema, dict) or depth > 12:
            return {}
        for combinator in ("allOf", "oneOf", "anyOf"):
            if combinator in schema:
                merged: Fields = {}
                for part in schema[combinator]:
                    merged.update(self.flatten(part, prefix, depth + 1))
                if schema.get("nullable") and prefix in merged:
                    merged[prefix] += " nullable"
                return merged
        fields: Fields = {}
        if prefix:
            fields[prefix] = describe(schema)
        for name, sub in schema.get("properties", {}).items():
            fields.update(self.flatten(sub, f"{prefix}.{name}" if prefix else name, depth + 1))
        if "items" in schema:
            fields.update(self.flatten(schema["items"], f"{prefix}[]", depth + 1))
        return fields


def describe(schema: dict[str, Any]) -> str:
    kind = schema.get("type", "object" if "properties" in schema else "any")
    text = "|".join(map(str, kind)) if isinstance(kind, list) else str(kind)
    if "const" in schema:
        text += f" const={schema['const']}"
    if "format" in schema:
        text += f"/{schema['format']}"
    if "enum" in schema:
        text += " enum[" + ",".join(str(v) for v in schema["enum"]) + "]"
    if schema.get("nullable"):
        text += " nullable"
    return text


def operation_fields(resolver: Resolver, op: dict[str, Any]) -> dict[str, Fields]:
    params: Fields = {}
    for raw in op.get("parameters", []):
        param = resolver.deref(raw)
        required = " required" if param.get("required") else ""
        params[f"{param.get('in')}:{param.get('name')}"] = (
            describe(resolver.deref(param.get("schema", {}))) + required
        )
    body = resolver.deref(op.get("requestBody", {})).get("content", {}).get("application/json", {})
    responses: Fields = {}
    for status, raw in sorted(op.get("responses", {}).items()):
        if str(status).startswith("2"):
            content = resolver.deref(raw).get("content", {}).get("application/json", {})
            for name, kind in resolver.flatten(content.get("schema", {})).items():
                responses[f"{status} {name}"] = kind
    return {
        "parameter": params,
        "request field": resolver.flatten(body.get("schema", {})),
        "response field": responses,
    }


def enum_values(kind: str) -> set[str]:
    start = kind.find("enum[")
    return set(kind[start + 5 : kind.index("]", start)].split(",")) if start >= 0 else set()


def compare(old: dict[str, Any], new: dict[str, Any]) -> Iterator[str]:
    old_ops, new_ops = operations(old), operations(new)
    for key in sorted(old_ops.keys() - new_ops.keys()):
        yield f"- operation removed: {key} ({old_ops[key].get('operationId')})"
    for key in sorted(new_ops.keys() - old_ops.keys()):
        yield f"+ operation added: {key} ({new_ops[key].get('operationId')})"
    old_resolver, new_resolver = Resolver(old), Resolver(new)
    for key in sorted(old_ops.keys() & new_ops.keys()):
        before = operation_fields(old_resolver, old_ops[key])
        after = operation_fields(new_resolver, new_ops[key])
        for what in before:
            yield from field_drift(key, what, before[what], after[what])


def field_drift(key: str, what: str, was: Fields, now: Fields) -> Iterator[str]:
    for name in sorted(was.keys() - now.keys()):
        yield f"- {key}: {what} removed: {name}"
    for name in sorted(now.keys() - was.keys()):
        yield f"+ {key}: {what} added: {name} ({now[name]})"
    for name in sorted(was.keys() & now.keys()):
        if was[name] == now[name]:
            continue
        added, removed = (
            enum_values(now[name]) - enum_values(was[name]),
            enum_values(was[name]) - enum_values(now[name]),
        )
        if added or removed:
            for value in sorted(added):
                yield f"+ {key}: {what} {name}: enum value added: {value}"
            for value in sorted(removed):
                yield f"- {key}: {what} {name}: enum value removed: {value}"
        else:
            yield f"~ {key}: {what} changed: {name}: {was[name]} -> {now[name]}"


def channel_messages(resolver: Resolver, channel: dict[str, Any]) -> dict[str, Fields]:
    """Message key -> flattened payload fields, for one AsyncAPI channel."""
    return {
        name: resolver.flatten(resolver.deref(message).get("payload", {}))
        for name, message in sorted(channel.get("messages", {}).items())
    }


def compare_asyncapi(old: dict[str, Any], new: dict[str, Any]) -> Iterator[str]:
    old_channels, new_channels = old["channels"], new["channels"]
    for name in sorted(old_channels.keys() - new_channels.keys()):
        yield f"- channel removed: {name}"
    for name in sorted(new_channels.keys() - old_channels.keys()):
        yield f"+ channel added: {name}"
    old_resolver, new_resolver = Resolver(old), Resolver(new)
    for name in sorted(old_channels.keys() & new_channels.keys()):
        before = channel_messages(old_resolver, old_channels[name])
        after = channel_messages(new_resolver, new_channels[name])
        for message in sorted(before.keys() - after.keys()):
            yield f"- channel {name}: message removed: {message}"
        for message in sorted(after.keys() - before.keys()):
            yield f"+ channel {name}: message added: {message}"
        for message in sorted(before.keys() & after.keys()):
            yield from field_drift(
                f"channel {name}", f"{message} field", before[message], after[message]
            )


def load_pair(old_path: Path, new_path: Path) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """Both documents, and whether they are AsyncAPI (both must be the same kind)."""
    if "asyncapi" in _peek(old_path) or "asyncapi" in _peek(new_path):
        return load_asyncapi(old_path), load_asyncapi(new_path), True
    return load_document(old_path), load_document(new_path), False


def _peek(path: Path) -> str:
    """The first lines of a file, to tell AsyncAPI from OpenAPI before parsing."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return "".join(handle.readline() for _ in range(20))
    except OSError:
        return ""


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: spec_diff.py OLD.yaml NEW.yaml", file=sys.stderr)
        return 2
    try:
        old, new, is_asyncapi = load_pair(Path(argv[1]), Path(argv[2]))
    except DerivationError as exc:
        print(f"spec_diff: {exc}", file=sys.stderr)
        return 2
    versions = [str(d.get("info", {}).get("version", "?")) for d in (old, new)]
    lines = list(compare_asyncapi(old, new) if is_asyncapi else compare(old, new))
    what = "WebSocket" if is_asyncapi else "/portfolio"
    print(f"{what} drift {versions[0]} -> {versions[1]}: {len(lines)} change(s)")
    print("\n".join(lines))
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
