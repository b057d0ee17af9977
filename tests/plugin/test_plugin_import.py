"""The pytest plugin costs nothing to a test run that never asks for a mock."""

import json
import subprocess
import sys

import pytest

HEAVY = ("fastapi", "starlette", "uvicorn", "vonage", "pydantic_settings", "trustme")


def test_loading_the_plugin_module_imports_none_of_the_server() -> None:
    probe = (
        "import json, sys; import mock_server.testing.pytest_plugin; "
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60, check=True)  # fmt: skip
    assert json.loads(result.stdout) == []


def test_a_run_that_asks_for_no_fixture_imports_none_of_the_server(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_user=f"""
import sys

def test_plain():
    assert not {{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r})
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "vonage-numbers-mock" in "\n".join(result.outlines[:5])  # the plugin was loaded


def test_the_fixtures_import_it_when_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_user="""
import sys

def test_asks(numbers_mock):
    assert "fastapi" in sys.modules
    assert numbers_mock.control.health()["status"] == "ok"
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
