"""`export` and `sync` write each value exactly as the API sent it (from `Page.raw_items`), yet
every item is still checked against its model: a server on 127.0.0.1 sends fills with unusual
but valid wire values (decimal text with other digit counts, date-times with an offset and
fractional seconds) and, on request, an item that does not match the model."""

from __future__ import annotations

import csv
import datetime
import json
import sqlite3
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_ext import Client, KalshiConfig
from kalshi_ext.cli import main
from kalshi_ext.records import model_columns
from kalshi_generated.models import Fill

KEY_ID = "wire-values-key"


def fill(number: int, **changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "fill_id": f"fill-{number}",
        "trade_id": f"trade-{number}",
        "exchange_index": 0,
        "order_id": f"order-{number}",
        "ticker": "KXDEMO-26DEC31-T50",
        "market_ticker": "KXDEMO-26DEC31-T50",
        "side": "yes",
        "action": "buy",
        "outcome_side": "yes",
        "book_side": "bid",
        "count_fp": "10.00",
        "yes_price_dollars": "0.5600",
        "no_price_dollars": "0.4400",
        "is_taker": True,
        "created_time": "2026-03-04T05:06:07Z",
        "fee_cost": "0.0700",
        "subaccount_number": 0,
        "ts": 1772600767,
    }
    item.update(changes)
    return item


# Newest first, in two pages. Valid, but not what a model round trip would write back.
PAGES: list[list[dict[str, Any]]] = [
    [
        fill(
            3,
            yes_price_dollars="0.51",
            no_price_dollars="0.490000",
            count_fp="2.5",
            created_time="2026-03-04T07:06:09.120+02:00",  # an offset and a trailing zero
            is_taker=False,
        ),
        fill(2, created_time="2026-03-04T05:06:08.5Z", fee_cost="0.0100", side=None),
    ],
    [fill(1, created_time="2026-03-04T05:06:07.000001Z", count_fp="1")],
]
PAGES[1][0].pop("ts")  # no ts: the ledger's time comes from created_time
SENT = [item for page in PAGES for item in page]


class Fills(BaseHTTPRequestHandler):
    pages: list[list[dict[str, Any]]] = PAGES

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        assert url.path == "/trade-api/v2/portfolio/fills", url.path
        cursor = urllib.parse.parse_qs(url.query).get("cursor", [""])[0]
        index = int(cursor or 0)
        more = index + 1 < len(self.pages)
        body = json.dumps({"fills": self.pages[index], "cursor": str(index + 1) if more else ""})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: Any) -> None:  # quiet
        pass


def serve(pages: list[list[dict[str, Any]]]) -> Iterator[str]:
    handler = type("PagesHandler", (Fills,), {"pages": pages})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/trade-api/v2"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.fixture
def server(pem: bytes, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name in ("KALSHI_PRIVATE_KEY_PATH", "KALSHI_DEMO"):
        monkeypatch.delenv(name, raising=False)
    yield from _with_env(PAGES, pem, monkeypatch)


def _with_env(
    pages: list[list[dict[str, Any]]], pem: bytes, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    for base_url in serve(pages):
        monkeypatch.setenv("KALSHI_KEY_ID", KEY_ID)
        monkeypatch.setenv("KALSHI_PRIVATE_KEY", pem.decode())
        monkeypatch.setenv("KALSHI_API_BASE_URL", base_url)
        yield base_url


def iter_fills(base_url: str, pem: bytes) -> tuple[list[Fill], list[dict[str, Any]]]:
    config = KalshiConfig(base_url=base_url)
    with Client(key_id=KEY_ID, private_key=pem, config=config) as client:
        raw = [item for page in client.iter_fills().pages() for item in page.raw_items]
        return list(client.iter_fills()), raw


def wire_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def test_raw_items_are_the_reply_items(server: str, pem: bytes) -> None:
    fills, raw = iter_fills(server, pem)
    assert raw == SENT
    assert [Fill.from_dict(item) for item in raw] == fills


def test_csv_export_writes_values_as_sent(server: str, pem: bytes, tmp_path: Path) -> None:
    out = tmp_path / "fills.csv"
    assert main(["export", "fills", "--format", "csv", "--out", str(out)]) == 0
    text = out.read_bytes().decode()
    # Byte for byte: the wire's own digits and date-time text, nowhere re-formatted.
    assert ",0.51,0.490000," in text and ",2.5," in text
    assert ",2026-03-04T07:06:09.120+02:00," in text
    assert ",2026-03-04T05:06:08.5Z," in text and ",2026-03-04T05:06:07.000001Z," in text
    rows = list(csv.DictReader(text.splitlines()))
    assert list(rows[0]) == list(model_columns(Fill))
    assert rows == [{c: wire_text(item.get(c)) for c in model_columns(Fill)} for item in SENT]
    # And parsed back, field by field, the same fills as iter_fills.
    fills, _ = iter_fills(server, pem)
    for row, model in zip(rows, fills, strict=True):
        wire = model.to_dict()
        for column, cell in row.items():
            expected = wire.get(column)
            if column == "created_time":
                moment = datetime.datetime.fromisoformat(cell.replace("Z", "+00:00"))
                assert moment == model.created_time
            elif isinstance(expected, bool):
                assert cell == ("true" if expected else "false")
            else:
                assert cell == ("" if expected is None else str(expected)), column


def test_jsonl_export_writes_the_items_as_sent(server: str, tmp_path: Path) -> None:
    out = tmp_path / "fills.jsonl"
    assert main(["export", "fills", "--format", "jsonl", "--out", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert [json.loads(line) for line in lines] == SENT
    assert '"created_time":"2026-03-04T07:06:09.120+02:00"' in lines[0]


def test_sync_stores_values_as_sent(server: str, tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite"
    assert main(["sync", "--db", str(db), "--table", "fills"]) == 0
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    stored = {
        row["fill_id"]: dict(row) for row in connection.execute("SELECT * FROM fills").fetchall()
    }
    connection.close()
    assert set(stored) == {item["fill_id"] for item in SENT}
    for item in SENT:
        row = stored[item["fill_id"]]
        for column in model_columns(Fill):
            value = item.get(column)
            assert row[column] == (int(value) if isinstance(value, bool) else value), column
    assert stored["fill-3"]["created_time"] == "2026-03-04T07:06:09.120+02:00"
    # Without ts, the time is created_time's (fractional seconds dropped).
    assert stored["fill-1"]["time_s"] == 1772600767
    assert stored["fill-3"]["time_s"] == 1772600767  # its ts


def test_an_item_that_does_not_match_is_refused(
    pem: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = fill(9)
    del broken["fill_id"]  # required
    pages = [[fill(10), broken]]
    for _ in _with_env(pages, pem, monkeypatch):
        out = tmp_path / "fills.csv"
        assert main(["export", "fills", "--out", str(out)]) == 1
        assert not out.exists()  # nothing written, not even the valid first item
        db = tmp_path / "ledger.sqlite"
        assert main(["sync", "--db", str(db), "--table", "fills"]) == 1
        connection = sqlite3.connect(db)
        assert connection.execute("SELECT COUNT(*) FROM fills").fetchone()[0] == 0
        connection.close()
    assert "ResponseValidationError" in capsys.readouterr().err
