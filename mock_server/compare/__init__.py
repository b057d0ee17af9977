"""`vonage-numbers-mock compare`: the same read-only requests to the mock and a live API, diffed."""
