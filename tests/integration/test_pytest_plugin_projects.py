"""The pytest plugin in a user's own project (issue 9, item 12): its own directory and pytest
run, no asyncio settings (pytest-asyncio's default strict mode), and without the extra."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

USER_TESTS = """
import pytest

from kalshi_ext import AsyncClient, Client

TICKER = "KXDEMO-26DEC31-T50"


@pytest.mark.asyncio
async def test_async_fixture(async_kalshi_client: AsyncClient) -> None:
    order = await async_kalshi_client.create_order(
        ticker=TICKER, side="bid", count=1, price="0.05"
    )
    assert (await async_kalshi_client.get_order(order_id=order.order_id)).order.ticker == TICKER


def test_sync_fixture(kalshi_client: Client, kalshi_exchange) -> None:
    kalshi_client.create_order(ticker=TICKER, side="bid", count=1, price="0.05")
    assert len(kalshi_exchange.orders) == 1
"""


def run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )


def user_project(tmp_path: Path, conftest: str = "") -> Path:
    project = tmp_path / "bot"
    project.mkdir()
    # A project of its own: pytest stops here for its rootdir and reads no asyncio settings.
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / "conftest.py").write_text(textwrap.dedent(conftest))
    (project / "test_bot.py").write_text(USER_TESTS)
    return project


def test_fixtures_work_in_strict_mode_with_no_asyncio_settings(tmp_path: Path) -> None:
    run = run_pytest(user_project(tmp_path), "-v")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout
    assert "mode=strict" in run.stdout.lower().replace("mode.strict", "strict"), run.stdout


def test_a_fixture_without_the_testing_extra_names_the_extra(tmp_path: Path) -> None:
    # As if starlette and uvicorn were not installed.
    conftest = """
    import sys

    sys.modules["uvicorn"] = None
    sys.modules["starlette"] = None
    """
    run = run_pytest(user_project(tmp_path, conftest), "-k", "sync_fixture")
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert "pip install 'kalshi-portfolio[testing]'" in output, output
    assert "missing: starlette, uvicorn" in output
