"""The domain modules are plain Python: importing them must not pull in the web framework."""

import json
import subprocess
import sys

import pytest

DOMAIN_MODULES = (
    "mock_server.domain.inventory",
    "mock_server.domain.pool",
    "mock_server.domain.matching",
    "mock_server.domain.pagination",
    "mock_server.domain.accounts",
    "mock_server.vonage.queries",
    "mock_server.state.document",
    "mock_server.vonage.credentials",
    "mock_server.simulation.faults",
    "mock_server.simulation.fault_header",
    "mock_server.simulation.rate_limits",
    "mock_server.simulation.journal",
    "mock_server.simulation.request_log",
    "mock_server.state.export",
    "mock_server.state.state_file",
)
WEB_PACKAGES = ("fastapi", "starlette")

PROBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {web!r})))
"""


def imported_web_modules(*modules: str) -> list[str]:
    # A fresh interpreter: this test process has long since imported fastapi (tests/conftest.py).
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(web=set(WEB_PACKAGES)), *modules],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout)
    return loaded


def test_all_domain_modules_together_import_no_web_framework() -> None:
    assert imported_web_modules(*DOMAIN_MODULES) == []


@pytest.mark.parametrize(
    "module", [pytest.param(m, id=m.rsplit(".", 1)[1]) for m in DOMAIN_MODULES]
)
def test_each_domain_module_imports_no_web_framework(module: str) -> None:
    assert imported_web_modules(module) == []


def test_the_probe_would_notice_the_web_framework() -> None:
    assert "starlette" in imported_web_modules("mock_server.vonage.rendering")
