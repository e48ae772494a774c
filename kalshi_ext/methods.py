"""How one generated function becomes a method of both clients: a call on Client, a coroutine on
AsyncClient, with ``.detailed(...)`` beside it, the function's signature and its docstring.

kalshi_ext/generated_methods.py (written by ``make regen``) holds one function per operation,
with keyword-only parameters typed as the spec says, that builds the call's flow. The descriptors
here carry its parameters to the bound method through a ParamSpec, so mypy checks every call, and
give the bound method the function's ``__signature__`` and ``__doc__`` for ``help()``, IDEs and
``inspect.signature``.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Self, TypeVar, overload

from kalshi_ext.errors import ArgumentTypeError, KalshiError
from kalshi_ext.operations import (
    CallContext,
    Detailed,
    OperationInfo,
    keyword_only_error,
    operation_flow,
    unknown_arguments_error,
)
from kalshi_ext.orders import ORDER_DEFAULTED
from kalshi_ext.pagination import (
    PAGED,
    AsyncPager,
    Page,
    PageRequest,
    SyncPager,
    pager_positional_error,
)
from kalshi_generated.types import Unset

if TYPE_CHECKING:
    from kalshi_ext.client import AsyncClient, Client
    from kalshi_ext.flow import Flow

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


# What a string query parameter also takes: strings sent comma-joined (market_tickers=A,B).
TextList = list[str] | tuple[str, ...] | set[str] | frozenset[str]


def given(**arguments: object) -> dict[str, Any]:
    """The arguments the caller gave: a parameter left at None (or UNSET) is not sent."""
    return {
        name: value
        for name, value in arguments.items()
        if value is not None and not isinstance(value, Unset)
    }


def operation_call(
    ctx: CallContext, name: str, arguments: Mapping[str, Any]
) -> Flow[Detailed[Any]]:
    """The plain flow of generated operation `name` (loaded on its first call)."""
    return operation_flow(ctx, OperationInfo.load(name), arguments)


class _Annotations(dict[str, Any]):
    """Names for evaluating a generated function's annotations: its module's, then those its
    module imports only for type checking (kalshi_ext's and the lazily loaded models)."""

    def __init__(self, module_globals: Mapping[str, Any]) -> None:
        super().__init__(module_globals)

    def __missing__(self, name: str) -> Any:
        import kalshi_ext.flow
        import kalshi_ext.operations
        import kalshi_generated.models

        for module in (kalshi_ext.flow, kalshi_ext.operations, kalshi_generated.models):
            if hasattr(module, name):
                value = getattr(module, name)
                self[name] = value
                return value
        raise KeyError(name)


@functools.cache
def _evaluated(function: Callable[..., Any]) -> inspect.Signature:
    return inspect.signature(function, locals=_Annotations(function.__globals__), eval_str=True)


def shown_signature(
    function: Callable[..., Any], returns: Callable[[Any], Any]
) -> inspect.Signature:
    """The function's signature as callers see it: without the call context, and with
    `returns(annotation)` as its return annotation."""
    signature = _evaluated(function)
    parameters = [
        p for p in signature.parameters.values() if p.kind is not inspect.Parameter.POSITIONAL_ONLY
    ]
    return signature.replace(
        parameters=parameters, return_annotation=returns(signature.return_annotation)
    )


def _model(flow_annotation: Any) -> Any:
    """R from Flow[Detailed[R]]."""
    (detailed,) = typing.get_args(flow_annotation)[-1:]
    return typing.get_args(detailed)[0]


def _sync_pager(request_annotation: Any) -> Any:
    return SyncPager[typing.get_args(request_annotation)[0]]  # type: ignore[misc]


def _async_pager(request_annotation: Any) -> Any:
    return AsyncPager[typing.get_args(request_annotation)[0]]  # type: ignore[misc]


def _keywords(function: Callable[..., Any]) -> list[str]:
    parameters = inspect.signature(function).parameters.values()
    return [p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY]


def _called(
    function: Callable[..., T], leading: tuple[Any, ...], args: tuple[object, ...], kwargs: Any
) -> T:
    """function(*leading, **kwargs). A positional argument, or a keyword it does not take or
    misses, is an ArgumentTypeError that names the keywords it takes (errors raised inside the
    function, e.g. by a price check, pass as they are)."""
    name = function.__name__
    if args:
        if leading:  # an operation: name the keywords it needs
            raise keyword_only_error(name, args, ORDER_DEFAULTED)
        raise pager_positional_error(name, PAGED[name.removeprefix("iter_")].operation, args)
    try:
        return function(*leading, **kwargs)
    except TypeError as exc:
        # Python refused the call itself: the traceback has no frame of the function's own.
        if isinstance(exc, KalshiError) or exc.__traceback__ is None:
            raise
        if exc.__traceback__.tb_next is not None:
            raise
        known = _keywords(function)
        unknown = kwargs.keys() - set(known)
        if unknown:  # reported before missing ones: a misspelt name is often both
            raise unknown_arguments_error(f"{name}()", unknown, known) from None
        raise ArgumentTypeError(f"{exc}; it takes: {', '.join(known)}") from None


def _refuse_page_controls(name: str, kwargs: Mapping[str, Any]) -> None:
    for control, instead in (("cursor", "start_cursor"), ("limit", "page_size")):
        if control in kwargs:
            raise ArgumentTypeError(f"{name}(): pass {instead}= instead of {control}=")


def _function_doc(method: _Bound) -> str | None:
    return method._function.__doc__


# Every class has its own __doc__ (None without a docstring): each bound class sets this one.
_DOC: Any = property(_function_doc)


class _Bound:
    """A generated function bound to a client. `help()`, IDEs and `inspect.signature` read the
    function's name, docstring and signature from it; `__get__` makes pydoc document it as a
    routine. Subclasses say what the call returns (`_returns`) and run it."""

    __slots__ = ("_client", "_function")
    _returns: Callable[[Any], Any]  # the function's return annotation -> the method's

    def __init__(self, client: Any, function: Callable[..., Any]) -> None:
        self._client = client
        self._function = function

    @property
    def __name__(self) -> str:
        return self._function.__name__

    @property
    def __signature__(self) -> inspect.Signature:
        return shown_signature(self._function, type(self)._returns)

    def __get__(self, obj: object, owner: type[Any] | None = None) -> Self:
        return self


class _Descriptor:
    """A generated function as an attribute of both clients: bound as `_sync` on Client and as
    `_async` on AsyncClient; on the class itself, it shows the function's signature."""

    _sync: type[_Bound]
    _async: type[_Bound]

    def __init__(self, function: Callable[..., Any]) -> None:
        function.__qualname__ = function.__name__  # Python's argument errors say "get_orders()"
        self._function = function
        self.__name__ = self.__qualname__ = function.__name__
        self.__doc__ = function.__doc__

    @property
    def __signature__(self) -> inspect.Signature:
        return shown_signature(self._function, self._sync._returns)

    def _bind(self, obj: object) -> Any:
        if obj is None:
            return self
        bound = self._async if getattr(obj, "_asynchronous", False) else self._sync
        return bound(obj, self._function)


# No docstrings on the bound classes: _DOC gives the generated function's own.
class SyncMethod(_Bound, Generic[P, R]):
    # An operation bound to a Client: call it for the model, `.detailed(...)` for more.

    __slots__ = ()
    __doc__ = _DOC
    _returns = staticmethod(_model)
    _client: Client
    _function: Callable[Concatenate[CallContext, P], Flow[Detailed[R]]]

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.detailed(*args, **kwargs).parsed

    def detailed(self, *args: P.args, **kwargs: P.kwargs) -> Detailed[R]:
        """The result with its response, retries_taken and recovered (see Detailed)."""
        client = self._client
        return client._run(_called(self._function, (client._context,), args, kwargs))


class AsyncMethod(_Bound, Generic[P, R]):
    # An operation bound to an AsyncClient: await it for the model, `.detailed(...)` for more.

    __slots__ = ()
    __doc__ = _DOC
    _returns = staticmethod(_model)
    _client: AsyncClient
    _function: Callable[Concatenate[CallContext, P], Flow[Detailed[R]]]

    async def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return (await self.detailed(*args, **kwargs)).parsed

    async def detailed(self, *args: P.args, **kwargs: P.kwargs) -> Detailed[R]:
        """The result with its response, retries_taken and recovered (see Detailed)."""
        client = self._client
        return await client._run(_called(self._function, (client._context,), args, kwargs))


class SyncPages(_Bound, Generic[P, T]):
    # A cursor-paged list bound to a Client: a SyncPager over its items.

    __slots__ = ()
    __doc__ = _DOC
    _returns = staticmethod(_sync_pager)
    _client: Client
    _function: Callable[P, PageRequest[T]]

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> SyncPager[T]:
        _refuse_page_controls(self._function.__name__, kwargs)
        request = _called(self._function, (), args, kwargs)
        client = self._client

        def fetch(cursor: str | None) -> Page[T]:
            return client._run(request.page_flow(client._context, cursor))

        return SyncPager(request, fetch)


class AsyncPages(_Bound, Generic[P, T]):
    # A cursor-paged list bound to an AsyncClient: an AsyncPager over its items.

    __slots__ = ()
    __doc__ = _DOC
    _returns = staticmethod(_async_pager)
    _client: AsyncClient
    _function: Callable[P, PageRequest[T]]

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> AsyncPager[T]:
        _refuse_page_controls(self._function.__name__, kwargs)
        request = _called(self._function, (), args, kwargs)
        client = self._client

        async def fetch(cursor: str | None) -> Page[T]:
            return await client._run(request.page_flow(client._context, cursor))

        return AsyncPager(request, fetch)


class Operation(_Descriptor, Generic[P, R]):
    """One operation: a method of Client returning R, of AsyncClient returning a coroutine."""

    _sync, _async = SyncMethod, AsyncMethod

    def __init__(self, build: Callable[Concatenate[CallContext, P], Flow[Detailed[R]]]) -> None:
        super().__init__(build)

    def __call__(self, client: Client | AsyncClient, /, *args: P.args, **kwargs: P.kwargs) -> Any:
        """`Client.get_balance(client)`: the method called through its class."""
        return self._bind(client)(*args, **kwargs)

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> Self: ...
    @overload
    def __get__(self, obj: Client, owner: type[Any] | None = None) -> SyncMethod[P, R]: ...
    @overload
    def __get__(self, obj: AsyncClient, owner: type[Any] | None = None) -> AsyncMethod[P, R]: ...
    def __get__(self, obj: object, owner: type[Any] | None = None) -> Any:
        return self._bind(obj)


class Pages(_Descriptor, Generic[P, T]):
    """One cursor-paged list: `iter_<list>(...)` gives a SyncPager on Client, an AsyncPager on
    AsyncClient."""

    _sync, _async = SyncPages, AsyncPages

    def __init__(self, request: Callable[P, PageRequest[T]]) -> None:
        super().__init__(request)

    def __call__(self, client: Client | AsyncClient, /, *args: P.args, **kwargs: P.kwargs) -> Any:
        """`Client.iter_fills(client)`: the method called through its class."""
        return self._bind(client)(*args, **kwargs)

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> Self: ...
    @overload
    def __get__(self, obj: Client, owner: type[Any] | None = None) -> SyncPages[P, T]: ...
    @overload
    def __get__(self, obj: AsyncClient, owner: type[Any] | None = None) -> AsyncPages[P, T]: ...
    def __get__(self, obj: object, owner: type[Any] | None = None) -> Any:
        return self._bind(obj)


def operation(build: Callable[Concatenate[CallContext, P], Flow[Detailed[R]]]) -> Operation[P, R]:
    """Decorator: the generated function `build` as a method of both clients."""
    return Operation(build)


def pages(request: Callable[P, PageRequest[T]]) -> Pages[P, T]:
    """Decorator: the generated iter_* function `request` as a method of both clients."""
    return Pages(request)
