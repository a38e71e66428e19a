"""Shared infrastructure every feature uses: configuration, storage, encryption, sign-in, security headers, rate limits, languages, templating."""
