"""KalshiConfig against input an attacker (or a typo) would give: URLs whose host two parsers read
differently, and extra_headers that would forge auth or break the request's framing."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kalshi_ext import Client, ConfigError, KalshiAuth, KalshiConfig, NotFoundError
from kalshi_ext.config import FRAMING_HEADERS, LOOPBACK_HOSTS, OFFICIAL_HOSTS
from tests.fakes import PRIVATE_PEM

_KEY = serialization.load_pem_private_key(PRIVATE_PEM, password=None)
assert isinstance(_KEY, rsa.RSAPrivateKey)
AUTH = KalshiAuth("test-key", _KEY)

UNPARSABLE_HOSTS = [
    "http://evil.com[::1]/trade-api/v2",
    "http://[::1]]/trade-api/v2",
    "http://[::1].evil.com/trade-api/v2",
    "http://[::1/trade-api/v2",
    "http://::1]/trade-api/v2",
    "http://[::1]x/trade-api/v2",
    "http://[::1]%20/trade-api/v2",
    "http://[v1.x]/trade-api/v2",
]


@pytest.mark.parametrize("url", UNPARSABLE_HOSTS)
@pytest.mark.parametrize("allow_unknown_host", [False, True])
def test_a_host_httpx_cannot_parse_is_a_config_error(url: str, allow_unknown_host: bool) -> None:
    with pytest.raises(ConfigError) as caught:
        KalshiConfig(base_url=url, allow_unknown_host=allow_unknown_host)
    assert "base_url" in str(caught.value)
    ws_url = url.replace("http://", "ws://")
    with pytest.raises(ConfigError, match="ws_base_url"):
        KalshiConfig(ws_base_url=ws_url, allow_unknown_host=allow_unknown_host)


def test_client_construction_never_raises_httpx_errors() -> None:
    for url in UNPARSABLE_HOSTS:
        with pytest.raises(ConfigError):
            Client(auth=AUTH, config=KalshiConfig(base_url=url))


# Pieces an attacker mixes into a URL: hosts, brackets, ports, dots, percent-escapes, user info.
host_parts = st.sampled_from(
    [
        "localhost", "127.0.0.1", "::1", "[::1]", "[", "]", "evil.com", "demo-api.kalshi.co",
        "api.elections.kalshi.com", ".", ":", ":80", ":8000", ":99999", "%2e", "%20", "@", "#",
        "?", "\\", "xn--", "ä", "0x7f.1", "[::ffff:127.0.0.1]", "[0:0::1]", "LOCALHOST",
    ]
)  # fmt: skip
urls = st.builds(
    lambda scheme, host, path: f"{scheme}://{''.join(host)}{path}",
    st.sampled_from(["http", "https"]),
    st.lists(host_parts, min_size=1, max_size=5),
    st.sampled_from(["/trade-api/v2", "", "/", "/x", "/trade-api/v2/"]),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(url=urls, allow_unknown_host=st.booleans())
@example(url="http://evil.com[::1]/trade-api/v2", allow_unknown_host=True)
@example(url="http://[::1].evil.com/trade-api/v2", allow_unknown_host=False)
@example(url="https://%2eLOCALHOST/trade-api/v2", allow_unknown_host=True)
def test_url_policy_agrees_with_httpx(url: str, allow_unknown_host: bool) -> None:
    """A URL is refused with ConfigError, or httpx reads the very host the policy approved and a
    client built on it sends there."""
    try:
        config = KalshiConfig(base_url=url, allow_unknown_host=allow_unknown_host)
    except ConfigError:
        return
    parsed = httpx.URL(config.base_url)
    host = parsed.raw_host.decode("ascii")
    read = urlsplit(config.base_url).hostname
    assert read is not None
    assert host == (read if read.isascii() else read.encode("idna").decode("ascii"))
    if not allow_unknown_host:
        assert host in OFFICIAL_HOSTS | LOOPBACK_HOSTS
    if parsed.scheme == "http":
        assert host in LOOPBACK_HOSTS
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(404)

    with (
        Client(auth=AUTH, config=config, transport=httpx.MockTransport(handler)) as client,
        pytest.raises(NotFoundError),
    ):
        client.get_balance()
    assert seen[0].raw_host.decode("ascii") == host


# --- extra_headers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "KALSHI_ACCESS_KEY",
        "KALSHI-ACCESS_SIGNATURE",
        "kalshi_access_timestamp",
        "Kalshi_Access-Key",
        "KALSHI_ACCESS_ANYTHING",
    ],
)
def test_auth_header_names_are_refused_however_written(name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        KalshiConfig(extra_headers={name: "forged-secret-9"})
    assert f"may not set {name!r}" in str(caught.value)
    assert "forged-secret-9" not in str(caught.value)


@pytest.mark.parametrize(
    "name",
    [
        "Content-Length",
        "content_length",
        "Transfer-Encoding",
        "TRANSFER_ENCODING",
        "Host",
        "Connection",
        "Keep-Alive",
        "TE",
        "Trailer",
        "Upgrade",
        "Expect",
        "Proxy-Connection",
        "Proxy-Authorization",
        "Content-Encoding",
    ],
)
def test_framing_and_hop_by_hop_headers_are_refused(name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        KalshiConfig(extra_headers={name: "0"})
    assert f"may not set {name!r}" in str(caught.value)
    assert "frame a request" in str(caught.value)


def test_every_framing_header_is_refused() -> None:
    for name in FRAMING_HEADERS:
        with pytest.raises(ConfigError):
            KalshiConfig(extra_headers={name.title(): "x"})


def test_names_that_differ_only_by_underscore_are_one_header() -> None:
    with pytest.raises(ConfigError, match="twice"):
        KalshiConfig(extra_headers={"X-Desk": "a", "x_desk": "b"})


@pytest.mark.parametrize(
    "headers",
    [{"User-Agent": "bot/1"}, {"X-Desk": "a"}, {"X_Trace_Id": "b"}, {"Accept-Language": "en"}],
)
def test_ordinary_headers_are_still_accepted(headers: dict[str, Any]) -> None:
    assert dict(KalshiConfig(extra_headers=headers).extra_headers) == headers
