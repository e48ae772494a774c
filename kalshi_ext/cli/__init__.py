"""kalshi-portfolio, the command line: the account from a terminal, exports, a ledger and P&L.

Only `click` is imported to parse the command line; the client, rich and everything else are
imported by the command that needs them, so `kalshi-portfolio --help` starts fast. click and rich
come with the `[cli]` extra; without them the command says which extra to install.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

CLI_EXTRA_HINT = "pip install 'kalshi-portfolio[cli]'"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (the console script exits with it)."""
    try:
        import click  # noqa: F401
        import rich  # noqa: F401
    except ModuleNotFoundError as missing:
        sys.stderr.write(
            f"kalshi-portfolio: the command line needs the [cli] extra ({missing.name} is not "
            f"installed): {CLI_EXTRA_HINT}\n"
        )
        return 2
    from kalshi_ext.cli.app import main as run_app

    return run_app(argv)


def run() -> None:
    """The console script's entry point."""
    sys.exit(main())


__all__ = ["main", "run"]
