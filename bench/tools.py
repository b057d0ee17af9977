"""The tools a run needs (wrk, the pinned Prism) and the commands that start each server."""

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence

from harness import BENCH, HOST, PYTHON, ROOT, BenchError, say

SPEC = ROOT / "tests" / "spec" / "numbers-1.0.20.json"
PRISM_PACKAGE = "@stoplight/prism-cli"
PRISM_BIN = BENCH / "node_modules" / ".bin" / "prism"


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    say("wrk is missing: installing Debian's package (apt-get install wrk)")
    if os.geteuid() != 0:
        raise BenchError("wrk is missing and this is not root: run `sudo apt-get install wrk`")
    install = ["apt-get", "install", "-y", "--no-install-recommends", "wrk"]
    if subprocess.run(install, check=False).returncode != 0:  # noqa: S603
        subprocess.run(["apt-get", "update"], check=True)  # noqa: S607
        subprocess.run(install, check=True)  # noqa: S603
    if not shutil.which("wrk"):
        raise BenchError("wrk could not be installed")


def pinned_prism_version() -> str:
    package = json.loads((BENCH / "package.json").read_text())
    version: str = package["devDependencies"][PRISM_PACKAGE]
    return version


def installed_prism_version() -> str | None:
    manifest = BENCH / "node_modules" / PRISM_PACKAGE / "package.json"
    if not manifest.exists() or not PRISM_BIN.exists():
        return None
    version: str = json.loads(manifest.read_text())["version"]
    return version


def ensure_prism() -> str:
    pinned = pinned_prism_version()
    if installed_prism_version() != pinned:
        npm = shutil.which("npm")
        if npm is None:
            raise BenchError("npm is missing: install Node 20 and npm, or pass --no-prism")
        say(f"installing {PRISM_PACKAGE} {pinned}: npm ci --prefix bench")
        # No install scripts: Prism needs none, and one dependency's only phones home.
        command = [npm, "ci", "--prefix", str(BENCH), "--ignore-scripts", "--no-audit", "--no-fund"]
        # npm's own output goes to stderr with the progress: stdout carries only the report.
        subprocess.run(command, check=True, cwd=ROOT, stdout=sys.stderr)  # noqa: S603
    if installed_prism_version() != pinned:
        raise BenchError(f"{PRISM_PACKAGE} {pinned} is not installed in bench/node_modules")
    return pinned


def reference_command(port: int) -> list[str]:
    return [str(PYTHON), str(BENCH / "reference_app.py"), "--port", str(port)]


def prism_command(port: int) -> list[str]:
    # -v warn: Prism logs ~10 lines per request at its default level; the mock and the
    # reference run with warnings only, so Prism does too.
    return [str(PRISM_BIN), "mock", str(SPEC), "-p", str(port), "-h", HOST, "-v", "warn"]


def tool_version(command: Sequence[str]) -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
        text = (done.stdout or done.stderr).strip().splitlines()
        return text[0] if text else "?"
    return "?"
