"""The seeded sub-penny market end to end: a $0.001-tick order through the public Client rests,
trades against another trader at a sub-penny price, and every amount (balance, fills, fees,
positions, settlement, the WebSocket frames) comes back exact; a price off the tick is refused."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from kalshi_ext import BadRequestError, Client, StreamMessage
from kalshi_ext.testing import LocalExchange
from kalshi_ext.testing.admin import AdminError, ExchangeAdmin
from kalshi_ext.testing.engine import taker_fee_cents_at
from kalshi_ext.testing.exchange import startup_text
from kalshi_generated.ws import models as ws_models

SUB = "KXSUBPENNY-26DEC31-T25"  # tick $0.001, bids $0.252-$0.254, asks $0.256-$0.258
START_DOLLARS = Decimal("10000")
WAIT_S = 15.0  # generous: the machine is shared


@pytest.fixture(scope="module")
def running() -> Iterator[LocalExchange]:
    with LocalExchange() as exchange:
        yield exchange


@pytest.fixture
def ex(running: LocalExchange) -> LocalExchange:
    running.reset()
    return running


@pytest.fixture
def client(ex: LocalExchange) -> Iterator[Client]:
    with ex.client() as client:
        yield client


def balance(client: Client) -> Decimal:
    return Decimal(client.get_balance().balance_dollars)


def market_position(client: Client) -> dict[str, str]:
    page = client.get_positions(ticker=SUB)
    [position] = [p for p in page.market_positions if p.ticker == SUB]
    return {
        "position": position.position_fp,
        "exposure": position.market_exposure_dollars,
        "traded": position.total_traded_dollars,
        "realized_pnl": position.realized_pnl_dollars,
        "fees": position.fees_paid_dollars,
    }


def test_the_sub_penny_market_is_seeded_on_its_tick(ex: LocalExchange) -> None:
    assert SUB in ex.markets
    book = ex.book(SUB)
    assert book.tick_centicents == 10
    assert [price for price, _ in book.bids_centicents] == [2540, 2530, 2520]
    assert [price for price, _ in book.asks_centicents] == [2560, 2570, 2580]
    with pytest.raises(ValueError, match="sub-penny"):
        _ = book.bids  # the cent view cannot show $0.254


def test_sub_penny_order_rests_then_trades_exactly(ex: LocalExchange, client: Client) -> None:
    placed = client.create_order(ticker=SUB, side="bid", count=3, price="0.255", tick_size="0.001")
    order = client.get_order(order_id=placed.order_id).order
    assert (order.status, order.yes_price_dollars, order.no_price_dollars) == (
        "resting",
        "0.2550",
        "0.7450",
    )
    # A resting bid reserves 3 * $0.255 = $0.765.
    assert balance(client) == START_DOLLARS - Decimal("0.765")
    assert client.get_balance().balance == 999_923  # the integer cents field rounds down
    assert ex.book(SUB).best_bid_centicents == 2550

    # Another trader sells into it at $0.255: the account is the maker and pays no fee.
    ex.add_other_order_dollars(SUB, "ask", "0.255", 3)
    [fill] = list(client.iter_fills(ticker=SUB))
    assert (fill.yes_price_dollars, fill.no_price_dollars, fill.count_fp) == (
        "0.2550",
        "0.7450",
        "3.00",
    )
    assert (fill.is_taker, fill.fee_cost) == (False, "0.0000")
    assert client.get_order(order_id=placed.order_id).order.maker_fill_cost_dollars == "0.7650"
    assert balance(client) == START_DOLLARS - Decimal("0.765")
    assert ex.cash_centicents() == 100_000_000 - 7650
    with pytest.raises(ValueError, match="centicents"):
        ex.cash_cents()  # $9,999.235 is not whole cents
    assert market_position(client) == {
        "position": "3.00",
        "exposure": "0.7650",
        "traded": "0.7650",
        "realized_pnl": "0.0000",
        "fees": "0.0000",
    }

    # Selling the 3 YES into the best bid ($0.254) closes them as a taker: -$0.003, fee rounded up.
    sold = client.create_order(ticker=SUB, side="ask", count=3, price="0.254", tick_size="0.001")
    assert sold.average_fill_price == "0.2540"
    fee_cents = taker_fee_cents_at(3, 2540)
    assert fee_cents == 4  # ceil(0.07 * 3 * 0.254 * 0.746 = $0.0398) to the cent
    taker = [f for f in client.iter_fills(ticker=SUB) if f.is_taker]
    assert [(f.yes_price_dollars, f.fee_cost) for f in taker] == [("0.2540", "0.0400")]
    assert balance(client) == START_DOLLARS - Decimal("0.003") - Decimal("0.04")
    assert market_position(client) == {
        "position": "0.00",
        "exposure": "0.0000",
        "traded": "3.0030",  # $0.765 for the YES, then 3 x $0.746 for the NO that closed it
        "realized_pnl": "-0.0030",
        "fees": "0.0400",
    }
    assert [(f.price_centicents, f.fee_cents) for f in ex.fills] == [(2550, 0), (2540, 4)]
    assert ex.balance_centicents() == ex.cash_centicents() == 100_000_000 - 30 - 400
    [view] = ex.positions
    assert (view.traded_cost_centicents, view.realized_pnl_centicents) == (30_030, -30)
    with pytest.raises(ValueError, match="centicents"):
        _ = view.realized_pnl_cents
    assert view.exposure_cents == 0


def test_add_other_order_dollars_checks_its_arguments(ex: LocalExchange) -> None:
    with pytest.raises(ValueError, match="side"):
        ex.add_other_order_dollars(SUB, "buy", "0.255", 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="count"):
        ex.add_other_order_dollars(SUB, "bid", "0.255", 0)
    with pytest.raises(ValueError, match="off tick"):
        ex.add_other_order_dollars(SUB, "bid", "0.2555", 1)
    ex.add_other_order_dollars(SUB, "bid", Decimal("0.255"), 4)
    assert ex.book(SUB).best_bid_centicents == 2550
    assert ex.book(SUB).best_ask_centicents == 2560


def test_sub_penny_settlement_pays_exactly(ex: LocalExchange, client: Client) -> None:
    # Sells YES into the $0.254 bids: 2 NO at $0.746.
    client.create_order(ticker=SUB, side="ask", count=2, price="0.253", tick_size="0.001")
    assert [(f.count_fp, f.no_price_dollars) for f in client.iter_fills()] == [("2.00", "0.7460")]
    fee = Decimal(taker_fee_cents_at(2, 2540)) / 100
    ex.settle_market(SUB, "no")
    [settlement] = list(client.iter_settlements())
    assert (settlement.no_count_fp, settlement.no_total_cost_dollars, settlement.revenue) == (
        "2.00",
        "1.4920",
        200,
    )
    assert balance(client) == START_DOLLARS - Decimal("1.492") - fee + 2
    assert market_position(client)["realized_pnl"] == "0.5080"


@pytest.mark.parametrize(
    ("ticker", "price", "tick_size"),
    [
        pytest.param(SUB, "0.2555", "0.0001", id="sub-penny-market-off-its-tick"),
        pytest.param("KXDEMO-26DEC31-T50", "0.455", "0.001", id="penny-market-sub-penny-price"),
    ],
)
def test_a_price_off_the_markets_tick_is_refused(
    ex: LocalExchange, client: Client, ticker: str, price: str, tick_size: str
) -> None:
    with pytest.raises(BadRequestError, match="off tick") as caught:
        client.create_order(ticker=ticker, side="bid", count=1, price=price, tick_size=tick_size)
    assert caught.value.code == "invalid_parameters"
    assert ex.orders == []


def test_amend_to_a_sub_penny_price(ex: LocalExchange, client: Client) -> None:
    placed = client.create_order(ticker=SUB, side="bid", count=1, price="0.251", tick_size="0.001")
    client.amend_order(
        order_id=placed.order_id,
        ticker=SUB,
        side="bid",
        count=1,
        price="0.253",
        tick_size="0.001",
    )
    assert client.get_order(order_id=placed.order_id).order.yes_price_dollars == "0.2530"
    assert [o.price_centicents for o in ex.orders] == [2530]
    with pytest.raises(BadRequestError, match="off tick"):
        client.amend_order(
            order_id=placed.order_id,
            ticker=SUB,
            side="bid",
            count=1,
            price="0.2535",
            tick_size="0.0001",
        )


def test_the_ws_fill_frame_carries_sub_penny_amounts(ex: LocalExchange, client: Client) -> None:
    with client.stream(["fill", "market_positions"], market_tickers=[SUB]) as stream:
        client.create_order(ticker=SUB, side="bid", count=3, price="0.257", tick_size="0.001")
        frames: dict[str, object] = {}
        deadline = time.monotonic() + WAIT_S
        while len(frames) < 2 and time.monotonic() < deadline:
            for event in stream.next_batch(timeout=1.0):
                if isinstance(event, StreamMessage):
                    frames.setdefault(event.channel, event.msg)
    fill, position = frames["fill"], frames["market_positions"]
    assert isinstance(fill, ws_models.Fill)
    assert isinstance(position, ws_models.MarketPosition)
    expected_fee = Decimal(taker_fee_cents_at(3, 2560)) / 100  # fills at the $0.256 asks
    assert (fill.yes_price_dollars, fill.count_fp) == ("0.2560", "3.00")
    assert Decimal(fill.fee_cost) == expected_fee
    assert (position.position_fp, position.position_cost_dollars) == ("3.00", "0.7680")


def test_admin_places_a_sub_penny_order(ex: LocalExchange, client: Client) -> None:
    client.create_order(ticker=SUB, side="ask", count=2, price="0.255", tick_size="0.001")
    with ExchangeAdmin.from_env({"KALSHI_API_BASE_URL": ex.base_url}) as admin:
        admin.add_other_order_dollars(SUB, "bid", "0.255", 2)
        with pytest.raises(AdminError, match="off tick"):
            admin.add_other_order_dollars(SUB, "bid", "0.2555", 1)
        admin.add_other_order(SUB, "bid", price_cents=25, count=1)  # whole cents still work
    assert [(f.price_centicents, f.is_taker) for f in ex.fills] == [(2550, False)]
    with httpx.Client() as raw:
        answer = raw.post(
            ex.base_url.removesuffix(ex.base_path) + "/_admin/other_orders",
            json={"ticker": SUB, "side": "bid", "price": "0.25", "price_cents": 25, "count": 1},
        )
    assert answer.status_code == 400


def test_the_standalone_banner_lists_the_sub_penny_market(ex: LocalExchange) -> None:
    banner = startup_text(ex, "/tmp/key.pem")
    assert f"#   {SUB}  event KXSUBPENNY-26DEC31, tick $0.001, book around $0.255" in banner
    assert "#   KXDEMO-26DEC31-T50  event KXDEMO-26DEC31, tick $0.01, book around $0.50" in banner
