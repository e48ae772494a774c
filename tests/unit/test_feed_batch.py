"""watch_fills' steady-state fast path: FillFeedPolicy.stream_fills decides a batch exactly as
stream_fill decides its fills one by one (state and resume point included, at every point of
the hand-over), and steady_fills hands a batch to the flow whenever the flow has more to do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_ext.feed import (
    Backfill,
    BackfillResult,
    FillFeedPolicy,
    ResumePoint,
    fill_time_ms,
    steady_fills,
)
from kalshi_ext.feed_io import classify_fill_event, plain_stream_fills
from kalshi_ext.stream.events import (
    ChannelError,
    MalformedMessage,
    MessagesLost,
    Reconnected,
    StreamMessage,
    SubscriptionRestarted,
)
from kalshi_generated.models import Fill
from kalshi_generated.types import UNSET

T0 = 1_800_000_000.0
TICKERS = ("KXA-26DEC31-T50", "KXB-26DEC31-T50")
ZONES = (UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30)))


def make_fill(fill_id: str, offset_us: int, ticker: str, zone: int, timed: bool) -> Fill:
    moment = datetime.fromtimestamp(T0, UTC) + timedelta(microseconds=offset_us)
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
        # UNSET: the time comes from the legacy ts seconds (fill_time_ms's other branch)
        created_time=moment.astimezone(ZONES[zone]) if timed else UNSET,
        ts=int(moment.timestamp()),
    )


fills = st.builds(
    make_fill,
    fill_id=st.sampled_from([f"f{i}" for i in range(12)]),  # repeats: duplicates in and across
    offset_us=st.one_of(  # around the window floor (overlap 1-5 s), the start and later
        st.integers(-8_000_000, 8_000_000),
        st.integers(-8_000, 8_000).map(lambda ms: ms * 1000),
    ),
    ticker=st.sampled_from(TICKERS),
    zone=st.integers(0, len(ZONES) - 1),
    timed=st.booleans() | st.just(True),
)

since = st.one_of(
    st.none(),
    st.integers(-6_000, 6_000).map(
        lambda ms: datetime.fromtimestamp(T0, UTC) + timedelta(milliseconds=ms)
    ),
    st.builds(
        lambda ms, ids, not_before: ResumePoint(
            int(T0 * 1000) + ms,
            tuple((i, int(T0 * 1000)) for i in ids),
            None,
            None,
            None if not_before is None else int(T0 * 1000) + not_before,
        ),
        st.integers(-6_000, 6_000),
        st.lists(st.sampled_from([f"f{i}" for i in range(12)]), max_size=4),
        st.none() | st.integers(-9_000, 6_000),
    ),
)


def policy_of(since_value: Any, tickers: list[str] | None, overlap_s: int) -> FillFeedPolicy:
    return FillFeedPolicy(
        since_value, market_tickers=tickers, overlap_s=overlap_s, wall=lambda: T0 + 0.5
    )


@settings(max_examples=300, deadline=None)
@given(
    batches=st.lists(st.lists(fills, max_size=20), max_size=5),
    since_value=since,
    tickers=st.sampled_from([None, [TICKERS[0]], list(TICKERS)]),
    overlap_s=st.sampled_from([0, 1, 5]),
    stop_at=st.integers(0, 25),
    rest=st.lists(fills, max_size=10),
)
def test_a_batch_is_decided_as_its_fills_one_by_one(
    batches: list[list[Fill]],
    since_value: Any,
    tickers: list[str] | None,
    overlap_s: int,
    stop_at: int,
    rest: list[Fill],
) -> None:
    one_by_one = policy_of(since_value, tickers, overlap_s)
    batched = policy_of(since_value, tickers, overlap_s)
    for batch in batches:
        handed = batched.stream_fills(batch)
        # Part-way through the hand-over the resume point is the one-by-one feed's after the
        # same fills were handed over: a fill still in the iterator is not in it.
        got: list[Fill] = []
        accepted: list[Fill] = []
        pending = list(batch)
        for fill in handed:
            got.append(fill)
            while pending:
                if one_by_one.stream_fill(candidate := pending.pop(0)):
                    accepted.append(candidate)
                    break
            assert batched.resume_point == one_by_one.resume_point
            if len(got) == stop_at:
                break
        else:
            assert batched.resume_point == one_by_one.resume_point
        got.extend(handed)  # the rest of the batch
        accepted.extend(fill for fill in pending if one_by_one.stream_fill(fill))
        assert [id(f) for f in got] == [id(f) for f in accepted]
        assert batched.resume_point == one_by_one.resume_point
        assert batched.window_size == one_by_one.window_size
    # Both then agree on what a backfill should read, and on what it hands over after the
    # stream fills (the batched window holds their created_time, the other milliseconds).
    backfill = batched.due_backfill()
    assert backfill == one_by_one.due_backfill()
    if backfill is not None:
        handed_over: list[list[str]] = []
        for policy in (batched, one_by_one):
            result = BackfillResult()
            for fill in sorted(rest, key=fill_time_ms, reverse=True):
                if not result.add(backfill, fill):
                    break
            policy.backfill_read(backfill, result)
            handed_over.append([f.fill_id for f in iter(policy.next_pending, None)])
        assert handed_over[0] == handed_over[1]
        assert batched.resume_point == one_by_one.resume_point
        assert batched.window_size == one_by_one.window_size


def test_a_batch_matches_one_by_one_decisions_exactly() -> None:
    policy_a = policy_of(None, None, 5)
    policy_b = policy_of(None, None, 5)
    batch = [
        make_fill("a", 600_000, TICKERS[0], 0, True),
        make_fill("a", 700_000, TICKERS[0], 0, True),  # the same id again: dropped
        make_fill("old", -10_000_000, TICKERS[0], 0, True),  # before the start: dropped
        make_fill("b", 800_000, TICKERS[1], 1, True),
    ]
    assert [f.fill_id for f in policy_b.stream_fills(batch)] == ["a", "b"]
    assert [f.fill_id for f in batch if policy_a.stream_fill(f)] == ["a", "b"]
    assert policy_a.resume_point == policy_b.resume_point


def fill_event(fill: Fill) -> tuple[str, Any]:
    return "fill", fill


def plain_fills(events: list[tuple[str, Any]]) -> list[Fill] | None:
    if any(kind in ("lost", "subscribed") for kind, _ in events):
        return None
    return [payload for kind, payload in events if kind == "fill"]


def test_steady_fills_leaves_everything_but_plain_fills_to_the_flow() -> None:
    now = [T0]
    policy = FillFeedPolicy(None, wall=lambda: now[0], reconcile_every_s=60)
    fill = make_fill("s1", 100_000, TICKERS[0], 0, True)
    # The start's backfill is due: the flow runs it before any stream fill.
    assert steady_fills(policy, [fill_event(fill)], plain_fills) is None
    backfills = 0
    while (backfill := policy.due_backfill()) is not None:  # the start's, then the REST lag's
        assert isinstance(backfill, Backfill)
        policy.backfill_read(backfill, BackfillResult())
        backfills += 1
        now[0] += 2
    assert backfills == 2 and policy.seconds_until_due() == 60 - 2
    # A loss or a resubscription in the batch: the flow runs it (and the fills around it).
    for marker in (("lost", "messages lost"), ("subscribed", "reconnected")):
        assert steady_fills(policy, [fill_event(fill), marker], plain_fills) is None
    # Plain fills (and events that are no concern of the feed): decided here, in order.
    later = make_fill("s2", 200_000, TICKERS[0], 0, True)
    handed = steady_fills(
        policy,
        [fill_event(fill), ("other", None), fill_event(later), fill_event(fill)],
        plain_fills,
    )
    assert handed is not None and [f.fill_id for f in handed] == ["s1", "s2"]
    # The periodic reconcile falls due: the flow again.
    now[0] += 61
    assert steady_fills(policy, [fill_event(later)], plain_fills) is None


def flow_reading(events: list[Any]) -> list[Fill] | None:
    """What feed_flow makes of a batch by classify_fill_event: its fills, or None at a marker."""
    fills = []
    for event in events:
        kind, payload = classify_fill_event(event)
        if kind in ("lost", "subscribed"):
            return None
        if kind == "fill":
            fills.append(payload)
    return fills


FRAME = {
    "trade_id": "t1",
    "order_id": "o1",
    "market_ticker": TICKERS[0],
    "exchange_index": 0,
    "is_taker": True,
    "side": "yes",
    "action": "buy",
    "outcome_side": "yes",
    "book_side": "bid",
    "yes_price_dollars": "0.5000",
    "count_fp": "1.00",
    "fee_cost": "0.020000",
    "post_position_fp": "1.00",
    "purchased_side": "yes",
    "ts": int(T0),
    "ts_ms": int(T0 * 1000),
}
EVENTS = [
    StreamMessage("fill", 1, None, make_fill("d1", 0, TICKERS[0], 0, True)),  # decoded already
    StreamMessage("fill", 1, None, FRAME),  # a frame's JSON: converted
    StreamMessage("fill", 1, None, {"trade_id": "broken"}),  # undecodable: a loss
    StreamMessage("user_orders", 2, None, {}),  # another channel: skipped
    Reconnected(0.1, T0, 1, "drop", ()),
    MessagesLost(1, T0, T0 + 1, {"fill": 1}),
    SubscriptionRestarted("fill", 17, "restarted", 1, 3),
    ChannelError(17, "error", "fill", 1),
    ChannelError(17, "error", "user_orders", 2),  # another channel's: skipped
    MalformedMessage("fill", 1, None, "{", "bad json"),
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(EVENTS), max_size=12))
def test_plain_stream_fills_reads_a_batch_as_the_flow_does(events: list[Any]) -> None:
    assert plain_stream_fills(events) == flow_reading(events)
