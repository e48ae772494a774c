"""The server named by the environment: KALSHI_DEMO, KALSHI_API_BASE_URL (issue 9, item 5)."""

from __future__ import annotations

import pytest

from kalshi_ext import AsyncClient, Client, ConfigError, KalshiConfig
from kalshi_ext.config import environment_urls
from tests.keys import KeyPair

PROD = "https://api.elections.kalshi.com/trade-api/v2"
PROD_WS = "wss://api.elections.kalshi.com/trade-api/ws/v2"
DEMO = "https://demo-api.kalshi.co/trade-api/v2"
DEMO_WS = "wss://demo-api.kalshi.co/trade-api/ws/v2"
ENV_NAMES = ("KALSHI_DEMO", "KALSHI_API_BASE_URL", "KALSHI_ALLOW_UNKNOWN_HOST")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


URLS: list[tuple[dict[str, str], tuple[str, str]]] = [
    ({}, (PROD, PROD_WS)),
    ({"KALSHI_DEMO": ""}, (PROD, PROD_WS)),
    ({"KALSHI_DEMO": "0"}, (PROD, PROD_WS)),
    ({"KALSHI_DEMO": "true"}, (DEMO, DEMO_WS)),
    ({"KALSHI_DEMO": " YES "}, (DEMO, DEMO_WS)),
    ({"KALSHI_API_BASE_URL": DEMO + "/"}, (DEMO, DEMO_WS)),
    ({"KALSHI_API_BASE_URL": DEMO, "KALSHI_DEMO": "1"}, (DEMO, DEMO_WS)),
    ({"KALSHI_API_BASE_URL": PROD, "KALSHI_DEMO": "false"}, (PROD, PROD_WS)),
    (
        {"KALSHI_API_BASE_URL": "https://external-api.demo.kalshi.co/trade-api/v2"},
        (
            "https://external-api.demo.kalshi.co/trade-api/v2",
            "wss://external-api.demo.kalshi.co/trade-api/ws/v2",
        ),
    ),
    (
        {"KALSHI_API_BASE_URL": "http://127.0.0.1:8123/trade-api/v2", "KALSHI_DEMO": "1"},
        ("http://127.0.0.1:8123/trade-api/v2", "ws://127.0.0.1:8123/trade-api/ws/v2"),
    ),
    (
        {"KALSHI_API_BASE_URL": "http://localhost:9"},
        ("http://localhost:9", "ws://localhost:9/trade-api/ws/v2"),
    ),
    (
        {
            "KALSHI_API_BASE_URL": "https://proxy.example/kalshi/trade-api/v2",
            "KALSHI_ALLOW_UNKNOWN_HOST": "1",
        },
        (
            "https://proxy.example/kalshi/trade-api/v2",
            "wss://proxy.example/kalshi/trade-api/ws/v2",
        ),
    ),
]


@pytest.mark.parametrize(("environ", "urls"), URLS)
def test_config_from_env_urls(environ: dict[str, str], urls: tuple[str, str]) -> None:
    config = KalshiConfig.from_env(environ)
    assert (config.base_url, config.ws_base_url) == urls


def test_demo_argument_is_the_default_when_the_environment_is_silent() -> None:
    assert KalshiConfig.from_env({}, demo=True).base_url == DEMO
    assert environment_urls({}, demo=True) == (DEMO, DEMO_WS)


ERRORS: list[tuple[dict[str, str], bool, str]] = [
    ({"KALSHI_DEMO": "maybe"}, False, "KALSHI_DEMO must be 1 or 0"),
    ({"KALSHI_DEMO": "1", "KALSHI_API_BASE_URL": PROD}, False, "KALSHI_DEMO=1 conflicts with"),
    ({"KALSHI_DEMO": "no", "KALSHI_API_BASE_URL": DEMO}, False, "KALSHI_DEMO=no conflicts"),
    ({"KALSHI_DEMO": "0"}, True, "demo=True conflicts with KALSHI_DEMO=0"),
    ({"KALSHI_API_BASE_URL": PROD}, True, "demo=True conflicts with KALSHI_API_BASE_URL"),
    # The same URL policy as KalshiConfig(base_url=...), named after the variable.
    ({"KALSHI_API_BASE_URL": "http://api.elections.kalshi.com/trade-api/v2"}, False, "https"),
    ({"KALSHI_API_BASE_URL": "https://evil.example/trade-api/v2"}, False, "not a Kalshi host"),
    ({"KALSHI_API_BASE_URL": "https://api.elections.kalshi.com/v1"}, False, "path"),
    ({"KALSHI_API_BASE_URL": "https://u:p@demo-api.kalshi.co/trade-api/v2"}, False, "user"),
]


@pytest.mark.parametrize(("environ", "demo", "message"), ERRORS)
def test_config_from_env_refuses(environ: dict[str, str], demo: bool, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as excinfo:
        KalshiConfig.from_env(environ, demo=demo)
    if "KALSHI_API_BASE_URL" in environ and "conflicts" not in message:
        assert str(excinfo.value).startswith("KALSHI_API_BASE_URL: ")
        assert "u:p" not in str(excinfo.value)


def test_from_env_takes_other_fields_but_not_urls() -> None:
    config = KalshiConfig.from_env({"KALSHI_DEMO": "1"}, timeout=5.0)
    assert (config.base_url, config.timeout) == (DEMO, 5.0)
    with pytest.raises(ConfigError, match="does not accept base_url"):
        KalshiConfig.from_env({}, base_url=DEMO)  # type: ignore[call-arg]  # untyped callers


def test_check_env_refuses_a_config_naming_another_server() -> None:
    KalshiConfig.demo().check_env({"KALSHI_DEMO": "1"})
    KalshiConfig().check_env({"KALSHI_API_BASE_URL": PROD + "/"})
    with pytest.raises(ConfigError, match="KALSHI_DEMO=1 but config= points at"):
        KalshiConfig().check_env({"KALSHI_DEMO": "1"})
    with pytest.raises(ConfigError, match="KALSHI_API_BASE_URL names another server"):
        KalshiConfig().check_env({"KALSHI_API_BASE_URL": DEMO})


def key_env(monkeypatch: pytest.MonkeyPatch, pair: KeyPair) -> None:
    monkeypatch.setenv("KALSHI_KEY_ID", pair.key_id)
    monkeypatch.setenv("KALSHI_PRIVATE_KEY", pair.pem.decode())
    monkeypatch.delenv("KALSHI_PRIVATE_KEY_PATH", raising=False)
    monkeypatch.delenv("KALSHI_PRIVATE_KEY_PASSPHRASE", raising=False)


@pytest.mark.parametrize(
    ("environ", "urls"),
    [
        ({"KALSHI_DEMO": "true"}, (DEMO, DEMO_WS)),
        ({"KALSHI_API_BASE_URL": "http://127.0.0.1:1/trade-api/v2"}, None),
        ({}, (PROD, PROD_WS)),
    ],
)
async def test_clients_from_env_honour_the_server_variables(
    monkeypatch: pytest.MonkeyPatch,
    ed25519: KeyPair,
    environ: dict[str, str],
    urls: tuple[str, str] | None,
) -> None:
    key_env(monkeypatch, ed25519)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    expected = urls or (environ["KALSHI_API_BASE_URL"], "ws://127.0.0.1:1/trade-api/ws/v2")
    with Client.from_env() as client:
        assert (client.config.base_url, client.config.ws_base_url) == expected
        assert str(client.http.base_url).rstrip("/") == expected[0]
    async with AsyncClient.from_env() as aclient:
        assert (aclient.config.base_url, aclient.config.ws_base_url) == expected
        assert aclient.auth.origin == aclient.config.origin


async def test_clients_from_env_refuse_a_conflict(
    monkeypatch: pytest.MonkeyPatch, ed25519: KeyPair
) -> None:
    key_env(monkeypatch, ed25519)
    monkeypatch.setenv("KALSHI_DEMO", "1")
    monkeypatch.setenv("KALSHI_API_BASE_URL", PROD)
    with pytest.raises(ConfigError, match="conflicts"):
        Client.from_env()
    with pytest.raises(ConfigError, match="conflicts"):
        AsyncClient.from_env()
    monkeypatch.delenv("KALSHI_API_BASE_URL")
    with pytest.raises(ConfigError, match="KALSHI_DEMO=1 but config= points at"):
        Client.from_env(config=KalshiConfig.production())
    with Client.from_env(config=KalshiConfig.demo(timeout=3.0)) as client:
        assert client.config.timeout == 3.0
    monkeypatch.setenv("KALSHI_DEMO", "0")
    with pytest.raises(ConfigError, match="demo=True conflicts with KALSHI_DEMO=0"):
        Client.from_env(demo=True)
