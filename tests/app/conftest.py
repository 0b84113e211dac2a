"""Fixtures of the app suite: a signed-in browser session for each role, and the seeded
responses of tests/app/results_data.py (two cycles of the ``comptoir`` questionnaire).

The seeded responses are stored once per session in a template database (tests/templates.py)
that each test using ``answers`` gets a copy of, so a test may change them freely.
"""
from __future__ import annotations

import pandas as pd
import pytest

from tests.helpers import PASSWORD


@pytest.fixture
def seeded_answers(database_templates) -> pd.DataFrame:
    """The answer rows of the seeded responses; asking for it seeds the test's database."""
    database_templates.build("seeded")
    return database_templates.answers.copy()


@pytest.fixture
def answers(app, seeded_answers) -> pd.DataFrame:
    """The application's database holds the seeded responses: one row per stored answer
    (see :func:`tests.app.results_data.load`)."""
    return seeded_answers


@pytest.fixture
def signed_in(app, make_user):
    """``signed_in(role)`` → a test client with a session of a new user holding ``role``."""
    made = iter(range(1, 1000))

    def sign_in(role: str, client=None):
        email = f"{role}{next(made)}@example.org"
        make_user(email, role)
        client = client or app.test_client()
        response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return sign_in


@pytest.fixture
def admin(signed_in):
    return signed_in("admin")
