"""A realistic demo: the bundled declaration, two cycles and synthetic responses.

The responses are drawn from a seeded generator so every fresh install shows the same
figures: some commitments improve between the baseline and the current cycle, one declines,
the others hold steady. Each generated response goes through the same answer rules as a
real one before it is stored.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass

import numpy as np
import questionnaires as qn

from ..database import write_transaction
from ..extensions import db
from ..models import (
    Answer,
    Commitment,
    Cycle,
    FollowupCase,
    FollowupContact,
    ImprovementAction,
    OperationalIndicator,
    Questionnaire,
    Response,
    User,
)
from . import catalogue, followups
from .margins import EXAMPLE_MARGINS
from .users import create_user

DEMO_PASSWORD = "servir-demo-2026"
DEMO_USERS = (
    ("admin@example.org", "admin"),
    ("evaluator@example.org", "evaluator"),
    ("staff@example.org", "staff"),
)
BASELINE = ("2025", "Cycle 2025 — mesure de référence", dt.date(2025, 3, 1), dt.date(2025, 5, 31))
CURRENT = ("2026", "Cycle 2026 — après améliorations", dt.date(2026, 9, 1), None)
NAMES_EN = {"2025": "2025 cycle — baseline", "2026": "2026 cycle — after improvements"}
PERIOD_ENDS = {"2026": dt.date(2026, 12, 15)}  # the open cycle's planned end
# The measurable part of the demo norms, as each definition's norm text states it.
DEMO_NORMS = {
    "C-01": (20, "seconds"),       # ligne-311: "en moins de 20 secondes"
    "C-02": (10, "working_days"),  # demande-ecrite: "dans un délai de 10 jours ouvrables"
    "C-03": (10, "working_days"),  # permis-simple: "dans un délai de 10 jours ouvrables"
    "C-04": (15, "minutes"),       # attente-comptoir: "en moins de 15 minutes"
}
# How often operations kept the measurable norms: (met, total) in the baseline and the cycle.
DEMO_INDICATORS = {
    "C-01": ("Statistiques du standard téléphonique 311", (41_260, 58_900), (47_730, 60_410)),
    "C-02": ("Registre du courrier des citoyens", (1_184, 1_530), (1_297, 1_560)),
    "C-03": ("Registre des permis délivrés", (612, 905), (781, 940)),
    "C-04": ("Système de file d’attente du comptoir", (9_870, 14_200), (11_940, 14_650)),
}
# What the units changed between the two cycles (filed under the cycle that measures it).
DEMO_ACTIONS = (
    ("C-01", "2026", "done", "Renfort de quatre préposés aux heures de pointe",
     "Four more agents at peak hours", "Horaire décalé de 11 h à 14 h, du lundi au jeudi.",
     "Staggered shifts from 11 a.m. to 2 p.m., Monday to Thursday."),
    ("C-03", "2026", "done", "Formulaire de permis simplifié en ligne", "Simplified online permit form",
     "Les pièces manquantes sont signalées dès le dépôt.", "Missing documents are flagged on submission."),
    ("C-03", "2026", "in_progress", "Suivi hebdomadaire des dossiers en retard", "Weekly follow-up of late files",
     None, None),
    ("C-04", "2026", "done", "Prise de numéro par texto", "Queue tickets by text message",
     "Les citoyens attendent hors du comptoir et sont avertis par texto.",
     "Citizens wait away from the counter and are told by text message."),
    ("C-05", "2026", "planned", "Formation à l’accueil pour le personnel des bibliothèques",
     "Welcome training for library staff", None, None),
)
CHANNEL_SHARES = {"online": 0.5, "kiosk": 0.3, "paper": 0.15, "phone": 0.05}
# Older citizens answer surveys more than younger ones, and are more satisfied: weighting to
# the population's age structure (the cycles' margins) lowers the figures a little.
AGE_SHARES = {"18-34": 0.14, "35-54": 0.30, "55-64": 0.26, "65+": 0.30}
AGE_EFFECT = {"18-34": -0.08, "35-54": -0.02, "55-64": 0.03, "65+": 0.07}
COMMENTS = {
    "fr": [
        "Personnel très aimable, merci.",
        "L'attente était trop longue.",
        "Les informations sur le site Web n'étaient pas à jour.",
        "Service rapide et efficace.",
        "J'ai dû rappeler deux fois avant d'obtenir une réponse.",
        "Très bon service, rien à redire.",
    ],
    "en": [
        "Very friendly staff, thank you.",
        "The wait was too long.",
        "Quick and efficient service.",
    ],
}


@dataclass
class DemoReport:
    questionnaires: int
    responses: int
    users: list[str]


def database_is_empty() -> bool:
    return db.session.execute(db.select(Questionnaire.id).limit(1)).first() is None


def _shift(index: int) -> float:
    """How much the latent satisfaction moves between cycles for the index-th commitment."""
    return (0.45, 0.3, 0.0, -0.3, 0.15, 0.0, 0.2, 0.0)[index % 8]


def _rating(rng, latent: float, scale: qn.Scale) -> int:
    # latent is on a 0..1 satisfaction scale; map with noise to the question's scale.
    span = scale.max - scale.min
    value = scale.min + span * np.clip(latent + rng.normal(0, 0.18), 0, 1)
    return int(np.clip(round(value), scale.min, scale.max))


def _answers(rng, definition: qn.Questionnaire, latent: float, language: str,
             preset: dict | None = None) -> dict:
    answers: dict = {}
    preset = preset or {}
    for question in definition.questions:
        if question.show_if is not None and not question.show_if.holds(answers):
            continue
        if not question.required and rng.random() < 0.04:
            continue  # skipped
        if question.allow_na and rng.random() < 0.05:
            answers[question.id] = "na"
            continue
        if question.type == "rating":
            assert question.scale is not None  # a rating question always has a scale
            answers[question.id] = _rating(rng, latent, question.scale)
        elif question.type == "yes_no":
            answers[question.id] = bool(rng.random() < 0.25 + 0.7 * latent)
        elif question.type == "choice" and question.id in preset:
            answers[question.id] = preset[question.id]
        elif question.type == "choice":
            assert question.options is not None  # a choice question always has options
            answers[question.id] = question.options[int(rng.integers(len(question.options)))].value
        elif question.type == "multi_choice":
            assert question.options is not None  # so does a multi-choice question
            k = int(rng.integers(1, min(3, len(question.options)) + 1))
            picks = rng.choice(len(question.options), size=k, replace=False)
            answers[question.id] = [question.options[int(i)].value for i in sorted(picks)]
        elif question.type == "number":
            low = question.min if question.min is not None else 0
            high = question.max if question.max is not None else 60
            if question.norm is not None:
                # delays cluster around the norm, longer for the less satisfied (skewed)
                typical = question.norm.max * (0.6 + 1.2 * (1 - latent))
                answers[question.id] = int(np.clip(round(typical * rng.lognormal(0, 0.45)), low, high))
            else:
                answers[question.id] = int(rng.integers(int(low), int(high) + 1))
        elif question.type == "text" and rng.random() < 0.18:
            pool = COMMENTS[language]
            answers[question.id] = pool[int(rng.integers(len(pool)))]
    return answers


def _ensure_cycle(code: str, name: str, opens: dt.date, closes: dt.date | None, state: str) -> Cycle:
    cycle = db.session.execute(db.select(Cycle).where(Cycle.code == code)).scalar_one_or_none()
    if cycle is None:
        # Census-like population margins, so results can be weighted from the start.
        cycle = Cycle(code=code, name=name, name_en=NAMES_EN.get(code), opens_on=opens, closes_on=closes,
                      period_start=opens, period_end=closes or PERIOD_ENDS.get(code), state=state,
                      population_margins=EXAMPLE_MARGINS)
        db.session.add(cycle)
        db.session.flush()
    return cycle


def _programme(baseline: Cycle, current: Cycle) -> None:
    """The operational indicators and improvement actions of the demo declaration (those
    already there, from an earlier load, are left as they are)."""
    commitments = {c.code: c for c in db.session.execute(db.select(Commitment)).scalars()}
    cycles = {baseline.code: baseline, current.code: current}
    counted = set(db.session.execute(db.select(OperationalIndicator.commitment_id, OperationalIndicator.cycle_id)).all())
    recorded = set(db.session.execute(db.select(ImprovementAction.commitment_id, ImprovementAction.title_fr)).all())
    for code, (source, before, after) in DEMO_INDICATORS.items():
        if code not in commitments:
            continue
        for cycle, (met, total) in ((baseline, before), (current, after)):
            if (commitments[code].id, cycle.id) in counted:
                continue
            db.session.add(OperationalIndicator(commitment_id=commitments[code].id, cycle_id=cycle.id,
                                                met=met, total=total, source=source, updated_by="demo"))
    for code, action_cycle, status, title_fr, title_en, text_fr, text_en in DEMO_ACTIONS:
        if code in commitments and (commitments[code].id, title_fr) not in recorded:
            db.session.add(ImprovementAction(
                commitment_id=commitments[code].id, cycle_id=cycles[action_cycle].id, status=status,
                title_fr=title_fr, title_en=title_en, description_fr=text_fr, description_en=text_en,
                starts_on=baseline.closes_on, created_by="demo"))


# A few follow-up cases for the counter's unit (fictitious contacts: example.org, 555-01xx),
# and the demo staff member in that unit, so the queue has work in it.
DEMO_FOLLOW_UPS: tuple[tuple[str, int, dict[str, str], str | None], ...] = (
    ("open", 1, {"email": "citoyen.a@example.org"}, "L'attente était trop longue."),
    ("in_progress", 4, {"phone": "418 555-0142"}, "Personne ne savait répondre à ma question."),
    ("closed", 12, {}, None),
)


def _demo_follow_ups(cycle_id: int) -> None:
    with write_transaction():
        commitment = db.session.execute(db.select(Commitment).where(Commitment.code == "C-04")).scalar_one_or_none()
        if commitment is None or db.session.execute(db.select(FollowupCase.id).limit(1)).first():
            return
        today = followups.today()
        for state, age, contact, comment in DEMO_FOLLOW_UPS:
            opened = today - dt.timedelta(days=age)
            case = FollowupCase(ref=secrets.token_urlsafe(16), commitment_id=commitment.id, unit_id=commitment.unit_id,
                                cycle_id=cycle_id, opened_on=opened, due_on=followups.add_working_days(opened, 10),
                                state=state, comment=comment, closed_on=today if state == "closed" else None)
            db.session.add(case)
            if contact:
                db.session.add(FollowupContact(case_ref=case.ref, consented_on=opened, **contact))
        staff = db.session.execute(db.select(User).where(User.email == "staff@example.org")).scalar_one_or_none()
        if staff is not None and staff.unit_id is None:
            staff.unit_id = commitment.unit_id


def load_demo(seed: int = 2026, responses_per_cycle: tuple[int, int] = (140, 260)) -> DemoReport:
    """Load the bundled declaration, two cycles, synthetic responses and demo users."""
    report = catalogue.sync_definitions(qn.load_demo())
    del report
    rng = np.random.default_rng(seed)
    total = 0
    with write_transaction():
        baseline = _ensure_cycle(*BASELINE, state="closed")
        current = _ensure_cycle(*CURRENT, state="open")
        for code, (value, unit) in DEMO_NORMS.items():
            commitment = db.session.execute(db.select(Commitment).where(Commitment.code == code)).scalar_one_or_none()
            if commitment is not None:
                commitment.norm_value, commitment.norm_unit = value, unit
        rows = list(db.session.execute(db.select(Questionnaire).order_by(Questionnaire.id)).scalars())
        for index, row in enumerate(rows):
            version = row.current_version
            definition = catalogue.definition_of(version)
            channels = [c for c in CHANNEL_SHARES if c in definition.channels]
            shares = np.array([CHANNEL_SHARES[c] for c in channels])
            base_level = 0.55 + 0.2 * rng.random()
            for cycle, level in ((baseline, base_level), (current, base_level + _shift(index) / 2)):
                n = int(rng.integers(*responses_per_cycle))
                start = cycle.opens_on
                assert start is not None  # _ensure_cycle() gives the demo cycles their dates
                days = ((cycle.closes_on or dt.date.today()) - start).days or 1
                for _ in range(n):
                    language = "fr" if rng.random() < 0.85 else "en"
                    age = str(rng.choice(list(AGE_SHARES), p=list(AGE_SHARES.values())))
                    latent = float(np.clip(level + AGE_EFFECT[age] + rng.normal(0, 0.2), 0, 1))
                    answers = _answers(rng, definition, latent, language, {"age_group": age})
                    validated = qn.validate_answers(definition, answers)
                    channel = str(rng.choice(channels, p=shares / shares.sum()))
                    payload = {"questionnaire": row.id, "channel": channel, "language": language,
                               "answers": answers}
                    response = Response(
                        public_id=secrets.token_urlsafe(12),
                        submission_id=str(uuid.UUID(int=int(rng.integers(2**62)) << 64 | total, version=4)),
                        questionnaire_id=row.id,
                        version_id=version.id,
                        cycle_id=cycle.id,
                        channel=channel,
                        language=language,
                        site="Bureau d'arrondissement de La Cité-Limoilou" if channel == "kiosk" else None,
                        submitted_on=start + dt.timedelta(days=int(rng.integers(days))),
                        payload_hash=hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest(),
                    )
                    db.session.add(response)
                    for answer in validated:
                        numeric, text, is_na = qn.answer_to_storage(
                            definition.question(answer.question_id), answer.value
                        )
                        db.session.add(Answer(response=response, questionnaire_id=row.id,
                                              cycle_id=cycle.id, question_id=answer.question_id,
                                              numeric_value=numeric, text_value=text, is_na=is_na))
                    total += 1
        _programme(baseline, current)
    created = []
    for email, role in DEMO_USERS:
        if db.session.execute(db.select(User).where(User.email == email)).first() is None:
            create_user(email, DEMO_PASSWORD, role)
            created.append(email)
    _demo_follow_ups(current.id)
    return DemoReport(questionnaires=len(rows), responses=total, users=created)
