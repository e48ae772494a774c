"""Client and AsyncClient: thin shells joining config, auth, the operation table and flows to httpx.

Every operation is one line of :class:`PortfolioOperations`; a descriptor turns it into a method
that returns the generated model (``client.get_balance()``) with ``.detailed(...)`` beside it for
the response and ``retries_taken``. On ``Client`` the method runs the call's flow with the sync
driver, on ``AsyncClient`` it returns a coroutine run by the async driver: one table, no drift.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import os
import platform
import threading
import time
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Self, TypedDict, TypeVar, Unpack, overload

import httpx

from kalshi_ext.auth import (
    AsyncWithholdingClient,
    CrossOriginGuard,
    KalshiAuth,
    WithholdingClient,
)
from kalshi_ext.config import ConfigError, KalshiConfig, RedactedHeaders
from kalshi_ext.errors import ArgumentTypeError, ClientClosedError, EventLoopError
from kalshi_ext.flow import (
    AsyncSend,
    CallGate,
    Clock,
    Flow,
    SyncSend,
    deadline_transport,
    run_async,
    run_sync,
    send_async,
    send_sync,
)
from kalshi_ext.operations import (
    CallContext,
    Detailed,
    OperationInfo,
    keyword_only_error,
    operation_flow,
)
from kalshi_ext.orders import (
    DEFAULT_TICK,
    ORDER_DEFAULTED,
    batch_create_orders_flow,
    create_order_flow,
    normalize_amend,
    normalize_decrease,
)
from kalshi_ext.pagination import (
    PAGED,
    AsyncPager,
    Page,
    PageRequest,
    SyncPager,
    pager_positional_error,
)
from kalshi_ext.retry import RetryPolicy
from kalshi_ext.stream.buffer import DEFAULT_MAX_BUFFERED
from kalshi_ext.transport import AiohttpSender, KalshiAiohttpTransport
from kalshi_generated import AuthenticatedClient
from kalshi_generated.models import (
    AmendOrderV2Response,
    ApplySubaccountTransferResponse,
    BatchCancelOrdersV2Response,
    BatchCreateOrdersV2Response,
    CancelOrderV2Response,
    CreateOrderGroupResponse,
    CreateOrderV2Response,
    CreateSubaccountResponse,
    DecreaseOrderV2Response,
    Deposit,
    EmptyResponse,
    EventPosition,
    Fill,
    GetBalanceResponse,
    GetDepositsResponse,
    GetFillsResponse,
    GetIntraExchangeInstanceTransferResponse,
    GetIntraExchangeInstanceTransfersResponse,
    GetOrderGroupResponse,
    GetOrderGroupsResponse,
    GetOrderQueuePositionResponse,
    GetOrderQueuePositionsResponse,
    GetOrderResponse,
    GetOrdersResponse,
    GetPortfolioRestingOrderTotalValueResponse,
    GetPositionsResponse,
    GetSettlementsResponse,
    GetSubaccountBalancesResponse,
    GetSubaccountNettingResponse,
    GetSubaccountTransfersResponse,
    GetTargetBalanceAllocationResponse,
    GetWithdrawalsResponse,
    IntraExchangeInstanceTransfer,
    IntraExchangeInstanceTransferResponse,
    MarketPosition,
    Order,
    Settlement,
    SubaccountTransfer,
    Withdrawal,
)

if TYPE_CHECKING:
    from kalshi_ext.stream.stream import AsyncStream, BackgroundLoop, Stream


T = TypeVar("T")
FlowFactory = Callable[[CallContext, dict[str, Any]], Flow[Detailed[T]]]


def _package_version() -> str:
    try:
        return version("kalshi-portfolio")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


USER_AGENT = " ".join(
    [
        f"kalshi-portfolio/{_package_version()}",
        f"python/{platform.python_version()}",
        f"httpx/{httpx.__version__}",
    ]
)


class SyncCall(Generic[T]):
    def __init__(self, client: Client, factory: FlowFactory[T], name: str) -> None:
        self._client, self._factory, self.__name__ = client, factory, name

    def __call__(self, *positional: object, **arguments: Any) -> T:
        return self.detailed(*positional, **arguments).parsed

    def detailed(self, *positional: object, **arguments: Any) -> Detailed[T]:
        if positional:
            raise keyword_only_error(self.__name__, positional, ORDER_DEFAULTED)
        return self._client._run(self._factory(self._client._context, arguments))


class AsyncCall(Generic[T]):
    def __init__(self, client: AsyncClient, factory: FlowFactory[T], name: str) -> None:
        self._client, self._factory, self.__name__ = client, factory, name

    async def __call__(self, *positional: object, **arguments: Any) -> T:
        return (await self.detailed(*positional, **arguments)).parsed

    async def detailed(self, *positional: object, **arguments: Any) -> Detailed[T]:
        if positional:
            raise keyword_only_error(self.__name__, positional, ORDER_DEFAULTED)
        return await self._client._run(self._factory(self._client._context, arguments))


class _Operation(Generic[T]):
    """One operation of the table: a sync method on Client, an async one on AsyncClient."""

    def __init__(self, factory: FlowFactory[T], doc: str) -> None:
        self._factory = factory
        self.__doc__ = doc
        self._name = ""

    @classmethod
    def generated(cls, name: str) -> _Operation[T]:
        info = OperationInfo.load(name)
        summary = (info.module.sync.__doc__ or "").strip().splitlines()[0]

        def factory(ctx: CallContext, arguments: dict[str, Any]) -> Flow[Detailed[T]]:
            return operation_flow(ctx, info, arguments)

        return cls(factory, summary)

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, obj: Client, owner: type | None = None) -> SyncCall[T]: ...
    @overload
    def __get__(self, obj: AsyncClient, owner: type | None = None) -> AsyncCall[T]: ...
    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...
    def __get__(self, obj: object, owner: type | None = None) -> Any:
        if isinstance(obj, Client):
            return SyncCall(obj, self._factory, self._name)
        if isinstance(obj, AsyncClient):
            return AsyncCall(obj, self._factory, self._name)
        return self


class _Pages(Generic[T]):
    """`iter_<list>(**filters, page_size=, start_cursor=, max_items=)` for one cursor-paged list."""

    def __init__(self, list_name: str) -> None:
        self._paged = PAGED[list_name]
        self._name = f"iter_{list_name}"

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, obj: Client, owner: type | None = None) -> Callable[..., SyncPager[T]]: ...
    @overload
    def __get__(
        self, obj: AsyncClient, owner: type | None = None
    ) -> Callable[..., AsyncPager[T]]: ...
    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...
    def __get__(self, obj: object, owner: type | None = None) -> Any:
        if obj is None:
            return self
        client = obj

        def iterate(
            *positional: object,
            page_size: int | None = None,
            start_cursor: str | None = None,
            max_items: int | None = None,
            **filters: Any,
        ) -> SyncPager[T] | AsyncPager[T]:
            if positional:
                raise pager_positional_error(self._name, self._paged.operation, positional)
            request = PageRequest.create(
                self._paged,
                filters,
                page_size=page_size,
                start_cursor=start_cursor,
                max_items=max_items,
            )
            if isinstance(client, Client):

                def fetch(cursor: str | None) -> Page[T]:
                    return client._run(request.page_flow(client._context, cursor))

                return SyncPager(request, fetch)
            assert isinstance(client, AsyncClient)

            async def fetch_async(cursor: str | None) -> Page[T]:
                return await client._run(request.page_flow(client._context, cursor))

            return AsyncPager(request, fetch_async)

        return iterate


def _create_order(
    ctx: CallContext, arguments: dict[str, Any]
) -> Flow[Detailed[CreateOrderV2Response]]:
    retry = arguments.pop("retry", True)
    tick_size = arguments.pop("tick_size", DEFAULT_TICK)
    return create_order_flow(ctx, arguments, retry=retry, tick_size=tick_size)


def _batch_create_orders(
    ctx: CallContext, arguments: dict[str, Any]
) -> Flow[Detailed[BatchCreateOrdersV2Response]]:
    retry = arguments.pop("retry", True)
    tick_size = arguments.pop("tick_size", DEFAULT_TICK)
    orders = arguments.pop("orders", None)
    if arguments:
        raise ArgumentTypeError(
            f"batch_create_orders() takes orders=, retry=, tick_size=; got {sorted(arguments)}"
        )
    if orders is None:
        raise ArgumentTypeError("batch_create_orders() needs orders=[{...}, ...]")
    return batch_create_orders_flow(ctx, orders, retry=retry, tick_size=tick_size)


def _normalized(name: str, normalize: Callable[..., dict[str, Any]]) -> FlowFactory[Any]:
    """An operation whose arguments are first made exact (fixed-point prices and counts)."""
    info = OperationInfo.load(name)

    def factory(ctx: CallContext, arguments: dict[str, Any]) -> Flow[Detailed[Any]]:
        return operation_flow(ctx, info, normalize(arguments))

    return factory


class PortfolioOperations:
    """Every /portfolio operation, one line each, shared by Client and AsyncClient."""

    # Orders
    get_orders = _Operation[GetOrdersResponse].generated("get_orders")
    get_order = _Operation[GetOrderResponse].generated("get_order")
    create_order = _Operation[CreateOrderV2Response](
        _create_order,
        "Place an order exactly once: price/count as Decimal, str or int (cents), a "
        "client_order_id made if absent and kept across retries; retry=False: one attempt.",
    )
    batch_create_orders = _Operation[BatchCreateOrdersV2Response](
        _batch_create_orders,
        "Place several orders exactly once: after an unclear failure only the orders not found "
        "on the exchange are sent again.",
    )
    amend_order = _Operation[AmendOrderV2Response](
        _normalized("amend_order", normalize_amend), "Change a resting order's price and/or count."
    )
    decrease_order = _Operation[DecreaseOrderV2Response](
        _normalized("decrease_order", normalize_decrease),
        "Reduce a resting order by reduce_by= or to reduce_to=.",
    )
    cancel_order = _Operation[CancelOrderV2Response].generated("cancel_order")
    batch_cancel_orders = _Operation[BatchCancelOrdersV2Response].generated("batch_cancel_orders")
    cancel_all_orders = _Operation[None].generated("cancel_all_orders")
    get_order_queue_position = _Operation[GetOrderQueuePositionResponse].generated(
        "get_order_queue_position"
    )
    get_queue_positions = _Operation[GetOrderQueuePositionsResponse].generated(
        "get_queue_positions"
    )
    # Portfolio
    get_balance = _Operation[GetBalanceResponse].generated("get_balance")
    get_fills = _Operation[GetFillsResponse].generated("get_fills")
    get_positions = _Operation[GetPositionsResponse].generated("get_positions")
    get_settlements = _Operation[GetSettlementsResponse].generated("get_settlements")
    get_total_resting_order_value = _Operation[
        GetPortfolioRestingOrderTotalValueResponse
    ].generated("get_total_resting_order_value")
    get_deposits = _Operation[GetDepositsResponse].generated("get_deposits")
    get_withdrawals = _Operation[GetWithdrawalsResponse].generated("get_withdrawals")
    # Order groups
    create_order_group = _Operation[CreateOrderGroupResponse].generated("create_order_group")
    get_order_group = _Operation[GetOrderGroupResponse].generated("get_order_group")
    get_order_groups = _Operation[GetOrderGroupsResponse].generated("get_order_groups")
    delete_order_group = _Operation[EmptyResponse].generated("delete_order_group")
    reset_order_group = _Operation[EmptyResponse].generated("reset_order_group")
    trigger_order_group = _Operation[EmptyResponse].generated("trigger_order_group")
    update_order_group_limit = _Operation[EmptyResponse].generated("update_order_group_limit")
    # Subaccounts, transfers and allocation
    create_subaccount = _Operation[CreateSubaccountResponse].generated("create_subaccount")
    apply_subaccount_transfer = _Operation[ApplySubaccountTransferResponse].generated(
        "apply_subaccount_transfer"
    )
    get_subaccount_balances = _Operation[GetSubaccountBalancesResponse].generated(
        "get_subaccount_balances"
    )
    get_subaccount_transfers = _Operation[GetSubaccountTransfersResponse].generated(
        "get_subaccount_transfers"
    )
    get_subaccount_netting = _Operation[GetSubaccountNettingResponse].generated(
        "get_subaccount_netting"
    )
    update_subaccount_netting = _Operation[None].generated("update_subaccount_netting")
    create_intra_exchange_instance_transfer = _Operation[
        IntraExchangeInstanceTransferResponse
    ].generated("create_intra_exchange_instance_transfer")
    get_intra_exchange_instance_transfers = _Operation[
        GetIntraExchangeInstanceTransfersResponse
    ].generated("get_intra_exchange_instance_transfers")
    get_intra_exchange_instance_transfer = _Operation[
        GetIntraExchangeInstanceTransferResponse
    ].generated("get_intra_exchange_instance_transfer")
    get_target_balance_allocation = _Operation[GetTargetBalanceAllocationResponse].generated(
        "get_target_balance_allocation"
    )
    set_target_balance_allocation = _Operation[EmptyResponse].generated(
        "set_target_balance_allocation"
    )
    # Iterators over every cursor-paged list
    iter_orders = _Pages[Order]("orders")
    iter_fills = _Pages[Fill]("fills")
    iter_settlements = _Pages[Settlement]("settlements")
    iter_market_positions = _Pages[MarketPosition]("market_positions")
    iter_event_positions = _Pages[EventPosition]("event_positions")
    iter_deposits = _Pages[Deposit]("deposits")
    iter_withdrawals = _Pages[Withdrawal]("withdrawals")
    iter_subaccount_transfers = _Pages[SubaccountTransfer]("subaccount_transfers")
    iter_intra_exchange_instance_transfers = _Pages[IntraExchangeInstanceTransfer](
        "intra_exchange_instance_transfers"
    )


class ClientOptions(TypedDict, total=False):
    """Keyword options both clients take (see _ClientBase.__init__)."""

    passphrase: str | bytes | Callable[[], str | bytes] | None
    auth: KalshiAuth | None
    config: KalshiConfig | None
    demo: bool
    clock: Clock | None


class _ClientBase(PortfolioOperations):
    """Construction shared by both clients: credentials, config, headers and the call context."""

    _signing_pool: ThreadPoolExecutor | None = None

    def __init__(
        self,
        key_id: str | None = None,
        private_key_path: str | os.PathLike[str] | None = None,
        private_key: str | bytes | None = None,
        *,
        passphrase: str | bytes | Callable[[], str | bytes] | None = None,
        auth: KalshiAuth | None = None,
        config: KalshiConfig | None = None,
        demo: bool = False,
        clock: Clock | None = None,
    ) -> None:
        self.config = _resolve_config(config, demo)
        self._gate = CallGate(type(self).__name__)
        self.auth = _resolve_auth(key_id, private_key_path, private_key, passphrase, auth).bind(
            self.config.origin
        )
        self._context = CallContext(
            policy=RetryPolicy.from_config(self.config),
            clock=clock or Clock(),
            base_path=self.config.base_path,
            json_loads=self.config.rest_json_loads or json.loads,
        )

    @classmethod
    def from_env(cls, **kwargs: Any) -> Self:
        """Credentials from KALSHI_KEY_ID and KALSHI_PRIVATE_KEY_PATH (or KALSHI_PRIVATE_KEY),
        the server from KALSHI_DEMO / KALSHI_API_BASE_URL (see KalshiConfig.from_env).

        A `config=` passed here must agree with those variables (ConfigError otherwise).
        """
        config: KalshiConfig | None = kwargs.pop("config", None)
        demo: bool = kwargs.pop("demo", False)
        if config is None:
            config = KalshiConfig.from_env(demo=demo)
        elif isinstance(config, KalshiConfig):
            config.check_env()
        return cls(auth=KalshiAuth.from_env(), config=config, demo=demo, **kwargs)

    def _http_options(self) -> dict[str, Any]:
        headers = {"User-Agent": USER_AGENT, **self.config.extra_headers}
        options: dict[str, Any] = {
            "base_url": self.config.base_url,
            "follow_redirects": False,  # KALSHI-ACCESS-* would follow a cross-origin redirect
            "timeout": self.config.timeout,
            "headers": headers,
        }
        if self.config.limits is not None:
            options["limits"] = self.config.limits
        return options

    def _redirect_guard(self) -> CrossOriginGuard:
        """Keeps KALSHI-ACCESS-* and extra_headers off a redirect to another origin, which
        `client.http` follows when a caller asks it to."""
        return CrossOriginGuard(self.config.origin, frozenset(self.config.extra_headers))

    @staticmethod
    def _redact_headers(http: httpx.Client | httpx.AsyncClient) -> None:
        # httpx rebuilds the client's headers as a plain Headers; its repr would show
        # extra_headers' values.
        http._headers = RedactedHeaders(http.headers)

    def _bind_generated(self, http: httpx.Client | httpx.AsyncClient) -> AuthenticatedClient:
        generated = AuthenticatedClient(
            base_url=self.config.base_url, token="", follow_redirects=False
        )
        if isinstance(http, httpx.Client):
            generated.set_httpx_client(http)
        else:
            generated.set_async_httpx_client(http)
        return generated

    def _check_streamable(self) -> None:
        if self._gate.closed:
            raise ClientClosedError(f"this {type(self).__name__} is closed; make a new one")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.config.base_url!r}, auth={self.auth!r})"


def _check_options(client: str, options: dict[str, Any]) -> None:
    """Refuse options a client does not take; a KalshiConfig field is pointed to config=."""
    for name in options.keys() - ClientOptions.__optional_keys__:
        if name in {field.name for field in dataclasses.fields(KalshiConfig)}:
            raise ArgumentTypeError(
                f"{client}() takes no {name}=: pass config=KalshiConfig({name}=...) "
                "(or KalshiConfig.demo(...) / KalshiConfig.production(...))"
            )
        raise ArgumentTypeError(
            f"{client}() got an unexpected argument {name}=; it takes key_id=, "
            "private_key_path= or private_key=, transport=, sleep=, "
            f"{'signing_threads=, ' if client == 'AsyncClient' else ''}"
            f"{', '.join(f'{option}=' for option in sorted(ClientOptions.__optional_keys__))}"
        )


def _resolve_config(config: KalshiConfig | None, demo: bool) -> KalshiConfig:
    if config is None:
        return KalshiConfig.demo() if demo else KalshiConfig()
    if not isinstance(config, KalshiConfig):
        raise ArgumentTypeError(f"config must be a KalshiConfig, not {type(config).__name__}")
    if demo and config.is_production:
        raise ConfigError(
            "demo=True conflicts with a production base_url in config; use KalshiConfig.demo(...)"
        )
    return config


def _resolve_auth(
    key_id: str | None,
    private_key_path: str | os.PathLike[str] | None,
    private_key: str | bytes | None,
    passphrase: str | bytes | Callable[[], str | bytes] | None,
    auth: KalshiAuth | None,
) -> KalshiAuth:
    credentials = (key_id, private_key_path, private_key, passphrase)
    if auth is not None:
        if any(value is not None for value in credentials):
            raise ArgumentTypeError(
                "pass either auth= or key_id= with private_key_path=/private_key=, not both"
            )
        if not isinstance(auth, KalshiAuth):
            raise ArgumentTypeError(f"auth must be a KalshiAuth, not {type(auth).__name__}")
        return auth
    if key_id is None or (private_key_path is None) == (private_key is None):
        raise ArgumentTypeError(
            "pass key_id= with exactly one of private_key_path= or private_key= (PEM), "
            "or auth=KalshiAuth(...), or use Client.from_env()"
        )
    if private_key_path is not None:
        return KalshiAuth.from_key_path(key_id, private_key_path, passphrase)
    assert private_key is not None
    return KalshiAuth.from_pem(key_id, private_key, passphrase)


class Client(_ClientBase):
    """The synchronous Kalshi /portfolio client. Use it as a context manager, or call close()."""

    def __init__(
        self,
        key_id: str | None = None,
        private_key_path: str | os.PathLike[str] | None = None,
        private_key: str | bytes | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **options: Unpack[ClientOptions],
    ) -> None:
        _check_options("Client", dict(options))
        super().__init__(key_id, private_key_path, private_key, **options)
        self._sleep = sleep
        if transport is None:  # httpx's own, its sockets bound by each attempt's deadline
            transport = deadline_transport(http2=self.config.http2, limits=self.config.limits)
        self.http = WithholdingClient(
            auth=self.auth,
            transport=transport,
            http2=self.config.http2,
            event_hooks={"request": [self._redirect_guard()]},
            **self._http_options(),
        )
        self._redact_headers(self.http)
        self.generated = self._bind_generated(self.http)
        self._send: SyncSend = functools.partial(send_sync, self.http)

    def _run(self, flow: Flow[T]) -> T:
        self._gate.enter()
        try:
            return run_sync(flow, self._send, self._sleep, self._gate)
        finally:
            if self._gate.leave():
                self.http.close()

    _stream_loop: BackgroundLoop | None = None

    def stream(
        self,
        channels: Iterable[str],
        market_tickers: Iterable[str] | None = None,
        *,
        max_buffered: int = DEFAULT_MAX_BUFFERED,
    ) -> Stream:
        """A live stream of the portfolio channels; ``with client.stream([...]) as s: for e in s``.

        It runs on one background event-loop thread per client (stopped by close()); see
        docs/streams.md and AsyncClient.stream.
        """
        from kalshi_ext.stream.stream import AsyncStream, BackgroundLoop, Stream

        self._check_streamable()
        if self._stream_loop is None:
            self._stream_loop = BackgroundLoop()
        return Stream(
            self._stream_loop,
            lambda: AsyncStream.for_client(self, channels, market_tickers, max_buffered),
        )

    def close(self) -> None:
        """Refuse new calls; calls in flight end at their next step (see CallGate), and the
        connection pool is closed once none is left. Safe to call from another thread. Open
        streams are closed (and their background loop stopped)."""
        if self._gate.close():
            self.http.close()
        if self._stream_loop is not None:
            self._stream_loop.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient(_ClientBase):
    """The asyncio client: signs in a two-thread pool and sends over aiohttp's connection pool."""

    def __init__(
        self,
        key_id: str | None = None,
        private_key_path: str | os.PathLike[str] | None = None,
        private_key: str | bytes | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        signing_threads: int = 2,
        **options: Unpack[ClientOptions],
    ) -> None:
        _check_options("AsyncClient", dict(options))
        super().__init__(key_id, private_key_path, private_key, **options)
        self._sleep = sleep
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_lock = threading.Lock()
        self._loop_guard: AsyncGenerator[None, None] | None = None
        self._streams: weakref.WeakSet[AsyncStream] = weakref.WeakSet()
        # cryptography releases the GIL while signing: a small pool puts a second core to work.
        self._signing_pool = ThreadPoolExecutor(signing_threads, thread_name_prefix="kalshi-sign")
        self.auth = self.auth.with_executor(self._signing_pool)
        pool = self._default_transport() if transport is None else None
        self.http = AsyncWithholdingClient(
            auth=self.auth,
            transport=transport or pool,
            http2=self.config.http2,
            event_hooks={"request": [self._redirect_guard().on_async_request]},
            **self._http_options(),
        )
        self._redact_headers(self.http)
        self.generated = self._bind_generated(self.http)
        self._send: AsyncSend = functools.partial(send_async, self.http)
        if pool is not None:
            # Our own calls skip httpx's client layer; client.http shares the same pool.
            self._send = AiohttpSender(
                pool,
                base_url=self.http.base_url,
                headers=dict(self.http.headers),
                auth=self.auth,
                signing_pool=self._signing_pool,
            )

    def _default_transport(self) -> KalshiAiohttpTransport | None:
        if self.config.http2:  # aiohttp speaks HTTP/1.1 only: httpx's own transport does h2
            return None
        return KalshiAiohttpTransport(
            limits=self.config.limits or httpx.Limits(max_connections=100)
        )

    async def _run(self, flow: Flow[T]) -> T:
        await self._check_loop()
        self._gate.enter()
        try:
            return await run_async(flow, self._send, self._sleep, self._gate)
        finally:
            if self._gate.leave():
                await self._release()

    async def _check_loop(self) -> None:
        """Bind the client to the first loop it runs on: aiohttp's pool cannot leave it."""
        loop = asyncio.get_running_loop()
        with self._loop_lock:
            first = self._loop is None
            if first:
                self._loop = loop
        if first:
            # asyncio.run() finalises async generators before closing its loop: this one
            # releases the pool then, so a client left open does not outlive its loop.
            self._loop_guard = self._released_with_loop()
            await anext(self._loop_guard)
        elif self._loop is not loop:
            raise EventLoopError(
                "an AsyncClient belongs to the event loop it first ran on (its connection pool "
                "cannot move); make one AsyncClient per event loop, e.g. inside each "
                "asyncio.run() or thread"
            )

    async def _released_with_loop(self) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            if self._gate.close():
                await self._release()

    async def _release(self) -> None:
        try:
            streams = list(self._streams)
            await asyncio.gather(*(stream.close() for stream in streams), return_exceptions=True)
            await self.http.aclose()
        finally:
            if self._signing_pool is not None:
                self._signing_pool.shutdown(wait=False)
            self._gate.mark_released()

    def stream(
        self,
        channels: Iterable[str],
        market_tickers: Iterable[str] | None = None,
        *,
        max_buffered: int = DEFAULT_MAX_BUFFERED,
    ) -> AsyncStream:
        """A live stream of the portfolio channels: ``async with client.stream([...]) as s``.

        ``channels`` are among fill, user_orders, market_positions, order_group_updates;
        ``market_tickers`` limits them to those markets (None: all). ``max_buffered`` bounds
        the data events held for a slow consumer (then a MessagesLost event says what was
        dropped). Reconnects, restores subscriptions and says so with a Reconnected event; see
        docs/streams.md.
        """
        from kalshi_ext.stream.stream import AsyncStream

        self._check_streamable()
        stream = AsyncStream.for_client(self, channels, market_tickers, max_buffered, self._sleep)
        self._streams.add(stream)  # closed with the client: they sign with its pool
        return stream

    async def close(self) -> None:
        """Refuse new calls; calls in flight end at their next step (see CallGate); returns
        once the last of them has ended and the connection pool is closed."""
        if self._gate.close():
            home = self._loop
            if home is not None and home.is_running() and home is not asyncio.get_running_loop():
                # the pool lives on its own loop, running in another thread: release it there
                await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._release(), home))
            else:  # here; or, best effort, for a loop stopped without finalising the client
                await self._release()
        await self._gate.released()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


KalshiClient = Client
AsyncKalshiClient = AsyncClient
