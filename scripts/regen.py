#!/usr/bin/env python3
"""Regenerate kalshi_generated/ and the clients' typed methods from the derived specs, or check
that both are up to date.

Usage: regen.py [--check] [--methods FILE] SPEC PACKAGE_DIR [--ws WS_SPEC]

The generator (openapi-python-client, pinned in pyproject.toml) writes into a temporary directory;
the package is then replaced whole, so a file the spec no longer produces does not linger. With
--ws, the WebSocket message document (scripts/derive_asyncapi.py) is generated the same way and
its models and types land in PACKAGE_DIR/ws (it has no endpoints, so no client is kept). Then
scripts/typed_surface.py writes the typed methods of Client and AsyncClient
(kalshi_ext/generated_methods.py) from the fresh package and the spec. With --check nothing is
written: any difference from the committed files is listed and exits 1.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

IGNORED = frozenset({"__pycache__", ".ruff_cache", ".mypy_cache"})
CONFIG = Path(__file__).resolve().parent.parent / "generator-config.yaml"
# Templates that replace the generator's own (same file names): Unset's repr, lazy models.
TEMPLATES = Path(__file__).resolve().parent / "templates"
ROOT = Path(__file__).resolve().parent.parent
METHODS = ROOT / "kalshi_ext" / "generated_methods.py"


def generate(spec: Path, into: Path) -> Path:
    """Run the generator; returns the generated package directory inside `into`."""
    package = into / "kalshi_generated"
    command = [
        sys.executable, "-m", "openapi_python_client", "generate",
        "--path", str(spec), "--config", str(CONFIG), "--meta", "none",
        "--output-path", str(package), "--overwrite",
        "--custom-template-path", str(TEMPLATES),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not (package / "__init__.py").is_file():
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"regen: openapi-python-client failed on {spec}")
    if "warning" in (result.stdout + result.stderr).lower():
        sys.stderr.write(result.stdout + result.stderr)
    # The ruff post-hooks leave a cache inside the package; it is not generated code.
    for cache in [*package.rglob("__pycache__"), *package.rglob(".ruff_cache")]:
        shutil.rmtree(cache)
    # With `--meta none` the generator writes no py.typed; the package is typed (PEP 561).
    (package / "py.typed").write_text("", encoding="utf-8")
    return package


WS_INIT = '"""Models of Kalshi\'s WebSocket portfolio messages (from openapi/kalshi-ws.yaml)."""\n'


def generate_ws(spec: Path, into: Path, package: Path) -> None:
    """Generate the WebSocket document's models into package/ws (models/ and types.py only)."""
    fresh = generate(spec, into / "ws-build")
    target = package / "ws"
    target.mkdir()
    shutil.copytree(fresh / "models", target / "models")
    shutil.copy2(fresh / "types.py", target / "types.py")
    (target / "__init__.py").write_text(WS_INIT, encoding="utf-8")


def differences(expected: Path, actual: Path) -> list[str]:
    """Relative paths that differ between two trees (missing on either side, or other bytes)."""

    def files(root: Path) -> set[str]:
        return {
            str(p.relative_to(root))
            for p in root.rglob("*")
            if p.is_file() and not IGNORED.intersection(p.parts)
        }

    want, have = files(expected), files(actual)
    changed = [
        name for name in sorted(want & have)
        if not filecmp.cmp(expected / name, actual / name, shallow=False)
    ]  # fmt: skip
    return (
        [f"missing: {name}" for name in sorted(want - have)]
        + [f"not generated: {name}" for name in sorted(have - want)]
        + [f"differs: {name}" for name in changed]
    )


def generate_methods(spec: Path, package: Path, into: Path) -> Path:
    """Write the typed methods from the fresh package in `package` (imported in a child process
    in place of the installed one); returns the file, formatted as the repository's ruff does."""
    output = into / "generated_methods.py"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(package.parent), str(ROOT)])
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # nothing but generated code in the package
    script = Path(__file__).resolve().parent / "typed_surface.py"
    command = [sys.executable, str(script), str(spec), str(output)]
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit("regen: typed_surface.py failed")
    config = ["--config", str(ROOT / "pyproject.toml")]
    for step in (["check", "--fix-only", "--quiet", "--select", "I"], ["format", "--quiet"]):
        subprocess.run(["ruff", *step, *config, str(output)], check=True)
    return output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    parser.add_argument("--methods", type=Path, default=METHODS, help="the typed methods file")
    parser.add_argument("spec", type=Path)
    parser.add_argument("package", type=Path)
    parser.add_argument("--ws", type=Path, help="the derived WebSocket document")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kalshi-regen-") as tmp:
        fresh = generate(args.spec.resolve(), Path(tmp))
        if args.ws is not None:
            generate_ws(args.ws.resolve(), Path(tmp), fresh)
        methods = generate_methods(args.spec.resolve(), fresh, Path(tmp))
        if args.check:
            diff = (
                differences(fresh, args.package) if args.package.is_dir() else ["missing package"]
            )
            if not args.methods.is_file():
                diff.append(f"missing: {args.methods}")
            elif not filecmp.cmp(methods, args.methods, shallow=False):
                diff.append(f"differs: {args.methods}")
            if diff:
                print(f"{args.package} differs from what {args.spec} generates (run `make regen`):")
                print("\n".join(f"  {line}" for line in diff))
                return 1
            print(f"{args.package} and {args.methods} match {args.spec}")
            return 0
        if args.package.exists():
            shutil.rmtree(args.package)
        shutil.copytree(fresh, args.package)
        shutil.copyfile(methods, args.methods)
    return 0


if __name__ == "__main__":
    sys.exit(main())
