"""What the mock adds around the API: fault rules, rate limits, the journal, webhooks."""
