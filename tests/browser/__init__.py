"""Browser tests: the dashboard at /_mock/ui in Debian's Chromium, driven by Playwright."""
