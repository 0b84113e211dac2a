"""Sign-in, sign-out, password hashes, API tokens and the role check."""
from __future__ import annotations

import pytest
from argon2 import profiles
from flask import Blueprint

from survey_app.auth import hash_token, roles_required
from survey_app.config import DEFAULTS
from survey_app.extensions import db
from survey_app.models import ApiToken, User
from survey_app.services import users
from tests.helpers import PASSWORD, make_app


def password_hash(email: str) -> str:
    return db.session.execute(db.select(User).where(User.email == email)).scalar_one().password_hash


def test_passwords_are_stored_as_argon2id_at_the_cost_of_the_settings(app, database_uri, make_user):
    make_user("eval@example.org", "evaluator")
    with app.app_context():
        stored = password_hash("eval@example.org")
    assert stored.startswith("$argon2id$v=19$m=8,t=1,p=1$")  # the tests' cheap settings
    assert PASSWORD not in stored
    # in production, argon2-cffi's RFC 9106 low-memory profile
    profile = profiles.RFC_9106_LOW_MEMORY
    assert (DEFAULTS["PASSWORD_HASH_TIME_COST"], DEFAULTS["PASSWORD_HASH_MEMORY_KIB"],
            DEFAULTS["PASSWORD_HASH_PARALLELISM"]) == (profile.time_cost, profile.memory_cost, profile.parallelism)
    # a new cost applies to new hashes; an older hash keeps its own and still signs in
    costlier = make_app(database_uri, PASSWORD_HASH_TIME_COST=2, PASSWORD_HASH_MEMORY_KIB=16)
    with costlier.app_context():
        users.create_user("admin@example.org", PASSWORD, "admin")
        assert password_hash("admin@example.org").startswith("$argon2id$v=19$m=16,t=2,p=1$")
    signed_in = costlier.test_client().post("/auth/login", data={"email": "eval@example.org", "password": PASSWORD})
    assert signed_in.status_code == 302
    with costlier.app_context():
        db.engine.dispose()


def test_tokens_are_stored_hashed(app, make_user):
    token = make_user("eval@example.org", "evaluator")
    with app.app_context():
        row = db.session.execute(db.select(ApiToken)).scalar_one()
    assert row.token_hash == hash_token(token) and token not in row.token_hash


def test_sign_in_and_out(client, make_user):
    make_user("eval@example.org", "evaluator")
    page = client.get("/auth/login")
    assert page.status_code == 200 and 'autocomplete="current-password"' in page.get_data(as_text=True)
    response = client.post("/auth/login", data={"email": "Eval@Example.org ", "password": PASSWORD})
    assert response.status_code == 302
    assert "Se déconnecter" in client.get("/").get_data(as_text=True)
    client.post("/auth/logout")
    assert "Connexion du personnel" in client.get("/").get_data(as_text=True)


def test_a_wrong_password_is_refused_with_a_message(client, make_user):
    make_user("eval@example.org", "evaluator")
    response = client.post("/auth/login", data={"email": "eval@example.org", "password": "nope"})
    assert response.status_code == 422
    assert "Adresse courriel inconnue ou mot de passe erroné." in response.get_data(as_text=True)


def test_sign_in_never_redirects_off_site(client, make_user):
    make_user("eval@example.org", "evaluator")
    response = client.post("/auth/login?next=https://evil.example/",
                           data={"email": "eval@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/results/"  # the evaluator's start page


@pytest.fixture
def guarded(app):
    bp = Blueprint("guarded", __name__)

    @bp.get("/evaluators-only")
    @roles_required("evaluator", "admin")
    def page():
        return "secret figures"

    @bp.get("/api/v1/evaluators-only")
    @roles_required("evaluator", "admin")
    def api():
        return {"figures": 1}

    app.register_blueprint(bp)
    return app


def test_role_check_redirects_anonymous_visitors_to_sign_in(guarded):
    client = guarded.test_client()
    response = client.get("/evaluators-only")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.get("/api/v1/evaluators-only").status_code == 401


def test_role_check_refuses_other_roles(guarded, make_user):
    make_user("staff@example.org", "staff")
    client = guarded.test_client()
    client.post("/auth/login", data={"email": "staff@example.org", "password": PASSWORD})
    assert client.get("/evaluators-only").status_code == 403


def test_role_check_accepts_the_role_by_session_or_token(guarded, make_user):
    token = make_user("eval@example.org", "evaluator")
    client = guarded.test_client()
    assert client.get("/api/v1/evaluators-only", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    client.post("/auth/login", data={"email": "eval@example.org", "password": PASSWORD})
    assert client.get("/evaluators-only").get_data(as_text=True) == "secret figures"


def test_a_deactivated_user_loses_access(app, guarded, make_user):
    token = make_user("eval@example.org", "evaluator")
    with app.app_context():
        db.session.execute(db.update(User).values(active=False))
        db.session.commit()
    client = guarded.test_client()
    assert client.get("/api/v1/evaluators-only", headers={"Authorization": f"Bearer {token}"}).status_code == 401
