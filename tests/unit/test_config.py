"""KalshiConfig: the reference's field table, the URL policy and every validation rule."""

from __future__ import annotations

import dataclasses
import importlib.machinery
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from kalshi_ext.config import (
    DEMO_HOSTS,
    LOOPBACK_HOSTS,
    PRODUCTION_HOSTS,
    ConfigError,
    FrozenHeaders,
    KalshiConfig,
    origin_of,
)

REPO = Path(__file__).resolve().parents[2]
SPEC_CANDIDATES = (
    REPO / "openapi" / "kalshi-portfolio.yaml",
    Path("/work/shared/upstream/kalshi-openapi-3.31.0.yaml"),
)

PROD = "https://api.elections.kalshi.com/trade-api/v2"
PROD_WS = "wss://api.elections.kalshi.com/trade-api/ws/v2"
DEMO = "https://demo-api.kalshi.co/trade-api/v2"
DEMO_WS = "wss://demo-api.kalshi.co/trade-api/ws/v2"


def build(**fields: Any) -> KalshiConfig:
    """KalshiConfig with fields chosen at run time (the tables hold values of any type)."""
    return KalshiConfig(**fields)


@pytest.fixture(autouse=True)
def no_env_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own KALSHI_ALLOW_UNKNOWN_HOST must not change these tests."""
    monkeypatch.delenv("KALSHI_ALLOW_UNKNOWN_HOST", raising=False)


# --- the reference's field table ------------------------------------------------------------

DEFAULTS: dict[str, Any] = {
    "base_url": PROD,
    "timeout": 30.0,
    "max_retries": 3,
    "retry_base_delay": 0.5,
    "retry_max_delay": 30.0,
    "total_timeout": None,
    "extra_headers": {},
    "ws_base_url": PROD_WS,
    "ws_max_retries": 10,
    "http2": False,
    "rest_json_loads": None,
    "ws_json_loads": None,
    "ws_json_dumps": None,
    "limits": None,
    "ws_ping_interval": 20.0,
    "ws_close_timeout": 5.0,
    "allow_unknown_host": False,
}


def test_fields_are_exactly_the_reference_table() -> None:
    assert [f.name for f in dataclasses.fields(KalshiConfig)] == list(DEFAULTS)


@pytest.mark.parametrize(("name", "default"), DEFAULTS.items(), ids=list(DEFAULTS))
def test_default(name: str, default: object) -> None:
    assert getattr(KalshiConfig(), name) == default


ACCEPTED: list[tuple[str, object]] = [
    ("base_url", "https://external-api.kalshi.com/trade-api/v2"),
    ("timeout", 2.5),
    ("timeout", 10),
    ("max_retries", 0),
    ("max_retries", 7),
    ("retry_base_delay", 0.0),
    ("retry_max_delay", 0.5),
    ("total_timeout", 120.0),
    ("extra_headers", {"User-Agent": "my-bot/1.2", "X-Trace": ""}),
    ("ws_base_url", "wss://external-api.kalshi.com/trade-api/ws/v2"),
    ("ws_max_retries", 0),
    ("rest_json_loads", json.loads),
    ("ws_json_loads", json.loads),
    ("ws_json_dumps", json.dumps),
    ("limits", httpx.Limits(max_connections=200, max_keepalive_connections=50)),
    ("ws_ping_interval", 0.5),
    ("ws_close_timeout", 0.0),
    ("allow_unknown_host", True),
]


@pytest.mark.parametrize(("name", "value"), ACCEPTED, ids=[f"{n}={v!r}" for n, v in ACCEPTED])
def test_valid_value_is_kept(name: str, value: object) -> None:
    assert getattr(build(**{name: value}), name) == value


REFUSED: list[tuple[str, object, str]] = [
    ("timeout", 0, "timeout must be a finite number > 0"),
    ("timeout", -1.0, "timeout must be a finite number > 0"),
    ("timeout", float("inf"), "timeout must be a finite number > 0"),
    ("timeout", float("nan"), "timeout must be a finite number > 0"),
    ("timeout", "30", "timeout must be a number of seconds"),
    ("timeout", True, "timeout must be a number of seconds"),
    ("max_retries", -1, "max_retries must be >= 0"),
    ("max_retries", 2.0, "max_retries must be an int"),
    ("max_retries", True, "max_retries must be an int"),
    ("retry_base_delay", -0.1, "retry_base_delay must be a finite number >= 0"),
    ("retry_base_delay", 31.0, "retry_base_delay (31.0) must not exceed retry_max_delay (30.0)"),
    ("retry_max_delay", 0.1, "retry_base_delay (0.5) must not exceed retry_max_delay (0.1)"),
    ("retry_max_delay", float("inf"), "retry_max_delay must be a finite number >= 0"),
    ("total_timeout", 0.0, "total_timeout must be a finite number > 0"),
    ("total_timeout", "60", "total_timeout must be a number of seconds"),
    ("ws_max_retries", -1, "ws_max_retries must be >= 0"),
    ("ws_max_retries", None, "ws_max_retries must be an int"),
    ("ws_ping_interval", 0, "ws_ping_interval must be a finite number > 0"),
    ("ws_ping_interval", None, "ws_ping_interval must be a number of seconds"),
    ("ws_close_timeout", -1, "ws_close_timeout must be a finite number >= 0"),
    ("http2", 1, "http2 must be True or False"),
    ("allow_unknown_host", "yes", "allow_unknown_host must be True or False"),
    ("rest_json_loads", "orjson.loads", "rest_json_loads must be a callable"),
    ("ws_json_loads", 1, "ws_json_loads must be a callable"),
    ("ws_json_dumps", b"", "ws_json_dumps must be a callable"),
    ("limits", {"max_connections": 10}, "limits must be an httpx.Limits"),
    ("extra_headers", [("User-Agent", "x")], "extra_headers must be a mapping"),
    ("base_url", None, "base_url must be a str URL"),
    ("ws_base_url", b"wss://x", "ws_base_url must be a str URL"),
]


@pytest.mark.parametrize(
    ("name", "value", "message"), REFUSED, ids=[f"{n}={v!r}" for n, v, _ in REFUSED]
)
def test_invalid_value_is_refused(name: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        build(**{name: value})
    assert message in str(excinfo.value)


# --- URL policy -----------------------------------------------------------------------------

VALID_URLS: list[tuple[str, str, str, str]] = [
    # id, base_url, ws_base_url, stored base_url
    ("production", PROD, PROD_WS, PROD),
    ("demo", DEMO, DEMO_WS, DEMO),
    (
        "production-external",
        "https://external-api.kalshi.com/trade-api/v2",
        PROD_WS,
        "https://external-api.kalshi.com/trade-api/v2",
    ),
    (
        "demo-external",
        "https://external-api.demo.kalshi.co/trade-api/v2",
        "wss://external-api.demo.kalshi.co/trade-api/ws/v2",
        "https://external-api.demo.kalshi.co/trade-api/v2",
    ),
    ("trailing-slashes", PROD + "//", PROD_WS + "/", PROD),
    (
        "host-case-ignored",
        "https://API.Elections.Kalshi.com/trade-api/v2",
        PROD_WS,
        "https://API.Elections.Kalshi.com/trade-api/v2",
    ),
    ("explicit-443", "https://api.elections.kalshi.com:443/trade-api/v2", PROD_WS, "same"),
    (
        "localhost-http-root",
        "http://localhost:8000/",
        "ws://localhost:8000",
        "http://localhost:8000",
    ),
    ("ipv4-loopback-any-path", "http://127.0.0.1:4010/mock/v2", "ws://127.0.0.1:4010/x", "same"),
    ("ipv6-loopback", "http://[::1]:8080/trade-api/v2", "ws://[::1]:8080/trade-api/ws/v2", "same"),
    ("loopback-https", "https://localhost/trade-api/v2", "wss://localhost/ws", "same"),
    ("loopback-rest-official-ws", "http://127.0.0.1:9/trade-api/v2", DEMO_WS, "same"),
]


@pytest.mark.parametrize(
    ("base_url", "ws_base_url", "stored"),
    [row[1:] for row in VALID_URLS],
    ids=[row[0] for row in VALID_URLS],
)
def test_valid_urls(base_url: str, ws_base_url: str, stored: str) -> None:
    config = KalshiConfig(base_url=base_url, ws_base_url=ws_base_url)
    assert config.base_url == (base_url if stored == "same" else stored)
    assert config.ws_base_url == ws_base_url.rstrip("/")


INVALID_URLS: list[tuple[str, str, str, str]] = [
    # id, field, url, message fragment
    ("rest-plain-http", "base_url", "http://api.elections.kalshi.com/trade-api/v2", "https://"),
    ("ws-plain-ws", "ws_base_url", "ws://api.elections.kalshi.com/trade-api/ws/v2", "wss://"),
    ("rest-ws-scheme", "base_url", "wss://api.elections.kalshi.com/trade-api/v2", "https://"),
    ("ws-https-scheme", "ws_base_url", "https://api.elections.kalshi.com/trade-api/ws/v2", "wss"),
    ("ftp", "base_url", "ftp://api.elections.kalshi.com/trade-api/v2", "scheme 'ftp'"),
    ("no-scheme", "base_url", "api.elections.kalshi.com/trade-api/v2", "scheme ''"),
    ("unknown-host", "base_url", "https://kalshi.example.com/trade-api/v2", "not a Kalshi host"),
    ("lookalike", "base_url", "https://api.elections.kalshi.com.evil.io/trade-api/v2", "not a"),
    ("ws-unknown-host", "ws_base_url", "wss://ws.example.com/trade-api/ws/v2", "not a Kalshi"),
    ("any-address", "base_url", "http://0.0.0.0:8000", "not a Kalshi host"),
    ("user-info", "base_url", "https://me:hunter2@api.elections.kalshi.com/trade-api/v2", "user"),
    ("query", "base_url", PROD + "?token=abc123", "must not contain a query"),
    ("empty-query", "base_url", PROD + "?", "must not contain a query"),
    ("fragment", "ws_base_url", PROD_WS + "#x", "or a fragment"),
    ("no-host", "base_url", "https:///trade-api/v2", "has no host"),
    ("bad-port", "base_url", "https://api.elections.kalshi.com:99999/trade-api/v2", "port"),
    ("rest-path", "base_url", "https://api.elections.kalshi.com/trade-api/v1", "'/trade-api/v2'"),
    ("rest-no-path", "base_url", "https://api.elections.kalshi.com", "'/trade-api/v2'"),
    ("ws-path", "ws_base_url", "wss://demo-api.kalshi.co/trade-api/v2", "'/trade-api/ws/v2'"),
    ("space", "base_url", " " + PROD, "whitespace or control"),
    ("newline", "base_url", PROD + "\n", "whitespace or control"),
]


@pytest.mark.parametrize(
    ("field", "url", "message"),
    [row[1:] for row in INVALID_URLS],
    ids=[row[0] for row in INVALID_URLS],
)
def test_invalid_urls(field: str, url: str, message: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        build(**{field: url})
    text = str(excinfo.value)
    assert message in text
    assert field in text
    for secret in ("hunter2", "abc123"):
        assert secret not in text


@pytest.mark.parametrize(
    ("base_url", "ws_base_url"),
    [
        (PROD, DEMO_WS),
        (DEMO, PROD_WS),
        ("https://external-api.kalshi.com/trade-api/v2", "wss://external-api.demo.kalshi.co/x"),
    ],
    ids=["prod-rest-demo-ws", "demo-rest-prod-ws", "external-hosts"],
)
def test_production_and_demo_cannot_be_mixed(base_url: str, ws_base_url: str) -> None:
    # The third row also has a wrong WS path: the pairing check must not hide behind it.
    ws_base_url = ws_base_url.replace("/x", "/trade-api/ws/v2")
    with pytest.raises(ConfigError, match="mix production and demo"):
        KalshiConfig(base_url=base_url, ws_base_url=ws_base_url)


@pytest.mark.parametrize(
    ("base_url", "ws_base_url", "message"),
    [
        ("https://proxy.example.com/any/path", "wss://proxy.example.com/ws", None),
        ("https://proxy.example.com", PROD_WS, None),
        ("http://proxy.example.com/trade-api/v2", PROD_WS, "must use https://"),
        ("https://proxy.example.com", "ws://proxy.example.com", "must use wss://"),
        ("https://api.elections.kalshi.com/v2", PROD_WS, "'/trade-api/v2'"),
    ],
    ids=["any-path", "unknown-rest-official-ws", "http-refused", "ws-refused", "official-path"],
)
def test_allow_unknown_host(base_url: str, ws_base_url: str, message: str | None) -> None:
    fields = {"base_url": base_url, "ws_base_url": ws_base_url, "allow_unknown_host": True}
    if message is None:
        assert build(**fields).base_url == base_url
    else:
        with pytest.raises(ConfigError, match=message):
            build(**fields)


@pytest.mark.parametrize("value", ["1", "true", "YES", " on "])
def test_env_var_allows_unknown_host(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("KALSHI_ALLOW_UNKNOWN_HOST", value)
    config = KalshiConfig(base_url="https://proxy.example.com/v2")
    assert config.allow_unknown_host is True
    with pytest.raises(ConfigError, match="must use https://"):
        KalshiConfig(base_url="http://proxy.example.com/v2")


@pytest.mark.parametrize("value", ["0", "", "false", "off"])
def test_env_var_off_keeps_policy(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("KALSHI_ALLOW_UNKNOWN_HOST", value)
    assert KalshiConfig().allow_unknown_host is False
    with pytest.raises(ConfigError, match="not a Kalshi host"):
        KalshiConfig(base_url="https://proxy.example.com/v2")


def test_env_var_with_unclear_value_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KALSHI_ALLOW_UNKNOWN_HOST", "maybe")
    with pytest.raises(ConfigError, match="KALSHI_ALLOW_UNKNOWN_HOST must be 1 or 0"):
        KalshiConfig()


def _spec_servers() -> list[dict[str, str]]:
    for path in SPEC_CANDIDATES:
        if path.exists():
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is 10x faster
            servers: list[dict[str, str]] = yaml.load(path.read_text(), Loader=loader)["servers"]
            return servers
    pytest.fail(f"no OpenAPI document found at {[str(p) for p in SPEC_CANDIDATES]}")


def test_official_hosts_are_the_spec_servers() -> None:
    servers = _spec_servers()
    production = {urlsplit(s["url"]).hostname for s in servers if "Production" in s["description"]}
    demo = {urlsplit(s["url"]).hostname for s in servers if "Demo" in s["description"]}
    assert production == PRODUCTION_HOSTS
    assert demo == DEMO_HOSTS
    assert len(servers) == len(PRODUCTION_HOSTS | DEMO_HOSTS)
    for server in servers:
        host = urlsplit(server["url"]).hostname
        config = KalshiConfig(base_url=server["url"], ws_base_url=f"wss://{host}/trade-api/ws/v2")
        assert config.base_path == "/trade-api/v2"
        assert config.is_production == (host in PRODUCTION_HOSTS)


def test_loopback_hosts() -> None:
    assert frozenset({"localhost", "127.0.0.1", "::1"}) == LOOPBACK_HOSTS
    assert not LOOPBACK_HOSTS & (PRODUCTION_HOSTS | DEMO_HOSTS)


# --- presets and derived values -------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "base_url", "ws_base_url", "is_demo"),
    [
        (KalshiConfig.production, PROD, PROD_WS, False),
        (KalshiConfig.demo, DEMO, DEMO_WS, True),
    ],
    ids=["production", "demo"],
)
def test_presets(
    preset: Callable[..., KalshiConfig], base_url: str, ws_base_url: str, is_demo: bool
) -> None:
    assert preset() == KalshiConfig(base_url=base_url, ws_base_url=ws_base_url)
    tuned = preset(timeout=10.0, max_retries=5)
    assert (tuned.base_url, tuned.ws_base_url) == (base_url, ws_base_url)
    assert (tuned.timeout, tuned.max_retries) == (10.0, 5)
    assert (tuned.is_demo, tuned.is_production) == (is_demo, not is_demo)
    for url_field in ("base_url", "ws_base_url"):
        with pytest.raises(ConfigError, match=f"does not accept {url_field}"):
            preset(**{url_field: base_url})
    with pytest.raises(ConfigError, match="timeout must be"):
        preset(timeout=-1)
    with pytest.raises(TypeError):
        preset(time_out=1.0)


@pytest.mark.parametrize(
    ("base_url", "origin", "base_path"),
    [
        (PROD, "https://api.elections.kalshi.com", "/trade-api/v2"),
        (
            "HTTPS://API.elections.kalshi.com:443/trade-api/v2/",
            "https://api.elections.kalshi.com",
            "/trade-api/v2",
        ),
        ("http://localhost:80/", "http://localhost", ""),
        ("http://127.0.0.1:4010", "http://127.0.0.1:4010", ""),
        ("http://[::1]:8080/trade-api/v2", "http://[::1]:8080", "/trade-api/v2"),
    ],
    ids=["production", "default-port-and-case", "localhost-80", "mock-root", "ipv6"],
)
def test_origin_and_base_path(base_url: str, origin: str, base_path: str) -> None:
    config = KalshiConfig(base_url=base_url, ws_base_url="ws://localhost")
    assert config.origin == origin
    assert config.base_path == base_path
    # The origin is the one httpx computes for any request under base_url.
    request = httpx.Request("GET", base_url.rstrip("/") + "/portfolio/balance")
    assert origin_of(request.url) == origin


def test_config_is_frozen_and_replace_revalidates() -> None:
    config = KalshiConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.timeout = 1.0  # type: ignore[misc]
    assert dataclasses.replace(config, timeout=1.0).timeout == 1.0
    with pytest.raises(ConfigError, match="timeout"):
        dataclasses.replace(config, timeout=0)


# --- extra_headers --------------------------------------------------------------------------

BAD_HEADERS: list[tuple[str, dict[Any, Any], str]] = [
    ("access-key", {"KALSHI-ACCESS-KEY": "forged"}, "may not set 'KALSHI-ACCESS-KEY'"),
    ("access-lower", {"kalshi-access-signature": "x"}, "KALSHI-ACCESS-* headers"),
    ("access-mixed", {"Kalshi-Access-Timestamp": "1"}, "may not set"),
    ("access-other", {"KALSHI-ACCESS-ANYTHING": "1"}, "may not set"),
    ("crlf-value", {"User-Agent": "bot\r\nX-Injected: secret-9"}, "without CR/LF"),
    ("lf-value", {"User-Agent": "bot\nsecret-9"}, "without CR/LF"),
    ("non-ascii-value", {"User-Agent": "bøt-secret-9"}, "printable ASCII"),
    ("bytes-value", {"User-Agent": b"secret-9"}, "must be a str"),
    ("int-value", {"X-Count": 9}, "must be a str"),
    ("name-with-space", {"User Agent": "x"}, "not a valid HTTP header name"),
    ("name-with-colon", {"X-A:": "x"}, "not a valid HTTP header name"),
    ("empty-name", {"": "x"}, "not a valid HTTP header name"),
    ("bytes-name", {b"X-A": "x"}, "not a valid HTTP header name"),
    ("case-duplicate", {"User-Agent": "a", "user-agent": "b"}, "twice"),
]


@pytest.mark.parametrize(
    ("headers", "message"),
    [row[1:] for row in BAD_HEADERS],
    ids=[row[0] for row in BAD_HEADERS],
)
def test_bad_extra_headers(headers: dict[Any, Any], message: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        KalshiConfig(extra_headers=headers)
    assert message in str(excinfo.value)
    assert "secret-9" not in str(excinfo.value)


def test_extra_headers_are_frozen_copied_and_masked() -> None:
    source = {"User-Agent": "acme-trader/2.1", "X-Api-Token": "tok-5ecret"}
    config = KalshiConfig(extra_headers=source)
    source["User-Agent"] = "changed"
    headers = config.extra_headers
    assert isinstance(headers, FrozenHeaders)
    assert dict(headers) == {"User-Agent": "acme-trader/2.1", "X-Api-Token": "tok-5ecret"}
    with pytest.raises(TypeError):
        headers["User-Agent"] = "x"  # type: ignore[index]
    assert repr(headers) == "FrozenHeaders({'User-Agent': '***', 'X-Api-Token': '***'})"
    for text in (repr(config), str(config)):
        assert "acme-trader" not in text
        assert "tok-5ecret" not in text
        assert "'X-Api-Token': '***'" in text
    # Usable where httpx wants headers.
    assert httpx.Headers(headers)["x-api-token"] == "tok-5ecret"
    assert hash(KalshiConfig(extra_headers=dict(source))) == hash(
        KalshiConfig(extra_headers=dict(source))
    )


# --- http2 ----------------------------------------------------------------------------------


def _find_spec_with_h2(installed: bool) -> Callable[..., importlib.machinery.ModuleSpec | None]:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> importlib.machinery.ModuleSpec | None:
        if name == "h2":
            return importlib.machinery.ModuleSpec("h2", None) if installed else None
        return real_find_spec(name, package)

    return find_spec


def test_http2_without_h2_is_refused_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", _find_spec_with_h2(False))
    with pytest.raises(ValueError, match=r"pip install 'kalshi-portfolio\[http2\]'") as excinfo:
        KalshiConfig(http2=True)
    assert isinstance(excinfo.value, ConfigError)
    assert KalshiConfig(http2=False).http2 is False


def test_http2_with_h2_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", _find_spec_with_h2(True))
    assert KalshiConfig.demo(http2=True).http2 is True
