"""The application gunicorn serves in the fault suite: the test configuration on the database
named by SERVIR_ROBUST_DB (``gunicorn "tests.robustness.serve:create()"``)."""
from __future__ import annotations

import os

from tests.helpers import make_app


def create():
    return make_app(os.environ["SERVIR_ROBUST_DB"])
