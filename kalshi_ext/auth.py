"""KalshiAuth: loads a Kalshi API key once and signs every request with it (an httpx.Auth).

Kalshi authenticates each request with three headers: KALSHI-ACCESS-KEY (the key id),
KALSHI-ACCESS-TIMESTAMP (milliseconds since the epoch) and KALSHI-ACCESS-SIGNATURE, the
base64 signature of `timestamp + METHOD + path`, where path is the percent-encoded path as
sent on the wire (with `/trade-api/v2`, without the query). RSA keys sign with
RSA-PSS-SHA256 (MGF1-SHA256, salt = digest length); Ed25519 keys sign the message directly.

httpx runs `auth_flow` once per `client.send()`, so each attempt of a retry loop that goes
back through `send()` is signed afresh with a new timestamp.

A signature must not outlive its request (the body is not signed, so a copy could carry any
body until it expires): once answered, a request's signature is withheld (`withhold_signature`),
`WithholdingClient` withholds it on a failed send too, and `CrossOriginGuard` keeps the headers
off a redirect to another origin.

Loading an RSA key: cryptography's own check of a parsed key (OpenSSL's RSA_check_key) spends
~40 ms, nearly all of it testing that p and q are prime, and every client pays it on
construction. `_load_pem` skips it (`unsafe_skip_rsa_key_validation=True`) and checks instead
what a damaged or mismatched key file gets wrong, in well under 2 ms (`_checked_rsa_key`):
every relation between the key's numbers (n = p*q, d and the CRT exponents invert e, qinv
inverts q), then a self-test that signs with the private key and verifies with its public key,
which is exactly what Kalshi will check. A flipped bit in any component breaks a relation; the
self-test also refuses a key whose p or q is not prime (its signatures do not verify). A key
object passed in already loaded is the caller's: it is checked as they loaded it.
"""

from __future__ import annotations

import base64
import contextlib
import math
import os
import re
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Callable,
    Generator,
    Iterator,
    Mapping,
)
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Self

import attrs
import httpx
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, padding, rsa

from kalshi_ext.config import RedactedHeaders, origin_of
from kalshi_ext.errors import KalshiError

if TYPE_CHECKING:
    from concurrent.futures import Executor

__all__ = [
    "KEY_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WITHHELD",
    "AsyncWithholdingClient",
    "CrossOriginGuard",
    "KalshiAuth",
    "KeyLoadError",
    "Passphrase",
    "PrivateKey",
    "SigningError",
    "WithholdingClient",
]

KEY_HEADER = "KALSHI-ACCESS-KEY"
TIMESTAMP_HEADER = "KALSHI-ACCESS-TIMESTAMP"
SIGNATURE_HEADER = "KALSHI-ACCESS-SIGNATURE"
AUTH_HEADERS = (KEY_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER)
WITHHELD = "[withheld]"  # the signature's value on a request once it has been sent

KEY_ID_ENV = "KALSHI_KEY_ID"
KEY_PATH_ENV = "KALSHI_PRIVATE_KEY_PATH"
KEY_PEM_ENV = "KALSHI_PRIVATE_KEY"
PASSPHRASE_ENV = "KALSHI_PRIVATE_KEY_PASSPHRASE"

MIN_RSA_BITS = 2048

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
Passphrase = str | bytes | Callable[[], str | bytes]

_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
# A key file is a few KiB; the cap stops a wrong path (a log, /dev/zero) from being read whole.
_MAX_KEY_FILE_BYTES = 64 * 1024
_PEM_LABEL = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,64})-----")
_OPENSSH_PUBLIC_PREFIXES = (b"ssh-rsa ", b"ssh-ed25519 ", b"ecdsa-sha2-", b"ssh-dss ")
_KEY_ID = re.compile(r"[\x21-\x7e]+")  # sent as a header value: printable ASCII, no space
_METHOD = re.compile(r"[A-Z]+")
_RAW_PATH = re.compile(r"/[\x21-\x22\x24-\x3e\x40-\x7e]*")  # printable ASCII without '?', '#'
_ORIGIN_SCHEMES = ("http", "https")


class KeyLoadError(KalshiError, ValueError):
    """The API key id or private key is missing, unreadable or unusable; the message says why."""


class SigningError(KalshiError, RuntimeError):
    """KalshiAuth refused to sign: the request goes to another origin, or its path is invalid."""


class KalshiAuth(httpx.Auth):
    """Signs requests for one Kalshi API key (RSA or Ed25519), parsed once at construction.

    An auth made by `bind(origin)` signs only requests to that origin and raises SigningError
    for any other; an unbound auth signs whatever it is given. `with_executor(pool)` makes the
    async client sign in that pool, off the event loop. Instances cannot be pickled or copied
    (they hold the private key); `bind` and `with_executor` return copies sharing the key.
    """

    requires_request_body = False
    requires_response_body = False

    def __init__(
        self, key_id: str, private_key: PrivateKey, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._key_id = _checked_key_id(key_id)
        self._private_key = _checked_key_type(private_key, "private_key")
        self._clock = clock
        self._origin: str | None = None
        self._executor: Executor | None = None

    @classmethod
    def from_pem(cls, key_id: str, pem: str | bytes, passphrase: Passphrase | None = None) -> Self:
        """Load a PEM private key (PKCS#8 or traditional RSA). A callable passphrase is
        called only if the key is encrypted."""
        _checked_key_id(key_id)
        return cls(key_id, _load_pem(pem, passphrase, source="the PEM data"))

    @classmethod
    def from_key_path(
        cls, key_id: str, path: str | os.PathLike[str], passphrase: Passphrase | None = None
    ) -> Self:
        """Load the PEM private key file at `path` (`~` is expanded)."""
        _checked_key_id(key_id)
        file = Path(path).expanduser()
        source = f"private key file {str(file)!r}"
        try:
            with file.open("rb") as stream:
                data = stream.read(_MAX_KEY_FILE_BYTES + 1)
        except FileNotFoundError:
            raise KeyLoadError(f"{source} does not exist; check the path") from None
        except IsADirectoryError:
            raise KeyLoadError(f"{source} is a directory; give the key file inside it") from None
        except PermissionError:
            raise KeyLoadError(
                f"{source} cannot be read: permission denied (check its owner and mode)"
            ) from None
        except OSError as error:
            raise KeyLoadError(f"{source} cannot be read: {error.strerror}") from None
        if len(data) > _MAX_KEY_FILE_BYTES:
            raise KeyLoadError(f"{source} is larger than 64 KiB: it is not a private key")
        return cls(key_id, _load_pem(data, passphrase, source=source))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """Load from KALSHI_KEY_ID plus exactly one of KALSHI_PRIVATE_KEY_PATH (a file) or
        KALSHI_PRIVATE_KEY (PEM text), and optional KALSHI_PRIVATE_KEY_PASSPHRASE.

        Empty variables count as unset. PEM text on one line with literal `\\n` sequences
        (as some .env files store it) is read with those sequences as newlines.
        """
        env = os.environ if environ is None else environ
        key_id = env.get(KEY_ID_ENV, "").strip()
        path = env.get(KEY_PATH_ENV, "").strip()
        pem = env.get(KEY_PEM_ENV, "").strip()
        passphrase = env.get(PASSPHRASE_ENV) or None
        if not key_id:
            raise KeyLoadError(f"{KEY_ID_ENV} is not set: set it to your Kalshi API key id")
        _checked_key_id(key_id)
        if path and pem:
            raise KeyLoadError(
                f"both {KEY_PATH_ENV} and {KEY_PEM_ENV} are set: set only one of them"
            )
        if path:
            return cls.from_key_path(key_id, path, passphrase)
        if not pem:
            raise KeyLoadError(
                f"no private key: set {KEY_PATH_ENV} to the key file, or {KEY_PEM_ENV} "
                "to its PEM text"
            )
        if "\n" not in pem and "\\n" in pem:
            pem = pem.replace("\\n", "\n")
        return cls(key_id, _load_pem(pem, passphrase, source=KEY_PEM_ENV))

    @property
    def key_id(self) -> str:
        """The Kalshi API key id sent as KALSHI-ACCESS-KEY."""
        return self._key_id

    @property
    def algorithm(self) -> str:
        """`RSA-PSS-SHA256` or `Ed25519`."""
        return "RSA-PSS-SHA256" if isinstance(self._private_key, rsa.RSAPrivateKey) else "Ed25519"

    @property
    def origin(self) -> str | None:
        """The only origin this auth signs for, or None when it signs for any."""
        return self._origin

    def bind(self, origin: str) -> Self:
        """Return a copy that signs only requests to `origin` (`https://host[:port]`)."""
        return self._copy(origin=_checked_origin(origin), executor=self._executor)

    def with_executor(self, executor: Executor) -> Self:
        """Return a copy whose async flow signs in `executor` instead of on the event loop."""
        from concurrent.futures import Executor  # only async clients pay for it

        if not isinstance(executor, Executor):
            raise TypeError("executor must be a concurrent.futures.Executor")
        return self._copy(origin=self._origin, executor=executor)

    def sign_headers(self, method: str, raw_path: str) -> dict[str, str]:
        """Return the three KALSHI-ACCESS-* headers for `method` and `raw_path`, signed now.

        `raw_path` is the percent-encoded path exactly as sent, without the query, e.g.
        `/trade-api/v2/portfolio/orders/a%20b`. This is the one place the message is built.
        """
        if not isinstance(method, str) or not _METHOD.fullmatch(method):
            raise SigningError("method must be an upper-case HTTP method such as 'GET'")
        if not isinstance(raw_path, str) or not _RAW_PATH.fullmatch(raw_path):
            raise SigningError(
                "raw_path must be the percent-encoded path as sent: it starts with '/' and "
                "has no query, fragment, space or non-ASCII character"
            )
        timestamp = str(int(self._clock() * 1000))
        message = (timestamp + method + raw_path).encode("ascii")
        if isinstance(self._private_key, rsa.RSAPrivateKey):
            signature = self._private_key.sign(message, _PSS, hashes.SHA256())
        else:
            signature = self._private_key.sign(message)
        return {
            KEY_HEADER: self._key_id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: base64.b64encode(signature).decode("ascii"),
        }

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(self.sign_headers(*self._signing_input(request)))
        response = yield request
        # Sent and answered. (A send that failed is withheld from by map_transport_error: a
        # flow closed without an answer may be one a caller drives by hand, still to be sent.)
        withhold_signature(request, response)

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        method, raw_path = self._signing_input(request)
        if self._executor is None:
            headers = self.sign_headers(method, raw_path)
        else:
            import asyncio  # imported by then: the caller runs on its loop

            loop = asyncio.get_running_loop()
            headers = await loop.run_in_executor(
                self._executor, self.sign_headers, method, raw_path
            )
        request.headers.update(headers)
        response = yield request
        withhold_signature(request, response)

    def _signing_input(self, request: httpx.Request) -> tuple[str, str]:
        """Check the request's origin against the bound one; return (method, raw path)."""
        if self._origin is not None:
            request_origin = origin_of(request.url)
            if request_origin != self._origin:
                raise SigningError(
                    f"refusing to sign a request to {request_origin}: this KalshiAuth is "
                    f"bound to {self._origin}"
                )
        return request.method, request.url.raw_path.split(b"?", 1)[0].decode("ascii")

    def _copy(self, *, origin: str | None, executor: Executor | None) -> Self:
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__, _origin=origin, _executor=executor)
        return clone

    def __repr__(self) -> str:
        return (
            f"KalshiAuth(key_id={self._key_id[:8] + '…'!r}, algorithm={self.algorithm!r}, "
            f"origin={self._origin!r})"
        )

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError(
            "KalshiAuth holds a private key and cannot be pickled or copied; load it again "
            "where it is needed (KalshiAuth.from_key_path / from_env)"
        )


def withhold_signature(request: httpx.Request, response: httpx.Response | None = None) -> None:
    """Once a request is sent, replace its signature with WITHHELD and mask its headers' repr.

    Kalshi does not sign the body: a signature that outlives its request (on an error, a
    response, a redirect's next_request, in a log) could carry any body until it expires.
    """
    requests: list[httpx.Request | None] = [request]
    if response is not None:
        for seen in (*response.history, response):
            with contextlib.suppress(RuntimeError):  # a response built without a request
                requests.append(seen.request)
            _release_connection_stream(seen)
        requests.append(response.next_request)  # a redirect not followed, signature copied
    for sent in requests:
        if sent is None:
            continue
        headers = RedactedHeaders(sent.headers)
        if SIGNATURE_HEADER in headers:
            headers[SIGNATURE_HEADER] = WITHHELD
        sent.headers = headers


def _release_connection_stream(response: httpx.Response) -> None:
    """Hold the body in memory, not on httpcore's stream: that stream keeps the request as it
    went out, signature included, for as long as the response lives."""
    try:
        response.stream = httpx.ByteStream(response.content)
    except httpx.ResponseNotRead:  # not read yet: let go of the stream once it is closed
        response.stream = _ReleasingStream(response.stream)


class _ReleasingStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response stream that drops the stream it wraps when closed (see above)."""

    def __init__(self, stream: httpx.SyncByteStream | httpx.AsyncByteStream) -> None:
        self._stream: Any = stream

    def __iter__(self) -> Iterator[bytes]:
        yield from self._stream if self._stream is not None else ()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._stream is not None:
            async for chunk in self._stream:
                yield chunk

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()

    async def aclose(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            await stream.aclose()


def _withhold_failed(request: httpx.Request, exc: BaseException) -> None:
    withhold_signature(request)
    if isinstance(exc, httpx.RequestError):
        with contextlib.suppress(RuntimeError):  # an httpx error raised without a request
            withhold_signature(exc.request)  # a redirect hop's, if that is where it failed


class WithholdingClient(httpx.Client):
    """`client.http`: an httpx.Client whose failed sends keep no signature either. httpx closes
    the auth flow without an answer then, so the auth cannot tell a failure from a request a
    caller signs by hand and sends later; here the send is known to be over."""

    def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        try:
            return super().send(request, **kwargs)
        except BaseException as exc:
            _withhold_failed(request, exc)
            raise


class AsyncWithholdingClient(httpx.AsyncClient):
    """The httpx.AsyncClient of `AsyncClient.http`, as WithholdingClient."""

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        try:
            return await super().send(request, **kwargs)
        except BaseException as exc:
            _withhold_failed(request, exc)
            raise


@attrs.frozen
class CrossOriginGuard:
    """An httpx request hook: a request to another origin than the client's (a redirect hop;
    httpx does not run auth again for those) goes without KALSHI-ACCESS-* and extra_headers."""

    origin: str
    extra_headers: frozenset[str] = frozenset()

    def __call__(self, request: httpx.Request) -> None:
        if origin_of(request.url) == self.origin:
            return
        for name in (*AUTH_HEADERS, *self.extra_headers):
            if name in request.headers:
                del request.headers[name]

    async def on_async_request(self, request: httpx.Request) -> None:
        """The same hook for an httpx.AsyncClient (which awaits its hooks)."""
        self(request)


def _checked_key_id(key_id: object) -> str:
    if not isinstance(key_id, str) or not key_id:
        raise KeyLoadError("key_id is empty: pass your Kalshi API key id")
    if not _KEY_ID.fullmatch(key_id):
        raise KeyLoadError("key_id must be printable ASCII without spaces (it is sent as a header)")
    return key_id


def _checked_key_type(key: object, source: str) -> PrivateKey:
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise KeyLoadError(
                f"{source} is an RSA key of {key.key_size} bits; at least {MIN_RSA_BITS} are needed"
            )
        return key
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        kind = "an EC key"
    elif isinstance(key, dsa.DSAPrivateKey):
        kind = "a DSA key"
    else:
        kind = f"a {type(key).__name__} object"
    raise KeyLoadError(f"{source} is {kind}; Kalshi needs an RSA or Ed25519 private key")


def _load_pem(pem: object, passphrase: Passphrase | None, *, source: str) -> PrivateKey:
    """Parse a PEM private key. Messages never quote the data or the passphrase, and the
    cryptography exception (which may) is dropped with `from None`."""
    if isinstance(pem, str):
        if not pem.isascii():
            raise KeyLoadError(f"{source} is not PEM text: it has non-ASCII characters")
        data = pem.encode("ascii")
    elif isinstance(pem, bytes):
        data = pem
    else:
        raise KeyLoadError(f"{source} must be PEM text (str or bytes), not {type(pem).__name__}")

    label = _private_key_label(data, source)
    encrypted = label == "ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in data
    if not encrypted:
        if passphrase and not callable(passphrase):
            raise KeyLoadError(
                f"{source} is not encrypted but a passphrase was given: drop the passphrase "
                f"(or {PASSPHRASE_ENV})"
            )
        password = None
    else:
        password = _passphrase_bytes(passphrase)
        if password is None:
            raise KeyLoadError(
                f"{source} is encrypted: pass its passphrase (passphrase=... or {PASSPHRASE_ENV})"
            )
    try:
        # cryptography's RSA check is replaced by _checked_rsa_key (see the module docstring).
        key = serialization.load_pem_private_key(
            data, password, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError, UnsupportedAlgorithm):
        if encrypted:
            raise KeyLoadError(
                f"{source} could not be decrypted: wrong passphrase, or the file is damaged"
            ) from None
        raise KeyLoadError(
            f"{source} could not be parsed as a private key: the PEM data is damaged or of an "
            "unsupported kind"
        ) from None
    key = _checked_key_type(key, source)
    if isinstance(key, rsa.RSAPrivateKey):
        _checked_rsa_key(key, source)
    return key


_SELF_TEST_MESSAGE = b"kalshi-portfolio key self-test"


def _checked_rsa_key(key: rsa.RSAPrivateKey, source: str) -> None:
    """Refuse an RSA key whose numbers do not fit together or whose signatures do not verify.

    It stands in for cryptography's validation, which `_load_pem` skips for its ~40 ms of
    primality tests: the relations below catch a damaged component (the CRT exponents are
    checked too: OpenSSL signs with them), and the self-test proves end to end, through the
    same backend that will sign requests, that a signature verifies under the key's public key.
    """
    numbers = key.private_numbers()
    n, e = numbers.public_numbers.n, numbers.public_numbers.e
    p, q = numbers.p, numbers.q
    consistent = (
        p > 1
        and q > 1
        and p * q == n
        and (e * numbers.d) % math.lcm(p - 1, q - 1) == 1
        and (e * numbers.dmp1) % (p - 1) == 1
        and (e * numbers.dmq1) % (q - 1) == 1
        and (q * numbers.iqmp) % p == 1
    )
    if consistent:
        signature = key.sign(_SELF_TEST_MESSAGE, _PSS, hashes.SHA256())
        try:
            key.public_key().verify(signature, _SELF_TEST_MESSAGE, _PSS, hashes.SHA256())
        except InvalidSignature:
            consistent = False
    if not consistent:
        raise KeyLoadError(
            f"{source} is a damaged RSA key: its numbers do not fit together, so Kalshi would "
            "reject its signatures; use the private key file downloaded when the API key was "
            "created"
        )


def _private_key_label(data: bytes, source: str) -> str:
    """Return the label of the PEM private key block, or explain what the data is instead."""
    labels: list[str] = [match.decode("ascii") for match in _PEM_LABEL.findall(data)]
    if not labels:
        if data.lstrip().startswith(_OPENSSH_PUBLIC_PREFIXES):
            raise KeyLoadError(
                f"{source} is an OpenSSH public key; Kalshi needs the private key file "
                "downloaded when the API key was created"
            )
        raise KeyLoadError(
            f"{source} is not a PEM private key (no '-----BEGIN ... PRIVATE KEY-----' line)"
        )
    private = [label for label in labels if label.endswith("PRIVATE KEY")]
    if not private:
        raise KeyLoadError(
            f"{source} holds a {labels[0].lower()}, not a private key; Kalshi needs the private "
            "key file downloaded when the API key was created"
        )
    label = private[0]
    if label == "OPENSSH PRIVATE KEY":
        raise KeyLoadError(
            f"{source} is in OpenSSH format; convert it to PEM with "
            "`ssh-keygen -p -m PEM -f <file>` (rewrites the file in place) or "
            "`openssl pkey -in <file> -out <file>.pem`"
        )
    if label in ("EC PRIVATE KEY", "DSA PRIVATE KEY"):
        raise KeyLoadError(
            f"{source} is {'an EC' if label.startswith('EC') else 'a DSA'} key; Kalshi needs an "
            "RSA or Ed25519 private key"
        )
    return label


def _passphrase_bytes(passphrase: Passphrase | None) -> bytes | None:
    # Annotated: mypy would type a call through `callable(str)` narrowing as Any.
    value: str | bytes | None = passphrase() if callable(passphrase) else passphrase
    if isinstance(value, str):
        value = value.encode("utf-8")
    if value is not None and not isinstance(value, bytes):
        raise KeyLoadError("passphrase must be str, bytes, or a callable returning one of them")
    return value or None


def _checked_origin(origin: object) -> str:
    message = "origin must look like 'https://host[:port]' (e.g. KalshiConfig.origin)"
    if not isinstance(origin, str):
        raise ValueError(message)
    try:
        url = httpx.URL(origin)
    except httpx.InvalidURL:
        raise ValueError(message) from None
    if (
        url.scheme not in _ORIGIN_SCHEMES
        or not url.host
        or url.userinfo
        or url.raw_path != b"/"
        or url.fragment
    ):
        raise ValueError(message)
    return origin_of(url)
