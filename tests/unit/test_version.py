"""kalshi_ext.__version__ is the distribution's version, without reading package metadata."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import kalshi_ext

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_version_matches_pyproject() -> None:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    assert kalshi_ext.__version__ == project["version"]


def test_version_matches_the_installed_metadata() -> None:
    assert kalshi_ext.__version__ == version("kalshi-portfolio")


def test_changelog_has_an_entry_for_this_version() -> None:
    changelog = (PYPROJECT.parent / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{kalshi_ext.__version__}]" in changelog
