"""scripts/: spec derivation, regeneration check and the drift report."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
UPSTREAM = ROOT.parent / "shared" / "upstream"
NEWEST = UPSTREAM / "kalshi-openapi-3.31.0.yaml"
OLDER = UPSTREAM / "kalshi-openapi-3.13.0.yaml"
needs_upstream = pytest.mark.skipif(
    not NEWEST.exists(), reason="upstream copies not beside the repo"
)


def run(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *map(str, args)], cwd=cwd, capture_output=True, text=True, check=False
    )


@needs_upstream
def test_derivation_is_byte_identical_and_matches_committed_spec(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert run("scripts/derive_spec.py", NEWEST, first).returncode == 0
    assert run("scripts/derive_spec.py", NEWEST, second).returncode == 0
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() == (ROOT / "openapi" / "kalshi-portfolio.yaml").read_bytes()


def test_derived_spec_shape() -> None:
    spec = yaml.safe_load((ROOT / "openapi" / "kalshi-portfolio.yaml").read_text())
    ops = [
        op
        for item in spec["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    ]
    assert len(ops) == 36
    assert all(op["tags"] == ["portfolio"] for op in ops)
    assert all(path.startswith("/portfolio/") for path in spec["paths"])
    assert {s["url"] for s in spec["servers"]} == {
        "https://external-api.kalshi.com/trade-api/v2",
        "https://api.elections.kalshi.com/trade-api/v2",
        "https://external-api.demo.kalshi.co/trade-api/v2",
        "https://demo-api.kalshi.co/trade-api/v2",
    }
    assert {"kalshiAccessKey", "kalshiAccessSignature", "kalshiAccessTimestamp"} <= set(
        spec["components"]["securitySchemes"]
    )
    order = spec["components"]["schemas"]["Order"]["properties"]
    assert order["self_trade_prevention_type"]["nullable"] is True
    assert order["self_trade_prevention_type"]["type"] == "string"
    amended = spec["components"]["schemas"]["AmendOrderV2Response"]["properties"]
    assert amended["remaining_count"] == {
        "allOf": [{"$ref": "#/components/schemas/FixedPointCount"}],
        "nullable": True,
    }
    assert "enum" not in order["status"] and "x-known-values" in order["status"]
    # Request-side enums stay strict.
    assert spec["components"]["schemas"]["BookSide"]["enum"] == ["bid", "ask"]
    # Every $ref resolves.
    text = (ROOT / "openapi" / "kalshi-portfolio.yaml").read_text()
    for line in text.splitlines():
        if "$ref: '#/components/" in line:
            kind, name = line.split("#/components/")[1].rstrip("'").split("/")
            assert name in spec["components"][kind], line


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("just: a mapping\n", "not an OpenAPI 3.0 document"),
        ("openapi: 3.1.0\npaths: {}\n", "not an OpenAPI 3.0 document"),
        (
            "openapi: 3.0.3\npaths:\n  /markets:\n    get: {operationId: GetMarkets, responses: {}}\n",
            "no /portfolio paths",
        ),
        ("{{{ not yaml", "not YAML or JSON"),
    ],
)
def test_derivation_refuses_bad_input_and_writes_nothing(
    tmp_path: Path, content: str, reason: str
) -> None:
    source, out = tmp_path / "in.yaml", tmp_path / "out.yaml"
    source.write_text(content)
    result = run("scripts/derive_spec.py", source, out)
    assert result.returncode != 0
    assert reason in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_derivation_refuses_missing_file(tmp_path: Path) -> None:
    result = run("scripts/derive_spec.py", tmp_path / "nope.yaml", tmp_path / "out.yaml")
    assert result.returncode != 0 and "cannot read" in result.stderr


def test_unknown_upstream_operation_must_be_named(tmp_path: Path) -> None:
    source = tmp_path / "in.yaml"
    source.write_text(
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n"
        "  /portfolio/new_thing:\n    get: {operationId: GetNewThing, responses: {'200': {description: ok}}}\n"
    )
    result = run("scripts/derive_spec.py", source, tmp_path / "out.yaml")
    assert result.returncode == 1
    assert "GetNewThing" in result.stderr and "OPERATIONS" in result.stderr


@needs_upstream
def test_drift_report_3_13_to_3_31() -> None:
    result = run("scripts/spec_diff.py", OLDER, NEWEST)
    assert result.returncode == 1
    out = result.stdout
    for line in [
        "- operation removed: POST /portfolio/orders (CreateOrder)",
        "- operation removed: DELETE /portfolio/orders/{order_id} (CancelOrder)",
        "- operation removed: POST /portfolio/orders/batched (BatchCreateOrders)",
        "- operation removed: POST /portfolio/orders/{order_id}/amend (AmendOrder)",
        "+ operation added: POST /portfolio/events/orders (CreateOrderV2)",
        "+ operation added: DELETE /portfolio/events/orders/{order_id} (CancelOrderV2)",
        "+ GET /portfolio/balance: parameter added: query:exchange_index (integer)",
        "- GET /portfolio/settlements: response field 200 settlements[].market_result: enum value removed: void",
    ]:
        assert line in out, line


@needs_upstream
def test_drift_report_same_document_is_empty() -> None:
    result = run("scripts/spec_diff.py", NEWEST, NEWEST)
    assert result.returncode == 0
    assert "0 change(s)" in result.stdout


@pytest.mark.skipif(
    shutil.which("ruff", path=str(Path(sys.executable).parent)) is None, reason="needs the dev venv"
)
def test_check_generated_passes_then_fails_after_a_hand_edit(tmp_path: Path) -> None:
    package = tmp_path / "kalshi_generated"
    shutil.copytree(
        ROOT / "kalshi_generated", package, ignore=shutil.ignore_patterns("__pycache__")
    )
    env_path = f"{Path(sys.executable).parent}:/usr/bin:/bin"
    check = [
        sys.executable,
        "scripts/regen.py",
        "--check",
        "openapi/kalshi-portfolio.yaml",
        str(package),
        "--ws",
        "openapi/kalshi-ws.yaml",
    ]
    ok = subprocess.run(
        check, cwd=ROOT, capture_output=True, text=True, env={"PATH": env_path}, check=False
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    model = package / "models" / "order.py"
    model.write_text(model.read_text() + "\n# hand edit\n")
    edited = subprocess.run(
        check, cwd=ROOT, capture_output=True, text=True, env={"PATH": env_path}, check=False
    )
    assert edited.returncode == 1
    assert "differs: models/order.py" in edited.stdout
    # The WebSocket models are covered too: a stale copy (a field lost) fails the check.
    model.write_text(model.read_text().removesuffix("\n# hand edit\n"))
    ws_model = package / "ws" / "models" / "fill.py"
    ws_model.write_text(ws_model.read_text().replace("post_position_fp", "post_position"))
    stale = subprocess.run(
        check, cwd=ROOT, capture_output=True, text=True, env={"PATH": env_path}, check=False
    )
    assert stale.returncode == 1
    assert stale.stdout.splitlines()[1:] == ["  differs: ws/models/fill.py"]
