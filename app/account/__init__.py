"""Signing in and out, the session clock, the account's language."""
