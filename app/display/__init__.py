"""Display settings: elder mode, text size, contrast, speech rate (kept in a cookie)."""
