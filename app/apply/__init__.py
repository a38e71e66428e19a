"""Applying for a service: the one-question-per-page journey, drafts, bundles, licence facts."""
