"""The command line: settings from flags and NUMBERS_MOCK_ variables, fixtures checked, serve."""

import asyncio
import sys
from collections.abc import Sequence

from pydantic_settings import CliApp

from mock_server.errors import MockError
from mock_server.fixtures import load_fixture_file
from mock_server.server import serve
from mock_server.settings import Settings

EXIT_BAD_CONFIG = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `vonage-numbers-mock` and `python -m mock_server`."""
    settings = CliApp.run(Settings, cli_args=list(sys.argv[1:] if argv is None else argv))
    try:
        fixtures = load_fixture_file(settings.fixtures)
        asyncio.run(serve(settings, fixtures))
    except MockError as error:
        print(f"vonage-numbers-mock: {error}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    except KeyboardInterrupt:
        pass
    return 0
