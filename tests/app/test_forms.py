"""A posted page read without binding a form (forms.PostedPage) says what the bound form says:
every field's value, the answers, the pages seen, the contact, and whether the CSRF token holds."""
from __future__ import annotations

import pytest
import questionnaires as qn
from flask import request

from survey_app import citizen_csrf
from survey_app.forms import PostedPage, build_form
from tests.helpers import DEFINITIONS, make_app

COMPTOIR = (DEFINITIONS / "comptoir.yaml").read_text(encoding="utf-8")
WITH_FOLLOW_UP = qn.parse_yaml(COMPTOIR + "\nfollow_up: {offer: true}\n", source="comptoir.yaml")

POSTS = [
    {},
    {"submission_id": "0b5f7c1e-2f59-4a5e-9d4e-52f1f3c1a8a0", "q_overall": "4", "q_met": "no", "q_courtesy": "na",
     "q_contact": "phone", "q_topics": ["permit", "other"], "q_wait_minutes": " 25,5 ", "q_comment": "Bien",
     "seen": "overall met", "asked": "why_not nope", "step": "2", "live": ""},
    {"q_overall": "beaucoup", "q_topics": "", "q_wait_minutes": "", "q_comment": "   ", "live": "1", "step": "x"},
    {"q_overall": ["5", "1"], "q_met": "yes", "contact_consent": "y", "contact_email": " nom@exemple.ca ",
     "contact_phone": ""},
    {"contact_consent": "false", "contact_phone": "514 555-0123", "q_why_not": "File d'attente"},
    {"contact_consent": "", "contact_email": "", "seen": "", "asked": ""},
]


@pytest.mark.parametrize("posted", POSTS)
@pytest.mark.parametrize("definition", [qn.parse_yaml(COMPTOIR, source="comptoir.yaml"), WITH_FOLLOW_UP],
                         ids=["without_follow_up", "with_follow_up"])
def test_a_posted_page_reads_as_the_bound_form(app, definition, posted):
    with app.test_request_context("/q/comptoir", method="POST", data={**posted, "filler": "1"}):
        form, page = build_form(definition), PostedPage(definition, request.form)
        for field in form:
            if field.name != "csrf_token":
                assert page.value(field.name) == field.data, field.name
        assert page.answers() == form.answers()
        assert page.presented() == form.presented()
        assert page.shown() == form.shown()
        assert page.posted_step(page.shown()) == form.posted_step(form.shown())
        assert page.step_number() == form.step_number()
        assert page.contact() == form.contact()
        assert page.submitted_id() == form.submission_id.data
        assert page.offers_follow_up == form.offers_follow_up
        assert page.bound().answers() == form.answers()


@pytest.mark.parametrize("token", ["good", "forged", "no cookie", None])
def test_a_posted_page_holds_its_csrf_token_as_the_bound_form_does(database_uri, token):
    strict = make_app(database_uri, WTF_CSRF_ENABLED=True)
    definition = qn.parse_yaml(COMPTOIR, source="comptoir.yaml")
    with strict.test_request_context("/q/comptoir"):
        good = citizen_csrf.token()
        issued = strict.process_response(strict.response_class())
    sent = {"good": good, "forged": good[:-1] + ("1" if good.endswith("0") else "0"), "no cookie": good, None: None}[token]
    cookie = issued.headers["Set-Cookie"].split(";")[0]
    assert cookie.startswith(f"{citizen_csrf.COOKIE}=")
    headers = {} if token == "no cookie" else {"Cookie": cookie}
    with strict.test_request_context("/q/comptoir", method="POST", headers=headers,
                                     data={"q_overall": "4", **({"csrf_token": sent} if sent else {})}):
        assert PostedPage(definition, request.form).validate() == build_form(definition).validate() == (token == "good")
