"""flow._build joins URLs as httpx does (its cached join must not change what is sent or signed)."""

from __future__ import annotations

from urllib.parse import quote

import httpx
from hypothesis import given
from hypothesis import strategies as st

from kalshi_ext.flow import Send, _build

BASES = [
    "https://api.elections.kalshi.com/trade-api/v2",
    "http://127.0.0.1:8080",
    "http://[::1]:9/a/b/",
]
# One client per base: building an httpx.Client (its TLS context) costs ~20 ms.
CLIENTS = {base: httpx.Client(base_url=base) for base in BASES}
segment = st.text(min_size=1, max_size=12).map(lambda text: quote(text, safe=""))


@given(
    base=st.sampled_from(BASES),
    segments=st.lists(segment, min_size=1, max_size=4),
    params=st.none()
    | st.dictionaries(st.sampled_from(["limit", "cursor", "ticker"]), st.text(max_size=8)),
)
def test_build_joins_like_httpx(
    base: str, segments: list[str], params: dict[str, str] | None
) -> None:
    path = "/" + "/".join(segments)
    http = CLIENTS[base]
    built = _build(http, Send("GET", path, params=params, timeout=3.0))
    expected = http.build_request("GET", path, params=params, timeout=3.0)
    assert built.url == expected.url
    assert built.url.raw_path == expected.url.raw_path
    assert built.extensions["timeout"] == expected.extensions["timeout"]


def test_an_absolute_url_is_kept_whole() -> None:
    built = _build(CLIENTS[BASES[0]], Send("GET", "https://elsewhere.example/x"))
    assert str(built.url) == "https://elsewhere.example/x"
