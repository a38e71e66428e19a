"""One blueprint per user journey."""
