"""The container HEALTHCHECK: exit 0 once /_mock/health answers 200 (slim images lack curl)."""

import sys
import urllib.request

from mock_server.settings import Settings


def main() -> int:
    port = Settings().port  # the same NUMBERS_MOCK_PORT the server was started with
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_mock/health", timeout=2) as answer:
            return 0 if answer.status == 200 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
