"""Tools for tests: the pytest plugin and the control API's client."""
