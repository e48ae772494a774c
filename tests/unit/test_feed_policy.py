"""watch_fills' pure decisions: backfill windows, de-duplication by id, resume points, and a
simulated exchange whose stream loses fills (with and without saying so) under hypothesis."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_ext.errors import ServerError
from kalshi_ext.feed import (
    Backfill,
    BackfillResult,
    Deliver,
    FillFeedPolicy,
    FillNotFoundError,
    Receive,
    ResumePoint,
    canonical_dollars,
    feed_flow,
    fill_from_stream,
    fill_time_ms,
    normalize_rest_fill,
)
from kalshi_generated.models import Fill

T0 = 1_800_000_000.0


class FakeWall:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_fill(fill_id: str, ts: float, ticker: str = "KXDEMO-26DEC31-T50") -> Fill:
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=round(ts * 1000))
    return Fill(
        fill_id=fill_id,
        exchange_index=0,
        trade_id=fill_id,
        order_id="o-" + fill_id,
        ticker=ticker,
        market_ticker=ticker,
        outcome_side="yes",
        book_side="bid",
        count_fp="1.00",
        yes_price_dollars="0.5000",
        no_price_dollars="0.5000",
        is_taker=True,
        fee_cost="0.0200",
        created_time=moment,
        ts=int(ts),
    )


def result_of(backfill: Backfill, fills_newest_first: list[Fill]) -> BackfillResult:
    result = BackfillResult()
    for fill in fills_newest_first:
        if not result.add(backfill, fill):
            break
    return result


def rest_view(fills: list[Fill], backfill: Backfill) -> list[Fill]:
    """What /portfolio/fills lists for the backfill's filters, newest first."""
    chosen = [
        f for f in fills if backfill.min_ts is None or fill_time_ms(f) >= backfill.min_ts * 1000
    ]
    return sorted(chosen, key=fill_time_ms, reverse=True)


def test_start_subscribes_then_backfills_from_since_and_skips_older_fills() -> None:
    wall = FakeWall()
    policy = FillFeedPolicy(overlap_s=5, rest_lag_s=0, wall=wall)
    backfill = policy.due_backfill()
    assert backfill is not None and backfill.reason == "start"
    assert backfill.min_ts == int(T0) - 5
    before = make_fill("before", T0 - 1)
    after = make_fill("after", T0 + 0.5)
    wall.now += 1
    policy.backfill_read(backfill, result_of(backfill, [after, before]))
    assert policy.next_pending() == after
    assert policy.next_pending() is None
    assert policy.due_backfill() is None


def test_a_fill_from_both_sources_is_delivered_once_by_id_not_by_amounts() -> None:
    wall = FakeWall()
    policy = FillFeedPolicy(rest_lag_s=0, wall=wall)
    backfill = policy.due_backfill()
    assert backfill is not None
    twin_a = make_fill("a", T0 + 0.1)
    twin_b = make_fill("b", T0 + 0.1)  # same amounts, same time, another fill
    policy.backfill_read(backfill, result_of(backfill, [twin_a]))
    assert policy.next_pending() == twin_a
    assert policy.stream_fill(twin_a) is False
    assert policy.stream_fill(twin_b) is True
    assert policy.stream_fill(twin_b) is False


def test_backfilled_fills_come_oldest_first_and_the_resume_point_follows() -> None:
    wall = FakeWall()
    policy = FillFeedPolicy(overlap_s=2, rest_lag_s=0, wall=wall)
    backfill = policy.due_backfill()
    assert backfill is not None
    wall.now = T0 + 10
    fills = [make_fill(f"f{i}", T0 + i) for i in range(1, 4)]
    policy.backfill_read(backfill, result_of(backfill, list(reversed(fills))))
    assert [policy.next_pending() for _ in range(3)] == fills
    point = policy.resume_point
    assert point.last_fill_id == "f3"
    assert point.complete_before_ms == int(backfill.started_at * 1000)


def test_reconnect_backfills_from_complete_before_less_the_overlap() -> None:
    wall = FakeWall()
    policy = FillFeedPolicy(overlap_s=3, rest_lag_s=0, reconcile_every_s=None, wall=wall)
    first = policy.due_backfill()
    assert first is not None
    policy.backfill_read(first, BackfillResult())
    assert policy.due_backfill() is None
    assert policy.seconds_until_due() is None  # no periodic reconcile: wait forever
    wall.now = T0 + 100
    policy.subscribed("reconnected")
    again = policy.due_backfill()
    assert again is not None and again.reason == "reconnected"
    assert again.min_ts == int(T0) - 3


def test_a_fill_rest_does_not_show_yet_is_looked_for_again_after_the_lag() -> None:
    wall = FakeWall()
    policy = FillFeedPolicy(overlap_s=1, rest_lag_s=2, reconcile_every_s=None, wall=wall)
    start = policy.due_backfill()
    assert start is not None
    # The subscription is younger than the lag: REST may not show every fill made since.
    policy.backfill_read(start, BackfillResult())
    assert policy.due_backfill() is None
    assert policy.seconds_until_due() == pytest.approx(2)
    late = make_fill("late", T0 + 0.2)  # made before the read, listed by REST only later
    wall.now = T0 + 2
    follow_up = policy.due_backfill()
    assert follow_up is not None and follow_up.reason == "rest_lag"
    assert follow_up.min_ts is not None and follow_up.min_ts <= T0
    policy.backfill_read(follow_up, result_of(follow_up, [late]))
    assert policy.next_pending() == late
    # Now the subscription is older than the lag: no further follow-up.
    assert policy.due_backfill() is None and policy.seconds_until_due() is None


def test_periodic_reconcile_catches_a_fill_the_stream_never_sent() -> None:
    wall = FakeWall()
    policy = FillFeedPolicy(overlap_s=1, rest_lag_s=0, reconcile_every_s=10, wall=wall)
    start = policy.due_backfill()
    assert start is not None
    policy.backfill_read(start, BackfillResult())
    assert policy.seconds_until_due() == pytest.approx(10)
    wall.now = T0 + 10
    periodic = policy.due_backfill()
    assert periodic is not None and periodic.reason == "periodic"
    silent = make_fill("silent", T0 + 3)
    policy.backfill_read(periodic, result_of(periodic, [silent]))
    assert policy.next_pending() == silent


def test_the_window_is_bounded_and_an_older_stream_fill_is_known_delivered() -> None:
    wall = FakeWall()
    policy = FillFeedPolicy(overlap_s=1, rest_lag_s=0, reconcile_every_s=5, wall=wall)
    start = policy.due_backfill()
    assert start is not None
    policy.backfill_read(start, BackfillResult())
    for second in range(1, 60):
        wall.now = T0 + second
        fill = make_fill(f"s{second}", wall.now - 0.5)
        assert policy.stream_fill(fill)
        backfill = policy.due_backfill()
        if backfill is not None:
            policy.backfill_read(backfill, result_of(backfill, [fill]))
            assert policy.next_pending() is None
    assert policy.window_size <= 8  # ~reconcile_every_s + overlap_s seconds of fills
    # A frame held back for a minute (a stalled consumer) is not delivered a second time.
    assert policy.stream_fill(make_fill("s2", T0 + 1.5)) is False


def test_restart_from_the_resume_point_delivers_only_newer_fills() -> None:
    wall = FakeWall()
    policy = FillFeedPolicy(overlap_s=5, rest_lag_s=0, wall=wall)
    start = policy.due_backfill()
    assert start is not None
    policy.backfill_read(start, BackfillResult())
    old = [make_fill(f"old{i}", T0 + 0.5) for i in range(3)]  # same millisecond
    for fill in old:
        assert policy.stream_fill(fill)
    saved = ResumePoint.from_dict(policy.resume_point.to_dict())
    assert saved.last_fill_id == "old2"
    assert saved.last_fill_time == datetime.fromtimestamp(T0 + 0.5, UTC)

    wall.now = T0 + 30
    restarted = FillFeedPolicy(saved, overlap_s=5, rest_lag_s=0, wall=wall)
    backfill = restarted.due_backfill()
    assert backfill is not None and backfill.min_ts is not None
    assert backfill.min_ts <= T0 + 0.5
    new = make_fill("new", T0 + 0.5)  # made in the same millisecond, after the save
    restarted.backfill_read(backfill, result_of(backfill, [new, *reversed(old)]))
    assert restarted.next_pending() == new
    assert restarted.next_pending() is None


def test_since_a_fill_id_walks_back_to_it_and_delivers_the_newer_ones() -> None:
    wall = FakeWall()
    policy = FillFeedPolicy("f1", rest_lag_s=0, wall=wall)
    backfill = policy.due_backfill()
    assert backfill is not None and backfill.min_ts is None and backfill.until_fill_id == "f1"
    fills = [make_fill(f"f{i}", T0 - 10 + i) for i in range(4)]
    result = result_of(backfill, list(reversed(fills)))
    assert result.found == fills[1]
    policy.backfill_read(backfill, result)
    assert [policy.next_pending(), policy.next_pending(), policy.next_pending()] == [
        fills[2],
        fills[3],
        None,
    ]


def test_since_an_unknown_fill_id_is_a_clear_error() -> None:
    policy = FillFeedPolicy("nope", wall=FakeWall())
    backfill = policy.due_backfill()
    assert backfill is not None
    with pytest.raises(FillNotFoundError, match="nope"):
        policy.backfill_read(backfill, result_of(backfill, [make_fill("x", T0)]))


def test_bad_arguments_are_typed_errors() -> None:
    with pytest.raises(ValueError, match="overlap_s"):
        FillFeedPolicy(overlap_s=-1)
    with pytest.raises(ValueError, match="reconcile_every_s"):
        FillFeedPolicy(reconcile_every_s=0)
    with pytest.raises(TypeError, match="market_tickers"):
        FillFeedPolicy(market_tickers="KX")
    with pytest.raises(TypeError, match="since"):
        FillFeedPolicy(12)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="naive"):
        FillFeedPolicy(datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="ResumePoint"):
        ResumePoint.from_dict({"delivered": []})


def test_a_failing_backfill_is_retried_later_then_raised() -> None:
    wall = FakeWall()
    policy = FillFeedPolicy(max_backfill_failures=3, wall=wall)
    error = ServerError(status_code=503, message="boom")
    backfill = policy.due_backfill()
    assert backfill is not None
    assert policy.backfill_failed(backfill, error) == 1.0
    assert policy.due_backfill() is None
    wall.now += 1
    again = policy.due_backfill()
    assert again is not None and again.reason == "start"
    assert policy.backfill_failed(again, error) == 2.0
    with pytest.raises(ServerError):
        policy.backfill_failed(again, error)


def test_market_tickers_filter_both_sources() -> None:
    wall = FakeWall()
    policy = FillFeedPolicy(market_tickers=["A"], rest_lag_s=0, wall=wall)
    backfill = policy.due_backfill()
    assert backfill is not None and backfill.filters["ticker"] == "A"
    result = result_of(backfill, [make_fill("b", T0 + 1, "B"), make_fill("a", T0 + 1, "A")])
    assert [f.fill_id for f in result.fills] == ["a"]
    assert policy.stream_fill(make_fill("b2", T0 + 1, "B")) is False
    several = FillFeedPolicy(market_tickers=["A", "B"], wall=wall).due_backfill()
    assert several is not None and "ticker" not in several.filters


STREAM_FILL = {
    "trade_id": "d3b5f9c2-0000-4000-8000-000000000001",
    "order_id": "ee587a1c-0000-4000-8000-000000000002",
    "market_ticker": "KXDEMO-26DEC31-T50",
    "exchange_index": 0,
    "is_taker": True,
    "side": "yes",
    "yes_price_dollars": "0.7500",
    "count_fp": "278.00",
    "fee_cost": "0.010000",
    "action": "buy",
    "outcome_side": "yes",
    "book_side": "bid",
    "ts": 1_700_000_000,
    "ts_ms": 1_700_000_000_123,
    "post_position_fp": "278.00",
    "purchased_side": "yes",
    "subaccount": 0,
}


def test_a_stream_fill_becomes_the_rest_fill_model() -> None:
    fill = fill_from_stream(STREAM_FILL)
    assert fill.fill_id == fill.trade_id == STREAM_FILL["trade_id"]
    assert fill.ticker == fill.market_ticker == "KXDEMO-26DEC31-T50"
    assert fill.no_price_dollars == "0.2500"
    assert fill.count_fp == "278.00" and fill.fee_cost == "0.0100"
    assert fill.created_time == datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)
    assert fill.ts == 1_700_000_000 and fill.subaccount_number == 0
    assert fill_time_ms(fill) == 1_700_000_000_123
    assert "post_position_fp" not in fill.to_dict()
    # The same fill read over REST (microseconds, legacy fields) decodes to an equal model.
    rest = Fill.from_dict(
        {**fill.to_dict(), "created_time": "2023-11-14T22:13:20.123456Z", "fee_cost": "0.0100"}
    )
    assert normalize_rest_fill(rest) == fill
    assert canonical_dollars("0.012345") == "0.012345"
    assert canonical_dollars("1.500000") == "1.5000"
    with pytest.raises(ValueError, match="not a fill message"):
        fill_from_stream({"trade_id": "x"})


# ---- a simulated exchange, stream and REST under hypothesis ------------------------------------


class Sim:
    """Fills made at a fake time; a stream that may lose them; REST that may lag."""

    def __init__(self, rest_lag_s: float) -> None:
        self.wall = FakeWall()
        self.fills: list[Fill] = []
        self.visible_at: dict[str, float] = {}
        self.queue: deque[tuple[str, Any]] = deque()
        self.rest_lag_s = rest_lag_s
        self.connected = True
        self.delivered: list[str] = []
        self.rest_calls = 0

    def make_fill(self, lag_fraction: float) -> Fill:
        self.wall.now += 0.013
        fill = make_fill(f"f{len(self.fills)}", self.wall.now)
        self.fills.append(fill)
        self.visible_at[fill.fill_id] = self.wall.now + lag_fraction * self.rest_lag_s
        return fill

    def rest(self, backfill: Backfill) -> BackfillResult:
        self.rest_calls += 1
        visible = [f for f in self.fills if self.visible_at[f.fill_id] <= self.wall.now]
        return result_of(backfill, rest_view(visible, backfill))


def classify(event: tuple[str, Any]) -> tuple[str, Any]:
    return event


def pump(
    sim: Sim, flow: Generator[Any, Any, None], action: Any, *, settle: Callable[[], bool] | None
) -> Any:
    """Run the flow until it waits on an empty stream; with `settle`, let time pass on an empty
    stream until settle() says the feed is complete."""
    reply: Any = None
    while True:
        if isinstance(action, Deliver):
            sim.delivered.append(action.fill.fill_id)
            reply = None
        elif isinstance(action, Backfill):
            sim.wall.now += 0.05
            reply = sim.rest(action)
        elif isinstance(action, Receive):
            if sim.queue:
                reply = [sim.queue.popleft() for _ in range(min(3, len(sim.queue)))]
            elif settle is None or settle():
                return action
            else:
                assert action.timeout is not None, "the feed waits forever while incomplete"
                sim.wall.now += action.timeout + 0.001
                reply = []
        action = flow.send(reply)


steps = st.lists(
    st.one_of(
        st.tuples(st.just("fill"), st.floats(0, 1)),
        st.tuples(st.just("suppress"), st.floats(0, 1)),
        st.tuples(st.just("drop"), st.just(0.0)),
        st.tuples(st.just("reconnect"), st.just(0.0)),
        st.tuples(st.just("report_loss"), st.floats(0, 1)),
        st.tuples(st.just("pump"), st.just(0.0)),
        st.tuples(st.just("sleep"), st.floats(0, 3)),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(
    steps=steps, rest_lag_s=st.sampled_from([0.0, 0.5, 2.0]), overlap_s=st.sampled_from([0, 1, 5])
)
def test_simulated_losses_never_lose_or_repeat_a_fill(
    steps: list[tuple[str, float]], rest_lag_s: float, overlap_s: float
) -> None:
    sim = Sim(rest_lag_s)
    policy = FillFeedPolicy(
        overlap_s=overlap_s, rest_lag_s=rest_lag_s, reconcile_every_s=4, wall=sim.wall
    )
    flow = feed_flow(policy, classify)
    action = pump(sim, flow, next(flow), settle=None)
    for kind, value in steps:
        if kind in ("fill", "suppress", "report_loss"):
            fill = sim.make_fill(value)
            if kind == "fill" and sim.connected:
                sim.queue.append(("fill", fill))
            if kind == "report_loss" and sim.connected:
                sim.queue.append(("lost", "messages_lost"))
        elif kind == "drop":
            sim.connected = False
        elif kind == "reconnect" and not sim.connected:
            sim.connected = True
            sim.queue.append(("subscribed", "reconnected"))
        elif kind == "pump":
            action = pump(sim, flow, action, settle=None)
        elif kind == "sleep":
            sim.wall.now += value
    if not sim.connected:
        sim.queue.append(("subscribed", "reconnected"))
    last = max((fill_time_ms(f) for f in sim.fills), default=0)
    pump(sim, flow, action, settle=lambda: policy.resume_point.complete_before_ms > last)
    assert sorted(sim.delivered) == sorted(f.fill_id for f in sim.fills)
    assert len(sim.delivered) == len(set(sim.delivered))


def test_since_a_fill_id_never_delivers_the_fills_before_it_on_a_later_backfill() -> None:
    # The caller saw f0 and f1 (its last): a restart within the overlap must not hand f0 over
    # when a later backfill (rest_lag, periodic, reconnect) reads the seconds around f1 again.
    wall = FakeWall()
    policy = FillFeedPolicy("f1", overlap_s=5, rest_lag_s=1, wall=wall)
    f0, f1, f2, f3 = (make_fill(f"f{i}", T0 - 1 + i * 0.25) for i in range(4))
    same_ms = make_fill("f0-same-ms", T0 - 0.75)  # made in f1's millisecond, just before it
    exchange = [f0, same_ms, f1, f2, f3]  # the exchange's order
    assert [f.fill_id for f in exchange] == ["f0", "f0-same-ms", "f1", "f2", "f3"]
    delivered: list[str] = []
    backfill = policy.due_backfill()
    assert backfill is not None
    policy.backfill_read(backfill, result_of(backfill, list(reversed(exchange))))
    while (fill := policy.next_pending()) is not None:
        delivered.append(fill.fill_id)
    assert delivered == ["f2", "f3"]
    for _ in range(3):  # the rest_lag follow-up, then a reconnect
        wall.now += 2
        policy.subscribed("reconnected")
        again = policy.due_backfill()
        assert again is not None and again.min_ts is not None
        assert again.min_ts * 1000 <= fill_time_ms(exchange[0])  # the walk reads them again
        policy.backfill_read(again, result_of(again, rest_view(exchange, again)))
        while (fill := policy.next_pending()) is not None:
            delivered.append(fill.fill_id)
    assert delivered == ["f2", "f3"]
    assert policy.stream_fill(exchange[0]) is False  # nor from a late stream frame


def test_a_resume_point_keeps_since_and_a_restart_skips_fills_before_it() -> None:
    # since=None means "from now on": a quick restart from the resume point must not hand over
    # the fills made in the seconds before the first start (they were never wanted).
    wall = FakeWall()
    policy = FillFeedPolicy(None, overlap_s=5, rest_lag_s=0, wall=wall)
    earlier = make_fill("earlier", T0 - 2)  # made before watch_fills started
    start = policy.due_backfill()
    assert start is not None
    policy.backfill_read(start, result_of(start, [earlier]))
    assert policy.next_pending() is None
    saved = ResumePoint.from_dict(policy.resume_point.to_dict())
    wall.now = T0 + 1
    restarted = FillFeedPolicy(saved, overlap_s=5, rest_lag_s=0, wall=wall)
    again = restarted.due_backfill()
    assert again is not None
    restarted.backfill_read(again, result_of(again, rest_view([earlier], again)))
    assert restarted.next_pending() is None


def test_an_empty_market_tickers_list_is_a_clear_error_not_a_silent_feed() -> None:
    # An empty list would subscribe to every market and then keep none of it: a feed (or a
    # view) that stays empty forever. None means every market; [] is a mistake to report.
    with pytest.raises(ValueError, match="market_tickers"):
        FillFeedPolicy(market_tickers=[], wall=FakeWall())


def test_the_rest_lag_follow_up_counts_from_the_subscription_not_from_watch_fills() -> None:
    # watch_fills() made at T0, iterated (the stream subscribes) 10 s later. A fill made just
    # before that subscription that REST does not list yet is in neither source: the feed must
    # look again once the lag has passed, not only at the next reconnect.
    wall = FakeWall()
    policy = FillFeedPolicy(overlap_s=1, rest_lag_s=1, reconcile_every_s=None, wall=wall)
    wall.now = T0 + 10
    flow = feed_flow(policy, lambda event: event)
    start = next(flow)
    assert isinstance(start, Backfill) and start.reason == "start"
    late = make_fill("late", T0 + 9.8)  # REST lists it only after the start backfill
    waiting = flow.send(BackfillResult())
    assert isinstance(waiting, Receive)
    assert waiting.timeout == pytest.approx(1)
    wall.now = T0 + 11
    follow_up = flow.send([])
    assert isinstance(follow_up, Backfill) and follow_up.reason == "rest_lag"
    assert flow.send(result_of(follow_up, [late])) == Deliver(late)


def test_since_none_takes_every_stream_fill_when_this_clock_runs_ahead() -> None:
    # This machine's clock is 2 s ahead of the exchange's: fills made just after the start
    # carry times before this machine's "now". The stream sends them only because they came
    # after the subscription, so they are delivered; a since= datetime still cuts them.
    wall = FakeWall(T0 + 2.0)  # the exchange's time is T0
    policy = FillFeedPolicy(None, wall=wall)
    made_after_start = make_fill("f1", T0 + 0.5)
    assert policy.stream_fill(made_after_start)
    batched = FillFeedPolicy(None, wall=wall)
    assert list(batched.stream_fills([make_fill("f2", T0 + 0.5)])) != []
    explicit = FillFeedPolicy(datetime.fromtimestamp(T0 + 2.0, UTC), wall=wall)
    assert not explicit.stream_fill(make_fill("f3", T0 + 0.5))
