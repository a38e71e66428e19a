"""Browser accessibility audits: Playwright + axe over every page × state × JS on/off."""
