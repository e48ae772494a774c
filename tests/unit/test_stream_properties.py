"""Properties of the stream's pure parts, over generated inputs (hypothesis)."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from kalshi_ext.stream.buffer import EventBuffer
from kalshi_ext.stream.events import MessagesLost, SequenceGap, StreamMessage, SubscriptionRestarted
from tests.unit.test_stream_protocol import GROUP, connect

Op = tuple[str, int]
ops = st.lists(
    st.one_of(
        st.tuples(st.just("data"), st.integers(0, 3)),
        st.tuples(st.just("marker"), st.just(0)),
        st.tuples(st.just("take"), st.integers(1, 5)),
    ),
    max_size=80,
)


@given(bound=st.integers(1, 6), script=ops)
def test_the_buffer_keeps_order_bounds_data_and_accounts_for_every_message(
    bound: int, script: list[Op]
) -> None:
    buffer = EventBuffer(bound, wall=lambda: 0.0)
    sent = 0
    taken: list[object] = []
    for op, value in script:
        if op == "data":
            buffer.put(StreamMessage(f"c{value}", 1, None, sent))
            sent += 1
        elif op == "marker":
            buffer.put(SubscriptionRestarted("fill", 10, "", 1, 2))
        else:
            taken.extend(buffer.take(value) if len(buffer) else [])
        held = sum(1 for e in buffer._events if type(e) is StreamMessage)
        assert held <= bound
    buffer.finish()
    taken.extend(buffer.drain())
    delivered = [e.msg for e in taken if isinstance(e, StreamMessage)]
    lost = sum(e.count for e in taken if isinstance(e, MessagesLost))
    assert delivered == sorted(delivered)  # in the order received
    assert len(delivered) + lost == sent  # each message delivered or counted as lost
    assert buffer.lost_total == lost
    # A loss marker sits where the dropped messages were: between the messages around them.
    for index, event in enumerate(taken):
        if isinstance(event, MessagesLost):
            before = [e.msg for e in taken[:index] if isinstance(e, StreamMessage)]
            after = [e.msg for e in taken[index + 1 :] if isinstance(e, StreamMessage)]
            if before and after:
                assert after[0] - before[-1] - 1 >= event.count


frames = st.lists(st.tuples(st.integers(1, 6), st.integers(0, 1)), min_size=1, max_size=40)


@given(script=frames)
def test_seq_checking_drops_only_exact_repeats_and_flags_every_jump(
    script: list[tuple[int, int]],
) -> None:
    protocol, rec = connect(["order_group_updates"])
    for seq, variant in script:
        msg = {**GROUP, "order_group_id": f"g{variant}"}
        protocol.receive({"type": "order_group_updates", "sid": 1, "seq": seq, "msg": msg})
    expected = [script[0]] + [b for a, b in itertools.pairwise(script) if a != b]
    delivered = [
        (e.seq, int(e.msg.order_group_id[1:])) for e in rec.events if isinstance(e, StreamMessage)
    ]
    assert delivered == expected
    last = None
    for index, event in enumerate(rec.events):
        if isinstance(event, SequenceGap):
            following = rec.events[index + 1]
            assert isinstance(following, StreamMessage) and following.seq == event.received
            assert last is not None and event.expected == last + 1 != event.received
        elif isinstance(event, StreamMessage):
            if last is not None and index and not isinstance(rec.events[index - 1], SequenceGap):
                assert event.seq == last + 1
            last = event.seq
