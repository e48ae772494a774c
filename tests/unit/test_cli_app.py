"""The command line's pure parts: time arguments, error lines, the [plot] extra's message."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click
import pytest

from kalshi_ext import APIConnectionError, ConfigError
from kalshi_ext.cli.app import Moment, error_line, main


@pytest.mark.parametrize(
    ("text", "end_of_day", "expected"),
    [
        ("2026-01-01", False, 1_767_225_600),
        ("2026-01-01", True, 1_767_225_600 + 86_399),
        ("2026-01-01T01:00:00Z", False, 1_767_229_200),
        ("2026-01-01T01:00:00+01:00", False, 1_767_225_600),
        ("2026-01-01T01:00:00", False, 1_767_229_200),  # UTC unless it says otherwise
        ("1767225600", False, 1_767_225_600),
    ],
)
def test_times(text: str, end_of_day: bool, expected: int) -> None:
    assert Moment(end_of_day=end_of_day).convert(text, None, None) == expected


def test_a_bad_time_is_a_usage_error() -> None:
    with pytest.raises(click.BadParameter, match="not a date"):
        Moment().convert("yesterday", None, None)


def test_error_lines_name_the_type_and_what_to_do() -> None:
    line = error_line(ConfigError("base_url must be https\nmore detail"))
    assert line == (
        "error: ConfigError: base_url must be https -- "
        "fix --demo/--base-url or KALSHI_DEMO/KALSHI_API_BASE_URL"
    )
    error = APIConnectionError("connection dropped after sending")
    error.client_order_id = "abc"
    assert error_line(error).startswith(
        "error: APIConnectionError: connection dropped after sending (unknown request) -- check"
    )
    assert "--client-order-id abc" in error_line(error)


def test_chart_without_matplotlib_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "matplotlib" else real(name, *a),
    )
    code = main(["pnl", "--db", str(tmp_path / "l.sqlite"), "--chart", "x.png"])
    assert code == 2
    assert "pip install 'kalshi-portfolio[plot]'" in capsys.readouterr().err


def test_without_the_cli_extra_the_command_names_it() -> None:
    # click/rich made unimportable: the command says which extra to install, exit 2, no traceback.
    import subprocess
    import sys

    script = (
        "import sys; sys.modules['rich'] = None; "
        "from kalshi_ext.cli import main; sys.exit(main(['balance']))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 2
    assert "pip install 'kalshi-portfolio[cli]'" in done.stderr
    assert "Traceback" not in done.stderr
