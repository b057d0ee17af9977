"""The Vonage APIs' edge: routes, request parsing, credentials, rendering."""
