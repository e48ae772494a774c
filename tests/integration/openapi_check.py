"""Checks a response against its operation in Kalshi's OpenAPI spec, strictly, with no library.

A minimal JSON-schema walker: type, enum, format date-time, required, properties, items,
nullable, $ref, allOf, oneOf, anyOf, minimum/maximum, and the fixed-point string formats of
FixedPointDollars / FixedPointCount. It is stricter than the spec in one way on purpose:
properties the schema does not declare are errors, so a misspelt optional field is caught.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

_REPO = Path(__file__).resolve().parents[2]
_UPSTREAM = "kalshi-openapi-3.31.0.yaml"
_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$",
)
# The fixed-point formats, as their descriptions state them: dollars carry up to 6 decimals,
# counts always 2 in responses.
_FORMATS = {
    "FixedPointDollars": re.compile(r"^-?\d+\.\d{1,6}$"),
    "FixedPointCount": re.compile(r"^-?\d+\.\d{2}$"),
}


def spec_path() -> Path | None:
    """The upstream spec if present (authoritative), else the repo's derived one."""
    candidates = [
        os.environ.get("KALSHI_OPENAPI_SPEC"),
        _REPO.parent / "shared" / "upstream" / _UPSTREAM,
        Path("/work/shared/upstream") / _UPSTREAM,
        _REPO / "openapi" / "kalshi-portfolio.yaml",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


class ShapeChecker:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self._routes: list[tuple[str, re.Pattern[str], dict[str, Any]]] = []
        for template, item in spec["paths"].items():
            pattern = re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", template) + "$")
            for method, operation in item.items():
                if method in ("get", "post", "put", "delete", "patch"):
                    self._routes.append((method.upper(), pattern, operation))
        # Literal paths before templated ones, as a router would match them.
        self._routes.sort(key=lambda r: r[1].pattern.count("[^/]+"))

    @classmethod
    def load(cls, path: Path) -> ShapeChecker:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is 7x faster
        with path.open() as handle:
            return cls(yaml.load(handle, Loader=loader))

    def operations(self) -> Iterator[tuple[str, str]]:
        for template, item in self.spec["paths"].items():
            for method in item:
                if method in ("get", "post", "put", "delete", "patch"):
                    yield method.upper(), template

    def operation(self, method: str, path: str) -> dict[str, Any]:
        for route_method, pattern, operation in self._routes:
            if route_method == method and pattern.match(path):
                return operation
        raise AssertionError(f"{method} {path} is not an operation of the spec")

    def check_response(self, response: httpx.Response, base_path: str) -> None:
        """Assert the status is declared for the operation and the body matches its schema."""
        path = response.request.url.path
        assert path.startswith(base_path), path
        operation = self.operation(response.request.method, path[len(base_path) :])
        declared = operation["responses"].get(str(response.status_code))
        assert declared is not None, (
            f"{operation['operationId']} does not declare status {response.status_code}: "
            f"{response.text}"
        )
        self.check_body(declared, response, operation["operationId"])

    def check_body(self, declared: dict[str, Any], response: httpx.Response, name: str) -> None:
        declared = self.resolve(declared)
        content = declared.get("content", {}).get("application/json")
        if content is None:
            # A few error statuses (GetFills 400/401/500) declare no body; the exchange still
            # answers them with the error envelope every other operation declares.
            schema = self.spec["components"]["schemas"]["ErrorResponse"]
            if response.status_code >= 400:
                content = {"schema": schema}
            else:
                assert response.content == b"", f"{name} {response.status_code} declares no body"
                return
        errors = self.errors(json.loads(response.content), content["schema"], name)
        assert not errors, "\n".join(errors)

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    def errors(self, value: Any, schema: dict[str, Any], where: str) -> list[str]:
        """Every mismatch between `value` and `schema`, as readable lines."""
        if value is None and schema.get("nullable"):
            return []
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            found = self.errors(value, self.resolve(schema), where)
            fmt = _FORMATS.get(name)
            if fmt is not None and isinstance(value, str) and not fmt.match(value):
                found.append(f"{where}: {value!r} is not a {name}")
            return found
        if "allOf" in schema:
            merged = self._merge(schema)
            return self.errors(value, merged, where)
        for key in ("oneOf", "anyOf"):
            if key in schema:
                matches = sum(not self.errors(value, option, where) for option in schema[key])
                ok = matches == 1 if key == "oneOf" else matches >= 1
                return [] if ok else [f"{where}: matches {matches} of the {key} options"]
        return self._typed_errors(value, schema, where)

    def _merge(self, schema: dict[str, Any]) -> dict[str, Any]:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = self.resolve(part) if "$ref" in part else part
            if "allOf" in part:
                part = self._merge(part)
            for key, value in part.items():
                if key == "properties":
                    merged["properties"] = {**merged.get("properties", {}), **value}
                elif key == "required":
                    merged["required"] = [*merged.get("required", []), *value]
                else:
                    merged.setdefault(key, value)
        return merged

    def _typed_errors(self, value: Any, schema: dict[str, Any], where: str) -> list[str]:
        if value is None:
            return [f"{where}: null where the schema is not nullable"]
        kind = schema.get("type")
        checks = {
            "string": isinstance(value, str),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
            "boolean": isinstance(value, bool),
            "array": isinstance(value, list),
            "object": isinstance(value, dict),
        }
        if kind is not None and not checks[kind]:
            return [f"{where}: expected {kind}, got {type(value).__name__} {value!r}"]
        found: list[str] = []
        if "enum" in schema and value not in schema["enum"]:
            found.append(f"{where}: {value!r} is not one of {schema['enum']}")
        if schema.get("format") == "date-time" and not _DATE_TIME.match(value):
            found.append(f"{where}: {value!r} is not an RFC 3339 date-time")
        if isinstance(value, int | float) and not isinstance(value, bool):
            if "minimum" in schema and value < schema["minimum"]:
                found.append(f"{where}: {value} is below the minimum {schema['minimum']}")
            if "maximum" in schema and value > schema["maximum"]:
                found.append(f"{where}: {value} is above the maximum {schema['maximum']}")
        if isinstance(value, list) and "items" in schema:
            for index, item in enumerate(value):
                found += self.errors(item, schema["items"], f"{where}[{index}]")
        if isinstance(value, dict):
            properties: dict[str, Any] = schema.get("properties", {})
            for name in schema.get("required", []):
                if name not in value:
                    found.append(f"{where}: missing required property {name!r}")
            for name, item in value.items():
                if name in properties:
                    found += self.errors(item, properties[name], f"{where}.{name}")
                elif properties and not schema.get("additionalProperties"):
                    found.append(f"{where}: property {name!r} is not in the schema")
        return found
