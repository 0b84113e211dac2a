"""The online form offers a personal question's own opt-out ("Préfère ne pas répondre"), in
the reader's language, and other questions the standard "Ne sais pas / ne s’applique pas"."""
from __future__ import annotations

import questionnaires as qn

from survey_app.services import catalogue


def test_the_form_offers_the_questions_own_opt_out(app, client, open_cycle):
    with app.app_context():
        catalogue.sync_definitions([d for d in qn.load_dir(qn.DEMO_DIR) if d.id == "accueil-bibliotheques"])
    page = client.get("/q/accueil-bibliotheques?lang=fr").get_data(as_text=True)
    assert page.count("Préfère ne pas répondre") == 2  # age group and borough
    assert "Ne sais pas / ne s’applique pas" in page  # the other questions with allow_na
    english = client.get("/q/accueil-bibliotheques?lang=en").get_data(as_text=True)
    assert english.count("Prefer not to answer") == 2 and "Préfère" not in english
