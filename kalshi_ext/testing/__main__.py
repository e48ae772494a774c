"""`python -m kalshi_ext.testing`: run the local exchange, as `-m kalshi_ext.testing.exchange`."""

import sys

from kalshi_ext.testing.exchange import main

sys.exit(main())
