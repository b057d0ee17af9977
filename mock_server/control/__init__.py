"""The mock's own API under /_mock: control routes, inbound simulation, the dashboard."""
