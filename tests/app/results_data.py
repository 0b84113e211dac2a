"""Seeded responses for the results tests: two cycles of the ``comptoir`` test questionnaire.

Responses are stored through the same answer rules as real ones (``validate_answers`` and
``answer_to_storage``) and returned as answer rows, so the tests can compute the expected
figures with :mod:`analysis` independently of the application's queries.

The data are shaped for the suppression rules: ``courtesy`` has fewer than 10 answers in
the cycle (suppressed there) and the ``phone`` channel fewer than 10 responses.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import numpy as np
import pandas as pd
import questionnaires as qn

from survey_app.database import write_transaction
from survey_app.extensions import db
from survey_app.models import Answer, Cycle, Response
from survey_app.services import catalogue, cycles

BASELINE, CYCLE = "2025", "2026"
COMMENTS = ["Merci beaucoup!", "Trop d'attente.", "=HYPERLINK(\"x\")", "Personnel aimable."]


def _answers(rng, latent: float, index: int, cycle: str) -> dict:
    def rating():
        return int(np.clip(round(1 + 4 * (latent + rng.normal(0, 0.2))), 1, 5))

    answers = {"overall": rating(), "met": bool(rng.random() < latent)}
    if rng.random() < 0.1:
        answers["met"] = "na"
    # courtesy: answered by everyone in the baseline, by only 7 respondents in the cycle
    if cycle == BASELINE or index < 7:
        answers["courtesy"] = rating()
    elif index < 12:
        answers["courtesy"] = "na"
    answers["contact"] = "counter" if rng.random() < 0.7 else "phone"
    answers["topics"] = ["permit"] if rng.random() < 0.5 else ["tax", "other"]
    answers["wait_minutes"] = int(rng.integers(0, 60))
    if rng.random() < 0.3:
        answers["comment"] = COMMENTS[int(rng.integers(len(COMMENTS)))]
    return answers


def load(app, n_baseline: int = 60, n_cycle: int = 80, seed: int = 7) -> pd.DataFrame:
    """Store the responses; returns one row per stored answer: questionnaire, question,
    cycle, value ("na" for not applicable, else the stored number or text), channel,
    language, response (index)."""
    rng = np.random.default_rng(seed)
    rows = []
    with app.app_context():
        cycles.create_cycle(BASELINE, "Cycle 2025")
        cycles.set_state(BASELINE, "open")
        cycles.set_state(BASELINE, "closed")
        cycles.create_cycle(CYCLE, "Cycle 2026")
        cycles.set_state(CYCLE, "open")
        version = catalogue.get_published("comptoir").current_version
        definition = catalogue.definition_of(version)
        with write_transaction():
            ids = {c.code: c.id for c in db.session.execute(db.select(Cycle)).scalars()}
            number = 0
            for code, n, level in ((BASELINE, n_baseline, 0.55), (CYCLE, n_cycle, 0.7)):
                for i in range(n):
                    channel = "phone" if i % 20 == 19 else ("kiosk" if i % 3 == 0 else "online")
                    language = "en" if i % 4 == 0 else "fr"
                    answers = _answers(rng, float(np.clip(level + rng.normal(0, 0.15), 0, 1)), i, code)
                    validated = qn.validate_answers(definition, answers)
                    response = Response(
                        public_id=uuid.uuid4().hex[:16], submission_id=str(uuid.uuid4()),
                        questionnaire_id="comptoir", version_id=version.id, cycle_id=ids[code],
                        channel=channel, language=language,
                        site="Comptoir central" if channel == "kiosk" else None,
                        submitted_on=dt.date(int(code), 5, 1),
                        payload_hash=hashlib.sha256(str(number).encode()).hexdigest(),
                    )
                    db.session.add(response)
                    for answer in validated:
                        question = definition.question(answer.question_id)
                        numeric, text, is_na = qn.answer_to_storage(question, answer.value)
                        db.session.add(Answer(response=response, questionnaire_id="comptoir",
                                              cycle_id=ids[code], question_id=answer.question_id,
                                              numeric_value=numeric, text_value=text, is_na=is_na))
                        value = "na" if is_na else (numeric if numeric is not None else text)
                        rows.append(("comptoir", answer.question_id, code, value, channel, language,
                                     number, "Comptoir central" if channel == "kiosk" else None))
                    number += 1
    return pd.DataFrame(rows, columns=["questionnaire", "question", "cycle", "value", "channel",
                                       "language", "response", "site"])


def rating_rows(rows: pd.DataFrame, questions=("overall", "courtesy")) -> pd.DataFrame:
    """Answer rows of rating questions in the analysis package's raw form."""
    out = rows[rows["question"].isin(questions)][["questionnaire", "question", "cycle", "value"]].copy()
    out["value"] = [v if v == "na" else int(v) for v in out["value"]]
    return out.reset_index(drop=True)
