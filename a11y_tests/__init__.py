"""Browser accessibility audits: Playwright + axe over every page × state × display mode
× language × JS on/off."""
