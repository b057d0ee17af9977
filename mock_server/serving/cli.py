"""The command line: settings from flags and NUMBERS_MOCK_ variables, fixtures checked, serve."""

import gc
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from mock_server.domain import messages
from mock_server.domain.errors import MockError
from mock_server.serving import event_loop, flags
from mock_server.settings import APP_NAME, Settings
from mock_server.state.document import load_fault_file, load_fixture_file

EXIT_BAD_CONFIG = 2
COMPARE = "compare"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `vonage-numbers-mock` and `python -m mock_server`."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == [COMPARE]:
        # Imported here: serving the mock, the common case, needs none of it.
        from mock_server.compare.command import main as compare

        return compare(args[1:])
    try:
        settings = Settings(**flags.parse(args))
        fixtures = load_fixture_file(settings.fixtures)
        rules = load_fault_file(settings.faults) if settings.faults else []
        # What was loaded lives as long as the process: the garbage collector need not walk it
        # again (100,000 owned numbers would make every full collection, at start and while
        # serving, walk them all).
        gc.freeze()
        # Imported once the fixtures are loaded: a bad file is refused before the server is
        # even read, and the memory a large file needs while it loads (its parse tree) is then
        # reused by the server's modules rather than added to theirs. 100,000 owned numbers:
        # a peak of about 130 MB rather than 150.
        from mock_server.serving.server import serve

        event_loop.run(serve(settings, fixtures, rules), settings.event_loop)
    except flags.Exit as done:
        return done.status
    except flags.UsageError as error:
        _complain(f"{error}; {messages.SEE_HELP}")
        return EXIT_BAD_CONFIG
    except ValidationError as error:
        for problem in error.errors():
            _complain(_setting_problem(problem["loc"], problem["msg"]))
        return EXIT_BAD_CONFIG
    except MockError as error:
        _complain(str(error))
        return EXIT_BAD_CONFIG
    except KeyboardInterrupt:
        pass
    return 0


def _setting_problem(location: tuple[int | str, ...], message: str) -> str:
    message = message.removeprefix("Value error, ")
    if not location:
        return f"invalid settings: {message}"
    name = str(location[0])
    return f"invalid setting {flags.flag(name)} ({flags.variable(name)}): {message}"


def _complain(message: str) -> None:
    print(f"{APP_NAME}: {message}", file=sys.stderr)
