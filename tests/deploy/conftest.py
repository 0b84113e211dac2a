"""Fixtures of the deployment suite: a throwaway Redis server (the helpers it uses, and the rule
for a missing tool, are in tests/deploy/helpers.py)."""
from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from tests.deploy.helpers import free_port, port_open, tool, wait_until


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """A Redis server of the suite's own on a free loopback port, nothing written to disk."""
    binary = tool("redis-server", "/usr/bin", "/usr/sbin")
    folder = tmp_path_factory.mktemp("redis")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder), "--logfile", str(folder / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: port_open(port), "redis-server", process=process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)
