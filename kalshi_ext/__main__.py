"""`python -m kalshi_ext`: the kalshi-portfolio command line."""

import sys

from kalshi_ext.cli import main

sys.exit(main())
