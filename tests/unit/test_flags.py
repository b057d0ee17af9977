"""The command line's flags and --help, generated from the settings' fields."""

import pytest

from mock_server.serving import flags
from mock_server.settings import Settings

PYDANTIC_INTERNALS = ("{Path,null}", "list[str]", "default factory", "null", "Optional", "Path")


def test_help_names_every_flag_its_variable_its_default_and_its_meaning() -> None:
    text = flags.help_text(width=100)
    words = " ".join(text.split())
    for name, field in Settings.model_fields.items():
        assert f"  {flags.flag(name)}" in text
        assert f"{flags.variable(name)}; default: " in words
        assert " ".join(str(field.description).split()) in words
    assert "--version" in text


@pytest.mark.parametrize("internal", PYDANTIC_INTERNALS)
def test_help_shows_no_type_internals(internal: str) -> None:
    assert internal not in flags.help_text(width=100)


@pytest.mark.parametrize(
    ("usage", "default"),
    [
        pytest.param("--port PORT", "NUMBERS_MOCK_PORT; default: 8080", id="number"),
        pytest.param("--empty-numbers {list,omit,empty}", "default: list", id="choices"),
        pytest.param(
            "--update-mode {replace,merge}", "NUMBERS_MOCK_UPDATE_MODE; default: replace", id="mode"
        ),
        pytest.param(
            "--log-requests, --no-log-requests",
            "NUMBERS_MOCK_LOG_REQUESTS; default: off",
            id="switch",
        ),
        pytest.param("--seed N", "NUMBERS_MOCK_SEED; default: random", id="said-in-words"),
        pytest.param("--state-file FILE", "NUMBERS_MOCK_STATE_FILE; default: none", id="none"),
    ],
)
def test_usage_and_default_in_words(usage: str, default: str) -> None:
    text = flags.help_text(width=100)
    assert usage in text
    assert default in text


def test_help_lines_fit_the_width() -> None:
    # Only a path (a default that must not be broken) may run past it.
    for line in flags.help_text(width=80).splitlines():
        assert len(line) <= 80 or "/" in line, line


@pytest.mark.parametrize(
    ("argv", "given"),
    [
        pytest.param([], {}, id="nothing-given"),
        pytest.param(["--port", "0", "--seed=7"], {"port": "0", "seed": "7"}, id="as-text"),
        pytest.param(["--log-requests"], {"log_requests": True}, id="switch-on"),
        pytest.param(["--no-verify-webhooks"], {"verify_webhooks": False}, id="switch-off"),
        pytest.param(["--tls-names", "a.test, b.test", "--tls-names", "10.0.0.5"],
                     {"tls_names": ["a.test", "b.test", "10.0.0.5"]}, id="names-commas-repeated"),
        pytest.param(["--tls-names", '["a.test"]'], {"tls_names": ["a.test"]}, id="names-json"),
    ],
)  # fmt: skip
def test_parse_returns_only_what_was_given(argv: list[str], given: dict[str, object]) -> None:
    assert flags.parse(argv) == given


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["--bogus"], "unrecognized arguments: --bogus", id="unknown"),
        pytest.param(["--port"], "argument --port: expected one argument", id="no-value"),
        pytest.param(["--por", "1"], "unrecognized arguments: --por 1", id="no-abbreviations"),
        pytest.param(["serve"], "unrecognized arguments: serve", id="positional"),
    ],
)
def test_a_command_line_it_cannot_read(argv: list[str], message: str) -> None:
    with pytest.raises(flags.UsageError) as caught:
        flags.parse(argv)
    assert str(caught.value) == message


def test_given_values_become_settings_and_win_over_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NUMBERS_MOCK_PORT", "9000")
    monkeypatch.setenv("NUMBERS_MOCK_SEED", "3")
    settings = Settings(**flags.parse(["--port", "0", "--log-requests"]))
    assert (settings.port, settings.seed, settings.log_requests) == (0, 3, True)
