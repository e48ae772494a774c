"""Kalshi's dedicated WebSocket hosts: allowed for ws_base_url only, and paired like the others."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kalshi_ext import ConfigError, KalshiConfig
from kalshi_ext.config import DEMO_WS_HOSTS, PRODUCTION_WS_HOSTS

ASYNCAPI = Path(__file__).parents[2] / "../shared/upstream/kalshi-asyncapi-2.0.0.yaml"


@pytest.mark.parametrize(
    ("base_url", "ws_base_url"),
    [
        (
            "https://api.elections.kalshi.com/trade-api/v2",
            "wss://external-api-ws.kalshi.com/trade-api/ws/v2",
        ),
        (
            "https://external-api.kalshi.com/trade-api/v2",
            "wss://external-api-ws.kalshi.com/trade-api/ws/v2",
        ),
        (
            "https://demo-api.kalshi.co/trade-api/v2",
            "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2",
        ),
    ],
)
def test_dedicated_ws_hosts_are_allowed_for_ws_base_url(base_url: str, ws_base_url: str) -> None:
    config = KalshiConfig(base_url=base_url, ws_base_url=ws_base_url)
    assert config.ws_base_url == ws_base_url


@pytest.mark.parametrize(
    ("base_url", "ws_base_url", "message"),
    [
        (
            "https://demo-api.kalshi.co/trade-api/v2",
            "wss://external-api-ws.kalshi.com/trade-api/ws/v2",
            "mix production and demo",
        ),
        (
            "https://api.elections.kalshi.com/trade-api/v2",
            "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2",
            "mix production and demo",
        ),
        (
            "https://external-api-ws.kalshi.com/trade-api/v2",
            "wss://external-api-ws.kalshi.com/trade-api/ws/v2",
            "base_url host",
        ),
        (
            "https://api.elections.kalshi.com/trade-api/v2",
            "ws://external-api-ws.kalshi.com/trade-api/ws/v2",
            "must use wss://",
        ),
        (
            "https://api.elections.kalshi.com/trade-api/v2",
            "wss://external-api-ws.kalshi.com/trade-api/v2",
            "path",
        ),
    ],
)
def test_dedicated_ws_hosts_follow_the_policy(
    base_url: str, ws_base_url: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        KalshiConfig(base_url=base_url, ws_base_url=ws_base_url)


def test_the_production_ws_host_is_the_asyncapi_server() -> None:
    if not ASYNCAPI.exists():
        pytest.skip("the shared AsyncAPI copy is not next to this checkout")
    servers = yaml.safe_load(ASYNCAPI.read_text())["servers"]
    assert {server["host"] for server in servers.values()} <= PRODUCTION_WS_HOSTS
    assert {"external-api-ws.demo.kalshi.co"} == DEMO_WS_HOSTS
