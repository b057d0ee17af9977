"""The domain modules are plain Python: importing them must not pull in the web framework."""

import json
import pkgutil
import subprocess
import sys
from types import ModuleType

import pytest

import mock_server.domain
import mock_server.state


def package_modules(package: ModuleType) -> tuple[str, ...]:
    """The package and every module in it, found on disk: a new module is checked unasked."""
    found = pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}.")
    return (package.__name__, *sorted(module.name for module in found))


# Every module of the domain and of the state (the fixture format, export, the state file),
# and the modules of the other layers that hold plain rules rather than routes.
DOMAIN_MODULES = package_modules(mock_server.domain)
STATE_MODULES = package_modules(mock_server.state)
OTHER_HTTP_FREE_MODULES = (
    "mock_server.simulation.faults",
    "mock_server.simulation.fault_header",
    "mock_server.simulation.rate_limits",
    "mock_server.simulation.journal",
    "mock_server.vonage.queries",
    "mock_server.vonage.credentials",
    "mock_server.compare.structure",
    "mock_server.compare.plan",
)
HTTP_FREE_MODULES = (*DOMAIN_MODULES, *STATE_MODULES, *OTHER_HTTP_FREE_MODULES)
WEB_PACKAGES = ("fastapi", "starlette")

PROBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted(sys.modules)))
"""


def imported_modules(*modules: str) -> list[str]:
    """Every module loaded by importing `modules`, in a fresh interpreter: this test process has
    long since imported fastapi (tests/conftest.py)."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *modules],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout)
    return loaded


def imported_web_modules(*modules: str) -> list[str]:
    return [m for m in imported_modules(*modules) if m.split(".")[0] in WEB_PACKAGES]


def test_the_discovery_finds_the_domain_and_the_state() -> None:
    # Were the package walk to find nothing, every test below would pass without checking.
    assert {"mock_server.domain.inventory", "mock_server.domain.wire"} <= set(DOMAIN_MODULES)
    assert {"mock_server.state.document", "mock_server.state.atomic"} <= set(STATE_MODULES)


def test_all_http_free_modules_together_import_no_web_framework() -> None:
    assert imported_web_modules(*HTTP_FREE_MODULES) == []


@pytest.mark.parametrize("module", [pytest.param(m, id=m) for m in HTTP_FREE_MODULES])
def test_each_http_free_module_imports_no_web_framework(module: str) -> None:
    assert imported_web_modules(module) == []


def test_the_domain_imports_nothing_of_the_other_layers() -> None:
    # Imports go from the edges to the domain, never back: the domain owns Vonage's vocabulary.
    loaded = imported_modules(*DOMAIN_MODULES)
    assert [m for m in loaded if m.startswith("mock_server.") and m not in DOMAIN_MODULES] == []


def test_the_probe_would_notice_the_web_framework() -> None:
    assert "starlette" in imported_web_modules("mock_server.vonage.rendering")
