"""What the robustness suites share besides fixtures: the tally printed in pytest's summary
(what was fuzzed, killed, faulted), and where the PostgreSQL server's own programs are."""
from __future__ import annotations

import os

import pytest

from tests.helpers import require
from tests.tallies import tally

#: Printed in pytest's summary under "robustness" (tests/tallies.py).
TALLY = tally("robustness")


def postgres_binaries() -> str | None:
    for version in sorted(os.listdir("/usr/lib/postgresql"), reverse=True) if os.path.isdir("/usr/lib/postgresql") else []:
        path = f"/usr/lib/postgresql/{version}/bin"
        if os.path.exists(f"{path}/pg_ctl"):
            return path
    return None


def skip_or_fail(reason: str, flag: str = "SERVIR_REQUIRE_POSTGRES"):
    if require(flag):
        pytest.fail(reason)
    pytest.skip(reason)
