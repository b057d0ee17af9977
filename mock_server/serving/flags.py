"""The command line's flags and their --help, generated from the settings' fields."""

import argparse
import json
import shutil
import textwrap
import types
from collections.abc import Sequence
from typing import Any, Literal, NoReturn, Union, get_args, get_origin

from pydantic.fields import FieldInfo

from mock_server import __version__
from mock_server.settings import APP_NAME, ENV_PREFIX, Settings

SUMMARY = "A local, stateful emulator of the Vonage Numbers API."
ABOUT = (
    "Every option is also an environment variable, named under it; a flag wins over its "
    "variable. Without options the mock serves the shipped fixtures on http://127.0.0.1:8080 "
    "and https://127.0.0.1:8443."
)
COMPARE_USAGE = "compare [options]  (see compare --help)"
_FLAG_COLUMN = 30
_METAVARS: dict[type, str] = {int: "N", float: "NUMBER", str: "TEXT"}


class UsageError(Exception):
    """A command line that cannot be read: an unknown flag, a missing value."""


class Exit(Exception):
    """--help or --version was answered: exit with `status`."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def flag(name: str) -> str:
    """The flag of a settings field: `--https-port` for `https_port`."""
    return "--" + name.replace("_", "-")


def variable(name: str) -> str:
    """The environment variable of a settings field: `NUMBERS_MOCK_HTTPS_PORT`."""
    return ENV_PREFIX + name.upper()


def parse(argv: Sequence[str]) -> dict[str, Any]:
    """The settings given on the command line, by field name, as text for Settings to check."""
    return vars(parser().parse_args(list(argv)))


def parser() -> argparse.ArgumentParser:
    command = _Parser(prog=APP_NAME, add_help=False, allow_abbrev=False)
    command.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS)
    command.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    for name, field in Settings.model_fields.items():
        _add(command, name, field)
    return command


def help_text(width: int | None = None) -> str:
    """The --help page: each flag, its value, its meaning, its variable and its default."""
    width = width or min(max(shutil.get_terminal_size((100, 24)).columns, 60), 100)
    lines = [f"usage: {APP_NAME} [options]", f"       {APP_NAME} {COMPARE_USAGE}", ""]
    lines += [SUMMARY, "", *textwrap.wrap(ABOUT, width), ""]
    lines.append("options:")
    lines += _entry("-h, --help", "Show this help and exit.", width)
    lines += _entry("--version", "Show the version and exit.", width)
    for name, field in Settings.model_fields.items():
        where = f"{variable(name)}; default: {_default_text(field)}"
        lines += _entry(_usage(name, field), str(field.description), width, where)
    return "\n".join(lines) + "\n"


class _Parser(argparse.ArgumentParser):
    def format_help(self) -> str:
        return help_text()

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self._print_message(message)
        raise Exit(status)


class _ExtendNames(argparse.Action):
    """`--tls-names a,b --tls-names c`: names by commas or repeated; a JSON list works too."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        text = str(values).strip()
        names = json.loads(text) if text.startswith("[") else text.split(",")
        given = [str(name).strip() for name in names if str(name).strip()]
        setattr(namespace, self.dest, [*getattr(namespace, self.dest, []), *given])


def _add(command: argparse.ArgumentParser, name: str, field: FieldInfo) -> None:
    kind = _value_type(field)
    common: dict[str, Any] = {"dest": name, "default": argparse.SUPPRESS}
    if kind is bool:
        command.add_argument(flag(name), action=argparse.BooleanOptionalAction, **common)
    elif get_origin(kind) is list:
        command.add_argument(flag(name), action=_ExtendNames, **common)
    else:
        # Values stay text: the settings check and convert them, with the same messages as for
        # the variables.
        command.add_argument(flag(name), **common)


def _value_type(field: FieldInfo) -> Any:
    """The annotation without `| None`."""
    kind = field.annotation
    if get_origin(kind) in (Union, types.UnionType):
        kind = next(arg for arg in get_args(kind) if arg is not type(None))
    return kind


def _usage(name: str, field: FieldInfo) -> str:
    kind = _value_type(field)
    if kind is bool:
        return f"{flag(name)}, --no-{flag(name)[2:]}"
    if get_origin(kind) is Literal:
        return f"{flag(name)} {{{','.join(str(choice) for choice in get_args(kind))}}}"
    return f"{flag(name)} {_extra(field).get('metavar') or _METAVARS.get(kind, 'VALUE')}"


def _default_text(field: FieldInfo) -> str:
    given = _extra(field).get("default_text")
    if given:
        return str(given)
    value = field.get_default(call_default_factory=True)
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def _extra(field: FieldInfo) -> dict[str, Any]:
    extra = field.json_schema_extra
    return extra if isinstance(extra, dict) else {}


def _entry(usage: str, meaning: str, width: int, where: str = "") -> list[str]:
    indent = " " * _FLAG_COLUMN
    wrapped = textwrap.wrap(meaning, width - _FLAG_COLUMN) or [""]
    # The variable and default on lines of their own; a path is never broken.
    wrapped += textwrap.wrap(
        where, width - _FLAG_COLUMN, break_long_words=False, break_on_hyphens=False
    )
    if len(usage) + 2 < _FLAG_COLUMN - 1:
        first = f"  {usage}".ljust(_FLAG_COLUMN) + wrapped[0]
        return [first, *(indent + line for line in wrapped[1:])]
    return [f"  {usage}", *(indent + line for line in wrapped)]
