#!/usr/bin/env python3
"""Write kalshi_ext/generated_methods.py: the typed methods of Client and AsyncClient.

Usage: typed_surface.py SPEC OUTPUT   (run by regen.py with the fresh kalshi_generated importable)

Every operation of kalshi_generated.api.portfolio becomes one function with keyword-only
parameters named and typed as the generated code has them (path and query parameters, then the
request body's fields), request enums as Literal, the spec's defaults, and the library's own
conversions and defaults from the table below (prices and counts as Decimal | str | int, order
defaults, retry= and tick_size=). Every cursor-paged list of kalshi_ext.pagination.PAGED becomes
an iter_* function with the operation's filters and page_size=, start_cursor=, max_items=.
The functions build the call's flow; kalshi_ext.methods binds each to both clients (one function,
a sync method on Client and a coroutine on AsyncClient), so nothing here is written twice.
"""

from __future__ import annotations

import enum
import functools
import importlib
import inspect
import pkgutil
import re
import sys
import textwrap
import types
import typing
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import attrs
import yaml

from kalshi_ext import orders
from kalshi_ext.decoding import model_hints
from kalshi_ext.pagination import PAGED
from kalshi_generated.types import Unset

MONEY = "Decimal | str | int"
COUNT = "Decimal | str | int"


@dataclass(frozen=True)
class Converted:
    """A field kalshi_ext converts or defaults before it is sent."""

    annotation: str | None = None  # the type the caller may pass (None: the generated one)
    default: str | None = None  # source of the library's default (None: the spec's, if any)
    doc: str = ""


@dataclass(frozen=True)
class Special:
    """An operation whose flow is kalshi_ext's own (orders.py) rather than the plain one."""

    call: str  # the return expression; {given} is the dict of the arguments given
    extra: tuple[tuple[str, str, str, str], ...] = ()  # (name, annotation, default, doc)
    raises: tuple[str, ...] = ()
    note: str = ""


# Fields kalshi_ext converts (kalshi_ext/orders.py), by request model.
CONVERSIONS: dict[str, dict[str, Converted]] = {
    "CreateOrderV2Request": {
        "price": Converted(MONEY, doc="dollars as Decimal or str ('0.56'), or int cents (56)"),
        "count": Converted(COUNT, doc="contracts, 0.01 granularity"),
        "time_in_force": Converted(default="DEFAULT_TIME_IN_FORCE"),
        "self_trade_prevention_type": Converted(default="DEFAULT_SELF_TRADE_PREVENTION"),
        "client_order_id": Converted(doc="made (uuid4) when not given, and kept across retries"),
    },
    "AmendOrderV2Request": {
        "price": Converted(MONEY, doc="dollars as Decimal or str, or int cents"),
        "count": Converted(COUNT, doc="contracts, 0.01 granularity"),
    },
    "DecreaseOrderV2Request": {
        "reduce_by": Converted(COUNT, doc="contracts; exactly one of reduce_by, reduce_to"),
        "reduce_to": Converted(COUNT, doc="contracts; exactly one of reduce_by, reduce_to"),
    },
}
RETRY = ("retry", "bool", "True", "False: exactly one attempt, no lookup")
TICK = ("tick_size", "Decimal | str", "DEFAULT_TICK", "the market's price tick")
ORDER_NOTE = (
    "Exactly once: after an unclear failure the order is looked up by client_order_id before "
    "anything is sent again."
)
SPECIAL: dict[str, Special] = {
    "create_order": Special(
        "create_order_flow(ctx, {given}, retry=retry, tick_size=tick_size)",
        extra=(RETRY, TICK),
        raises=("ValueError (price off range or tick, bad count)", "TypeError"),
        note=ORDER_NOTE,
    ),
    "batch_create_orders": Special(
        "batch_create_orders_flow(ctx, orders, retry=retry, tick_size=tick_size)",
        extra=(RETRY, TICK),
        raises=("BatchIncompleteError", "ValueError", "TypeError"),
        note="Exactly once: after an unclear failure only the orders not found are sent again.",
    ),
    "amend_order": Special(
        'operation_call(ctx, "amend_order", normalize_amend({given_all}))',
        extra=(TICK,),
        raises=("ValueError (price off range or tick, bad count)",),
    ),
    "decrease_order": Special(
        'operation_call(ctx, "decrease_order", normalize_decrease({given}))',
        raises=("ValueError (bad count)", "TypeError (neither or both of reduce_by, reduce_to)"),
    ),
}
# HTTP statuses the spec declares, as the exceptions kalshi_ext raises for them.
STATUS_ERRORS = {
    "400": "BadRequestError",
    "401": "AuthenticationError",
    "403": "PermissionDeniedError",
    "404": "NotFoundError",
    "409": "ConflictError",
    "429": "RateLimitError",
    "500": "ServerError",
}
ALWAYS_RAISES = ("APIConnectionError", "APITimeoutError", "ResponseValidationError")


@dataclass
class Param:
    name: str
    annotation: str
    default: str | None  # None: required
    doc: str = ""


@dataclass
class Surface:
    """What the generated module needs: its lines and the names it imports."""

    models: set[str] = field(default_factory=set)
    typed_dicts: dict[str, list[str]] = field(default_factory=dict)
    functions: list[str] = field(default_factory=list)


def strip_unset(annotation: Any) -> tuple[Any, bool]:
    """(annotation without Unset, whether Unset was in it)."""
    members = typing.get_args(annotation) if _is_union(annotation) else (annotation,)
    kept = [m for m in members if m is not Unset]
    optional = len(kept) < len(members)
    return (kept[0] if len(kept) == 1 else typing.Union[tuple(kept)]), optional  # noqa: UP007


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def render(annotation: Any, surface: Surface) -> str:
    """Source for a request annotation: Literal for enums, a TypedDict for nested models."""
    if _is_union(annotation):
        members = [m for m in typing.get_args(annotation) if m is not type(None)]
        rendered = " | ".join(render(m, surface) for m in members)
        return rendered + (" | None" if type(None) in typing.get_args(annotation) else "")
    if annotation is uuid.UUID:
        return "str"  # the generated from_dict reads a UUID from its string
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "Literal[" + ", ".join(repr(member.value) for member in annotation) + "]"
    if isinstance(annotation, type) and attrs.has(annotation):
        return typed_dict(annotation, surface)
    origin = typing.get_origin(annotation)
    if origin is list:
        return f"list[{render(typing.get_args(annotation)[0], surface)}]"
    if origin is dict:
        key, value = typing.get_args(annotation)
        return f"dict[{render(key, surface)}, {render(value, surface)}]"
    if annotation is Any:
        return "Any"
    if isinstance(annotation, type) and annotation.__module__ == "builtins":
        return annotation.__name__
    if isinstance(annotation, type) and annotation.__module__ == "datetime":
        return f"datetime.{annotation.__name__}"
    raise SystemExit(f"typed_surface: no rendering for request type {annotation!r}")


def body_params(model: type[Any], surface: Surface) -> list[Param]:
    """The request model's fields as parameters, with kalshi_ext's conversions applied."""
    hints = model_hints(model)
    conversions = CONVERSIONS.get(model.__name__, {})
    params = []
    for attribute in attrs.fields(model):
        if attribute.name == "additional_properties":
            continue
        annotation, optional = strip_unset(hints[attribute.name])
        converted = conversions.get(attribute.name, Converted())
        rendered = converted.annotation or render(annotation, surface)
        if converted.default is not None:
            default: str | None = converted.default
        elif attribute.default is not attrs.NOTHING and not isinstance(attribute.default, Unset):
            default = repr(attribute.default)
        elif optional:
            default = "None"
        else:
            default = None
        if default == "None" and not rendered.endswith("| None"):
            rendered += " | None"
        params.append(Param(attribute.name, rendered, default, converted.doc))
    return params


def typed_dict(model: type[Any], surface: Surface) -> str:
    """A TypedDict for a nested request model (e.g. one order of a batch); returns its name."""
    name = model.__name__.removesuffix("Request") + "Fields"
    if name in surface.typed_dicts:
        return name
    surface.typed_dicts[name] = []  # a placeholder while its fields are rendered
    lines = [
        f"class {name}(TypedDict, total=False):",
        f'    """One {model.__name__} as a dict (what kalshi_ext sends as that model)."""',
        "",
    ]
    for param in body_params(model, surface):
        annotation = param.annotation.removesuffix(" | None")
        annotation = annotation if param.default is not None else f"Required[{annotation}]"
        comment = f"  # {param.doc}" if param.doc else ""
        lines.append(f"    {param.name}: {annotation}{comment}")
    surface.typed_dicts[name] = lines
    return name


def response_errors(spec_operation: Mapping[str, Any]) -> list[str]:
    codes = sorted(spec_operation.get("responses", {}))
    named = [STATUS_ERRORS[code] for code in codes if code in STATUS_ERRORS]
    return [*named, "APIStatusError (any other status)", *ALWAYS_RAISES]


def shown_default(source: str) -> str:
    """A default as the docstring shows it: a library constant with its value."""
    if source.isidentifier() and hasattr(orders, source):
        return f"{getattr(orders, source)!r} ({source})"
    return source


def docstring(summary: str, params: list[Param], returns: str, raises: list[str]) -> str:
    wrap = functools.partial(textwrap.wrap, width=88, break_on_hyphens=False)
    lines = []
    for paragraph in summary.split("\n\n"):
        lines += [*wrap(paragraph), ""]
    if params:
        lines.append("Args:")
        for param in params:
            default = (
                "required" if param.default is None else f"default {shown_default(param.default)}"
            )
            doc = f"; {param.doc}" if param.doc else ""
            text = f"{param.name} ({param.annotation}): {default}{doc}."
            lines += wrap(text, initial_indent="    ", subsequent_indent="        ")
        lines.append("")
    lines += [f"Returns: {returns}", "", "Raises:"]
    lines += [f"    {error}" for error in raises]
    return "\n".join(lines)


def signature(params: list[Param]) -> str:
    required = [p for p in params if p.default is None]
    optional = [p for p in params if p.default is not None]
    parts = [f"{p.name}: {p.annotation}" for p in required]
    parts += [f"{p.name}: {p.annotation} = {p.default}" for p in optional]
    return ", ".join(parts)


def function(name: str, params: list[Param], head: str, returns: str, body: str, doc: str) -> str:
    keywords = signature(params)
    quoted = textwrap.indent(f'"""{doc}\n"""', "        ").lstrip()
    return (
        f"    @{head}\n    def {name}(ctx: CallContext, /, *, {keywords}) -> {returns}:\n"
        if keywords
        else f"    @{head}\n    def {name}(ctx: CallContext, /) -> {returns}:\n"
    ) + f"        {quoted}\n        return {body}\n"


def given(params: list[Param]) -> str:
    return "given(" + ", ".join(f"{p.name}={p.name}" for p in params) + ")"


def operation_params(module: types.ModuleType, surface: Surface) -> tuple[list[Param], type | None]:
    hints = typing.get_type_hints(module._get_kwargs)
    params: list[Param] = []
    body_model = None
    for name, parameter in inspect.signature(module._get_kwargs).parameters.items():
        annotation, _ = strip_unset(hints[name])
        if name == "body":
            body_model = annotation
            params += body_params(annotation, surface)
            continue
        default = parameter.default
        if default is inspect.Parameter.empty:
            params.append(Param(name, render(annotation, surface), None))
        elif isinstance(default, Unset) or default is None:
            rendered = render(annotation, surface)
            if rendered == "str" and parameter.kind is inspect.Parameter.KEYWORD_ONLY:
                # a query string: kalshi_ext sends a list of strings comma-joined (operations.py)
                rendered = "str | TextList"
            params.append(Param(name, rendered + " | None", "None"))
        else:
            params.append(Param(name, render(annotation, surface), repr(default)))
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise SystemExit(f"typed_surface: {module.__name__} has a parameter twice: {names}")
    return params, body_model


def reply_model(module: types.ModuleType) -> str:
    returned = typing.get_type_hints(module._parse_response)["return"]
    models = [
        m
        for m in typing.get_args(returned) or (returned,)
        if isinstance(m, type) and attrs.has(m) and m.__name__ != "ErrorResponse"
    ]
    return models[0].__name__ if models else "None"


def spec_operations(spec: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {
        operation["operationId"]: operation
        for path in spec["paths"].values()
        for operation in path.values()
        if isinstance(operation, Mapping) and "operationId" in operation
    }


def build(spec: Mapping[str, Any]) -> str:
    import kalshi_generated.api.portfolio as portfolio

    by_id = spec_operations(spec)
    surface = Surface()
    names = sorted(m.name for m in pkgutil.iter_modules(portfolio.__path__))
    for name in names:
        module = importlib.import_module(f"{portfolio.__name__}.{name}")
        params, _ = operation_params(module, surface)
        model = reply_model(module)
        if model != "None":
            surface.models.add(model)
        special = SPECIAL.get(name)
        extra = [Param(*item) for item in (special.extra if special else ())]
        summary = by_id[name].get("summary", name).strip()
        if special and special.note:
            summary += "\n\n" + special.note
        raises = [*(special.raises if special else ()), *response_errors(by_id[name])]
        doc = docstring(summary, params + extra, model, raises)
        if special is None:
            body = f"operation_call(ctx, {name!r}, {given(params)})"
        elif name == "batch_create_orders":
            body = special.call
        else:
            body = special.call.format(given=given(params), given_all=given(params + extra))
        returns = f"Flow[Detailed[{model}]]"
        surface.functions.append(function(name, params + extra, "operation", returns, body, doc))
    for list_name, paged in PAGED.items():
        module = importlib.import_module(f"{portfolio.__name__}.{paged.operation}")
        params, _ = operation_params(module, surface)
        filters = [p for p in params if p.name not in ("cursor", "limit")]
        item = item_model(module, paged.items_field)
        surface.models.add(item)
        paging = [
            Param("page_size", "int | None", "None", f"1-{paged.max_page_size}; the server's"),
            Param("start_cursor", "str | None", "None", "a page's next_cursor, to resume"),
            Param("max_items", "int | None", "None", "stop after this many items"),
        ]
        summary = f"Every {item} of {paged.operation}, page after page (`.pages()` for the pages)."
        doc = docstring(
            summary,
            filters + paging,
            f"SyncPager[{item}] (AsyncPager on AsyncClient)",
            ["PaginationError (a cursor seen twice)", *response_errors(by_id[paged.operation])],
        )
        body = (
            f"PageRequest.create(PAGED[{list_name!r}], {given(filters)}, page_size=page_size, "
            "start_cursor=start_cursor, max_items=max_items)"
        )
        surface.functions.append(
            function(
                f"iter_{list_name}", filters + paging, "pages", f"PageRequest[{item}]", body, doc
            ).replace("ctx: CallContext, /, ", "")
        )
    return module_source(surface)


def item_model(module: types.ModuleType, items_field: str) -> str:
    reply = typing.get_type_hints(module._parse_response)["return"]
    model = next(
        m
        for m in typing.get_args(reply)
        if isinstance(m, type) and attrs.has(m) and m.__name__ != "ErrorResponse"
    )
    annotation, _ = strip_unset(model_hints(model)[items_field])
    return str(typing.get_args(annotation)[0].__name__)


HEADER = '''"""Every /portfolio operation and cursor-paged list, as typed methods of both clients.

GENERATED by scripts/typed_surface.py (`make regen`) from the spec and kalshi_generated; never
edit by hand (`make check-generated` fails when this file is stale). Each function builds its
call's flow; kalshi_ext.methods makes it a method of both clients (a coroutine on AsyncClient).
"""

from __future__ import annotations

'''
# What the generated code may use, and the import each needs (only those used are written).
# What the generated code may use from the standard library (only those used are imported).
STDLIB = {"datetime": "datetime", "Decimal": "decimal", "Any": "typing", "Literal": "typing",
          "Required": "typing", "TypedDict": "typing"}  # fmt: skip
RUNTIME_IMPORTS = """
from kalshi_ext.methods import TextList, given, operation, operation_call, pages
from kalshi_ext.orders import (
    DEFAULT_SELF_TRADE_PREVENTION,
    DEFAULT_TICK,
    DEFAULT_TIME_IN_FORCE,
    batch_create_orders_flow,
    create_order_flow,
    normalize_amend,
    normalize_decrease,
)
from kalshi_ext.pagination import PAGED, PageRequest

if TYPE_CHECKING:
    from kalshi_ext.flow import Flow
    from kalshi_ext.operations import CallContext, Detailed
"""


def module_source(surface: Surface) -> str:
    models = "".join(f"        {model},\n" for model in sorted(surface.models))
    body = [f"    from kalshi_generated.models import (\n{models}    )\n\n"]
    for lines in surface.typed_dicts.values():
        body.append("\n".join(lines) + "\n\n")
    body.append(
        "class PortfolioOperations:\n"
        '    """Every /portfolio operation and iterator, shared by Client and AsyncClient."""\n\n'
    )
    body.append("\n".join(surface.functions))
    text = "".join(body)
    imports: dict[str, list[str]] = {"typing": ["TYPE_CHECKING"]}
    for name, module in STDLIB.items():
        if re.search(rf"\b{name}\b", text):
            imports.setdefault(module, []).append(name)
    statements = [
        f"import {module}" if names == [module] else f"from {module} import {', '.join(names)}"
        for module, names in sorted(imports.items())
    ]
    return HEADER + "\n".join(statements) + "\n" + RUNTIME_IMPORTS + text


def main() -> int:
    spec_path, output = Path(sys.argv[1]), Path(sys.argv[2])
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    output.write_text(build(spec), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
