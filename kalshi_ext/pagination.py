"""Cursor pages and item iterators over every cursor-paged list operation (sync and async).

The cursor policy (which cursor comes next, when to stop, a cursor seen twice) and the page fetch
are shared; the two iterator classes only loop and await.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import itertools
import typing
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterator,
    Mapping,
    Sequence,
)
from typing import Any, Generic, TypeVar

import attrs
import httpx

from kalshi_ext.decoding import acceptor_for, decoder_for, model_hints, union_members
from kalshi_ext.errors import (
    ArgumentTypeError,
    InvalidArgumentError,
    PaginationError,
    ResponseValidationError,
)
from kalshi_ext.flow import Flow
from kalshi_ext.operations import (
    MODEL_ERRORS,
    CallContext,
    Detailed,
    JsonLoads,
    OperationInfo,
    decode_model,
    model_mismatch,
    operation_flow,
    response_object,
)

T = TypeVar("T")


@attrs.frozen
class PagedOperation:
    operation: str  # the generated operation that serves the pages
    items_field: str  # the response field holding the page's items
    max_page_size: int  # the spec's maximum `limit`


# Every cursor-paged list, by the name of its iterator (`client.iter_<name>`). The page-size
# limits are the spec's; tests/unit/test_pagination.py checks them against openapi/.
PAGED: dict[str, PagedOperation] = {
    "orders": PagedOperation("get_orders", "orders", 1000),
    "fills": PagedOperation("get_fills", "fills", 1000),
    "settlements": PagedOperation("get_settlements", "settlements", 1000),
    "market_positions": PagedOperation("get_positions", "market_positions", 1000),
    "event_positions": PagedOperation("get_positions", "event_positions", 1000),
    "deposits": PagedOperation("get_deposits", "deposits", 500),
    "withdrawals": PagedOperation("get_withdrawals", "withdrawals", 500),
    "subaccount_transfers": PagedOperation("get_subaccount_transfers", "transfers", 1000),
    "intra_exchange_instance_transfers": PagedOperation(
        "get_intra_exchange_instance_transfers", "transfers", 500
    ),
}


class Page(Generic[T]):
    """One page: its items, the cursor that fetched it and the one that fetches the next.

    Items become models as they are read. Iterating the page builds them one at a time (the
    item iterators do this, so a streaming caller never holds a page of models, which is ~8%
    of a long walk's time: bench_pagination); ``items`` builds and keeps the whole list. The rest
    of the reply is checked against its model when the page arrives; an item that does not match
    its model raises ResponseValidationError when it is reached.
    """

    __slots__ = (
        "_items",
        "_raw_items",
        "_reply",
        "_shape",
        "cursor",
        "next_cursor",
        "response",
        "retries_taken",
    )

    def __init__(
        self,
        *,
        reply: dict[str, Any],
        raw_items: list[Any],
        shape: _ReplyShape,
        cursor: str | None,
        next_cursor: str | None,
        response: httpx.Response,
        retries_taken: int,
    ) -> None:
        self.cursor = cursor
        self.next_cursor = next_cursor
        self.response = response
        self.retries_taken = retries_taken
        self._reply = reply
        self._raw_items = raw_items
        self._shape = shape
        self._items: list[T] | None = None

    @property
    def items(self) -> list[T]:
        if self._items is None:
            self._items = list(self._decode_each())
        return self._items

    def __iter__(self) -> Iterator[T]:
        return iter(self._items) if self._items is not None else self._decode_each()

    def __len__(self) -> int:
        return len(self._raw_items)

    @property
    def raw_items(self) -> list[dict[str, Any]]:
        """The page's items as the client's ``json_loads`` decoded them: wire names, wire values.

        For writing values exactly as the API sent them (a price "0.5100" stays "0.5100", a
        date-time keeps its offset and fractional digits), without building models. The reply's
        envelope was checked when the page arrived (the item list is a list, the cursor a
        string), but the items themselves are checked only when decoded or by ``validate()``:
        call it (or iterate the page) to have an item that does not match its model raise
        ResponseValidationError, as `kalshi-portfolio export` and `sync` do before writing.
        The list and its dicts are the page's own, shared with its decoding: read, don't modify.
        """
        return self._raw_items

    def validate(self) -> bool:
        """Check every item as decoding checks it, raising ResponseValidationError for one that
        does not match its model (as iterating would), without building the models when every
        item passes the compiled decoder's check (``decoding.acceptor_for``): then True, and
        each item is known to read as its model does. False: the page was decoded to check it.
        For callers that write ``raw_items`` (`kalshi-portfolio export` and `sync`)."""
        accepts = acceptor_for(self._shape.item_model)
        if accepts is not None and all(map(accepts, self._raw_items)):
            return True
        collections.deque(self._decode_each(), maxlen=0)
        return False

    def has_next_page(self) -> bool:
        return bool(self.next_cursor)

    @property
    def detailed(self) -> Detailed[Any]:
        """The whole reply as its generated model, with the response and retries spent."""
        reply = self._reply
        if self._shape.items_field not in reply:  # a missing item list reads as empty
            reply = {**reply, self._shape.items_field: []}
        parsed = decode_model(self._shape.model, reply, self.response)
        return Detailed(parsed, self.response, self.retries_taken)

    def _decode_each(self) -> Iterator[T]:
        try:
            yield from self._decoding()
        except MODEL_ERRORS:
            raise self._item_error() from None

    def _decoding(self) -> Iterator[T]:
        """The items, decoded by a C-level map as they are read. A bad item raises what
        from_dict raises; callers turn that into _item_error()."""
        if self._items is not None:
            return iter(self._items)
        return map(decoder_for(self._shape.item_model), self._raw_items)

    def _item_error(self) -> ResponseValidationError:
        """The error for the first item that does not decode (found again: decoding is
        deterministic, and scanning only on failure keeps the per-item loop in C)."""
        model = self._shape.item_model
        for index, raw in enumerate(self._raw_items):
            try:
                model.from_dict(raw)
            except MODEL_ERRORS as exc:
                where = f"{self._shape.items_field}[{index}] "
                return model_mismatch(model, exc, self.response, where)
        return ResponseValidationError.from_response(
            self.response, f"an item of {self._shape.items_field} does not match {model.__name__}"
        )

    def __repr__(self) -> str:
        return (
            f"Page({len(self)} {self._shape.item_model.__name__} items, "
            f"cursor={self.cursor!r}, next_cursor={self.next_cursor!r})"
        )


@attrs.frozen
class _ReplyShape:
    """Where a paged reply keeps its items, and their model."""

    model: type[Any]  # the whole reply's model, e.g. GetFillsResponse
    items_field: str
    item_model: type[Any]  # e.g. Fill

    @classmethod
    @functools.cache
    def of(cls, paged: PagedOperation) -> _ReplyShape:
        model = OperationInfo.load(paged.operation).model
        if model is None:
            raise TypeError(f"{paged.operation} declares no reply model")
        hints = model_hints(model)
        lists = [m for m in union_members(hints[paged.items_field]) if typing.get_origin(m) is list]
        (item_model,) = typing.get_args(lists[0])
        return cls(model, paged.items_field, item_model)

    def check(
        self, response: httpx.Response, json_loads: JsonLoads
    ) -> tuple[dict[str, Any], list[Any]]:
        """The reply's JSON object and its raw items; everything but the items is decoded now,
        so that a page whose envelope is wrong fails before any of its items is yielded.

        A null or missing item list is an empty page (the live API has sent `null`); any other
        value that is not an array raises. A cursor that is neither a string nor null raises.
        """
        data = response_object(self.model, response, json_loads)
        raw_items = data.get(self.items_field)
        if raw_items is None:
            raw_items = []
            if self.items_field in data:  # null: read as the empty list it stands for
                data = {**data, self.items_field: raw_items}
        elif type(raw_items) is not list:
            raise ResponseValidationError.from_response(
                response, f"{self.items_field} is not a list in {self.model.__name__}"
            )
        cursor = data.get("cursor")
        if cursor is not None and not isinstance(cursor, str):
            raise ResponseValidationError.from_response(
                response,
                f"cursor is a {type(cursor).__name__}, not a string, in {self.model.__name__}",
            )
        decode_model(self.model, {**data, self.items_field: []}, response)
        return data, raw_items


def pager_positional_error(
    name: str, operation: str, positional: Sequence[object]
) -> ArgumentTypeError:
    """The error for an iterator called with positional arguments: it names the keywords."""
    filters = sorted(OperationInfo.load(operation).parameters - {"cursor", "limit"})
    return ArgumentTypeError(
        f"{name}() takes keyword arguments only (got {len(positional)} positional): filters "
        f"by name ({', '.join(f'{f}=' for f in filters)}) and page_size=, start_cursor=, "
        "max_items="
    )


@attrs.frozen
class PageRequest(Generic[T]):
    """A validated iteration request for items of type T; builds the flow for each page."""

    paged: PagedOperation
    filters: Mapping[str, Any]
    page_size: int | None
    start_cursor: str | None
    max_items: int | None

    @classmethod
    def create(
        cls,
        paged: PagedOperation,
        filters: Mapping[str, Any],
        *,
        page_size: int | None,
        start_cursor: str | None,
        max_items: int | None,
    ) -> PageRequest[Any]:
        for name in ("cursor", "limit"):
            if name in filters:
                hint = "start_cursor=" if name == "cursor" else "page_size="
                raise ArgumentTypeError(f"iter_*: pass {hint} instead of {name}=")
        if page_size is not None and (
            isinstance(page_size, bool)
            or not isinstance(page_size, int)
            or not 1 <= page_size <= paged.max_page_size
        ):
            raise InvalidArgumentError(
                f"page_size must be an int from 1 to {paged.max_page_size} for "
                f"{paged.operation}, got {page_size!r}"
            )
        if max_items is not None and (
            isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 0
        ):
            raise InvalidArgumentError(
                f"max_items must be a non-negative int or None, got {max_items!r}"
            )
        if start_cursor is not None and not isinstance(start_cursor, str):
            raise ArgumentTypeError("start_cursor must be a str (a page's next_cursor) or None")
        return cls(paged, dict(filters), page_size, start_cursor or None, max_items)

    def page_flow(self, ctx: CallContext, cursor: str | None) -> Flow[Page[T]]:
        arguments = dict(self.filters)
        if cursor:
            arguments["cursor"] = cursor
        if self.page_size is not None:
            arguments["limit"] = self.page_size
        shape = _ReplyShape.of(self.paged)
        detailed = yield from operation_flow(
            ctx,
            OperationInfo.load(self.paged.operation),
            arguments,
            parse=functools.partial(shape.check, json_loads=ctx.json_loads),
        )
        reply, raw_items = detailed.parsed
        next_cursor = reply.get("cursor")
        assert detailed.response is not None  # a parsed reply always has its response
        return Page(
            reply=reply,
            raw_items=raw_items,
            shape=shape,
            cursor=cursor,
            next_cursor=next_cursor if isinstance(next_cursor, str) and next_cursor else None,
            response=detailed.response,
            retries_taken=detailed.retries_taken,
        )


# Consecutive empty pages that still carry a cursor before a walk gives up: a server that
# keeps answering "nothing yet, ask again" would otherwise be asked forever.
MAX_EMPTY_PAGES = 10
# Cursors remembered to catch a loop (A -> B -> A): the last this many, as 16-byte digests,
# so a walk's memory stays bounded (~2 MB) however long it runs and however long the cursors.
SEEN_CURSORS = 10_000


class CursorWalk:
    """Which cursor comes next; refuses a cursor seen before (A -> B -> A would never end) and
    a run of more than MAX_EMPTY_PAGES empty pages that still carry a cursor."""

    def __init__(self, operation: str, start_cursor: str | None) -> None:
        self.operation = operation
        self.cursor = start_cursor
        self._seen: set[bytes] = set()
        self._order: collections.deque[bytes] = collections.deque()
        self._empty_run = 0
        if start_cursor:
            self._remember(start_cursor)

    def _remember(self, cursor: str) -> bool:
        """Remember `cursor`; False when it is already remembered."""
        digest = hashlib.blake2b(cursor.encode(), digest_size=16).digest()
        if digest in self._seen:
            return False
        self._seen.add(digest)
        self._order.append(digest)
        if len(self._order) > SEEN_CURSORS:
            self._seen.discard(self._order.popleft())
        return True

    def advance(self, next_cursor: str | None, *, page_was_empty: bool = False) -> bool:
        """Move to next_cursor; False when the walk is over."""
        if not next_cursor:
            return False
        self._empty_run = self._empty_run + 1 if page_was_empty else 0
        if self._empty_run > MAX_EMPTY_PAGES:
            raise PaginationError(
                f"{self.operation}: {self._empty_run} empty pages in a row still carried a "
                "cursor; stopping rather than ask forever",
                cursor=next_cursor,
            )
        if not self._remember(next_cursor):
            raise PaginationError(
                f"{self.operation}: the server returned cursor {next_cursor[:40]!r} a second time; "
                "stopping rather than loop forever",
                cursor=next_cursor,
            )
        self.cursor = next_cursor
        return True


class _ItemBudget:
    def __init__(self, max_items: int | None) -> None:
        self.left = max_items

    def take(self, page: Page[T]) -> tuple[Iterator[T], bool]:
        """The page's items still wanted (decoded as they are read), and whether to stop after."""
        if self.left is None:
            return page._decoding(), False
        taken = min(self.left, len(page))
        self.left -= taken
        return itertools.islice(page._decoding(), taken), self.left == 0


# _release_before_next_fetch: the pagers drop their references to a page (its items, parsed
# reply and raw body) before fetching the next one. Held through the next fetch, a page's
# 1,000 models outlive two young-generation collections and reach the oldest generation, whose
# full collections then ran about three times per 100,000 fills, costing ~15% of the iteration
# (bench_pagination). Memory stays at one page either way; the caller's references are theirs.
class SyncPager(Generic[T]):
    """Lazy iteration over every item of a paged list; `.pages()` for whole pages."""

    def __init__(self, request: PageRequest[T], fetch: Callable[[str | None], Page[T]]) -> None:
        self._request = request
        self._fetch = fetch

    def pages(self) -> Iterator[Page[T]]:
        walk = CursorWalk(self._request.paged.operation, self._request.start_cursor)
        while True:
            page = self._fetch(walk.cursor)
            yield page
            next_cursor, empty = page.next_cursor, not len(page)
            del page  # see _release_before_next_fetch
            if not walk.advance(next_cursor, page_was_empty=empty):
                return

    def __iter__(self) -> Iterator[T]:
        budget = _ItemBudget(self._request.max_items)
        if budget.left == 0:
            return
        for page in self.pages():
            items, done = budget.take(page)
            try:
                yield from items  # one generator between the caller and the decoding map
            except MODEL_ERRORS:
                raise page._item_error() from None
            del page, items  # see _release_before_next_fetch
            if done:
                return


class AsyncPager(Generic[T]):
    """The async twin of SyncPager: `async for item in pager`, `async for page in pager.pages()`."""

    def __init__(
        self, request: PageRequest[T], fetch: Callable[[str | None], Awaitable[Page[T]]]
    ) -> None:
        self._request = request
        self._fetch = fetch

    async def pages(self) -> AsyncGenerator[Page[T], None]:
        """Pages in order; `await pages.aclose()` when leaving a walk early (an async generator
        is not closed for you when abandoned)."""
        walk = CursorWalk(self._request.paged.operation, self._request.start_cursor)
        while True:
            page = await self._fetch(walk.cursor)
            yield page
            next_cursor, empty = page.next_cursor, not len(page)
            del page  # see _release_before_next_fetch
            if not walk.advance(next_cursor, page_was_empty=empty):
                return

    async def _items(self) -> AsyncIterator[T]:
        budget = _ItemBudget(self._request.max_items)
        if budget.left == 0:
            return
        async for page in self.pages():
            items, done = budget.take(page)
            try:
                for item in items:
                    yield item
            except MODEL_ERRORS:
                raise page._item_error() from None
            del page, items  # see _release_before_next_fetch
            if done:
                return

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()
