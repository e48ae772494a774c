"""Test keys made once per session (RSA generation is slow) and an independent verifier.

The verifier is written against cryptography directly, not through kalshi_ext.auth, so that
a test checks the signing code against Kalshi's rule rather than against itself.
"""

from __future__ import annotations

import base64
import binascii
import functools
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

PASSPHRASE = "correct-horse-7f3a9c-battery"

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey

PSS_DIGEST_LENGTH = padding.PSS(
    mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH
)
PSS_AUTO = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)


@dataclass(frozen=True)
class KeyPair:
    """A private key with its PEM forms and the secrets a test must never see printed."""

    name: str
    key_id: str
    private_key: PrivateKey
    pem: bytes
    encrypted_pem: bytes

    @property
    def public_key(self) -> PublicKey:
        return self.private_key.public_key()

    def secret_fragments(self) -> list[str]:
        """Slices of the key's base64 bodies and the passphrase: none may appear in output."""
        fragments = [PASSPHRASE, "-----BEGIN PRIVATE KEY", "-----BEGIN ENCRYPTED"]
        for pem in (self.pem, self.encrypted_pem):
            body = "".join(pem.decode("ascii").splitlines()[1:-1])
            fragments += [body[8:32], body[len(body) // 2 : len(body) // 2 + 24]]
        return fragments


def _pair(name: str, key_id: str, private_key: PrivateKey) -> KeyPair:
    pkcs8 = serialization.PrivateFormat.PKCS8
    return KeyPair(
        name=name,
        key_id=key_id,
        private_key=private_key,
        pem=private_key.private_bytes(
            serialization.Encoding.PEM, pkcs8, serialization.NoEncryption()
        ),
        encrypted_pem=private_key.private_bytes(
            serialization.Encoding.PEM,
            pkcs8,
            serialization.BestAvailableEncryption(PASSPHRASE.encode()),
        ),
    )


@functools.cache
def rsa_pair() -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _pair("rsa", "0c3f1a5e-rsa-key-id-1111", key)


@functools.cache
def ed25519_pair() -> KeyPair:
    return _pair("ed25519", "9b2d7e41-ed25519-key-id-2222", ed25519.Ed25519PrivateKey.generate())


def key_pair(name: str) -> KeyPair:
    return {"rsa": rsa_pair, "ed25519": ed25519_pair}[name]()


def signature_is_valid(public_key: PublicKey, message: bytes, signature_b64: str) -> bool:
    """Check a KALSHI-ACCESS-SIGNATURE value over `message` the way Kalshi's server does."""
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, message, PSS_DIGEST_LENGTH, hashes.SHA256())
        else:
            public_key.verify(signature, message)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
