"""Fixtures for the unit tests: the session's test keys."""

from __future__ import annotations

import pytest

from tests.keys import KeyPair, ed25519_pair, key_pair, rsa_pair


@pytest.fixture(params=["rsa", "ed25519"])
def pair(request: pytest.FixtureRequest) -> KeyPair:
    """Each test using it runs once with an RSA-2048 key and once with an Ed25519 key."""
    return key_pair(request.param)


@pytest.fixture
def rsa() -> KeyPair:
    return rsa_pair()


@pytest.fixture
def ed25519() -> KeyPair:
    return ed25519_pair()
