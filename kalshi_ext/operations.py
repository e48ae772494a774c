"""What the client knows of each generated operation: how to build its request and parse its reply.

Everything here is derived from the generated module itself (its ``_get_kwargs`` builds the
request, its annotations name the models), so an operation added by ``make regen`` needs no code
here: one line in the client's table.
"""

from __future__ import annotations

import enum
import functools
import importlib
import inspect
import json
import pkgutil
import typing
from collections.abc import Callable, Collection, Iterable, Mapping
from types import ModuleType
from typing import Any, Final, Generic, TypeVar

import attrs
import httpx

from kalshi_ext.decoding import decoder_for, model_hints, union_members
from kalshi_ext.errors import (
    ArgumentTypeError,
    InvalidArgumentError,
    KalshiError,
    ResponseValidationError,
    looks_like_error_envelope,
    make_status_error,
)
from kalshi_ext.flow import AttemptLog, Clock, Flow, Send, send_with_retries
from kalshi_ext.retry import RetryPolicy, is_retry_safe
from kalshi_generated.models.empty_response import EmptyResponse
from kalshi_generated.models.error_response import ErrorResponse
from kalshi_generated.types import UNSET, Unset

T = TypeVar("T")
JsonLoads = Callable[[bytes], Any]


@attrs.frozen
class OperationInfo:
    name: str
    module: ModuleType
    model: type[Any] | None  # the 2xx body's model; None when the operation declares no body
    body_model: type[Any] | None  # the request body's model, if the operation takes one
    parameters: frozenset[str]  # path and query parameter names
    # _get_kwargs' arguments without a default; read once here, as inspect.signature costs
    # ~10 µs, a third of the layer's own time per call.
    required: tuple[str, ...]
    path_parameters: frozenset[str]  # positional in _get_kwargs; the rest are keyword-only
    # Query parameters typed str: a list for one of them is sent comma-joined (_comma_joined).
    text_query_parameters: frozenset[str] = frozenset()

    @classmethod
    @functools.cache
    def load(cls, name: str) -> OperationInfo:
        module = importlib.import_module(f"kalshi_generated.api.portfolio.{name}")
        hints = typing.get_type_hints(module._get_kwargs)
        body_model = next(iter(_models(hints.pop("body", None))), None)
        models = _models(typing.get_type_hints(module._parse_response)["return"])
        return cls(
            name=name,
            module=module,
            model=next((m for m in models if m is not ErrorResponse), None),
            body_model=body_model,
            parameters=frozenset(hints) - {"return"},
            required=tuple(
                name
                for name, p in inspect.signature(module._get_kwargs).parameters.items()
                if p.default is inspect.Parameter.empty
            ),
            path_parameters=frozenset(
                name
                for name, p in inspect.signature(module._get_kwargs).parameters.items()
                if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
            ),
            text_query_parameters=frozenset(
                name
                for name, hint in hints.items()
                if name != "return" and str in (hint, *typing.get_args(hint))
            )
            - {
                name
                for name, p in inspect.signature(module._get_kwargs).parameters.items()
                if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
            },
        )

    def required_body_fields(self) -> frozenset[str]:
        if self.body_model is None:
            return frozenset()
        return frozenset(
            f.name
            for f in attrs.fields(self.body_model)
            if f.name != "additional_properties" and f.default is attrs.NOTHING
        )

    def body_fields(self) -> frozenset[str]:
        if self.body_model is None:
            return frozenset()
        return frozenset(
            f.name for f in attrs.fields(self.body_model) if f.name != "additional_properties"
        )

    @functools.cached_property
    def body_enums(self) -> Mapping[str, type[enum.Enum]]:
        """The body fields whose value is one of an enum's values, by field name."""
        if self.body_model is None:
            return {}
        return {
            name: member
            for name, annotation in model_hints(self.body_model).items()
            for member in union_members(annotation)
            if isinstance(member, type) and issubclass(member, enum.Enum)
        }


# Arguments of API v1 (and of other Kalshi clients) that v2's order bodies do not take.
_MOVED_ARGUMENTS: Mapping[str, str] = {
    "action": "API v2 replaced yes/no + action with side='bid' (buy YES) or side='ask' (sell YES)",
    "yes_price": "API v2 takes price= (the YES price in dollars, or an int in cents)",
    "no_price": "API v2 takes price= (the YES price) with side='bid' or 'ask'",
    "type": "API v2 orders are all limit orders: give price= and time_in_force=",
}


def _choices(values: list[str]) -> str:
    quoted = [repr(value) for value in values]
    if len(quoted) <= 2:
        return " or ".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def check_body_fields(op: OperationInfo, fields: Mapping[str, Any], where: str) -> None:
    """Refuse body fields op does not take, then enum fields holding none of their values."""
    _refuse_unknown(op, set(fields) - op.body_fields(), where)
    for name, kind in op.body_enums.items():
        value = fields.get(name)
        if value is None or isinstance(value, Unset | kind):
            continue
        values = [member.value for member in kind]
        if value in values:
            continue
        if set(values) == {"bid", "ask"}:  # the book side, which replaced v1's yes/no + action
            raise InvalidArgumentError(
                f"{where}: {name} must be 'bid' or 'ask' (got {_shown(value)}); API v2 replaced "
                "yes/no + action: 'bid' buys YES, 'ask' sells YES"
            )
        raise InvalidArgumentError(
            f"{where}: {name} must be {_choices(values)} (got {_shown(value)})"
        )


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


@functools.cache
def fixed_path_segments() -> frozenset[str]:
    """Every literal segment of the API's paths ("orders", "batched", "queue_positions", ...),
    read from the generated operations' URL templates, so it follows the spec on `make regen`.

    An id equal to one would make its URL another route (order_id="batched" turns
    DELETE .../orders/{order_id} into batch-cancel), so build_request refuses such ids.
    """
    package = importlib.import_module("kalshi_generated.api.portfolio")
    segments: set[str] = set()
    for module_info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        for template in url_templates(module):
            segments.update(s for s in template.split("/") if s and not s.startswith("{"))
    return frozenset(segments)


def url_templates(module: ModuleType) -> list[str]:
    """The URL template(s) of a generated operation: the path literals of its _get_kwargs."""
    constants = module._get_kwargs.__code__.co_consts
    return [c for c in constants if isinstance(c, str) and c.startswith("/")]


def keyword_only_error(
    name: str, positional: Collection[object], defaulted: Collection[str] = ()
) -> ArgumentTypeError:
    """The error for an operation called with positional arguments: it names the keywords."""
    op = OperationInfo.load(name)
    required_fields = op.required_body_fields() - set(defaulted)
    body_order = [f.name for f in attrs.fields(op.body_model)] if op.body_model else []
    needed = [n for n in op.required if n != "body"] + [
        n for n in body_order if n in required_fields
    ]
    text = f"{name}() takes keyword arguments only (got {len(positional)} positional)"
    if needed:
        text += f": call it as {name}({', '.join(f'{n}=...' for n in needed)})"
    else:
        known = sorted(op.parameters | op.body_fields())
        text += f"; it takes: {', '.join(f'{n}=' for n in known) or 'no arguments'}"
    return ArgumentTypeError(text)


def _models(annotation: Any) -> list[type[Any]]:
    """The attrs model classes named in a (union) annotation."""
    members = typing.get_args(annotation) or (annotation,)
    return [m for m in members if isinstance(m, type) and attrs.has(m)]


@attrs.frozen
class CallContext:
    """What a flow needs from its client, without the I/O."""

    policy: RetryPolicy
    clock: Clock = attrs.field(factory=Clock)
    base_path: str = ""
    json_loads: JsonLoads = json.loads


@attrs.frozen
class Detailed(Generic[T]):
    """A parsed result with what it took: the final response and the retries spent.

    ``recovered`` is True when an order write's outcome was unclear (connection lost, 5xx) and the
    result was read back from the exchange by client_order_id; ``response`` is then the last
    response seen, if any.
    """

    parsed: T
    response: httpx.Response | None
    retries_taken: int
    recovered: bool = False

    @property
    def status_code(self) -> int | None:
        return self.response.status_code if self.response is not None else None


def build_request(op: OperationInfo, arguments: Mapping[str, Any]) -> Send:
    """The request for op, from keyword arguments: parameters by name, body fields by name
    (or a whole ``body=`` model or dict). What is wrong is refused before anything is sent, with
    ArgumentTypeError (unknown or missing names, wrong types) or InvalidArgumentError (values)."""
    arguments = dict(arguments)
    where = f"{op.name}()"
    call: dict[str, Any] = {
        name: _comma_joined(op, name, arguments.pop(name))
        for name in list(arguments)
        if name in op.parameters
    }
    if op.body_model is not None:
        body = arguments.pop("body", None)
        if body is None:
            body = {key: value for key, value in arguments.items() if not isinstance(value, Unset)}
            arguments = {}
        if isinstance(body, Mapping):
            check_body_fields(op, body, where)
            missing_fields = sorted(op.required_body_fields() - set(body))
            if missing_fields:
                raise ArgumentTypeError(
                    f"{where} missing required field(s): {', '.join(missing_fields)}"
                )
            try:
                body = op.body_model.from_dict(dict(body))
            except (KeyError, TypeError, AttributeError) as exc:
                raise ArgumentTypeError(
                    f"{where}: bad request field: {type(exc).__name__} {exc}"
                ) from None
            except ValueError as exc:
                raise InvalidArgumentError(f"{where}: bad request field: {exc}") from None
        if not isinstance(body, op.body_model):
            raise ArgumentTypeError(f"{op.name}: body must be a {op.body_model.__name__} or a dict")
        call["body"] = body
    _refuse_unknown(op, set(arguments), where)
    missing = [name for name in op.required if name not in call]
    if missing:
        raise ArgumentTypeError(f"{where} missing required argument(s): {', '.join(missing)}")
    for name in op.path_parameters & call.keys():
        # "." and ".." are dot segments: httpx would resolve them into another route (an order
        # id "." turns DELETE .../orders/{id} into cancel-all); an id equal to a fixed segment
        # of the API's paths is another route already; and a "/" (or "\\"), though sent as
        # %2F, is a separator again to a server that decodes the path before routing it.
        value = str(call[name])
        if (
            value in ("", ".", "..")
            or value in fixed_path_segments()
            or "/" in value
            or "\\" in value
        ):
            raise InvalidArgumentError(
                f"{where}: {name}={_shown(call[name])} is not a valid id (it would address "
                "another route)"
            )
    kwargs = op.module._get_kwargs(**call)
    params = {k: v for k, v in kwargs.get("params", {}).items() if v is not UNSET and v is not None}
    return Send(
        method=kwargs["method"].upper(),
        url=kwargs["url"],
        params=params or None,
        json=kwargs.get("json"),
        headers={k: v for k, v in kwargs.get("headers", {}).items() if k.lower() != "content-type"},
    )


# String query parameters Kalshi's API reference documents as taking a single value ("Only a
# single event ticker is supported"; one order, one market): comma-joined, a list would be read
# as one value that matches nothing, an empty answer instead of an error. (The vendored spec
# keeps no descriptions, so they are listed here.)
_ONE_VALUE: Final = frozenset(
    {
        ("get_positions", "event_ticker"),
        ("get_settlements", "event_ticker"),
        ("get_fills", "order_id"),
        ("cancel_order", "market_ticker"),
    }
)


def _comma_joined(op: OperationInfo, name: str, value: Any) -> Any:
    """A list for a string query parameter as Kalshi's comma-separated form (market_tickers=A,B);
    httpx would send it as market_tickers=A&market_tickers=B, of which the API reads one."""
    if not isinstance(value, list | tuple | set | frozenset):
        return value
    if name not in op.text_query_parameters or name == "cursor" or (op.name, name) in _ONE_VALUE:
        raise ArgumentTypeError(
            f"{op.name}(): {name}= takes one value, not a {type(value).__name__}"
        )
    items = sorted(value) if isinstance(value, set | frozenset) else list(value)
    if not items or not all(isinstance(item, str) and item and "," not in item for item in items):
        raise InvalidArgumentError(
            f"{op.name}(): {name}= as a list needs non-empty strings without commas; "
            "it is sent comma-joined"
        )
    return ",".join(items)


def _refuse_unknown(op: OperationInfo, unknown: set[str], where: str) -> None:
    if unknown:
        raise unknown_arguments_error(where, unknown, sorted(op.parameters | op.body_fields()))


def unknown_arguments_error(
    where: str, unknown: Collection[str], known: Iterable[str]
) -> ArgumentTypeError:
    """The error for names a call does not take: what it takes, and where a moved one went."""
    hints = [_MOVED_ARGUMENTS[name] for name in sorted(unknown) if name in _MOVED_ARGUMENTS]
    return ArgumentTypeError(
        f"{where} got unexpected argument(s) {', '.join(sorted(unknown))}; "
        f"it takes: {', '.join(known)}" + "".join(f"; {hint}" for hint in hints)
    )


def parse_response(op: OperationInfo, response: httpx.Response, json_loads: JsonLoads) -> Any:
    """The model for a 2xx response, or the typed error for anything else."""
    if not 200 <= response.status_code < 300:
        raise make_status_error(response)
    if op.model is None:
        return None
    if not response.content.strip() and op.model is EmptyResponse:
        return EmptyResponse()  # an empty answer (204, or 200 with no body) to an empty model
    return decode_model(op.model, response_object(op.model, response, json_loads), response)


def response_object(model: type[Any], response: httpx.Response, json_loads: JsonLoads) -> Any:
    """A 2xx response's JSON object, checked to be one and not an error envelope."""
    try:
        data = json_loads(response.content)
    except Exception:
        raise ResponseValidationError.from_response(response, "body is not JSON") from None
    if looks_like_error_envelope(data):
        raise ResponseValidationError.from_response(response, "a success status with an error body")
    if not isinstance(data, dict):
        raise ResponseValidationError.from_response(
            response, f"expected a JSON object for {model.__name__}"
        )
    return data


# What the generated from_dict raises for JSON that does not match its model.
MODEL_ERRORS = (KeyError, TypeError, ValueError, AttributeError)


def decode_model(model: type[T], data: Any, response: httpx.Response) -> T:
    """`model` from parsed JSON; a mismatch is a ResponseValidationError naming the response."""
    try:
        decoded: T = decoder_for(model)(data)
    except MODEL_ERRORS as exc:
        raise model_mismatch(model, exc, response) from None
    return decoded


def model_mismatch(
    model: type[Any], exc: Exception, response: httpx.Response, where: str = ""
) -> ResponseValidationError:
    """The error for JSON in `response` (at `where`, e.g. "fills[2] ") that is not `model`."""
    reason = f"{where}does not match {model.__name__}: {type(exc).__name__} {exc}"
    return ResponseValidationError.from_response(response, reason[:300])


def operation_flow(
    ctx: CallContext,
    op: OperationInfo,
    arguments: Mapping[str, Any],
    *,
    idempotent_post: bool = False,
    parse: Callable[[httpx.Response], Any] | None = None,
) -> Flow[Detailed[Any]]:
    """Send op's request through the retry loop and parse the reply (with `parse`, if given,
    for a 2xx reply; parse_response otherwise)."""
    request = build_request(op, arguments)
    log = AttemptLog()
    sent = yield from send_with_retries(
        request,
        policy=ctx.policy,
        retry_safe=is_retry_safe(request.method, idempotent_post=idempotent_post),
        path=ctx.base_path + request.url,
        clock=ctx.clock,
        log=log,
    )
    try:
        if parse is not None and 200 <= sent.response.status_code < 300:
            parsed = parse(sent.response)
        else:
            parsed = parse_response(op, sent.response, ctx.json_loads)
    except KalshiError as exc:
        if log.earlier_may_have_landed and request.method != "GET":
            # e.g. a cancel whose first reply was lost, retried, then answered 404
            exc.add_note(
                "an earlier attempt of this request got no clear answer and may have been "
                "carried out by the exchange"
            )
        raise
    return Detailed(parsed, sent.response, sent.retries_taken)
