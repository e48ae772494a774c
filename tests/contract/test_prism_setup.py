"""How the contract suite gets Prism: pinned exactly, locked, and required in CI."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from tests.contract.prism import CONTRACT_DIR, PRISM_PACKAGE, pinned_version, require_node_and_npm


def test_prism_is_pinned_exactly_and_locked_at_that_version() -> None:
    assert re.fullmatch(r"5\.\d+\.\d+", pinned_version())
    lock = json.loads((CONTRACT_DIR / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"][""]["devDependencies"][PRISM_PACKAGE] == pinned_version()
    assert lock["packages"][f"node_modules/{PRISM_PACKAGE}"]["version"] == pinned_version()


def test_missing_node_fails_under_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda tool: None if tool == "node" else "/bin/npm")
    with pytest.raises(pytest.fail.Exception, match="node not on PATH"):
        require_node_and_npm({"CI": "true"})
    with pytest.raises(pytest.skip.Exception, match="node not on PATH"):
        require_node_and_npm({})


def test_node_and_npm_present_is_no_obstacle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda tool: f"/usr/bin/{tool}")
    require_node_and_npm({"CI": "true"})
