"""Helpers of the deployment suite: the tally printed in pytest's summary, free loopback
ports, waits on a condition, and the rule for a missing tool (skipped on a developer's
machine; a failure in CI, or with SERVIR_REQUIRE_DEPLOY=1).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable

import pytest

from tests.tallies import tally

#: What the two-server test counted, printed in pytest's summary under "deployment"
#: (tests/tallies.py).
TALLY = tally("deployment")


def required() -> bool:
    return (os.environ.get("SERVIR_REQUIRE_DEPLOY", "") not in ("", "0")
            or os.environ.get("CI", "").lower() == "true")


def skip_or_fail(reason: str) -> None:
    if required():
        pytest.fail(reason)
    pytest.skip(reason)


def tool(name: str, *extra: str) -> str:
    """The path of a server program (PATH, then the Debian places), or skip / fail."""
    found = shutil.which(name) or next((p for p in (f"{d}/{name}" for d in extra) if os.access(p, os.X_OK)), None)
    if found is None:
        skip_or_fail(f"{name} is not installed (apt-get install {name})")
    return str(found)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], bool], what: str, seconds: float = 30.0,
               process: subprocess.Popen | None = None) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` (and a dead ``process``)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if process is not None and process.poll() is not None:
            pytest.fail(f"{what}: the process ended with status {process.returncode}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {seconds:.0f} s")
        time.sleep(0.05)  # a polling interval, not a wait for an assumed duration


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
