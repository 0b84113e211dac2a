"""The questionnaire's form holds against posts from other sites (survey_app/citizen_csrf.py):
the page's token pairs with a cookie of the form's own, and a post needs both."""
from __future__ import annotations

import re

import pytest

from survey_app.citizen_csrf import COOKIE, SECURE_COOKIE
from survey_app.extensions import db
from survey_app.models import Response
from survey_app.services import invitations
from tests.helpers import make_app


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1)


def stored(app) -> int:
    with app.app_context():
        return db.session.execute(db.select(db.func.count(Response.id))).scalar_one()


@pytest.fixture()
def strict(database_uri, open_cycle):
    return make_app(database_uri, WTF_CSRF_ENABLED=True)


def answers(page: str, **extra) -> dict:
    return {"csrf_token": hidden(page, "csrf_token"), "submission_id": hidden(page, "submission_id"),
            "q_overall": "4", "q_comment": "Accueil chaleureux", **extra}


def test_the_form_page_sets_the_forms_cookie_and_no_session_cookie(strict):
    client = strict.test_client()
    page = client.get("/q/comptoir")
    cookies = page.headers.getlist("Set-Cookie")
    assert len(cookies) == 1 and cookies[0].startswith(f"{COOKIE}=")
    cookie = client.get_cookie(COOKIE)
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure and cookie.path == "/"
    # The same visitor keeps the same cookie: a second page sets none, and both tokens hold.
    again = client.get("/q/comptoir")
    assert "Set-Cookie" not in again.headers
    assert hidden(again.get_data(as_text=True), "csrf_token") == hidden(page.get_data(as_text=True), "csrf_token")
    sent = client.post("/q/comptoir", data=answers(page.get_data(as_text=True)))
    assert sent.status_code == 302 and "Set-Cookie" not in sent.headers
    assert stored(strict) == 1


def test_over_https_the_cookie_is_a_secure_host_cookie(database_uri, open_cycle):
    """``__Host-``: a browser takes it only from this host over HTTPS, so neither a sibling
    domain nor a network attacker on plain HTTP can plant one (behind the proxy as well)."""
    behind_proxy = make_app(database_uri, WTF_CSRF_ENABLED=True, TRUSTED_PROXIES=1)
    client = behind_proxy.test_client()
    page = client.get("/q/comptoir", headers={"X-Forwarded-Proto": "https"})
    [cookie] = page.headers.getlist("Set-Cookie")
    assert cookie.startswith(f"{SECURE_COOKIE}=") and "Secure" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie
    # Only that cookie counts over HTTPS: one of the plain name (planted over HTTP) does not.
    value = cookie.split(";")[0].split("=", 1)[1]
    data = answers(page.get_data(as_text=True))
    client.delete_cookie(SECURE_COOKIE, domain="localhost")
    client.set_cookie(COOKIE, value)
    assert client.post("/q/comptoir", data=data, headers={"X-Forwarded-Proto": "https"}).status_code == 400
    client.set_cookie(SECURE_COOKIE, value)
    assert client.post("/q/comptoir", data=data, headers={"X-Forwarded-Proto": "https"}).status_code == 302
    assert stored(behind_proxy) == 1


def test_a_post_without_the_cookie_is_refused_and_keeps_the_answers(strict):
    """What another site's page can send: SameSite keeps the cookie home, so it comes without."""
    client = strict.test_client()
    page = client.get("/q/comptoir").get_data(as_text=True)
    client.delete_cookie(COOKIE)
    refused = client.post("/q/comptoir", data=answers(page))
    assert refused.status_code == 400 and stored(strict) == 0
    html = refused.get_data(as_text=True)
    assert "Accueil chaleureux</textarea>" in html
    # The page shown again pairs a new token with a new cookie, and is then accepted.
    assert client.get_cookie(COOKIE) is not None
    assert client.post("/q/comptoir", data=answers(html)).status_code == 302
    assert stored(strict) == 1


def test_a_token_holds_only_for_the_cookie_it_was_made_for(strict):
    """Another visitor's token, a cookie changed under a page, a value the form never issues:
    all refused."""
    victim, attacker = strict.test_client(), strict.test_client()
    attackers_page = attacker.get("/q/comptoir").get_data(as_text=True)
    victims_page = victim.get("/q/comptoir").get_data(as_text=True)
    victim.set_cookie(COOKIE, "A" * 22)
    assert victim.post("/q/comptoir", data=answers(attackers_page)).status_code == 400
    assert victim.post("/q/comptoir", data=answers(victims_page)).status_code == 400
    victim.set_cookie(COOKIE, "not a value the form issues")
    assert victim.post("/q/comptoir", data=answers(victims_page)).status_code == 400
    assert stored(strict) == 0


def test_a_token_made_under_a_retired_key_holds_while_the_key_is_a_fallback(database_uri, open_cycle):
    before = make_app(database_uri, WTF_CSRF_ENABLED=True, SECRET_KEY="old key")
    client = before.test_client()
    page = client.get("/q/comptoir").get_data(as_text=True)
    cookie = client.get_cookie(COOKIE).value
    for fallbacks, status in (([], 400), (["old key"], 302)):
        after = make_app(database_uri, WTF_CSRF_ENABLED=True, SECRET_KEY="new key", SECRET_KEY_FALLBACKS=fallbacks)
        other = after.test_client()
        other.set_cookie(COOKIE, cookie)
        assert other.post("/q/comptoir", data=answers(page)).status_code == status


def test_an_invitations_form_carries_the_same_protection(strict):
    with strict.app_context():
        code = invitations.create_batch("comptoir", 1).codes[0]
    client = strict.test_client()
    page = client.get(f"/i/{code}").get_data(as_text=True)
    client.delete_cookie(COOKIE)
    assert client.post(f"/i/{code}", data=answers(page)).status_code == 400
    assert stored(strict) == 0


@pytest.mark.parametrize("sent", ["é", "", "0" * 64, ["a", "b"]])
def test_a_token_of_any_shape_is_refused_without_an_error(strict, sent):
    client = strict.test_client()
    page = client.get("/q/comptoir").get_data(as_text=True)
    data = answers(page)
    data["csrf_token"] = sent
    refused = client.post("/q/comptoir", data=data)
    assert refused.status_code == 400 and "Accueil chaleureux</textarea>" in refused.get_data(as_text=True)
    assert stored(strict) == 0
