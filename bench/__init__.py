"""Benchmarks of kalshi_ext against raw httpx floors; run with `make bench`, not under pytest."""
