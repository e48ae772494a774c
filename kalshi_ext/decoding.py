"""Fast decoders for the generated models: the objects `Model.from_dict` builds, built faster.

A page of 1,000 fills spends more time in the generated ``from_dict`` (a dict copy, a pop and an
isinstance test per field, nested parse functions) than in ``json.loads``. ``decoder_for(Model)``
compiles, once per model, straight-line code from the model's attrs fields and type annotations,
as attrs compiles ``__init__``: one lookup and one slot store per field, a conversion only where
the field's type needs one (datetime, enum, nested model). It is about three times as fast.

Exactness comes first. A compiled decoder is used only after it reproduced ``from_dict`` on a
probe built from the field types (an unknown key included); a field the generator renamed, or a
type this module does not know, keeps the model on ``from_dict``. At run time, any input the
fast path does not accept (a missing key, a bad date, a wrong type) is handed to ``from_dict``
itself, so errors, and the lenient parses of nullable fields, are the generated code's own.
"""

from __future__ import annotations

import datetime
import enum
import functools
import importlib
import sys
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from kalshi_generated.types import UNSET, Unset

Decoder = Callable[[Mapping[str, Any]], Any]
_PLAIN = (str, int, float, bool)
_PROBE_EXTRA_KEY = "__kalshi_ext_probe_extra__"


class _Unsupported(Exception):
    """A field type the compiler does not handle; the model keeps its from_dict."""


@attrs.frozen
class _Field:
    name: str  # the attrs attribute
    key: str  # the wire key: the name, or the name without the "_" the generator adds to
    # names such as `type`
    required: bool  # no default: from_dict reads it with d.pop(key), not d.pop(key, UNSET)
    nullable: bool  # None in the union: from_dict passes None through
    convert: Callable[[Any], Any] | None  # None: the wire value is the field's value
    probe: Any  # a wire value of the field's type, for the self-check


@attrs.frozen
class _Decoders:
    guarded: Decoder  # hands an input it cannot decode to from_dict
    strict: Decoder | None = None  # raises on such input; None: no compiled decoder
    probe: dict[str, Any] | None = None  # the wire object the compiled decoder was checked on
    accepts: Callable[[Any], bool] | None = None  # True: `strict` decodes it (see acceptor_for)


def decoder_for(model: type[Any]) -> Decoder:
    """A function equal to ``model.from_dict`` for every input, faster for well-formed ones.

    A model's first decode uses its from_dict: compiling costs more than decoding one reply
    (a program's first call pays it otherwise; bench_import), and a model decoded once never
    needs it. From its second decode on, the model has its compiled decoder.
    """
    known = _COMPILED.get(model)
    if known is not None:
        return known.guarded
    if model not in _DECODED_ONCE:
        _DECODED_ONCE.add(model)
        return model.from_dict  # type: ignore[no-any-return]
    return _decoders(model).guarded


def acceptor_for(model: type[Any]) -> Callable[[Any], bool] | None:
    """A check that is True for exactly the inputs the model's compiled decoder decodes itself,
    without building anything: every required key present and every conversion (date-time,
    enum, nested object) succeeding. For those, ``decoder_for(model)`` returns a model, equal
    to from_dict's; for the others it may still (through from_dict) or raise. None when the
    model has no compiled decoder.

    For callers that need an item checked as decoding would check it but want the wire values
    themselves (kalshi-portfolio export): a page all of whose items pass need not be decoded.
    """
    return _decoders(model).accepts


def is_compiled(model: type[Any]) -> bool:
    """Whether `model` got a compiled decoder (False: it decodes with its own from_dict)."""
    return _decoders(model).strict is not None


def _decoders(model: type[Any]) -> _Decoders:
    known = _COMPILED.get(model)
    if known is None:
        known = _COMPILED[model] = _build(model)
    return known


# Filled once per model; two threads racing on a model both build the same decoders.
_COMPILED: dict[type[Any], _Decoders] = {}
_DECODED_ONCE: set[type[Any]] = set()  # models decode_for() has handed their from_dict


def _build(model: type[Any]) -> _Decoders:
    for strip_underscore in (False, True):
        try:
            fields = _plan(model, strip_underscore)
            strict, guarded, accepts = _compile(model, fields)
            probe = {field.key: field.probe for field in fields}
            # Every field (the all-present path), then with an unknown key (the general path).
            samples = (probe, probe | {_PROBE_EXTRA_KEY: 1})
            if all(strict(dict(s)) == model.from_dict(dict(s)) for s in samples):
                checked = accepts if all(accepts(dict(s)) for s in samples) else None
                return _Decoders(guarded=guarded, strict=strict, probe=probe, accepts=checked)
        except Exception:  # a type it does not know, a probe it could not match
            continue
    return _Decoders(guarded=model.from_dict)


def _plan(model: type[Any], strip_underscore: bool) -> list[_Field]:
    if not attrs.has(model) or not hasattr(model, "from_dict"):
        raise _Unsupported(model)
    hints = model_hints(model)
    unset_type = type(_unset_of(model))
    fields = []
    for attribute in attrs.fields(model):
        if attribute.name == "additional_properties":
            continue
        if not attribute.init or attribute.alias != attribute.name:
            raise _Unsupported(attribute.name)
        members = union_members(hints[attribute.name])
        required = unset_type not in members
        if required and attribute.default is not attrs.NOTHING:
            raise _Unsupported(attribute.name)  # a default the generator never writes
        rest = [m for m in members if m not in (unset_type, type(None))]
        if len(rest) != 1:
            raise _Unsupported(attribute.name)  # oneOf unions: left to from_dict
        convert, probe = _conversion(rest[0])
        key = attribute.name
        if strip_underscore and key.endswith("_"):
            key = key[:-1]
        fields.append(
            _Field(
                name=attribute.name,
                key=key,
                required=required,
                nullable=type(None) in members,
                convert=convert,
                probe=probe,
            )
        )
    return fields


def union_members(annotation: Any) -> tuple[Any, ...]:
    """The members of a union annotation (`A | B`), or the annotation alone."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


def _conversion(kind: Any) -> tuple[Callable[[Any], Any] | None, Any]:
    """How from_dict turns a present, non-null wire value into `kind`, and a probe value.

    A conversion may be stricter than from_dict (it may raise where from_dict would not): the
    input then goes to from_dict. It must never succeed with a different value.
    """
    if kind in _PLAIN or kind is Any:
        return None, {str: "probe", int: 7, float: 1.5, bool: True}.get(kind, "probe")
    if kind is datetime.datetime:
        return datetime.datetime.fromisoformat, "2026-01-02T03:04:05+00:00"
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind, next(iter(kind)).value
    if isinstance(kind, type) and attrs.has(kind):
        # Nested objects go through the nested model's strict decoder, so that any failure
        # inside sends the whole top-level object to from_dict (whose nullable fields fall back
        # to the raw value on a failed parse, which only the whole from_dict reproduces).
        nested = _decoders(kind)
        if nested.strict is None or nested.probe is None:
            raise _Unsupported(kind)
        return nested.strict, nested.probe
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is list and len(args) == 1:
        if args[0] in _PLAIN or args[0] is Any:
            # from_dict passes a list of scalars through as it is (`cast(list[str], ...)`).
            return None, [_conversion(args[0])[1]]
        item, item_probe = _conversion(args[0])
        if item is None:  # a list of containers: from_dict copies, in ways not mirrored here
            raise _Unsupported(kind)
        return functools.partial(_each, item), [item_probe]
    raise _Unsupported(kind)  # dict fields among them: left to from_dict


def _each(convert: Callable[[Any], Any], values: Any) -> list[Any]:
    if type(values) is not list:
        raise TypeError("not a JSON array")
    return [convert(value) for value in values]


def _compile(
    model: type[Any], fields: list[_Field]
) -> tuple[Decoder, Decoder, Callable[[Any], bool]]:
    """Two functions over one body: `strict` raises on any input it does not accept (for the
    probe check and nested objects); `guarded` hands such an input to from_dict.

    The body has two paths. When the object has as many keys as the model has fields, it tries
    them all at once (every field present, none unknown: the usual reply); a missing key sends
    it to the general path, which reads optional fields with a default and collects unknown keys.
    Both fill the slots directly, without __init__ (see _settable_directly).
    """
    if not _settable_directly(model):
        raise _Unsupported(model)
    namespace: dict[str, Any] = {
        "_cls": model,
        "_new": object.__new__,
        "_UNSET": _unset_of(model),
        "_KNOWN": frozenset(field.key for field in fields),
    }
    lines = [
        "if type(d) is not dict:",
        "    raise TypeError('not a JSON object')",
        f"if len(d) == {len(fields)}:",
        "    try:",
        "        o = _new(_cls)",
    ]
    for number, field in enumerate(fields):
        read = f"d[{field.key!r}]"
        if field.convert is not None:
            namespace[f"_c{number}"] = field.convert
        if field.convert is None:
            lines.append(f"        o.{field.name} = {read}")
        elif field.nullable:
            lines.append(f"        v = {read}")
            lines.append(f"        o.{field.name} = None if v is None else _c{number}(v)")
        else:
            lines.append(f"        o.{field.name} = _c{number}({read})")
    lines += [
        "        o.additional_properties = {}",
        "        return o",
        "    except KeyError:",
        "        pass",
        "o = _new(_cls)",
        # Known keys present, counted as they are read: equal to len(d) means no unknown key.
        f"n = {sum(1 for field in fields if field.required)}",
    ]
    for number, field in enumerate(fields):
        if field.required:
            lines.append(f"v = d[{field.key!r}]")
        else:
            lines.append(f"v = d.get({field.key!r}, _UNSET)")
            lines.append("if v is not _UNSET:")
            lines.append("    n += 1")
        present = _present(field)
        if field.convert is not None and present:
            lines.append(f"if {' and '.join(present)}:")
            lines.append(f"    v = _c{number}(v)")
        elif field.convert is not None:
            lines.append(f"v = _c{number}(v)")
        lines.append(f"o.{field.name} = v")
    lines += [
        "o.additional_properties = (",
        "    {} if len(d) == n else {k: x for k, x in d.items() if k not in _KNOWN}",
        ")",
        "return o",
    ]
    strict_body = "".join(f"    {line}\n" for line in lines)
    guarded_body = "".join(f"        {line}\n" for line in lines)
    source = (
        f"def strict(d):\n{strict_body}\n"
        # from_dict is called outside the except block, so that its exception (if any) is
        # raised as its own, without the compiled path's as its __context__.
        f"def guarded(d):\n    try:\n{guarded_body}"
        f"    except Exception:\n        pass\n    return _cls.from_dict(d)\n\n"
        f"{_accepts_source(fields, namespace)}"
    )
    code = compile(source, f"<kalshi_ext decoder for {model.__qualname__}>", "exec")
    exec(code, namespace)  # the source is built above from attrs field names only
    return namespace["strict"], namespace["guarded"], namespace["accepts"]


def _present(field: _Field) -> list[str]:
    """The tests, on the value `v` read for the field, under which the general path converts
    it: present (if optional) and not null (if nullable)."""
    present = [] if field.required else ["v is not _UNSET"]
    return present + (["v is not None"] if field.nullable else [])


def _accepts_source(fields: list[_Field], namespace: dict[str, Any]) -> str:
    """`accepts(d)`: the general path of the decoder above (which decodes whatever the
    all-present path does) without building: the required keys, then each conversion."""
    namespace["_REQUIRED"] = frozenset(field.key for field in fields if field.required)
    lines = [
        "if type(d) is not dict or not d.keys() >= _REQUIRED:",
        "    return False",
        "try:",
    ]
    for number, field in enumerate(fields):
        if field.convert is None:
            continue  # read as it is: only its presence (if required) matters
        read = f"d[{field.key!r}]" if field.required else f"d.get({field.key!r}, _UNSET)"
        present = _present(field)
        lines.append(f"    v = {read}")
        if present:
            lines.append(f"    if {' and '.join(present)}:")
            lines.append(f"        _c{number}(v)")
        else:
            lines.append(f"    _c{number}(v)")
    if lines[-1] == "try:":
        return "def accepts(d):\n    return type(d) is dict and d.keys() >= _REQUIRED\n"
    lines += ["except Exception:", "    return False", "return True"]
    return "def accepts(d):\n" + "".join(f"    {line}\n" for line in lines)


def _settable_directly(model: type[Any]) -> bool:
    """Whether filling a new instance's slots one by one is what __init__ would do.

    Calling attrs' __init__ with 18 arguments costs more than the rest of a Fill's decoding;
    storing into the slots costs a third of that. It is the same only for a slotted class whose
    __init__ does nothing but assign: no validators, converters, setattr hooks or
    __attrs_post_init__, and `additional_properties` (a fresh dict) as its only non-init field.
    """
    if "__slots__" not in vars(model):
        return False
    if any("__setattr__" in vars(klass) for klass in model.__mro__[:-1]):
        return False  # attrs writes one for on_setattr hooks
    if hasattr(model, "__attrs_post_init__") or hasattr(model, "__attrs_pre_init__"):
        return False
    for attribute in attrs.fields(model):
        if attribute.validator is not None or attribute.converter is not None:
            return False
        if not attribute.init and attribute.name != "additional_properties":
            return False
    return True


def _unset_of(model: type[Any]) -> Any:
    """The UNSET sentinel `model.from_dict` uses: each generated package (kalshi_generated and
    kalshi_generated.ws) has its own `types` module, so its own Unset class and UNSET."""
    module = sys.modules.get(model.__module__)
    unset = getattr(module, "UNSET", UNSET)
    return unset if isinstance(unset, getattr(module, "Unset", Unset)) else UNSET


def model_hints(model: type[Any]) -> dict[str, Any]:
    """A generated model's field annotations, resolved. Its forward references (nested models
    imported only for type checking) live in its package, kalshi_generated.models, which imports
    each model when first asked for it: only the models named are loaded."""
    package = model.__module__.rpartition(".")[0]
    try:
        namespace: dict[str, Any] = _PackageNames(
            sys.modules.get(package) or importlib.import_module(package)
        )
    except ImportError:
        namespace = {}
    return typing.get_type_hints(model, localns=namespace)


class _PackageNames(dict[str, Any]):
    """A namespace that reads a missing name from a package (its lazy __getattr__)."""

    def __init__(self, package: types.ModuleType) -> None:
        super().__init__(vars(package))
        self._package = package

    def __missing__(self, name: str) -> Any:
        try:
            value = getattr(self._package, name)
        except AttributeError:
            raise KeyError(name) from None
        self[name] = value
        return value
