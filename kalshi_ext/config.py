"""KalshiConfig: every client option, and the policy that keeps its URLs on Kalshi's hosts.

A config is validated once, when it is built, so that a plaintext URL, a typo'd host or a
demo/production mix-up fails before any request is signed or sent.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Self, TypedDict, Unpack
from urllib.parse import urlsplit

import httpx

from kalshi_ext.errors import KalshiError

__all__ = [
    "DEMO_HOSTS",
    "DEMO_WS_HOSTS",
    "LOOPBACK_HOSTS",
    "PRODUCTION_HOSTS",
    "PRODUCTION_WS_HOSTS",
    "ConfigError",
    "FrozenHeaders",
    "KalshiConfig",
    "RedactedHeaders",
    "origin_of",
]

# The `servers` of Kalshi's OpenAPI document (a test keeps these in step with it).
PRODUCTION_HOSTS = frozenset({"api.elections.kalshi.com", "external-api.kalshi.com"})
DEMO_HOSTS = frozenset({"demo-api.kalshi.co", "external-api.demo.kalshi.co"})
# Kalshi's dedicated WebSocket hosts (docs.kalshi.com/websockets; the AsyncAPI `servers` block
# names the production one). They serve only /trade-api/ws/v2, so only ws_base_url may use them.
PRODUCTION_WS_HOSTS = frozenset({"external-api-ws.kalshi.com"})
DEMO_WS_HOSTS = frozenset({"external-api-ws.demo.kalshi.co"})
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
OFFICIAL_HOSTS = PRODUCTION_HOSTS | DEMO_HOSTS
OFFICIAL_WS_HOSTS = OFFICIAL_HOSTS | PRODUCTION_WS_HOSTS | DEMO_WS_HOSTS

# The data events a stream holds for a consumer that falls behind (kalshi_ext.stream); here so
# that Client.stream's default needs no import of the stream package.
DEFAULT_MAX_BUFFERED = 10_000

REST_PATH = "/trade-api/v2"
WS_PATH = "/trade-api/ws/v2"

PRODUCTION_BASE_URL = "https://api.elections.kalshi.com" + REST_PATH
PRODUCTION_WS_BASE_URL = "wss://api.elections.kalshi.com" + WS_PATH
DEMO_BASE_URL = "https://demo-api.kalshi.co" + REST_PATH
DEMO_WS_BASE_URL = "wss://demo-api.kalshi.co" + WS_PATH

ALLOW_UNKNOWN_HOST_ENV = "KALSHI_ALLOW_UNKNOWN_HOST"
DEMO_ENV = "KALSHI_DEMO"
BASE_URL_ENV = "KALSHI_API_BASE_URL"
_ENV_TRUE = frozenset({"1", "true", "yes", "on"})
_ENV_FALSE = frozenset({"", "0", "false", "no", "off"})

# RFC 9110 token for header names; values are sent as ASCII by httpx, and CR/LF would split headers.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")
_AUTH_HEADER_PREFIX = "kalshi-access-"
# Headers that frame the message or the connection: the HTTP client sets them from the request
# itself, and a second value desynchronises the connection (Content-Length: 0 on a POST) or
# sends both framings (Transfer-Encoding). Hop-by-hop ones (RFC 9110 7.6.1) are the client's too;
# Proxy-Authorization would go to Kalshi, not to a proxy; Expect waits for an answer httpx never
# awaits; Content-Encoding would describe a body that is not encoded.
FRAMING_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "content-encoding",
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authorization",
        "te",
        "trailer",
        "upgrade",
        "expect",
    }
)
_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f]")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class ConfigError(KalshiError, ValueError):
    """A KalshiConfig option is invalid; the message says which one and how to fix it."""


class FrozenHeaders(Mapping[str, str]):
    """A read-only header mapping whose repr masks the values (they may be secrets)."""

    __slots__ = ("_headers",)

    def __init__(self, headers: Mapping[str, str] | None = None) -> None:
        self._headers: dict[str, str] = dict(headers or {})

    def __getitem__(self, name: str) -> str:
        return self._headers[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._headers)

    def __len__(self) -> int:
        return len(self._headers)

    def __hash__(self) -> int:
        return hash(frozenset(self._headers.items()))

    def __repr__(self) -> str:
        masked = dict.fromkeys(self._headers, "***")
        return f"FrozenHeaders({masked!r})"


class RedactedHeaders(httpx.Headers):
    """httpx.Headers whose repr shows the values of well-known harmless headers only.

    Used for ``client.http.headers`` (they hold extra_headers) and for every request once sent
    (it held KALSHI-ACCESS-*), so a logged or printed request shows no secret.
    """

    SHOWN: frozenset[str] = frozenset(
        {
            "accept",
            "accept-encoding",
            "connection",
            "content-length",
            "content-type",
            "host",
            "transfer-encoding",
            "user-agent",
        }
    )

    def __repr__(self) -> str:
        shown = [
            (name, value if name.lower() in self.SHOWN else "[secret]")
            for name, value in self.multi_items()
        ]
        names = [name.lower() for name, _ in shown]
        if len(set(names)) == len(names):
            return f"{type(self).__name__}({dict(shown)!r})"
        return f"{type(self).__name__}({shown!r})"


def origin_of(url: str | httpx.URL) -> str:
    """Return `scheme://host[:port]` of `url`: lowercase, IDNA-encoded, default port left out.

    Two URLs reach the same server exactly when their origins are equal strings.
    """
    parsed = httpx.URL(url)
    scheme = parsed.scheme.lower()
    host = parsed.raw_host.decode("ascii").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parsed.port
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


class ConfigOverrides(TypedDict, total=False):
    """The fields `KalshiConfig.production()`, `demo()` and `from_env()` accept: every field
    but the URLs, which they set themselves (a misspelled one fails type checking)."""

    timeout: float
    max_retries: int
    retry_base_delay: float
    retry_max_delay: float
    total_timeout: float | None
    extra_headers: Mapping[str, str]
    ws_max_retries: int
    http2: bool
    rest_json_loads: Callable[[bytes], Any] | None
    ws_json_loads: Callable[[str | bytes], Any] | None
    ws_json_dumps: Callable[[Any], str | bytes] | None
    limits: httpx.Limits | None
    ws_ping_interval: float
    ws_close_timeout: float
    allow_unknown_host: bool


@dataclass(frozen=True, kw_only=True)
class KalshiConfig:
    """Every option of the Kalshi clients, validated at construction.

    URL policy: hosts must be Kalshi's official hosts or loopback unless `allow_unknown_host`
    (or the environment variable KALSHI_ALLOW_UNKNOWN_HOST=1) is set; remote hosts need
    https/wss; official hosts must use the official paths; a production REST URL cannot be
    paired with a demo WebSocket URL, or the reverse.
    """

    base_url: str = PRODUCTION_BASE_URL
    timeout: float = 30.0
    max_retries: int = 3
    retry_base_delay: float = 0.5
    retry_max_delay: float = 30.0
    total_timeout: float | None = None
    extra_headers: Mapping[str, str] = field(default_factory=FrozenHeaders)
    ws_base_url: str = PRODUCTION_WS_BASE_URL
    ws_max_retries: int = 10
    http2: bool = False
    rest_json_loads: Callable[[bytes], Any] | None = None
    ws_json_loads: Callable[[str | bytes], Any] | None = None
    ws_json_dumps: Callable[[Any], str | bytes] | None = None
    limits: httpx.Limits | None = None
    ws_ping_interval: float = 20.0
    ws_close_timeout: float = 5.0
    allow_unknown_host: bool = False

    @classmethod
    def production(cls, **overrides: Unpack[ConfigOverrides]) -> Self:
        """A config for Kalshi's production API; `overrides` are any other fields."""
        return cls._preset("production", PRODUCTION_BASE_URL, PRODUCTION_WS_BASE_URL, overrides)

    @classmethod
    def demo(cls, **overrides: Unpack[ConfigOverrides]) -> Self:
        """A config for Kalshi's demo API (paper money); `overrides` are any other fields."""
        return cls._preset("demo", DEMO_BASE_URL, DEMO_WS_BASE_URL, overrides)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        demo: bool = False,
        **overrides: Unpack[ConfigOverrides],
    ) -> Self:
        """A config whose server comes from the environment; `overrides` are any other fields.

        KALSHI_API_BASE_URL (checked by the same URL policy) names the REST server and the
        WebSocket URL follows it; KALSHI_DEMO=1 picks the demo servers; neither set means
        production (or demo when `demo=True`). A KALSHI_DEMO that disagrees with
        KALSHI_API_BASE_URL or with `demo=True` is a ConfigError, never a silent choice.
        KALSHI_ALLOW_UNKNOWN_HOST is read from `environ` too.
        """
        env = os.environ if environ is None else environ
        urls = sorted({"base_url", "ws_base_url"} & overrides.keys())
        if urls:
            raise ConfigError(
                f"KalshiConfig.from_env() takes the URLs from {BASE_URL_ENV} / {DEMO_ENV} and "
                f"does not accept {', '.join(urls)}; for other URLs build KalshiConfig(...)"
            )
        if "allow_unknown_host" not in overrides:
            overrides["allow_unknown_host"] = _env_flag(env, ALLOW_UNKNOWN_HOST_ENV) is True
        base_url, ws_base_url = environment_urls(
            env, demo=demo, allow_unknown_host=bool(overrides["allow_unknown_host"])
        )
        return cls(base_url=base_url, ws_base_url=ws_base_url, **overrides)

    def check_env(self, environ: Mapping[str, str] | None = None) -> None:
        """Raise ConfigError when KALSHI_DEMO or KALSHI_API_BASE_URL name another server than
        this config (a client given both must not pick one of them silently)."""
        env = os.environ if environ is None else environ
        wants_demo = _env_flag(env, DEMO_ENV)
        other = self.is_production if wants_demo else self.is_demo
        if wants_demo is not None and other:
            raise ConfigError(
                f"{DEMO_ENV}={env[DEMO_ENV].strip()[:20]} but config= points at "
                f"{urlsplit(self.base_url).hostname} ({_environment_name(self.base_url)}); "
                f"unset {DEMO_ENV} or pass a matching config"
            )
        base_url = env.get(BASE_URL_ENV, "").strip().rstrip("/")
        if base_url and base_url != self.base_url:
            raise ConfigError(
                f"{BASE_URL_ENV} names another server than config.base_url; "
                f"unset {BASE_URL_ENV} or pass a matching config"
            )

    @classmethod
    def _preset(
        cls, name: str, base_url: str, ws_base_url: str, overrides: ConfigOverrides
    ) -> Self:
        urls = sorted({"base_url", "ws_base_url"} & overrides.keys())
        if urls:
            raise ConfigError(
                f"KalshiConfig.{name}() sets the URLs itself and does not accept "
                f"{', '.join(urls)}; for other URLs build "
                "KalshiConfig(base_url=..., ws_base_url=...)"
            )
        return cls(base_url=base_url, ws_base_url=ws_base_url, **overrides)

    @property
    def origin(self) -> str:
        """`scheme://host[:port]` of base_url, the origin a bound KalshiAuth accepts."""
        return origin_of(self.base_url)

    @property
    def base_path(self) -> str:
        """The path part of base_url, e.g. `/trade-api/v2` (empty for a mock served at `/`)."""
        return urlsplit(self.base_url).path

    @property
    def is_production(self) -> bool:
        """True when base_url is one of Kalshi's production hosts."""
        return urlsplit(self.base_url).hostname in PRODUCTION_HOSTS

    @property
    def is_demo(self) -> bool:
        """True when base_url is one of Kalshi's demo hosts."""
        return urlsplit(self.base_url).hostname in DEMO_HOSTS

    def __post_init__(self) -> None:
        _check_bool("allow_unknown_host", self.allow_unknown_host)
        _check_bool("http2", self.http2)
        if not self.allow_unknown_host and _allow_unknown_host_from_env():
            object.__setattr__(self, "allow_unknown_host", True)

        base_url = _check_url(
            "base_url", self.base_url, ("https", "http"), REST_PATH, self.allow_unknown_host
        )
        ws_base_url = _check_url(
            "ws_base_url",
            self.ws_base_url,
            ("wss", "ws"),
            WS_PATH,
            self.allow_unknown_host,
            OFFICIAL_WS_HOSTS,
        )
        object.__setattr__(self, "base_url", base_url)
        object.__setattr__(self, "ws_base_url", ws_base_url)
        _check_pairing(base_url, ws_base_url)

        _check_number("timeout", self.timeout, minimum=0.0, inclusive=False)
        _check_count("max_retries", self.max_retries)
        _check_number("retry_base_delay", self.retry_base_delay, minimum=0.0, inclusive=True)
        _check_number("retry_max_delay", self.retry_max_delay, minimum=0.0, inclusive=True)
        if self.retry_base_delay > self.retry_max_delay:
            raise ConfigError(
                f"retry_base_delay ({self.retry_base_delay}) must not exceed "
                f"retry_max_delay ({self.retry_max_delay})"
            )
        if self.total_timeout is not None:
            _check_number("total_timeout", self.total_timeout, minimum=0.0, inclusive=False)
        _check_count("ws_max_retries", self.ws_max_retries)
        _check_number("ws_ping_interval", self.ws_ping_interval, minimum=0.0, inclusive=False)
        _check_number("ws_close_timeout", self.ws_close_timeout, minimum=0.0, inclusive=True)

        for name in ("rest_json_loads", "ws_json_loads", "ws_json_dumps"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise ConfigError(f"{name} must be a callable (e.g. orjson.loads) or None")
        if self.limits is not None and not isinstance(self.limits, httpx.Limits):
            raise ConfigError("limits must be an httpx.Limits(...) or None")

        object.__setattr__(self, "extra_headers", _check_headers(self.extra_headers))

        if self.http2 and _missing("h2"):
            raise ConfigError(
                "http2=True needs the h2 package: pip install 'kalshi-portfolio[http2]' "
                "(or set http2=False)"
            )


def _allow_unknown_host_from_env() -> bool:
    return _env_flag(os.environ, ALLOW_UNKNOWN_HOST_ENV) is True


def _env_flag(env: Mapping[str, str], name: str) -> bool | None:
    """A boolean environment variable: None when unset or empty."""
    value = env.get(name, "").strip().lower()
    if not value:
        return None
    if value in _ENV_TRUE:
        return True
    if value in _ENV_FALSE:
        return False
    raise ConfigError(
        f"{name} must be 1 or 0 (also true/false, yes/no, on/off); got {value[:20]!r}"
    )


def environment_urls(
    environ: Mapping[str, str], *, demo: bool = False, allow_unknown_host: bool = False
) -> tuple[str, str]:
    """(base_url, ws_base_url) named by KALSHI_API_BASE_URL and KALSHI_DEMO; pure.

    The WebSocket URL follows the REST one: Kalshi's hosts get their official WebSocket URL,
    any other server the same origin (ws/wss) with `/trade-api/v2` swapped for
    `/trade-api/ws/v2` (or that path added).
    """
    wants_demo = _env_flag(environ, DEMO_ENV)
    if demo and wants_demo is False:
        raise ConfigError(f"demo=True conflicts with {DEMO_ENV}={environ[DEMO_ENV].strip()[:20]}")
    is_demo = demo or wants_demo is True
    raw = environ.get(BASE_URL_ENV, "").strip()
    if not raw:
        return (
            (DEMO_BASE_URL, DEMO_WS_BASE_URL)
            if is_demo
            else (PRODUCTION_BASE_URL, PRODUCTION_WS_BASE_URL)
        )
    try:
        base_url = _check_url("base_url", raw, ("https", "http"), REST_PATH, allow_unknown_host)
    except ConfigError as error:
        raise ConfigError(f"{BASE_URL_ENV}: {error}") from None
    # Only a Kalshi host can disagree: a mock or proxy is neither production nor demo.
    environment = _environment_name(base_url)
    asks_for = "demo" if is_demo else "production" if wants_demo is False else None
    if asks_for is not None and environment in ("production", "demo") and environment != asks_for:
        asked = (
            f"{DEMO_ENV}={environ[DEMO_ENV].strip()[:20]}"
            if wants_demo is not None
            else "demo=True"
        )
        raise ConfigError(
            f"{asked} conflicts with {BASE_URL_ENV}, which points at "
            f"{urlsplit(base_url).hostname} ({environment}); set only one of them, "
            "or make them agree"
        )
    return base_url, _ws_url_for(base_url)


def _environment_name(base_url: str) -> str:
    host = urlsplit(base_url).hostname
    if host in PRODUCTION_HOSTS:
        return "production"
    if host in DEMO_HOSTS:
        return "demo"
    return "neither production nor demo"


def _ws_url_for(base_url: str) -> str:
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    if parts.hostname in OFFICIAL_HOSTS:
        return f"wss://{parts.netloc}{WS_PATH}"
    path = parts.path
    path = path[: -len(REST_PATH)] + WS_PATH if path.endswith(REST_PATH) else path + WS_PATH
    return f"{scheme}://{parts.netloc}{path}"


def _check_url(
    name: str,
    url: object,
    schemes: tuple[str, str],
    official_path: str,
    allow_unknown: bool,
    official_hosts: frozenset[str] = OFFICIAL_HOSTS,
) -> str:
    """Validate one URL against the host policy and return it without trailing slashes."""
    secure, plain = schemes
    if not isinstance(url, str):
        raise ConfigError(f"{name} must be a str URL such as '{secure}://...'")
    # Messages never echo the whole URL: a refused one may carry credentials or tokens.
    if _URL_FORBIDDEN.search(url):
        raise ConfigError(f"{name} contains whitespace or control characters")
    url = url.rstrip("/")
    try:
        parts = urlsplit(url)
    except ValueError:  # urllib's only complaint: an unbalanced '[' or ']'
        raise ConfigError(f"{name} has an unbalanced '[' or ']' in its host") from None
    if parts.scheme not in schemes:
        raise ConfigError(f"{name} must start with {secure}:// (got scheme {parts.scheme!r})")
    if "@" in parts.netloc:
        raise ConfigError(f"{name} must not contain user info (user:password@)")
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise ConfigError(f"{name} must not contain a query (?...) or a fragment (#...)")
    host = parts.hostname
    if not host:
        raise ConfigError(f"{name} has no host")
    try:
        parts.port  # noqa: B018 (parsing the port is the check)
    except ValueError:
        raise ConfigError(f"{name} has an invalid port") from None
    host = _host_as_sent(name, url, host)

    is_loopback = host in LOOPBACK_HOSTS
    if not (is_loopback or host in official_hosts or allow_unknown):
        raise ConfigError(
            f"{name} host {host!r} is not a Kalshi host ({', '.join(sorted(official_hosts))}) "
            f"nor loopback; set allow_unknown_host=True or {ALLOW_UNKNOWN_HOST_ENV}=1 "
            "for a mock server or proxy"
        )
    if parts.scheme == plain and not is_loopback:
        raise ConfigError(
            f"{name} must use {secure}:// for remote host {host!r}; "
            f"{plain}:// is only allowed for {', '.join(sorted(LOOPBACK_HOSTS))}"
        )
    if host in official_hosts and parts.path != official_path:
        raise ConfigError(f"{name} path for {host} must be {official_path!r} (got {parts.path!r})")
    return url


def _host_as_sent(name: str, url: str, host: str) -> str:
    """The host httpx connects to, which must be the host urllib reads (the policy's and the
    WebSocket client's parser): a URL the two read differently is refused, not guessed at."""
    if "%" in host:  # urllib reads '%' as an IPv6 zone separator, httpx as part of the name
        raise ConfigError(f"{name} host must not be percent-encoded or carry an IPv6 zone")
    try:
        parsed = httpx.URL(url)
        parsed.host  # noqa: B018 - httpx decodes an IDNA host here (e.g. when it sends)
        sent = parsed.raw_host.decode("ascii").lower()
    except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
        # httpx's reason quotes only the part it cannot read (a host or a port), never the path.
        reason = str(exc)[:80]
        raise ConfigError(
            f"{name} is not a URL the HTTP client can send to ({reason}); check its host and port"
        ) from None
    try:
        read = host.encode("idna").decode("ascii").lower() if not host.isascii() else host
    except UnicodeError:
        read = host
    if sent != read.lower():
        raise ConfigError(
            f"{name} host is ambiguous: it reads as {host[:60]!r} and as {sent[:60]!r}; "
            "write the host plainly (ASCII, or an IPv6 address in brackets)"
        )
    return sent


def _check_pairing(base_url: str, ws_base_url: str) -> None:
    rest_host, ws_host = urlsplit(base_url).hostname, urlsplit(ws_base_url).hostname
    production, demo = PRODUCTION_HOSTS | PRODUCTION_WS_HOSTS, DEMO_HOSTS | DEMO_WS_HOSTS
    if (rest_host in production and ws_host in demo) or (
        rest_host in demo and ws_host in production
    ):
        raise ConfigError(
            f"base_url ({rest_host}) and ws_base_url ({ws_host}) mix production and demo; "
            "use KalshiConfig.production() or KalshiConfig.demo()"
        )


def _check_bool(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be True or False (got {type(value).__name__})")


def _check_number(name: str, value: object, *, minimum: float, inclusive: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{name} must be a number of seconds (got {type(value).__name__})")
    in_range = value >= minimum if inclusive else value > minimum
    if not (math.isfinite(value) and in_range):
        bound = ">=" if inclusive else ">"
        raise ConfigError(f"{name} must be a finite number {bound} {minimum:g} (got {value!r})")


def _check_count(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be an int (got {type(value).__name__})")
    if value < 0:
        raise ConfigError(f"{name} must be >= 0 (got {value})")


def _check_headers(headers: object) -> FrozenHeaders:
    """Validate extra_headers and freeze them. Messages name the header, never its value."""
    if not isinstance(headers, Mapping):
        raise ConfigError("extra_headers must be a mapping of header name to value")
    seen: set[str] = set()
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            raise ConfigError(f"extra_headers name {name!r} is not a valid HTTP header name")
        # Compared as servers read them: case ignored, and '_' as '-' (a WSGI or CGI server
        # turns both into HTTP_KALSHI_ACCESS_KEY, merging a forged header into the real one).
        normalised = name.lower().replace("_", "-")
        if normalised.startswith(_AUTH_HEADER_PREFIX):
            raise ConfigError(
                f"extra_headers may not set {name!r}: KALSHI-ACCESS-* headers (in any case, "
                "with '-' or '_') are made by KalshiAuth when it signs each request"
            )
        if normalised in FRAMING_HEADERS:
            raise ConfigError(
                f"extra_headers may not set {name!r}: the HTTP client sets the headers that "
                "frame a request and its connection (Host, Content-Length, Transfer-Encoding, "
                "Connection and the other hop-by-hop headers)"
            )
        if normalised in seen:
            raise ConfigError(
                f"extra_headers names {name!r} twice (header names ignore case, and servers "
                "may read '_' as '-')"
            )
        seen.add(normalised)
        if not isinstance(value, str) or not _HEADER_VALUE.fullmatch(value):
            raise ConfigError(
                f"extra_headers[{name!r}] must be a str of printable ASCII without CR/LF"
            )
    return headers if isinstance(headers, FrozenHeaders) else FrozenHeaders(headers)


def _missing(package: str) -> bool:
    import importlib.util  # only http2=True needs it

    return importlib.util.find_spec(package) is None
