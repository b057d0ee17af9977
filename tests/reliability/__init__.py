"""Reliability tests: concurrency, properties of the domain, crashes and restarts, a soak."""
