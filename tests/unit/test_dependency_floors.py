"""The dependency floors in pyproject.toml admit no version the code cannot run on."""

from __future__ import annotations

import inspect
import re
import tomllib
from pathlib import Path

import aiohttp

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _floor(name: str) -> tuple[int, ...]:
    dependencies = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    (spec,) = [d for d in dependencies if re.match(rf"{name}\s*[><=]", d)]
    found = re.search(r">=\s*([0-9.]+)", spec)
    assert found, f"{spec!r} has no floor"
    return tuple(int(part) for part in found.group(1).split("."))


def test_the_aiohttp_floor_has_ws_connect_decode_text() -> None:
    # kalshi_ext.stream.connection passes decode_text= (added in aiohttp 3.14.0): an older
    # aiohttp raises TypeError on every stream's first connect.
    assert "decode_text" in inspect.signature(aiohttp.ClientSession.ws_connect).parameters
    assert _floor("aiohttp") >= (3, 14)
