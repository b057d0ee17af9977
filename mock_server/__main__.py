"""`python -m mock_server`: the same entry point as the `vonage-numbers-mock` script."""

from mock_server.serving.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
