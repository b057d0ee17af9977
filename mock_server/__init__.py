"""vonage-numbers-mock: a local, stateful emulator of the Vonage Numbers API."""

__version__ = "0.1.0"
