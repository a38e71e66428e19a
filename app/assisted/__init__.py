"""Assisted mode: helpers acting for a citizen, the citizen's consent, the access log."""
