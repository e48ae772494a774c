"""scripts/derive_asyncapi.py, the WebSocket models it feeds, and spec_diff's AsyncAPI mode."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from kalshi_generated.ws import models

ROOT = Path(__file__).resolve().parents[2]
UPSTREAM = ROOT.parent / "shared" / "upstream" / "kalshi-asyncapi-2.0.0.yaml"
DERIVED = ROOT / "openapi" / "kalshi-ws.yaml"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *map(str, args)], cwd=ROOT, capture_output=True, text=True, check=False
    )


def derived() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(DERIVED.read_text())
    return document


def test_derivation_is_byte_identical_and_matches_committed_document(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert run("scripts/derive_asyncapi.py", UPSTREAM, first).returncode == 0
    assert run("scripts/derive_asyncapi.py", UPSTREAM, second).returncode == 0
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() == DERIVED.read_bytes()


def test_derived_document_shape() -> None:
    document = derived()
    schemas = document["components"]["schemas"]
    assert document["paths"] == {}
    assert document["x-channels"] == {
        "fill": {"message_type": "fill", "schema": "FillMessage", "sequenced": False},
        "user_orders": {
            "message_type": "user_order",
            "schema": "UserOrderMessage",
            "sequenced": False,
        },
        "market_positions": {
            "message_type": "market_position",
            "schema": "MarketPositionMessage",
            "sequenced": False,
        },
        "order_group_updates": {
            "message_type": "order_group_updates",
            "schema": "OrderGroupUpdatesMessage",
            "sequenced": True,
        },
    }
    assert document["x-error-codes"][25] == "Subscription buffer overflow"
    assert 6 not in document["x-error-codes"]  # retired
    user_order = schemas["UserOrder"]["properties"]
    assert user_order["created_time"]["type"] == ["string", "null"]
    assert user_order["created_ts_ms"]["type"] == ["integer", "null"]
    # What the server sends has open enums; what the client sends stays strict.
    assert (
        "enum" not in user_order["status"] and "executed" in user_order["status"]["x-known-values"]
    )
    assert "enum" not in schemas["ErrorResponseMsg"]["properties"]["code"]
    assert schemas["UpdateSubscriptionParams"]["properties"]["action"]["enum"] == [
        "add_markets",
        "delete_markets",
        "get_snapshot",
    ]
    assert "fill" in schemas["SubscribeParams"]["properties"]["channels"]["items"]["enum"]
    # Ids stay strings (a WS trade_id is compared with a REST fill_id).
    assert schemas["Fill"]["properties"]["trade_id"] == {"type": "string", "x-format": "uuid"}
    # No upstream prose: every description is one of ours.
    text = DERIVED.read_text()
    assert "May 14, 2026" not in text and "Order direction" not in text


def upstream_examples(message: str) -> list[dict[str, Any]]:
    document = yaml.safe_load(UPSTREAM.read_text())
    return [
        example["payload"] for example in document["components"]["messages"][message]["examples"]
    ]


@pytest.mark.parametrize(
    ("message", "model"),
    [
        ("fill", models.FillMessage),
        ("userOrder", models.UserOrderMessage),
        ("marketPosition", models.MarketPositionMessage),
        ("orderGroupUpdates", models.OrderGroupUpdatesMessage),
        ("subscribedResponse", models.SubscribedResponse),
        ("unsubscribedResponse", models.UnsubscribedResponse),
        ("okResponse", models.OkResponse),
        ("listSubscriptionsResponse", models.ListSubscriptionsResponse),
        ("errorResponse", models.ErrorResponse),
        ("subscribeCommand", models.SubscribeCommand),
        ("unsubscribeCommand", models.UnsubscribeCommand),
        ("updateSubscriptionCommand", models.UpdateSubscriptionCommand),
        ("listSubscriptionsCommand", models.ListSubscriptionsCommand),
    ],
)
def test_generated_models_round_trip_upstream_examples(message: str, model: Any) -> None:
    examples = upstream_examples(message)
    assert examples
    for payload in examples:
        parsed = model.from_dict(payload)
        wire = parsed.to_dict()
        assert model.from_dict(wire) == parsed
        assert wire.keys() == payload.keys()
        if isinstance(payload.get("msg"), dict):
            assert wire["msg"].keys() == payload["msg"].keys()


def test_server_frames_parse_with_nulls_unknown_values_and_missing_deprecated_fields() -> None:
    (order,) = upstream_examples("userOrder")
    order["msg"] |= {"created_time": None, "created_ts_ms": None, "status": "paused"}
    parsed = models.UserOrderMessage.from_dict(order)
    assert parsed.msg.created_time is None and parsed.msg.created_ts_ms is None
    assert parsed.msg.status == "paused"
    (fill,) = upstream_examples("fill")
    fill["msg"] |= {"book_side": "middle", "new_field": 1}
    parsed_fill = models.FillMessage.from_dict(fill)
    assert parsed_fill.msg.book_side == "middle"
    assert parsed_fill.msg.additional_properties == {"new_field": 1}
    error = {"type": "error", "sid": 3, "msg": {"code": 99, "msg": "new"}}
    assert models.ErrorResponse.from_dict(error).msg.code == 99


def test_commands_stay_strict() -> None:
    with pytest.raises(ValueError):
        models.UpdateSubscriptionCommand.from_dict(
            {"id": 1, "cmd": "update_subscription", "params": {"action": "rename"}}
        )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("openapi: 3.0.3\npaths: {}\n", "not an AsyncAPI 3 document"),
        ("asyncapi: 3.0.0\nchannels: {}\n", "no 'components.messages'"),
        (
            "asyncapi: 3.0.0\nchannels: {}\ncomponents: {messages: {}}\n",
            "message 'subscribeCommand' is missing",
        ),
        ("{{{ not yaml", "not YAML or JSON"),
    ],
)
def test_derivation_refuses_bad_input_and_writes_nothing(
    tmp_path: Path, content: str, reason: str
) -> None:
    source, out = tmp_path / "in.yaml", tmp_path / "out.yaml"
    source.write_text(content)
    result = run("scripts/derive_asyncapi.py", source, out)
    assert result.returncode == 1
    assert reason in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_derivation_fails_when_a_portfolio_channel_disappears(tmp_path: Path) -> None:
    document = yaml.safe_load(UPSTREAM.read_text())
    del document["channels"]["user_orders"]
    source = tmp_path / "in.yaml"
    source.write_text(yaml.safe_dump(document))
    result = run("scripts/derive_asyncapi.py", source, tmp_path / "out.yaml")
    assert result.returncode == 1
    assert "channel 'user_orders' is missing" in result.stderr


def test_drift_report_between_two_asyncapi_fixtures() -> None:
    result = run(
        "scripts/spec_diff.py", FIXTURES / "asyncapi-old.yaml", FIXTURES / "asyncapi-new.yaml"
    )
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "WebSocket drift 1.0.0 -> 2.0.0: 9 change(s)",
        "- channel removed: ticker",
        "+ channel added: order_group_updates",
        "+ channel fill: message added: fillV2",
        "- channel fill: fill field removed: msg.count",
        "+ channel fill: fill field added: msg.count_fp (string)",
        "~ channel fill: fill field changed: msg.created_ts_ms: integer -> integer|null",
        "+ channel fill: fill field msg.side: enum value added: both",
        "+ channel root: errorResponse field msg.code: enum value added: 27",
        "- channel root: errorResponse field msg.code: enum value removed: 6",
    ]


def test_drift_report_same_asyncapi_document_is_empty() -> None:
    result = run("scripts/spec_diff.py", UPSTREAM, UPSTREAM)
    assert result.returncode == 0
    assert result.stdout.strip() == "WebSocket drift 2.0.0 -> 2.0.0: 0 change(s)"


def test_drift_report_refuses_mixed_kinds() -> None:
    openapi = ROOT / "openapi" / "kalshi-portfolio.yaml"
    result = run("scripts/spec_diff.py", openapi, FIXTURES / "asyncapi-new.yaml")
    assert result.returncode == 2
    assert "not an AsyncAPI 3 document" in result.stderr
