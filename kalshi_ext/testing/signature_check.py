"""Server-side check of Kalshi's KALSHI-ACCESS-* request signatures for the local exchange."""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from kalshi_ext.testing.exchange_error import ExchangeError

PublicKey = RSAPublicKey | Ed25519PublicKey

KEY_HEADER = "KALSHI-ACCESS-KEY"
TIMESTAMP_HEADER = "KALSHI-ACCESS-TIMESTAMP"
SIGNATURE_HEADER = "KALSHI-ACCESS-SIGNATURE"

# Kalshi's scheme is PSS with the salt as long as the digest; AUTO also accepts the
# maximum-length salt some signers default to.
_PSS_PADDINGS = (
    padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH),
    padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO),
)


def _unauthorized(message: str) -> ExchangeError:
    return ExchangeError(401, "unauthorized", message)


class KeyRing:
    """Registered API keys, and the check every /portfolio request must pass."""

    def __init__(self, *, max_clock_skew_s: float) -> None:
        self.max_clock_skew_s = max_clock_skew_s
        self._keys: dict[str, PublicKey] = {}
        self._lock = threading.Lock()

    def register(self, key_id: str, public_key: PublicKey) -> None:
        if not isinstance(public_key, RSAPublicKey | Ed25519PublicKey):
            raise TypeError(
                f"public_key must be an RSA or Ed25519 public key, got {type(public_key).__name__}"
            )
        if not key_id:
            raise ValueError("key_id must not be empty")
        with self._lock:
            self._keys[key_id] = public_key

    def verify(self, headers: Mapping[str, str], method: str, path: str, now_s: float) -> None:
        """Raise a 401 ExchangeError unless the headers sign `timestamp + method + path`."""
        key_id = headers.get(KEY_HEADER)
        timestamp = headers.get(TIMESTAMP_HEADER)
        signature = headers.get(SIGNATURE_HEADER)
        if not key_id or not timestamp or not signature:
            raise _unauthorized(
                f"missing authentication headers: {KEY_HEADER}, {TIMESTAMP_HEADER} and "
                f"{SIGNATURE_HEADER} are all required"
            )
        with self._lock:
            public_key = self._keys.get(key_id)
        if public_key is None:
            raise _unauthorized("unknown API key id")
        if not timestamp.isascii() or not timestamp.isdigit():
            raise _unauthorized(f"{TIMESTAMP_HEADER} must be Unix time in milliseconds")
        skew_ms = abs(now_s * 1000 - int(timestamp))
        if skew_ms > self.max_clock_skew_s * 1000:
            raise _unauthorized(
                f"{TIMESTAMP_HEADER} is {skew_ms / 1000:.1f} s away from the exchange clock "
                f"(at most {self.max_clock_skew_s:g} s allowed)"
            )
        try:
            raw_signature = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            raise _unauthorized(f"{SIGNATURE_HEADER} is not valid base64") from None
        message = f"{timestamp}{method.upper()}{path}".encode()
        if not _valid(public_key, raw_signature, message):
            raise _unauthorized("signature does not match timestamp + method + path")


def _valid(public_key: PublicKey, signature: bytes, message: bytes) -> bool:
    if isinstance(public_key, Ed25519PublicKey):
        try:
            public_key.verify(signature, message)
        except InvalidSignature:
            return False
        return True
    for pss in _PSS_PADDINGS:
        try:
            public_key.verify(signature, message, pss, hashes.SHA256())
        except InvalidSignature:
            continue
        return True
    return False
