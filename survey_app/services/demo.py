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
from ..models import Answer, Commitment, Cycle, Questionnaire, Response, User
from . import catalogue
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
            answers[question.id] = _rating(rng, latent, question.scale)
        elif question.type == "yes_no":
            answers[question.id] = bool(rng.random() < 0.25 + 0.7 * latent)
        elif question.type == "choice" and question.id in preset:
            answers[question.id] = preset[question.id]
        elif question.type == "choice":
            answers[question.id] = question.options[int(rng.integers(len(question.options)))].value
        elif question.type == "multi_choice":
            k = int(rng.integers(1, min(3, len(question.options)) + 1))
            picks = rng.choice(len(question.options), size=k, replace=False)
            answers[question.id] = [question.options[int(i)].value for i in sorted(picks)]
        elif question.type == "number":
            low = question.min if question.min is not None else 0
            high = question.max if question.max is not None else 60
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
    created = []
    for email, role in DEMO_USERS:
        if db.session.execute(db.select(User).where(User.email == email)).first() is None:
            create_user(email, DEMO_PASSWORD, role)
            created.append(email)
    return DemoReport(questionnaires=len(rows), responses=total, users=created)
