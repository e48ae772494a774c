"""Stoplight Prism for the contract tests: install it, run it on a free port, read its verdicts."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import attrs
import httpx
import pytest

from kalshi_generated import AuthenticatedClient

CONTRACT_DIR = Path(__file__).resolve().parent
ROOT = CONTRACT_DIR.parent.parent
SPEC_PATH = ROOT / "openapi" / "kalshi-portfolio.yaml"
PRISM_BIN = CONTRACT_DIR / "node_modules" / ".bin" / "prism"
PRISM_PACKAGE = "@stoplight/prism-cli"

START_TIMEOUT_S = 30.0
NPM_CI_TIMEOUT_S = 600.0
LOG_TAIL_CHARS = 4000

# Any value passes: Prism checks that the security headers are present, never what they hold.
DUMMY_AUTH_HEADERS = {
    "KALSHI-ACCESS-KEY": "a952bcbe-ec3b-4b5b-b8f9-11dae589608c",
    "KALSHI-ACCESS-TIMESTAMP": "1700000000000",
    "KALSHI-ACCESS-SIGNATURE": "c2lnbmF0dXJlLW5vdC1jaGVja2VkLWJ5LXByaXNt",
}


class PrismError(RuntimeError):
    """Prism could not be installed or did not come up; the message carries its output."""


def pinned_version() -> str:
    manifest = json.loads((CONTRACT_DIR / "package.json").read_text(encoding="utf-8"))
    return str(manifest["devDependencies"][PRISM_PACKAGE])


def installed_version() -> str | None:
    manifest = CONTRACT_DIR / "node_modules" / PRISM_PACKAGE / "package.json"
    if not PRISM_BIN.exists() or not manifest.exists():
        return None
    return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])


def require_node_and_npm(environ: Mapping[str, str]) -> None:
    """Skip without node or npm on PATH; fail instead when environ has CI (CI must run these)."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if not missing:
        return
    message = (
        f"{' and '.join(missing)} not on PATH: the contract tests need Node.js 20+ and npm"
        " to install Stoplight Prism (tests/contract/package-lock.json)"
    )
    if environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def ensure_installed() -> Path:
    """Run `npm ci` unless node_modules already holds the pinned Prism; return the prism binary."""
    if installed_version() == pinned_version():
        return PRISM_BIN
    npm = shutil.which("npm")
    if npm is None:
        raise PrismError("npm is not on PATH: install Node.js 20+ to run the contract tests")
    # --ignore-scripts: the only install script in the tree is @scarf/scarf's download telemetry.
    command = [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"]
    try:
        result = subprocess.run(
            command,
            cwd=CONTRACT_DIR,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise PrismError(f"`{' '.join(command[1:])}` took over {NPM_CI_TIMEOUT_S:.0f} s") from exc
    if result.returncode != 0 or installed_version() != pinned_version():
        output = (result.stdout + result.stderr)[-LOG_TAIL_CHARS:]
        raise PrismError(
            f"`npm {' '.join(command[1:])}` in {CONTRACT_DIR} exited {result.returncode}"
            f" without installing {PRISM_PACKAGE}@{pinned_version()}:\n{output}"
        )
    return PRISM_BIN


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@attrs.define
class PrismServer:
    """One running `prism` process, addressed at its root (Prism ignores the spec's base path)."""

    command: tuple[str, ...]
    port: int
    process: subprocess.Popen[bytes] = attrs.field(repr=False)
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        """The tail of what Prism printed (it logs every request and every violation)."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return text[-LOG_TAIL_CHARS:]

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        # The process leads its own group: signal the group so no child outlives the session.
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def start_prism(
    arguments: Sequence[str], log_path: Path, *, timeout: float = START_TIMEOUT_S
) -> PrismServer:
    """Start `prism <arguments> -h 127.0.0.1 -p <free port>` and wait until it accepts connections.

    The free port is found by binding port 0 and closing it, so another process can take it before
    Prism does: that start is retried on a fresh port.
    """
    for _ in range(3):
        server = _spawn(arguments, log_path)
        try:
            _wait_until_listening(server, timeout)
        except _PortTaken:
            continue
        except BaseException:
            server.stop()
            raise
        return server
    raise PrismError(f"three ports in a row were taken before Prism could bind them:\n{arguments}")


class _PortTaken(Exception):
    pass


def _spawn(arguments: Sequence[str], log_path: Path) -> PrismServer:
    port = free_port()
    command = (str(PRISM_BIN), *arguments, "-h", "127.0.0.1", "-p", str(port))
    # A file, not a pipe: nobody reads Prism's output while tests run, and a full pipe would block it.
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return PrismServer(command=command, port=port, process=process, log_path=log_path)


def _wait_until_listening(server: PrismServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            output = server.output()
            if "EADDRINUSE" in output:
                raise _PortTaken
            raise PrismError(
                f"prism exited with status {server.process.returncode} before listening"
                f" ({' '.join(server.command)}):\n{output}"
            )
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=0.2):
                return
        except OSError as exc:
            if exc.errno not in (errno.ECONNREFUSED, errno.ETIMEDOUT, None):
                raise
        time.sleep(0.05)
    raise PrismError(
        f"prism did not listen on port {server.port} within {timeout:.0f} s"
        f" ({' '.join(server.command)}):\n{server.output()}"
    )


class ExchangeRecord(Protocol):
    """What both httpx.Response and the generated Response carry."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> MutableMapping[str, str]: ...

    @property
    def content(self) -> bytes: ...


def violations(response: ExchangeRecord) -> list[Any]:
    """Every violation Prism reported for this exchange: its header, or its own error body."""
    found: list[Any] = []
    header = response.headers.get("sl-violations")
    if header is not None:
        try:
            found.extend(json.loads(header))
        except json.JSONDecodeError:
            # Over 8 KiB Prism truncates the list behind "Too many violations! ".
            found.append(header)
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        problem = json.loads(response.content)
        found.append({key: problem.get(key) for key in ("type", "title", "status", "detail")})
        found.extend(problem.get("validation", []))
    return found


def assert_no_violations(response: ExchangeRecord, context: str = "") -> None:
    """Fail when Prism found the request or the response outside the spec.

    Prism reports request violations in an `sl-violations` header (on the 400/401/422 it answers),
    and answers with application/problem+json when it generates an error itself: an unmatched route,
    or, under --errors, a response that breaks the spec (status 500, VIOLATIONS). Takes an
    httpx.Response or the generated Response of a `sync_detailed` call; context names the call.
    """
    found = violations(response)
    if found:
        if not context and isinstance(response, httpx.Response):
            context = f"{response.request.method} {response.request.url}"
        raise AssertionError(
            f"Prism reported violations for {context or 'a request'}"
            f" (status {int(response.status_code)}):\n{json.dumps(found, indent=2)}"
        )


def authenticated_client(base_url: str) -> AuthenticatedClient:
    """A generated-API client that sends dummy KALSHI-ACCESS-* headers to base_url."""
    client = AuthenticatedClient(base_url=base_url, token="unused")
    client.set_httpx_client(
        httpx.Client(base_url=base_url, headers=DUMMY_AUTH_HEADERS, timeout=10.0)
    )
    return client
