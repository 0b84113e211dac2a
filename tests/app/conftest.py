"""Fixtures of the console's tests: a signed-in browser session for each role."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD


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
