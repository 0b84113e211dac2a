"""The citizens' online survey: home page, one page per questionnaire, thank-you page.

A conditional question (``show_if``) is shown only when its condition holds: live, by a
script (static/js/conditions.js), or without one on a short further page once the questions
it depends on are answered; the answers of earlier pages ride along in hidden fields. The
language buttons of a form page post the answers typed so far, so switching keeps them.
An anonymous visitor's fresh form page and thank-you page are the same markup for every
citizen (but for the form's CSRF token and submission id, put in per request): each is
rendered once per process by everything it shows, the offer's row among them, so a new
version, a reworded commitment or a closed cycle shows on the next page.
"""
from __future__ import annotations

import uuid
from itertools import groupby

from flask import Blueprint, abort, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from markupsafe import Markup

from .. import citizen_csrf
from ..application import this_app, this_request, this_session
from ..auth import signed_in
from ..database import is_unavailable
from ..extensions import csrf
from ..forms import (PROGRESS_AFTER, PostedPage, Step, SurveyForm, answer_rules_json, build_form, first_step,
                     next_step, presented_errors)
from ..i18n import current_language, supported
from ..memo import Memo
from .errors import unavailable_response
from ..services import catalogue, cycles, invitations, sites
from ..services.offering import Offer, current_offer
from ..services.submissions import Submitter, record_response

bp = Blueprint("survey", __name__)


@bp.get("/")
def index():
    rows = [
        row
        for row in catalogue.published_questionnaires()
        if "online" in catalogue.definition_of(row.current_version).channels
    ]
    units = [
        (unit, list(items))
        for unit, items in groupby(rows, key=lambda row: row.commitment.unit)
    ]
    return render_template("survey/index.html", units=units, cycle=cycles.open_cycle())


def _offer_or_404(questionnaire_id: str) -> Offer:
    """The questionnaire as offered online now (one small query: services/offering.py)."""
    offer = current_offer(questionnaire_id)
    if offer is None or "online" not in offer.definition.channels:
        abort(404)
    return offer


@bp.route("/q/<questionnaire_id>", methods=["GET", "POST"])
@csrf.exempt  # checked below by the form itself, so an expired token keeps the answers
def answer(questionnaire_id: str):
    offer = _offer_or_404(questionnaire_id)
    # A poster's link names its site; only the city's own sites are kept (services/sites.py).
    link_site = this_request().args.get("site")
    site = sites.site_from_link(link_site) if link_site is not None else None
    action = url_for(".answer", questionnaire_id=offer.id, site=link_site if site else None)
    return _form_page(offer, offer.cycle, action, Submitter("anonymous", site=site))


@bp.route("/i/<code>", methods=["GET", "POST"])
@csrf.exempt  # as above; the code in the path is the credential
def invitation(code: str):
    """An invitation link: the questionnaire's form, which consumes the invitation when sent.

    The form posts back to this same address, so the code travels in the link the citizen
    holds, and never into the response: the view hands the submission a ticket, not a code.
    """
    try:
        ticket = invitations.ticket_for(code)
    except invitations.InvitationGone as gone:
        return _invitation_gone(gone.reason)
    offer = _offer_or_404(ticket.questionnaire_id)
    # An invitation for a named cycle is answered while that cycle is the open one.
    cycle = offer.cycle if ticket.cycle_code in (None, offer.cycle and offer.cycle.code) else None
    response = make_response(_form_page(
        offer, cycle, url_for(".invitation", code=code), Submitter("anonymous"), ticket, code,
    ))
    # The link is a one-time credential: never cached, never sent on as a Referer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _invitation_gone(reason: str):
    status = 404 if reason == "unknown" else 410
    response = make_response(render_template("survey/invitation_gone.html", reason=reason), status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _form_page(offer: Offer, cycle, action: str, submitter: Submitter,
               ticket: invitations.Ticket | None = None, code: str | None = None):
    definition = offer.definition
    if cycle is None:
        return render_template("survey/closed.html", questionnaire=offer, definition=definition), 200
    current = this_request()
    switch = current.form.get("switch_lang") if current.method == "POST" else None
    if switch in supported():
        # The header's language button posted the answers so far: the same page, in the other
        # language, nothing checked or stored.
        this_session()["lang"] = switch
        refresh()
    if current.method == "GET" and ticket is None and _same_for_every_citizen():
        return _fresh_page(offer, cycle, action)
    # A post that is sent on shows no page: its values are read without binding a form,
    # which is bound only when a page is to be shown (forms.PostedPage).
    form: SurveyForm | PostedPage = (
        PostedPage(definition, current.form)
        if current.method == "POST" and switch not in supported() and current.form and not current.files
        else build_form(definition))
    notice = None
    status = 200
    step = first_step(definition)
    if current.method == "GET":
        form = form.bound()
        form.submission_id.data = str(uuid.uuid4())
    elif switch in supported():
        step = form.posted_step(form.shown())
    elif not form.validate():  # only the CSRF token and the hidden id can fail here
        notice = _("Your session expired before you sent your answers. They are kept below: "
                   "please send them again.")
        step = form.posted_step(form.shown())
        status = 400
    else:
        answers = form.answers()
        presented = form.presented()
        following, check = next_step(definition, answers, presented, form.step_number())
        # A further page holds the conditional questions these answers call for.
        step = following or form.posted_step(check.shown)
        errors = presented_errors(check, presented) if following is None else {}
        if following is not None:
            status = 200
        elif errors:
            form = form.bound()
            form.attach_errors(errors, answers)
            notice = _("Some answers need your attention. Nothing was recorded yet.")
            status = 422
        else:
            contact = form.contact()
            # The offer is plain data: what the page shows survives the rollback of a failed
            # write, so the form can be shown again even when the database cannot be read.
            try:
                outcome = record_response(
                    {
                        "submission_id": form.submitted_id(),
                        "questionnaire": offer.id,
                        "version": offer.version.content_hash,
                        "cycle": cycle.code,
                        "channel": "online",
                        "language": current_language(),
                        "answers": answers,
                        **({"contact": contact} if contact is not None else {}),
                    },
                    submitter,
                    invitation=ticket,
                    offered=offer,
                    checked=check,
                )
            except Exception as error:
                if not is_unavailable(error):
                    raise
                # The citizen's answers come back in the form, with what happened and what to do.
                notice = _("We could not record your answers just now. Nothing was lost: they are "
                           "kept below. Please send them again in a moment.")
                form = form.bound()
                form.set_step(step)
                page = render_template(
                    "survey/form.html", form=form, questionnaire=offer, definition=definition,
                    cycle=cycle, notice=notice, action=action, step=step, rules=_rules(definition),
                    progress=len(definition.questions) > PROGRESS_AFTER,
                    retention_days=this_app().config["FOLLOWUP_RETENTION_DAYS"],
                )
                return unavailable_response(this_app(), page)
            if outcome.stored or outcome.status == 409:
                # Said once on the thank-you page, kept out of its address (and the history).
                if outcome.follow_up is not None:
                    this_session()["follow_up"] = "opened" if outcome.follow_up else "not_needed"
                # Post/redirect/get: a refresh of the thank-you page cannot resend the form.
                return redirect(url_for(".thanks", questionnaire_id=offer.id,
                                        again=1 if outcome.status == 409 else None))
            if outcome.status == 410:  # used by another tab, or expired while the form was open
                assert code is not None  # a 410 comes only from an invitation, sent with its code
                try:
                    invitations.ticket_for(code)
                    reason = "used"
                except invitations.InvitationGone as gone:
                    reason = gone.reason
                return _invitation_gone(reason)
            form = form.bound()
            if outcome.status == 400:  # a tampered or missing hidden id: start a fresh one
                form.submission_id.data = str(uuid.uuid4())
                notice = _("Something went wrong with this form. Please send your answers again.")
            else:
                form.attach_errors(outcome.errors, answers)
                notice = _("Some answers need your attention. Nothing was recorded yet.")
            status = 422
    form = form.bound()
    form.set_step(step)
    progress = len(definition.questions) > PROGRESS_AFTER
    return (
        render_template(
            "survey/form.html", form=form, questionnaire=offer, definition=definition,
            cycle=cycle, notice=notice, action=action, step=step, rules=_rules(definition),
            progress=progress, questions_html=_fresh_questions(form, step, progress) if current.method == "GET" else None,
            retention_days=this_app().config["FOLLOWUP_RETENTION_DAYS"],
        ),
        status,
    )


# A fresh first page (a GET: no answer, no error) by (questionnaire, version, language): the
# same markup for every citizen, so it is rendered once per process.
_fresh_pages: Memo[Markup] = Memo(limit=256)
_fresh_rules: Memo[dict] = Memo(limit=256)
# The whole fresh form page of an anonymous visitor, by what it shows (the offer, the language,
# the form's address): the same for every citizen but for two values, the CSRF token and the
# submission id, which each request puts in place of these stand-ins (NUL: never in a page).
# Kept encoded: the page's dashes and apostrophes send Python's UTF-8 encoder down its slow
# path, about a twentieth of a citizen's whole cycle on every form page (counted with callgrind).
_fresh_forms: Memo[bytes] = Memo(limit=256)
_TOKEN, _SUBMISSION = "\x00csrf\x00", "\x00submission\x00"
_TOKEN_BYTES, _SUBMISSION_BYTES = _TOKEN.encode(), _SUBMISSION.encode()
# The thank-you page of an anonymous visitor, by all it shows: the same for every citizen (encoded
# once, as the form page).
_thanks_pages: Memo[bytes] = Memo(limit=256)


def _same_for_every_citizen() -> bool:
    """Whether the page's header and messages are those of any visitor: no one signed in
    (whose header names them) and no flashed message waiting in the session."""
    return not signed_in() and "_flashes" not in this_session()


def _fresh_page(offer: Offer, cycle, action: str) -> bytes:
    """The fresh form page, UTF-8 encoded, with this request's token and submission id."""
    config = this_app().config
    key = (offer.id, offer.version, offer.commitment, cycle, current_language(), action, this_request().script_root,
           config["FOLLOWUP_RETENTION_DAYS"], config.get("WTF_CSRF_ENABLED", True))
    page = _fresh_forms.get(key, lambda: _fresh_page_markup(offer, cycle, action).encode())
    if _TOKEN_BYTES in page:
        page = page.replace(_TOKEN_BYTES, citizen_csrf.token().encode())
    return page.replace(_SUBMISSION_BYTES, str(uuid.uuid4()).encode())


def _fresh_page_markup(offer: Offer, cycle, action: str) -> str:
    """The fresh form page as the view renders it, its token and id replaced by stand-ins."""
    definition = offer.definition
    form = build_form(definition)
    form.submission_id.data = str(uuid.uuid4())
    step = first_step(definition)
    form.set_step(step)
    progress = len(definition.questions) > PROGRESS_AFTER
    page = render_template(
        "survey/form.html", form=form, questionnaire=offer, definition=definition,
        cycle=cycle, notice=None, action=action, step=step, rules=_rules(definition),
        progress=progress, questions_html=_fresh_questions(form, step, progress),
        retention_days=this_app().config["FOLLOWUP_RETENTION_DAYS"],
    )
    assert page.count(form.submission_id.data) == 1, "a stand-in must stand for one value"
    page = page.replace(form.submission_id.data, _SUBMISSION)
    if form.meta.csrf:  # tests may switch CSRF off: then the page holds no token
        token = form.csrf_token.current_token
        assert page.count(token) == 1, "a stand-in must stand for one value"
        page = page.replace(token, _TOKEN)
    return page


def _fresh_questions(form: SurveyForm, step: Step, progress: bool) -> Markup:
    definition = form.questionnaire
    return _fresh_pages.get((definition.id, definition.version, current_language()), lambda: Markup(render_template(
        "survey/_questions.html", form=form, definition=definition, step=step, progress=progress)))


def _rules(definition) -> dict:
    """The rules the page's script runs, once per version (they hold no wording)."""
    return _fresh_rules.get((definition.id, definition.version), lambda: answer_rules_json(definition))


@bp.get("/q/<questionnaire_id>/merci")
def thanks(questionnaire_id: str):
    offer = _offer_or_404(questionnaire_id)
    current = this_request()
    again, follow_up = current.args.get("again") == "1", this_session().pop("follow_up", None)
    due_days = this_app().config["FOLLOWUP_DUE_WORKING_DAYS"]

    def render() -> str:
        return render_template("survey/thanks.html", questionnaire=offer, definition=offer.definition,
                               again=again, follow_up=follow_up, due_days=due_days)

    if not _same_for_every_citizen():
        return render()
    # The language link of the header goes back to this address: it is part of the page.
    key = (offer.commitment, current_language(), again, follow_up, due_days, current.full_path, current.script_root)
    return _thanks_pages.get(key, lambda: render().encode())
