"""Cursor iteration: every item once, in order, across pages, faults and resumes."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshi_ext import AsyncClient, Client, PaginationError, ResponseValidationError
from kalshi_ext.pagination import MAX_EMPTY_PAGES, PAGED, SEEN_CURSORS, CursorWalk, _ReplyShape
from kalshi_generated.models import GetOrderGroupsResponse, OrderGroup
from tests.fakes import FakeTime, Handler, fake_async_client, fake_client
from tests.spec_payloads import SPEC_PATH, example_payload, spec

FILL_TEMPLATE = example_payload(spec()["components"]["schemas"]["Fill"])


def fill(n: int) -> dict[str, Any]:
    return {**FILL_TEMPLATE, "fill_id": f"f{n}", "trade_id": f"t{n}"}


class PagedFills:
    """Serves `total` fills in pages of `limit`; `fault_rate` of requests fail transiently first."""

    def __init__(
        self,
        total: int,
        *,
        fault_rate: float = 0.0,
        seed: int = 0,
        cursors: list[str] | None = None,
    ) -> None:
        self.items = [fill(n) for n in range(total)]
        self.rng = random.Random(seed)
        self.fault_rate = fault_rate
        self.requests: list[httpx.Request] = []
        self.cursors = cursors

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.rng.random() < self.fault_rate:
            kind = self.rng.choice(["503", "429", "reset"])
            if kind == "reset":
                raise httpx.RemoteProtocolError("reset", request=request)
            return httpx.Response(int(kind), json={"code": "busy", "message": "again"})
        limit = int(request.url.params.get("limit", "100"))
        cursor = request.url.params.get("cursor", "")
        start = int(cursor.removeprefix("c")) if cursor else 0
        page = self.items[start : start + limit]
        end = start + limit
        next_cursor = f"c{end}" if end < len(self.items) else ""
        return httpx.Response(200, json={"fills": page, "cursor": next_cursor})


def sync_client(server: Handler, time: FakeTime) -> Client:
    return fake_client(server, time, max_retries=8)


def async_client(server: Handler, time: FakeTime) -> AsyncClient:
    return fake_async_client(server, time, max_retries=8)


PROPERTY = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(
    total=st.integers(0, 5000),
    page_size=st.integers(1, 1000),
    fault_rate=st.sampled_from([0.0, 0.1, 0.3]),
    seed=st.integers(0, 2**16),
)
def test_sync_iterator_yields_every_item_once_in_order(
    total: int, page_size: int, fault_rate: float, seed: int
) -> None:
    server = PagedFills(total, fault_rate=fault_rate, seed=seed)
    with sync_client(server, FakeTime()) as client:
        ids = [f.fill_id for f in client.iter_fills(page_size=page_size)]
    assert ids == [f"f{n}" for n in range(total)]


@PROPERTY
@given(
    total=st.integers(0, 5000),
    page_size=st.integers(1, 1000),
    fault_rate=st.sampled_from([0.0, 0.1, 0.3]),
    seed=st.integers(0, 2**16),
)
def test_async_iterator_yields_every_item_once_in_order(
    total: int, page_size: int, fault_rate: float, seed: int
) -> None:
    server = PagedFills(total, fault_rate=fault_rate, seed=seed)

    async def collect() -> list[str]:
        async with async_client(server, FakeTime()) as client:
            return [f.fill_id async for f in client.iter_fills(page_size=page_size)]

    assert asyncio.run(collect()) == [f"f{n}" for n in range(total)]


def test_pages_expose_cursors_and_resume() -> None:
    server = PagedFills(25)
    with sync_client(server, FakeTime()) as client:
        pages = list(client.iter_fills(page_size=10).pages())
        assert [len(p.items) for p in pages] == [10, 10, 5]
        assert [p.cursor for p in pages] == [None, "c10", "c20"]
        assert pages[-1].next_cursor is None and not pages[-1].has_next_page()
        resumed = [
            f.fill_id for f in client.iter_fills(page_size=10, start_cursor=pages[0].next_cursor)
        ]
    assert resumed == [f"f{n}" for n in range(10, 25)]


def test_max_items_stops_without_fetching_more() -> None:
    server = PagedFills(100)
    with sync_client(server, FakeTime()) as client:
        ids = [f.fill_id for f in client.iter_fills(page_size=10, max_items=15)]
    assert ids == [f"f{n}" for n in range(15)]
    assert len(server.requests) == 2


def test_items_are_fetched_lazily() -> None:
    server = PagedFills(100)
    with sync_client(server, FakeTime()) as client:
        iterator = iter(client.iter_fills(page_size=10))
        assert server.requests == []
        next(iterator)
        assert len(server.requests) == 1


def test_empty_page_with_a_fresh_cursor_continues() -> None:
    replies = iter([{"fills": [], "cursor": "a"}, {"fills": [fill(1)], "cursor": ""}])

    def server(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=next(replies))

    with sync_client(server, FakeTime()) as client:
        assert [f.fill_id for f in client.iter_fills()] == ["f1"]


def test_a_cursor_seen_twice_raises_instead_of_looping() -> None:
    replies = iter(
        [
            {"fills": [fill(1)], "cursor": "A"},
            {"fills": [fill(2)], "cursor": "B"},
            {"fills": [fill(3)], "cursor": "A"},
        ]
    )

    def server(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=next(replies))

    with (
        sync_client(server, FakeTime()) as client,
        pytest.raises(PaginationError, match="second time"),
    ):
        list(client.iter_fills())


@pytest.mark.parametrize(
    ("name", "bad"),
    [("fills", 0), ("fills", 1001), ("deposits", 501), ("fills", True), ("fills", "10")],
)
def test_page_size_validated(name: str, bad: object) -> None:
    with (
        sync_client(PagedFills(1), FakeTime()) as client,
        pytest.raises(ValueError, match="page_size"),
    ):
        getattr(client, f"iter_{name}")(page_size=bad)


def test_limit_and_cursor_filters_are_refused() -> None:
    with (
        sync_client(PagedFills(1), FakeTime()) as client,
        pytest.raises(TypeError, match="page_size"),
    ):
        client.iter_fills(limit=5)  # type: ignore[call-arg]  # deliberately wrong: checked at run time


def test_page_limits_match_the_spec() -> None:
    document = yaml.safe_load(SPEC_PATH.read_text())
    by_operation = {
        op["operationId"]: op
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    paged_in_spec = set()
    for name, op in by_operation.items():
        params = [
            document["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
            for p in op.get("parameters", [])
        ]
        names = {p["name"] for p in params}
        if "cursor" in names:
            paged_in_spec.add(name)
            limit = next(p for p in params if p["name"] == "limit")
            for paged in PAGED.values():
                if paged.operation == name:
                    assert paged.max_page_size == limit["schema"]["maximum"], name
    assert paged_in_spec == {p.operation for p in PAGED.values()}


def one_reply(reply: Any) -> Any:
    def server(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=reply)

    return server


def test_a_malformed_item_raises_when_reached_naming_it() -> None:
    broken = {k: v for k, v in fill(2).items() if k != "fill_id"}  # fill_id is required
    server = one_reply({"fills": [fill(0), fill(1), broken, fill(3)], "cursor": ""})
    seen: list[str] = []
    with sync_client(server, FakeTime()) as client:
        with pytest.raises(ResponseValidationError, match=r"fills\[2\] does not match Fill"):
            seen.extend(f.fill_id for f in client.iter_fills())
        # A whole page's items are all built, or none: .items raises before returning any.
        page = next(iter(client.iter_fills().pages()))
        with pytest.raises(ResponseValidationError, match=r"fills\[2\]"):
            page.items  # noqa: B018 - the property decodes
    assert seen == ["f0", "f1"]


def test_a_malformed_reply_around_the_items_raises_before_any_item() -> None:
    for reply in (
        {"fills": {"not": "a list"}, "cursor": ""},
        {"fills": 0, "cursor": ""},
        {"fills": "", "cursor": ""},  # from_dict would read no items: a page must not vanish
        {"fills": [fill(0)], "cursor": 1},  # a cursor that is not a string (issue 9, item 3)
        [fill(0)],
    ):
        with sync_client(one_reply(reply), FakeTime()) as client:
            iterator = iter(client.iter_fills())
            with pytest.raises(ResponseValidationError):
                next(iterator)


def test_an_absent_optional_item_list_is_an_empty_page() -> None:
    # No paged reply has an optional item list today; GetOrderGroupsResponse's is one.
    shape = _ReplyShape(GetOrderGroupsResponse, "order_groups", OrderGroup)
    response = httpx.Response(200, json={"other": 1})
    assert shape.check(response, json.loads) == ({"other": 1}, [])


def test_a_page_decodes_its_items_once_and_keeps_the_whole_reply() -> None:
    server = one_reply({"fills": [fill(0), fill(1)], "cursor": "next", "extra": 1})
    with sync_client(server, FakeTime()) as client:
        page = next(iter(client.iter_fills().pages()))
    assert len(page) == 2 and page.next_cursor == "next" and page.cursor is None
    assert page.items is page.items and [f.fill_id for f in page] == ["f0", "f1"]
    assert list(page) == page.items
    assert page.detailed.parsed.fills == page.items
    assert page.detailed.parsed.additional_properties == {"extra": 1}
    assert page.response.status_code == 200 and page.retries_taken == 0
    assert repr(page) == "Page(2 Fill items, cursor=None, next_cursor='next')"


def test_async_items_decode_lazily_too() -> None:
    broken = {k: v for k, v in fill(1).items() if k != "fill_id"}
    server = one_reply({"fills": [fill(0), broken], "cursor": ""})
    seen: list[str] = []

    async def collect() -> None:
        async with async_client(server, FakeTime()) as client:
            async for item in client.iter_fills():
                seen.append(item.fill_id)

    with pytest.raises(ResponseValidationError, match=r"fills\[1\]"):
        asyncio.run(collect())
    assert seen == ["f0"]


# --- issue 9, items 2-4: endless empty pages, non-string cursors, null item lists -------------


def endless_empty_pages(requests: list[httpx.Request]) -> Any:
    def server(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json={"fills": [], "cursor": f"c{len(requests)}"})

    return server


def test_empty_pages_with_fresh_cursors_end_in_pagination_error() -> None:
    requests: list[httpx.Request] = []
    with (
        sync_client(endless_empty_pages(requests), FakeTime()) as client,
        pytest.raises(PaginationError, match="empty pages in a row"),
    ):
        list(client.iter_fills(max_items=5))
    assert len(requests) == MAX_EMPTY_PAGES + 1


def test_async_empty_pages_with_fresh_cursors_end_in_pagination_error() -> None:
    requests: list[httpx.Request] = []

    async def walk() -> None:
        async with async_client(endless_empty_pages(requests), FakeTime()) as client:
            async for _ in client.iter_fills(max_items=5):
                pass

    with pytest.raises(PaginationError, match="empty pages in a row"):
        asyncio.run(walk())
    assert len(requests) == MAX_EMPTY_PAGES + 1


def test_a_few_empty_pages_between_items_are_fine() -> None:
    replies = iter(
        [{"fills": [], "cursor": f"e{n}"} for n in range(MAX_EMPTY_PAGES)]
        + [{"fills": [fill(1)], "cursor": "x"}]
        + [{"fills": [], "cursor": f"g{n}"} for n in range(MAX_EMPTY_PAGES)]
        + [{"fills": [fill(2)], "cursor": ""}]
    )

    def server(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=next(replies))

    with sync_client(server, FakeTime()) as client:
        assert [f.fill_id for f in client.iter_fills()] == ["f1", "f2"]


def test_seen_cursors_stay_bounded_and_still_catch_a_recent_repeat() -> None:
    walk = CursorWalk("get_fills", None)
    for n in range(SEEN_CURSORS + 500):
        assert walk.advance(f"cursor-{n}" * 50)
    assert len(walk._seen) == SEEN_CURSORS
    with pytest.raises(PaginationError, match="second time"):
        walk.advance(f"cursor-{SEEN_CURSORS + 499}" * 50)


@pytest.mark.parametrize("cursor", [1, True, {}, [], 2.5])
def test_a_non_string_cursor_is_a_validation_error(cursor: object) -> None:
    server = one_reply({"fills": [fill(0)], "cursor": cursor})
    with sync_client(server, FakeTime()) as client, pytest.raises(ResponseValidationError) as e:
        list(client.iter_fills())
    assert "cursor is a" in str(e.value) and "not a string" in str(e.value)


@pytest.mark.parametrize(
    "reply", [{"fills": None, "cursor": ""}, {"cursor": ""}, {"fills": None, "cursor": "", "x": 1}]
)
def test_a_null_or_missing_item_list_is_an_empty_page(reply: dict[str, Any]) -> None:
    with sync_client(one_reply(reply), FakeTime()) as client:
        assert list(client.iter_fills()) == []
        (page,) = client.iter_fills().pages()
        assert len(page) == 0 and page.items == [] and page.next_cursor is None
        assert page.detailed.parsed.fills == []


def test_a_null_cursor_ends_the_walk_as_documented() -> None:
    # docs/closing-and-failure-modes.md: "`null` or `""` ends the walk" (the spec's cursor is a
    # required string, so the generated model alone would refuse the page).
    server = one_reply({"fills": [fill(1)], "cursor": None})
    with sync_client(server, FakeTime()) as client:
        assert [f.fill_id for f in client.iter_fills()] == ["f1"]
        (page,) = client.iter_fills().pages()
        assert page.next_cursor is None and page.detailed.parsed.fills[0].fill_id == "f1"


def test_a_pagination_error_keeps_the_whole_cursor_and_a_short_text() -> None:
    # The cursor is for resuming (start_cursor=): whole on the attribute; str() stays short
    # however long the server's cursors are.
    long_cursor = "k" * 50_000
    walk = CursorWalk("get_fills", None)
    walk.advance(long_cursor)
    with pytest.raises(PaginationError) as repeated:
        walk.advance(long_cursor)
    walk = CursorWalk("get_fills", None)
    with pytest.raises(PaginationError) as empty:
        for n in range(MAX_EMPTY_PAGES + 1):
            walk.advance(f"{n}" + long_cursor, page_was_empty=True)
    assert repeated.value.cursor == long_cursor
    assert empty.value.cursor == f"{MAX_EMPTY_PAGES}" + long_cursor
    for error in (repeated.value, empty.value):
        assert len(str(error)) < 400 and len(repr(error)) < 400
