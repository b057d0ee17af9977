"""The tools a run needs (wrk, the pinned Prism) and the commands that start each server."""

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from harness import BENCH, HOST, PYTHON, ROOT, BenchError, say

SPEC = ROOT / "tests" / "spec" / "numbers-1.0.20.json"
PRISM_PACKAGE = "@stoplight/prism-cli"
PRISM_BIN = BENCH / "node_modules" / ".bin" / "prism"
# WireMock 3's standalone jar, as the `wiremock` npm package ships it (run with `java -jar`).
WIREMOCK_PACKAGE = "wiremock"
WIREMOCK_JAR = "wiremock-standalone-{version}.jar"
JAVA_PACKAGE = "openjdk-17-jre-headless"
# The mock journals its last 1000 calls; WireMock keeps every request unless told a bound.
WIREMOCK_JOURNAL_ENTRIES = 1000


def ensure_wrk() -> None:
    if not shutil.which("wrk"):
        _apt_install("wrk", "wrk")


def ensure_java() -> None:
    if not shutil.which("java"):
        _apt_install(JAVA_PACKAGE, "java")


def _apt_install(package: str, command: str) -> None:
    say(f"{command} is missing: installing Debian's package (apt-get install {package})")
    if os.geteuid() != 0:
        raise BenchError(
            f"{command} is missing and this is not root: run `sudo apt-get install {package}`"
        )
    install = ["apt-get", "install", "-y", "--no-install-recommends", package]
    if subprocess.run(install, check=False).returncode != 0:  # noqa: S603
        subprocess.run(["apt-get", "update"], check=True)  # noqa: S607
        subprocess.run(install, check=True)  # noqa: S603
    if not shutil.which(command):
        raise BenchError(f"{command} could not be installed")


def pinned_version(package: str) -> str:
    manifest = json.loads((BENCH / "package.json").read_text())
    version: str = manifest["devDependencies"][package]
    return version


def installed_version(package: str) -> str | None:
    manifest = BENCH / "node_modules" / package / "package.json"
    if not manifest.exists():
        return None
    version: str = json.loads(manifest.read_text())["version"]
    return version


def ensure_node_package(package: str, skip_flag: str) -> str:
    """The pinned version of `package` in bench/node_modules (`npm ci` when it is not)."""
    pinned = pinned_version(package)
    if installed_version(package) != pinned:
        npm = shutil.which("npm")
        if npm is None:
            raise BenchError(f"npm is missing: install Node 20 and npm, or pass {skip_flag}")
        say(f"installing {package} {pinned}: npm ci --prefix bench")
        # No install scripts: neither Prism nor WireMock needs one, and one dependency's only
        # phones home.
        command = [npm, "ci", "--prefix", str(BENCH), "--ignore-scripts", "--no-audit", "--no-fund"]
        # npm's own output goes to stderr with the progress: stdout carries only the report.
        subprocess.run(command, check=True, cwd=ROOT, stdout=sys.stderr)  # noqa: S603
    if installed_version(package) != pinned:
        raise BenchError(f"{package} {pinned} is not installed in bench/node_modules")
    return pinned


def ensure_prism() -> str:
    version = ensure_node_package(PRISM_PACKAGE, "--no-prism")
    if not PRISM_BIN.exists():
        raise BenchError(f"{PRISM_BIN} is missing: run `npm ci --prefix bench`")
    return version


def ensure_wiremock() -> str:
    """WireMock's pinned version, its jar in place and java to run it."""
    version = ensure_node_package(WIREMOCK_PACKAGE, "--no-wiremock")
    if not wiremock_jar(version).exists():
        raise BenchError(f"{wiremock_jar(version)} is missing: run `npm ci --prefix bench`")
    ensure_java()
    return version


def wiremock_jar(version: str) -> Path:
    jar = WIREMOCK_JAR.format(version=version)
    return BENCH / "node_modules" / WIREMOCK_PACKAGE / "build" / jar


def reference_command(port: int) -> list[str]:
    return [str(PYTHON), str(BENCH / "reference_app.py"), "--port", str(port)]


def prism_command(port: int) -> list[str]:
    # -v warn: Prism logs ~10 lines per request at its default level; the mock and the
    # reference run with warnings only, so Prism does too.
    return [str(PRISM_BIN), "mock", str(SPEC), "-p", str(port), "-h", HOST, "-v", "warn"]


def wiremock_command(version: str, root: Path) -> Callable[[int], list[str]]:
    """WireMock serving the stubs under `root`/mappings, on 127.0.0.1 only."""

    def command(port: int) -> list[str]:
        return [
            "java",
            "-jar",
            str(wiremock_jar(version)),
            "--bind-address",
            HOST,
            "--port",
            str(port),
            "--root-dir",
            str(root),
            "--disable-banner",
            "--max-request-journal-entries",
            str(WIREMOCK_JOURNAL_ENTRIES),
        ]

    return command


def tool_version(command: Sequence[str]) -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
        text = (done.stdout or done.stderr).strip().splitlines()
        return text[0] if text else "?"
    return "?"
