"""The kiosk's JavaScript unit tests (tests/kiosk_js/, ``node --test``) as part of the suite.

They cover the answer rules on the shared cases (tests/cases/answer_rules.json), the queue and
the synchroniser. Without Node.js they are skipped, except in CI (SERVIR_REQUIRE_BROWSER set),
where a missing ``node`` fails: `.ci/run` installs Debian's ``nodejs``.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import require

HERE = Path(__file__).resolve().parent


def test_the_kiosk_javascript_unit_tests_pass():
    node = shutil.which("node")
    if node is None:
        reason = "no node on PATH (apt-get install nodejs) for tests/kiosk_js/"
        if require("SERVIR_REQUIRE_BROWSER"):
            pytest.fail(f"SERVIR_REQUIRE_BROWSER is set but {reason}", pytrace=False)
        pytest.skip(reason)
    files = sorted(str(p) for p in (HERE / "kiosk_js").glob("*.test.js"))
    assert files, "no test file in tests/kiosk_js/"
    result = subprocess.run([node, "--test", *files], cwd=HERE.parent, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout and "# pass " in result.stdout
