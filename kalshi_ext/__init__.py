"""kalshi_ext: the hand-written, ergonomic layer over kalshi_generated."""
