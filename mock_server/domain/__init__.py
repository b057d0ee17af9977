"""The emulated Vonage, free of HTTP: numbers, accounts, matching, paging, pool, inventory."""
