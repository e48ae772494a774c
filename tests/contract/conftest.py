"""Contract tests against Stoplight Prism, an OpenAPI mock server independent of our generator.

Prism is pinned in package.json / package-lock.json next to this file and installed into
./node_modules by `npm ci` (never globally): the `prism_bin` fixture runs it on first use, and again
whenever the installed version differs from the pin. Node.js and npm must be on PATH; without them
these tests skip locally and FAIL when the CI environment variable is set.

Fixtures, each a `PrismServer` (see prism.py) listening on 127.0.0.1 at a free port:
  prism_mock     `prism mock openapi/kalshi-portfolio.yaml`: static responses built from the spec.
  prism_dynamic  the same with `-d`: random responses with random extra properties. The seed is
                 PRISM_SEED when set, else random; it is in the server's command, shown on failure.
  prism_proxy    a factory, `prism_proxy(upstream_url)`: `prism proxy ... <upstream_url> --errors`.
                 It forwards each valid request to upstream_url's path + the request path, and turns
                 a response that breaks the spec into a 500 problem+json (VIOLATIONS).

Prism ignores the spec's base path (/trade-api/v2): address it at its root. It checks that the
KALSHI-ACCESS-* headers are present, not their values; `authenticated_client(base_url)` sends dummy
ones. It reports request violations in an `sl-violations` header: call `assert_no_violations` on
every response. Prism's own log (every request and violation) is in the error of a failed start and
in `PrismServer.output()`.

Run: PYTHONPATH=. python -m pytest tests/contract -q   (CI: `make test` runs them with the rest.)
"""

from __future__ import annotations

import itertools
import os
import random
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.contract.prism import (
    PrismError,
    PrismServer,
    ensure_installed,
    require_node_and_npm,
    start_prism,
)

SPEC_ARGUMENT = "openapi/kalshi-portfolio.yaml"


@pytest.fixture(scope="session")
def prism_bin() -> Path:
    require_node_and_npm(os.environ)
    try:
        return ensure_installed()
    except PrismError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def prism_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prism")


@pytest.fixture(scope="session")
def prism_mock(prism_bin: Path, prism_logs: Path) -> Iterator[PrismServer]:
    server = _start(["mock", SPEC_ARGUMENT], prism_logs / "mock.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def prism_dynamic(prism_bin: Path, prism_logs: Path) -> Iterator[PrismServer]:
    seed = os.environ.get("PRISM_SEED") or str(random.randrange(2**31))
    server = _start(["mock", SPEC_ARGUMENT, "-d", "--seed", seed], prism_logs / "dynamic.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def prism_proxy(prism_bin: Path, prism_logs: Path) -> Iterator[Callable[[str], PrismServer]]:
    """Start `prism proxy` in front of an upstream; every proxy stops at the end of the session."""
    numbers = itertools.count(1)
    with ExitStack() as running:

        def start(upstream_url: str) -> PrismServer:
            log_path = prism_logs / f"proxy-{next(numbers)}.log"
            server = _start(["proxy", SPEC_ARGUMENT, upstream_url, "--errors"], log_path)
            running.callback(server.stop)
            return server

        yield start


def _start(arguments: list[str], log_path: Path) -> PrismServer:
    try:
        return start_prism(arguments, log_path)
    except PrismError as exc:
        pytest.fail(str(exc))
