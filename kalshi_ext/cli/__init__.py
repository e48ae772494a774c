"""kalshi-portfolio, the command line: the account from a terminal, exports, a ledger and P&L.

Only `click` is imported to parse the command line; the client, rich and everything else are
imported by the command that needs them, so `kalshi-portfolio --help` starts fast.
"""

from kalshi_ext.cli.app import main

__all__ = ["main"]
