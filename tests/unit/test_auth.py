"""KalshiAuth: signatures Kalshi would accept, key loading errors, origin binding, no leaks."""

from __future__ import annotations

import asyncio
import base64
import copy
import datetime
import functools
import math
import pickle
import re
import string
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec
from cryptography.hazmat.primitives.asymmetric import rsa as rsa_module
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_ext.auth import (
    KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WITHHELD,
    KalshiAuth,
    KeyLoadError,
    SigningError,
)
from tests.keys import (
    PASSPHRASE,
    PSS_AUTO,
    KeyPair,
    ed25519_pair,
    key_pair,
    rsa_pair,
    signature_is_valid,
)

API = "https://api.elections.kalshi.com"
BALANCE = "/trade-api/v2/portfolio/balance"
KID = "a1b2c3d4-e5f6-4711-8899-aabbccddeeff"
NOW = 1_700_000_000.123


def fixed_clock(now: float = NOW) -> Callable[[], float]:
    return lambda: now


def signed(auth: KalshiAuth, request: httpx.Request) -> httpx.Request:
    """Run the sync auth flow once, as httpx does for one send()."""
    return next(auth.sync_auth_flow(request))


def signature_matches(pair: KeyPair, request: httpx.Request, method: str, path: str) -> bool:
    headers = request.headers
    message = (headers[TIMESTAMP_HEADER] + method + path).encode()
    return signature_is_valid(pair.public_key, message, headers[SIGNATURE_HEADER])


# --- the signature --------------------------------------------------------------------------


def test_signature_verifies_with_the_public_key(pair: KeyPair) -> None:
    auth = KalshiAuth(pair.key_id, pair.private_key, clock=fixed_clock())
    request = signed(auth, httpx.Request("GET", API + BALANCE))

    assert request.headers[KEY_HEADER] == pair.key_id
    assert request.headers[TIMESTAMP_HEADER] == "1700000000123"
    assert signature_matches(pair, request, "GET", BALANCE)
    assert not signature_matches(pair, request, "POST", BALANCE)
    assert not signature_matches(pair, request, "GET", BALANCE + "/")


def test_rsa_signature_is_pss_with_digest_length_salt(rsa: KeyPair) -> None:
    auth = KalshiAuth(rsa.key_id, rsa.private_key, clock=fixed_clock())
    headers = auth.sign_headers("DELETE", "/trade-api/v2/portfolio/orders/o-1")
    message = b"1700000000123DELETE/trade-api/v2/portfolio/orders/o-1"
    signature = base64.b64decode(headers[SIGNATURE_HEADER])
    public_key = rsa.public_key
    assert isinstance(public_key, rsa_module.RSAPublicKey)
    # A verifier that reads the salt length from the signature accepts it too.
    public_key.verify(signature, message, PSS_AUTO, hashes.SHA256())
    assert len(signature) == 256
    assert auth.algorithm == "RSA-PSS-SHA256"


def test_ed25519_signature(ed25519: KeyPair) -> None:
    auth = KalshiAuth(ed25519.key_id, ed25519.private_key, clock=fixed_clock())
    first = auth.sign_headers("GET", BALANCE)
    assert first == auth.sign_headers("GET", BALANCE)  # Ed25519 is deterministic
    assert auth.algorithm == "Ed25519"
    message = ("1700000000123GET" + BALANCE).encode()
    assert signature_is_valid(ed25519.public_key, message, first[SIGNATURE_HEADER])


@pytest.mark.parametrize(
    ("url", "params", "signed_path", "not_signed_path"),
    [
        (
            API + "/trade-api/v2/portfolio/orders/a b",
            None,
            "/trade-api/v2/portfolio/orders/a%20b",
            "/trade-api/v2/portfolio/orders/a b",
        ),
        (
            API + "/trade-api/v2/portfolio/orders/a%2Fb",
            None,
            "/trade-api/v2/portfolio/orders/a%2Fb",
            "/trade-api/v2/portfolio/orders/a/b",
        ),
        (
            API + "/trade-api/v2/portfolio/orders/é",
            None,
            "/trade-api/v2/portfolio/orders/%C3%A9",
            "/trade-api/v2/portfolio/orders/é",
        ),
        (
            API + "/trade-api/v2/portfolio/orders?ticker=KX-1&cursor=abc%3D%3D",
            None,
            "/trade-api/v2/portfolio/orders",
            "/trade-api/v2/portfolio/orders?ticker=KX-1&cursor=abc%3D%3D",
        ),
        (
            API + "/trade-api/v2/portfolio/fills",
            {"ticker": "KX 1", "limit": 5},
            "/trade-api/v2/portfolio/fills",
            "/trade-api/v2/portfolio/fills?ticker=KX+1&limit=5",
        ),
    ],
    ids=["space", "encoded-slash", "non-ascii", "query", "params"],
)
def test_message_is_the_raw_path_without_query(
    rsa: KeyPair, url: str, params: dict[str, Any] | None, signed_path: str, not_signed_path: str
) -> None:
    auth = KalshiAuth(rsa.key_id, rsa.private_key)
    request = signed(auth, httpx.Request("GET", url, params=params))
    assert signature_matches(rsa, request, "GET", signed_path)
    assert not signature_matches(rsa, request, "GET", not_signed_path)


class StepClock:
    """A clock that moves forward by `step` seconds at each reading."""

    def __init__(self, start: float = NOW, step: float = 0.25) -> None:
        self.now, self.step, self.readings = start, step, 0

    def __call__(self) -> float:
        self.readings += 1
        self.now += self.step
        return self.now


def test_each_send_is_signed_afresh(pair: KeyPair) -> None:
    clock = StepClock()
    seen: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(httpx.Headers(request.headers))  # the request object is re-sent
        return httpx.Response(503 if len(seen) < 3 else 200)

    auth = KalshiAuth(pair.key_id, pair.private_key, clock=clock)
    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:
        request = client.build_request("POST", API + "/trade-api/v2/portfolio/orders", json={})
        # A retry loop that goes back through send(), as the client's loop does.
        statuses = [client.send(request).status_code for _ in range(3)]

    assert statuses == [503, 503, 200]
    assert clock.readings == 3
    assert [h[TIMESTAMP_HEADER] for h in seen] == [
        "1700000000373",
        "1700000000623",
        "1700000000873",
    ]
    for headers in seen:
        assert len(headers.get_list(SIGNATURE_HEADER)) == 1
        message = (headers[TIMESTAMP_HEADER] + "POST/trade-api/v2/portfolio/orders").encode()
        assert signature_is_valid(pair.public_key, message, headers[SIGNATURE_HEADER])


def test_existing_access_headers_are_replaced(ed25519: KeyPair) -> None:
    auth = KalshiAuth(ed25519.key_id, ed25519.private_key)
    forged = {KEY_HEADER: "someone-else", SIGNATURE_HEADER: "Zm9yZ2Vk", TIMESTAMP_HEADER: "1"}
    request = signed(auth, httpx.Request("GET", API + BALANCE, headers=forged))
    for name in (KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER):
        assert len(request.headers.get_list(name)) == 1
    assert request.headers[KEY_HEADER] == ed25519.key_id
    assert signature_matches(ed25519, request, "GET", BALANCE)


def test_key_is_parsed_once(monkeypatch: pytest.MonkeyPatch, rsa: KeyPair) -> None:
    real_load = serialization.load_pem_private_key
    calls: list[int] = []

    def counting_load(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(serialization, "load_pem_private_key", counting_load)
    auth = KalshiAuth.from_pem(rsa.key_id, rsa.pem)
    bound = auth.bind(API)
    for _ in range(3):
        signed(bound, httpx.Request("GET", API + BALANCE))
    assert len(calls) == 1


BAD_SIGNING_INPUT = [
    ("get", BALANCE, "upper-case HTTP method"),
    ("", BALANCE, "upper-case HTTP method"),
    ("GET ", BALANCE, "upper-case HTTP method"),
    ("GET", "trade-api/v2/portfolio/balance", "starts with '/'"),
    ("GET", BALANCE + "?limit=1", "no query"),
    ("GET", BALANCE + "#x", "no query, fragment"),
    ("GET", "/trade-api/v2/portfolio/orders/a b", "space"),
    ("GET", "/trade-api/v2/portfolio/orders/é", "non-ASCII"),
    ("GET", "", "starts with '/'"),
]


@pytest.mark.parametrize(
    ("method", "path", "message"), BAD_SIGNING_INPUT, ids=[repr(r[:2]) for r in BAD_SIGNING_INPUT]
)
def test_sign_headers_refuses_what_the_wire_cannot_carry(
    ed25519: KeyPair, method: str, path: str, message: str
) -> None:
    auth = KalshiAuth(ed25519.key_id, ed25519.private_key)
    with pytest.raises(SigningError, match=message):
        auth.sign_headers(method, path)


# --- hypothesis: any path and method ---------------------------------------------------------

PATH_CHARS = string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@%/"
methods = st.from_regex(r"[A-Z]{1,12}", fullmatch=True)
raw_paths = st.text(alphabet=PATH_CHARS, max_size=80).map(lambda tail: "/" + tail)


@pytest.mark.parametrize("name", ["rsa", "ed25519"])
@settings(max_examples=60, deadline=None)
@given(method=methods, raw_path=raw_paths, now=st.floats(0, 4e9))
def test_sign_headers_signs_exactly_timestamp_method_path(
    name: str, method: str, raw_path: str, now: float
) -> None:
    pair = key_pair(name)
    headers = KalshiAuth(pair.key_id, pair.private_key, clock=lambda: now).sign_headers(
        method, raw_path
    )
    assert headers[TIMESTAMP_HEADER] == str(int(now * 1000))
    message = (headers[TIMESTAMP_HEADER] + method + raw_path).encode()
    assert signature_is_valid(pair.public_key, message, headers[SIGNATURE_HEADER])
    assert not signature_is_valid(pair.public_key, message + b"x", headers[SIGNATURE_HEADER])


# Characters httpx leaves as they are in a path, and valid percent escapes.
unchanged_chars = st.sampled_from(string.ascii_letters + string.digits + "-_~!$&'()*+,;=:@")
escapes = st.builds(lambda n: f"%{n:02X}", st.integers(0, 255))
segments = st.lists(st.one_of(unchanged_chars, escapes), min_size=1, max_size=12).map("".join)
queries = st.one_of(st.just(""), st.text(alphabet=PATH_CHARS + "?/ ", max_size=30))


@pytest.mark.parametrize("name", ["rsa", "ed25519"])
@settings(max_examples=60, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
    parts=st.lists(segments, max_size=5),
    query=queries,
)
def test_requests_are_signed_over_the_path_as_sent(
    name: str, method: str, parts: list[str], query: str
) -> None:
    pair = key_pair(name)
    path = "/".join(["/trade-api/v2/portfolio", *parts])
    url = API + path + ("?" + query if query else "")
    auth = KalshiAuth(pair.key_id, pair.private_key).bind(API)
    request = signed(auth, httpx.Request(method, url))
    assert request.url.raw_path.split(b"?")[0] == path.encode()  # httpx kept the path as given
    assert signature_matches(pair, request, method, path)


# --- origin binding -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        API + BALANCE,
        "https://API.Elections.Kalshi.COM" + BALANCE,
        "https://api.elections.kalshi.com:443" + BALANCE,
    ],
    ids=["same", "host-case", "explicit-default-port"],
)
def test_bound_auth_signs_its_origin(ed25519: KeyPair, url: str) -> None:
    auth = KalshiAuth(ed25519.key_id, ed25519.private_key).bind(API)
    assert signature_matches(ed25519, signed(auth, httpx.Request("GET", url)), "GET", BALANCE)


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://demo-api.kalshi.co" + BALANCE, "https://demo-api.kalshi.co"),
        ("http://api.elections.kalshi.com" + BALANCE, "http://api.elections.kalshi.com"),
        (
            "https://api.elections.kalshi.com:8443" + BALANCE,
            "https://api.elections.kalshi.com:8443",
        ),
        ("https://evil.example" + BALANCE + "?x=1", "https://evil.example"),
    ],
    ids=["other-host", "plain-http", "other-port", "attacker"],
)
def test_bound_auth_refuses_other_origins(ed25519: KeyPair, url: str, origin: str) -> None:
    auth = KalshiAuth(ed25519.key_id, ed25519.private_key).bind(API)
    request = httpx.Request("GET", url)
    with pytest.raises(SigningError) as excinfo:
        signed(auth, request)
    assert str(excinfo.value) == (
        f"refusing to sign a request to {origin}: this KalshiAuth is bound to {API}"
    )
    assert not any(name.lower().startswith("kalshi-access") for name in request.headers)


def test_unbound_auth_signs_any_origin(ed25519: KeyPair) -> None:
    auth = KalshiAuth(ed25519.key_id, ed25519.private_key)
    assert auth.origin is None
    request = signed(auth, httpx.Request("GET", "https://evil.example" + BALANCE))
    assert signature_matches(ed25519, request, "GET", BALANCE)


@pytest.mark.parametrize(
    "origin",
    [
        API + "/trade-api/v2",
        API + "/?x=1",
        API + "#frag",
        "ftp://api.elections.kalshi.com",
        "wss://api.elections.kalshi.com",
        "https://user:pw@api.elections.kalshi.com",
        "api.elections.kalshi.com",
        "https://",
        "",
    ],
)
def test_bind_wants_an_origin(ed25519: KeyPair, origin: str) -> None:
    auth = KalshiAuth(ed25519.key_id, ed25519.private_key)
    with pytest.raises(ValueError, match="origin must look like 'https://host"):
        auth.bind(origin)


def test_bind_and_with_executor_return_copies(ed25519: KeyPair) -> None:
    auth = KalshiAuth(ed25519.key_id, ed25519.private_key)
    with ThreadPoolExecutor(max_workers=1) as pool:
        bound = auth.bind("HTTP://LocalHost:80/")
        pooled = bound.with_executor(pool)
        rebound = pooled.bind(API)
    assert (auth.origin, bound.origin, pooled.origin) == (
        None,
        "http://localhost",
        "http://localhost",
    )
    assert rebound.origin == API
    assert rebound.key_id == auth.key_id == ed25519.key_id
    with pytest.raises(TypeError, match=r"concurrent\.futures\.Executor"):
        auth.with_executor(object())  # type: ignore[arg-type]


# --- async signing --------------------------------------------------------------------------


class CountingPool(ThreadPoolExecutor):
    def __init__(self) -> None:
        super().__init__(max_workers=2)
        self.submitted = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


def thread_recording_clock(threads: list[int]) -> Callable[[], float]:
    def clock() -> float:
        threads.append(threading.get_ident())
        return NOW

    return clock


@pytest.mark.parametrize("use_pool", [True, False], ids=["executor", "inline"])
async def test_async_signing(pair: KeyPair, use_pool: bool) -> None:
    threads: list[int] = []
    auth = KalshiAuth(pair.key_id, pair.private_key, clock=thread_recording_clock(threads))
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        # A copy as a server receives it: once answered, the client withholds the signature.
        seen.append(httpx.Request(request.method, request.url, headers=request.headers))
        return httpx.Response(200)

    with CountingPool() as pool:
        client_auth = (auth.with_executor(pool) if use_pool else auth).bind(API)
        transport = httpx.MockTransport(handler)
        async with httpx.AsyncClient(transport=transport, auth=client_auth) as client:
            await asyncio.gather(*(client.get(API + BALANCE, params={"n": n}) for n in range(3)))

    assert len(seen) == 3
    assert all(signature_matches(pair, request, "GET", BALANCE) for request in seen)
    loop_thread = threading.get_ident()
    if use_pool:
        assert pool.submitted == 3
        assert loop_thread not in threads
    else:
        assert pool.submitted == 0
        assert threads == [loop_thread] * 3


async def test_async_origin_refusal_happens_before_the_executor(ed25519: KeyPair) -> None:
    with CountingPool() as pool:
        auth = KalshiAuth(ed25519.key_id, ed25519.private_key).with_executor(pool).bind(API)
        transport = httpx.MockTransport(lambda request: httpx.Response(200))
        async with httpx.AsyncClient(transport=transport, auth=auth) as client:
            with pytest.raises(SigningError, match="refusing to sign"):
                await client.get("https://demo-api.kalshi.co" + BALANCE)
    assert pool.submitted == 0


# --- loading keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "passphrase",
    [PASSPHRASE, PASSPHRASE.encode(), lambda: PASSPHRASE, lambda: PASSPHRASE.encode()],
    ids=["str", "bytes", "callable-str", "callable-bytes"],
)
def test_encrypted_key_with_passphrase(pair: KeyPair, passphrase: Any) -> None:
    auth = KalshiAuth.from_pem(pair.key_id, pair.encrypted_pem, passphrase)
    request = signed(auth, httpx.Request("GET", API + BALANCE))
    assert signature_matches(pair, request, "GET", BALANCE)


def test_traditional_encrypted_rsa_key(rsa: KeyPair) -> None:
    pem = rsa.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.BestAvailableEncryption(PASSPHRASE.encode()),
    )
    assert b"Proc-Type: 4,ENCRYPTED" in pem
    auth = KalshiAuth.from_pem(rsa.key_id, pem.decode(), PASSPHRASE)
    assert signature_matches(rsa, signed(auth, httpx.Request("GET", API + BALANCE)), "GET", BALANCE)
    with pytest.raises(KeyLoadError, match="could not be decrypted: wrong passphrase"):
        KalshiAuth.from_pem(rsa.key_id, pem, "not-it")


def test_callable_passphrase_is_not_called_for_a_plain_key(pair: KeyPair) -> None:
    def must_not_be_called() -> str:
        raise AssertionError("passphrase asked for an unencrypted key")

    auth = KalshiAuth.from_pem(pair.key_id, pair.pem.decode(), must_not_be_called)
    assert auth.key_id == pair.key_id


def test_key_path_expands_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pair: KeyPair
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".kalshi").mkdir()
    (tmp_path / ".kalshi" / "key.pem").write_bytes(pair.encrypted_pem)
    auth = KalshiAuth.from_key_path(pair.key_id, "~/.kalshi/key.pem", PASSPHRASE)
    assert signature_matches(
        pair, signed(auth, httpx.Request("GET", API + BALANCE)), "GET", BALANCE
    )
    with pytest.raises(KeyLoadError, match=re.escape(str(tmp_path / "nope.pem"))):
        KalshiAuth.from_key_path(pair.key_id, "~/nope.pem")


@functools.cache
def other_keys() -> dict[str, bytes]:
    """PEM texts of keys and files Kalshi would not accept, made once."""
    pem, pkcs8, traditional = (
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.PrivateFormat.TraditionalOpenSSL,
    )
    plain = serialization.NoEncryption()
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ed = ed25519_pair().private_key
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kalshi-test")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(ed.public_key())
        .serial_number(1)
        .not_valid_before(datetime.datetime(2024, 1, 1))
        .not_valid_after(datetime.datetime(2034, 1, 1))
        .sign(ed, None)
    )
    return {
        "ec-pkcs8": ec_key.private_bytes(pem, pkcs8, plain),
        "ec-traditional": ec_key.private_bytes(pem, traditional, plain),
        "dsa": dsa.generate_private_key(1024).private_bytes(pem, pkcs8, plain),
        "rsa-1024": rsa_module.generate_private_key(65537, 1024).private_bytes(pem, pkcs8, plain),
        "openssh": ed.private_bytes(pem, serialization.PrivateFormat.OpenSSH, plain),
        "public-spki": rsa_pair().public_key.public_bytes(
            pem, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "public-pkcs1": rsa_pair().public_key.public_bytes(pem, serialization.PublicFormat.PKCS1),
        "public-openssh": ed.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        ),
        "certificate": certificate.public_bytes(pem),
    }


def damaged(pem: bytes) -> bytes:
    lines = pem.splitlines()
    lines[2] = lines[2][::-1]
    return b"\n".join(lines)


def write(tmp_path: Path, data: bytes, name: str = "key.pem") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


LoadCase = Callable[[Path], object]
LOAD_ERRORS: list[tuple[str, LoadCase, str]] = [
    ("missing-file", lambda t: KalshiAuth.from_key_path(KID, t / "gone.pem"), "does not exist"),
    ("directory", lambda t: KalshiAuth.from_key_path(KID, t), "is a directory"),
    (
        "too-large",
        lambda t: KalshiAuth.from_key_path(KID, write(t, rsa_pair().pem * 100)),
        "larger than 64 KiB",
    ),
    (
        "openssh-private",
        lambda t: KalshiAuth.from_key_path(KID, write(t, other_keys()["openssh"])),
        "OpenSSH format; convert it to PEM with `ssh-keygen -p -m PEM -f <file>`",
    ),
    (
        "openssh-private-openssl-hint",
        lambda t: KalshiAuth.from_pem(KID, other_keys()["openssh"]),
        "`openssl pkey -in <file> -out <file>.pem`",
    ),
    (
        "public-key",
        lambda t: KalshiAuth.from_pem(KID, other_keys()["public-spki"]),
        "holds a public key, not a private key",
    ),
    (
        "rsa-public-key",
        lambda t: KalshiAuth.from_pem(KID, other_keys()["public-pkcs1"]),
        "holds a rsa public key, not a private key",
    ),
    (
        "openssh-public-key",
        lambda t: KalshiAuth.from_pem(KID, other_keys()["public-openssh"]),
        "is an OpenSSH public key",
    ),
    (
        "certificate",
        lambda t: KalshiAuth.from_pem(KID, other_keys()["certificate"]),
        "holds a certificate, not a private key",
    ),
    (
        "missing-passphrase",
        lambda t: KalshiAuth.from_pem(KID, rsa_pair().encrypted_pem),
        "the PEM data is encrypted: pass its passphrase",
    ),
    (
        "empty-passphrase",
        lambda t: KalshiAuth.from_pem(KID, rsa_pair().encrypted_pem, ""),
        "is encrypted: pass its passphrase",
    ),
    (
        "wrong-passphrase",
        lambda t: KalshiAuth.from_pem(KID, ed25519_pair().encrypted_pem, PASSPHRASE[:-1]),
        "could not be decrypted: wrong passphrase",
    ),
    (
        "wrong-callable-passphrase",
        lambda t: KalshiAuth.from_key_path(
            KID, write(t, rsa_pair().encrypted_pem), lambda: b"nope"
        ),
        "could not be decrypted: wrong passphrase",
    ),
    (
        "passphrase-for-plain-key",
        lambda t: KalshiAuth.from_pem(KID, rsa_pair().pem, PASSPHRASE),
        "is not encrypted but a passphrase was given",
    ),
    (
        "passphrase-of-wrong-type",
        lambda t: KalshiAuth.from_pem(KID, rsa_pair().encrypted_pem, lambda: 42),  # type: ignore[arg-type, return-value]
        "passphrase must be str, bytes, or a callable",
    ),
    (
        "ec-pkcs8",
        lambda t: KalshiAuth.from_pem(KID, other_keys()["ec-pkcs8"]),
        "is an EC key; Kalshi needs an RSA or Ed25519 private key",
    ),
    (
        "ec-traditional",
        lambda t: KalshiAuth.from_pem(KID, other_keys()["ec-traditional"]),
        "is an EC key; Kalshi needs an RSA or Ed25519 private key",
    ),
    (
        "dsa",
        lambda t: KalshiAuth.from_pem(KID, other_keys()["dsa"]),
        "is a DSA key; Kalshi needs an RSA or Ed25519 private key",
    ),
    (
        "rsa-1024",
        lambda t: KalshiAuth.from_pem(KID, other_keys()["rsa-1024"]),
        "is an RSA key of 1024 bits; at least 2048 are needed",
    ),
    (
        "ec-object",
        lambda t: KalshiAuth(KID, ec.generate_private_key(ec.SECP256R1())),  # type: ignore[arg-type]
        "private_key is an EC key",
    ),
    (
        "public-key-object",
        lambda t: KalshiAuth(KID, rsa_pair().public_key),  # type: ignore[arg-type]
        "private_key is a RSAPublicKey object",
    ),
    ("empty-key-id", lambda t: KalshiAuth.from_pem("", rsa_pair().pem), "key_id is empty"),
    (
        "key-id-with-newline",
        lambda t: KalshiAuth(KID + "\n", rsa_pair().private_key),
        "key_id must be printable ASCII",
    ),
    (
        "garbage",
        lambda t: KalshiAuth.from_key_path(KID, write(t, b"\x00\x01 not a key")),
        "is not a PEM private key",
    ),
    (
        "damaged-pem",
        lambda t: KalshiAuth.from_pem(KID, damaged(rsa_pair().pem)),
        "damaged",
    ),
    (
        "damaged-encrypted-pem",
        lambda t: KalshiAuth.from_pem(KID, damaged(rsa_pair().encrypted_pem), PASSPHRASE),
        "could not be decrypted",
    ),
    ("non-ascii-text", lambda t: KalshiAuth.from_pem(KID, "clé privée"), "non-ASCII"),
    ("not-text", lambda t: KalshiAuth.from_pem(KID, 42), "must be PEM text"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(
    ("load", "message"), [row[1:] for row in LOAD_ERRORS], ids=[row[0] for row in LOAD_ERRORS]
)
def test_key_load_errors(tmp_path: Path, load: LoadCase, message: str) -> None:
    with pytest.raises(KeyLoadError) as excinfo:
        load(tmp_path)
    assert message in str(excinfo.value)
    error = excinfo.value
    # cryptography's own exception may quote key data: it must not travel along.
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__
    assert_no_secret("".join(traceback.format_exception(error)))


def test_unreadable_key_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, rsa: KeyPair) -> None:
    path = write(tmp_path, rsa.pem)

    def denied(self: Path, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(KeyLoadError) as excinfo:
        KalshiAuth.from_key_path(KID, path)
    assert str(excinfo.value) == (
        f"private key file {str(path)!r} cannot be read: permission denied "
        "(check its owner and mode)"
    )


# --- damaged RSA keys: cryptography's check is skipped, ours must refuse them -------------


def rsa_pem_of(numbers: rsa_module.RSAPrivateNumbers) -> bytes:
    """A traditional (PKCS#1) RSA PEM of any numbers, consistent or not, as a damaged file
    holds them (cryptography refuses to serialize inconsistent ones, so DER is built here)."""

    def length(size: int) -> bytes:
        if size < 0x80:
            return bytes([size])
        encoded = size.to_bytes((size.bit_length() + 7) // 8, "big")
        return bytes([0x80 | len(encoded)]) + encoded

    def integer(value: int) -> bytes:
        encoded = value.to_bytes(value.bit_length() // 8 + 1, "big")  # room for a sign bit
        return b"\x02" + length(len(encoded)) + encoded

    public = numbers.public_numbers
    fields = (0, public.n, public.e, numbers.d, numbers.p, numbers.q)
    body = b"".join(integer(v) for v in (*fields, numbers.dmp1, numbers.dmq1, numbers.iqmp))
    text = base64.encodebytes(b"\x30" + length(len(body)) + body).decode().replace("\n", "")
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return "\n".join(
        ["-----BEGIN RSA PRIVATE KEY-----", *lines, "-----END RSA PRIVATE KEY-----", ""]
    ).encode()


def tampered(component: str) -> rsa_module.RSAPrivateNumbers:
    """rsa_pair()'s numbers with one component's low bit flipped (n and e: its public numbers)."""
    numbers = rsa_pair().private_key.private_numbers()  # type: ignore[union-attr]
    public = numbers.public_numbers
    values = {
        "p": numbers.p, "q": numbers.q, "d": numbers.d, "dmp1": numbers.dmp1,
        "dmq1": numbers.dmq1, "iqmp": numbers.iqmp, "n": public.n, "e": public.e,
    }  # fmt: skip
    values[component] ^= 2 if component == "e" else 1  # e stays odd
    return rsa_module.RSAPrivateNumbers(
        p=values["p"], q=values["q"], d=values["d"], dmp1=values["dmp1"],
        dmq1=values["dmq1"], iqmp=values["iqmp"],
        public_numbers=rsa_module.RSAPublicNumbers(values["e"], values["n"]),
    )  # fmt: skip


@pytest.mark.parametrize("component", ["p", "q", "d", "dmp1", "dmq1", "iqmp", "n", "e"])
def test_rsa_key_with_a_tampered_component_fails_to_load(tmp_path: Path, component: str) -> None:
    pem = rsa_pem_of(tampered(component))
    with pytest.raises(ValueError):  # what cryptography's own (skipped, slow) check says too
        serialization.load_pem_private_key(pem, None)
    with pytest.raises(KeyLoadError) as excinfo:
        KalshiAuth.from_key_path(KID, write(tmp_path, pem))
    assert "is a damaged RSA key" in str(excinfo.value)
    assert excinfo.value.__cause__ is None and excinfo.value.__context__ is None
    assert_no_secret(str(excinfo.value))


def test_rsa_key_whose_numbers_fit_but_whose_signatures_fail_is_refused_by_the_self_test() -> None:
    """A key made with a composite "prime" satisfies every relation between its numbers, and
    only cryptography's primality test (skipped) or the sign-then-verify self-test can tell."""
    e = 65537
    while True:  # p = a*b, not prime; d and the CRT exponents computed as if it were
        a, b = (rsa_module.generate_private_key(e, 1024).private_numbers().p for _ in range(2))
        q = rsa_module.generate_private_key(e, 2048).private_numbers().p
        p = a * b
        lam = (p - 1) * (q - 1) // math.gcd(p - 1, q - 1)
        if math.gcd(e, lam) == 1 and p != q:
            break
    d = pow(e, -1, lam)
    numbers = rsa_module.RSAPrivateNumbers(
        p=p, q=q, d=d, dmp1=d % (p - 1), dmq1=d % (q - 1), iqmp=pow(q, -1, p),
        public_numbers=rsa_module.RSAPublicNumbers(e, p * q),
    )  # fmt: skip
    with pytest.raises(KeyLoadError, match="is a damaged RSA key"):
        KalshiAuth.from_pem(KID, rsa_pem_of(numbers))


def test_sound_rsa_keys_load_in_every_format_and_sign(rsa: KeyPair) -> None:
    traditional = rsa.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    loaded = [
        KalshiAuth.from_pem(KID, rsa.pem),
        KalshiAuth.from_pem(KID, traditional),
        KalshiAuth.from_pem(KID, rsa.encrypted_pem, PASSPHRASE),
    ]
    for auth in loaded:
        headers = auth.sign_headers("GET", BALANCE)
        message = (headers[TIMESTAMP_HEADER] + "GET" + BALANCE).encode()
        assert signature_is_valid(rsa.public_key, message, headers[SIGNATURE_HEADER])


def assert_no_secret(text: str) -> None:
    for pair in (rsa_pair(), ed25519_pair()):
        for fragment in pair.secret_fragments():
            assert fragment not in text


# --- from_env -------------------------------------------------------------------------------


def env_cases(tmp_path: Path, pair: KeyPair) -> dict[str, dict[str, str]]:
    path = str(write(tmp_path, pair.pem))
    encrypted_path = str(write(tmp_path, pair.encrypted_pem, "encrypted.pem"))
    return {
        "path": {"KALSHI_KEY_ID": pair.key_id, "KALSHI_PRIVATE_KEY_PATH": path},
        "pem": {"KALSHI_KEY_ID": pair.key_id, "KALSHI_PRIVATE_KEY": pair.pem.decode()},
        "pem-escaped-newlines": {
            "KALSHI_KEY_ID": f" {pair.key_id}\n",
            "KALSHI_PRIVATE_KEY": pair.pem.decode().replace("\n", "\\n"),
        },
        "encrypted-path": {
            "KALSHI_KEY_ID": pair.key_id,
            "KALSHI_PRIVATE_KEY_PATH": encrypted_path,
            "KALSHI_PRIVATE_KEY_PASSPHRASE": PASSPHRASE,
        },
        "encrypted-pem-empty-path": {
            "KALSHI_KEY_ID": pair.key_id,
            "KALSHI_PRIVATE_KEY_PATH": "",
            "KALSHI_PRIVATE_KEY": pair.encrypted_pem.decode(),
            "KALSHI_PRIVATE_KEY_PASSPHRASE": PASSPHRASE,
        },
        "path-empty-pem-and-passphrase": {
            "KALSHI_KEY_ID": pair.key_id,
            "KALSHI_PRIVATE_KEY_PATH": path,
            "KALSHI_PRIVATE_KEY": "",
            "KALSHI_PRIVATE_KEY_PASSPHRASE": "",
        },
    }


@pytest.mark.parametrize(
    "case",
    [
        "path",
        "pem",
        "pem-escaped-newlines",
        "encrypted-path",
        "encrypted-pem-empty-path",
        "path-empty-pem-and-passphrase",
    ],
)
def test_from_env(tmp_path: Path, pair: KeyPair, case: str) -> None:
    auth = KalshiAuth.from_env(env_cases(tmp_path, pair)[case])
    assert auth.key_id == pair.key_id
    assert signature_matches(
        pair, signed(auth, httpx.Request("GET", API + BALANCE)), "GET", BALANCE
    )


ENV_ERRORS: list[tuple[str, dict[str, str], str]] = [
    ("empty", {}, "KALSHI_KEY_ID is not set"),
    ("no-key-id", {"KALSHI_PRIVATE_KEY_PATH": "/k.pem"}, "KALSHI_KEY_ID is not set"),
    ("blank-key-id", {"KALSHI_KEY_ID": "  ", "KALSHI_PRIVATE_KEY": "x"}, "KALSHI_KEY_ID is not"),
    ("no-key", {"KALSHI_KEY_ID": KID}, "no private key: set KALSHI_PRIVATE_KEY_PATH"),
    (
        "both",
        {"KALSHI_KEY_ID": KID, "KALSHI_PRIVATE_KEY_PATH": "/k.pem", "KALSHI_PRIVATE_KEY": "x"},
        "both KALSHI_PRIVATE_KEY_PATH and KALSHI_PRIVATE_KEY are set",
    ),
    (
        "missing-file",
        {"KALSHI_KEY_ID": KID, "KALSHI_PRIVATE_KEY_PATH": "/nonexistent/kalshi.pem"},
        "private key file '/nonexistent/kalshi.pem' does not exist",
    ),
    (
        "key-id-with-space",
        {"KALSHI_KEY_ID": "my key", "KALSHI_PRIVATE_KEY_PATH": "/k.pem"},
        "key_id must be printable ASCII",
    ),
]


@pytest.mark.parametrize(
    ("environ", "message"), [row[1:] for row in ENV_ERRORS], ids=[row[0] for row in ENV_ERRORS]
)
def test_from_env_errors(environ: dict[str, str], message: str) -> None:
    with pytest.raises(KeyLoadError, match=message):
        KalshiAuth.from_env(environ)


def test_from_env_encrypted_pem_without_passphrase(rsa: KeyPair) -> None:
    environ = {"KALSHI_KEY_ID": KID, "KALSHI_PRIVATE_KEY": rsa.encrypted_pem.decode()}
    with pytest.raises(KeyLoadError) as excinfo:
        KalshiAuth.from_env(environ)
    assert str(excinfo.value) == (
        "KALSHI_PRIVATE_KEY is encrypted: pass its passphrase "
        "(passphrase=... or KALSHI_PRIVATE_KEY_PASSPHRASE)"
    )


def test_from_env_reads_os_environ_by_default(
    monkeypatch: pytest.MonkeyPatch, ed25519: KeyPair
) -> None:
    monkeypatch.setenv("KALSHI_KEY_ID", ed25519.key_id)
    monkeypatch.setenv("KALSHI_PRIVATE_KEY", ed25519.encrypted_pem.decode())
    monkeypatch.setenv("KALSHI_PRIVATE_KEY_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("KALSHI_PRIVATE_KEY_PATH", raising=False)
    assert KalshiAuth.from_env().key_id == ed25519.key_id


# --- nothing leaks --------------------------------------------------------------------------


def test_repr_and_str_show_no_secret(pair: KeyPair) -> None:
    auth = KalshiAuth.from_pem(pair.key_id, pair.encrypted_pem, PASSPHRASE)
    algorithm = "RSA-PSS-SHA256" if pair.name == "rsa" else "Ed25519"
    prefix = pair.key_id[:8]
    assert repr(auth) == f"KalshiAuth(key_id='{prefix}…', algorithm='{algorithm}', origin=None)"
    assert str(auth.bind(API)) == (
        f"KalshiAuth(key_id='{prefix}…', algorithm='{algorithm}', origin='{API}')"
    )
    for text in (repr(auth), str(auth), repr(auth.bind(API)), f"{auth!r:>200}"):
        assert pair.key_id not in text
        assert_no_secret(text)


@pytest.mark.parametrize(
    "duplicate",
    [pickle.dumps, copy.copy, copy.deepcopy],
    ids=["pickle", "copy", "deepcopy"],
)
def test_auth_cannot_be_pickled_or_copied(rsa: KeyPair, duplicate: Callable[[Any], Any]) -> None:
    auth = KalshiAuth(rsa.key_id, rsa.private_key).bind(API)
    with pytest.raises(TypeError, match="holds a private key and cannot be pickled"):
        duplicate(auth)


def test_signing_error_messages_show_no_secret(rsa: KeyPair) -> None:
    auth = KalshiAuth(rsa.key_id, rsa.private_key).bind(API)
    with pytest.raises(SigningError) as excinfo:
        signed(auth, httpx.Request("GET", "https://other.example" + BALANCE))
    assert_no_secret("".join(traceback.format_exception(excinfo.value)))


def test_auth_is_an_httpx_auth_that_needs_no_body(ed25519: KeyPair) -> None:
    auth = KalshiAuth(ed25519.key_id, ed25519.private_key)
    assert isinstance(auth, httpx.Auth)
    assert auth.requires_request_body is False
    assert auth.requires_response_body is False


# --- a sent request keeps no usable signature ------------------------------------------------


def test_a_request_answered_keeps_no_signature(pair: KeyPair) -> None:
    auth = KalshiAuth(pair.key_id, pair.private_key, clock=fixed_clock())
    received: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        received.append(httpx.Headers(request.headers))
        return httpx.Response(200)

    with httpx.Client(transport=httpx.MockTransport(handler), auth=auth) as client:
        response = client.get(API + BALANCE, headers={"X-Secret": "hidden-value-9"})
    assert signature_is_valid(
        pair.public_key,
        (received[0][TIMESTAMP_HEADER] + "GET" + BALANCE).encode(),
        received[0][SIGNATURE_HEADER],
    )
    assert response.request.headers[SIGNATURE_HEADER] == WITHHELD
    assert received[0][SIGNATURE_HEADER] not in repr(response.request.headers)
    assert "hidden-value-9" not in repr(response.request.headers)
    assert pair.key_id not in repr(response.request.headers)


def test_a_flow_driven_by_hand_still_yields_the_signed_request(pair: KeyPair) -> None:
    auth = KalshiAuth(pair.key_id, pair.private_key, clock=fixed_clock())
    request = signed(auth, httpx.Request("GET", API + BALANCE))
    assert signature_matches(pair, request, "GET", BALANCE)
