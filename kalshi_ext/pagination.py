"""Cursor pages and item iterators over every cursor-paged list operation (sync and async).

The cursor policy (which cursor comes next, when to stop, a cursor seen twice) and the page fetch
are shared; the two iterator classes only loop and await.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar

import attrs

from kalshi_ext.errors import PaginationError
from kalshi_ext.flow import Flow
from kalshi_ext.operations import CallContext, Detailed, OperationInfo, operation_flow

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


@attrs.frozen
class Page(Generic[T]):
    """One page: its items, the cursor that fetched it and the one that fetches the next."""

    items: list[T]
    cursor: str | None
    next_cursor: str | None
    detailed: Detailed[Any]

    def has_next_page(self) -> bool:
        return bool(self.next_cursor)


@attrs.frozen
class PageRequest:
    """A validated iteration request; builds the flow for each page."""

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
    ) -> PageRequest:
        for name in ("cursor", "limit"):
            if name in filters:
                hint = "start_cursor=" if name == "cursor" else "page_size="
                raise TypeError(f"iter_*: pass {hint} instead of {name}=")
        if page_size is not None and (
            isinstance(page_size, bool)
            or not isinstance(page_size, int)
            or not 1 <= page_size <= paged.max_page_size
        ):
            raise ValueError(
                f"page_size must be an int from 1 to {paged.max_page_size} for "
                f"{paged.operation}, got {page_size!r}"
            )
        if max_items is not None and (
            isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 0
        ):
            raise ValueError(f"max_items must be a non-negative int or None, got {max_items!r}")
        if start_cursor is not None and not isinstance(start_cursor, str):
            raise TypeError("start_cursor must be a str (a page's next_cursor) or None")
        return cls(paged, dict(filters), page_size, start_cursor or None, max_items)

    def page_flow(self, ctx: CallContext, cursor: str | None) -> Flow[Page[Any]]:
        arguments = dict(self.filters)
        if cursor:
            arguments["cursor"] = cursor
        if self.page_size is not None:
            arguments["limit"] = self.page_size
        detailed = yield from operation_flow(
            ctx, OperationInfo.load(self.paged.operation), arguments
        )
        items = getattr(detailed.parsed, self.paged.items_field, None)
        next_cursor = getattr(detailed.parsed, "cursor", None)
        return Page(
            items=list(items) if isinstance(items, list) else [],
            cursor=cursor,
            next_cursor=next_cursor if isinstance(next_cursor, str) and next_cursor else None,
            detailed=detailed,
        )


class CursorWalk:
    """Which cursor comes next; refuses a cursor seen before (A -> B -> A would never end)."""

    def __init__(self, operation: str, start_cursor: str | None) -> None:
        self.operation = operation
        self.cursor = start_cursor
        self._seen = {start_cursor} if start_cursor else set()

    def advance(self, next_cursor: str | None) -> bool:
        """Move to next_cursor; False when the walk is over."""
        if not next_cursor:
            return False
        if next_cursor in self._seen:
            raise PaginationError(
                f"{self.operation}: the server returned cursor {next_cursor[:40]!r} a second time; "
                "stopping rather than loop forever",
                cursor=next_cursor,
            )
        self._seen.add(next_cursor)
        self.cursor = next_cursor
        return True


class _ItemBudget:
    def __init__(self, max_items: int | None) -> None:
        self.left = max_items

    def take(self, items: list[T]) -> tuple[list[T], bool]:
        """The items still wanted from a page, and whether to stop after them."""
        if self.left is None:
            return items, False
        taken = items[: self.left]
        self.left -= len(taken)
        return taken, self.left == 0


class SyncPager(Generic[T]):
    """Lazy iteration over every item of a paged list; `.pages()` for whole pages."""

    def __init__(self, request: PageRequest, fetch: Callable[[str | None], Page[T]]) -> None:
        self._request = request
        self._fetch = fetch

    def pages(self) -> Iterator[Page[T]]:
        walk = CursorWalk(self._request.paged.operation, self._request.start_cursor)
        while True:
            page = self._fetch(walk.cursor)
            yield page
            if not walk.advance(page.next_cursor):
                return

    def __iter__(self) -> Iterator[T]:
        budget = _ItemBudget(self._request.max_items)
        if budget.left == 0:
            return
        for page in self.pages():
            items, done = budget.take(page.items)
            yield from items
            if done:
                return


class AsyncPager(Generic[T]):
    """The async twin of SyncPager: `async for item in pager`, `async for page in pager.pages()`."""

    def __init__(
        self, request: PageRequest, fetch: Callable[[str | None], Awaitable[Page[T]]]
    ) -> None:
        self._request = request
        self._fetch = fetch

    async def pages(self) -> AsyncIterator[Page[T]]:
        walk = CursorWalk(self._request.paged.operation, self._request.start_cursor)
        while True:
            page = await self._fetch(walk.cursor)
            yield page
            if not walk.advance(page.next_cursor):
                return

    async def _items(self) -> AsyncIterator[T]:
        budget = _ItemBudget(self._request.max_items)
        if budget.left == 0:
            return
        async for page in self.pages():
            items, done = budget.take(page.items)
            for item in items:
                yield item
            if done:
                return

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()
