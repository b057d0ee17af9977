"""End-to-end tests: each official client against a real mock server process."""
