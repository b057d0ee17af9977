"""Running the mock: the app factory, the CLI, the listeners, TLS, the health check."""
