"""The paper entry screen: batches, one sheet per screen, duplicates refused with a link to the
sheet, blanks and "na", the running count, the batch summary and the double entry."""
from __future__ import annotations

import re

from survey_app.extensions import db
from survey_app.models import Answer, Response
from tests.helpers import PASSWORD


def staff_client(client, make_user):
    make_user("staff@example.org", "staff")
    client.post("/auth/login", data={"email": "staff@example.org", "password": PASSWORD})
    return client


def open_batch(client, cycle, label="Lot 2026-11-30 Ahuntsic", mode="entry"):
    reply = client.post("/staff/paper/", data={"questionnaire": "comptoir", "cycle": cycle, "label": label,
                                               "language": "fr", "mode": mode})
    assert reply.status_code == 302, reply.get_data(as_text=True)
    return reply.headers["Location"]


def sheet(**answers):
    return {"q_" + key: value for key, value in answers.items()}


def test_a_sheet_is_entered_once_and_a_duplicate_links_to_it(app, client, make_user, open_cycle):
    staff_client(client, make_user)
    url = open_batch(client, open_cycle)
    form = client.get(url).get_data(as_text=True)
    assert 'autofocus' in form and 'name="sheet"' in form and "Sheets entered in this batch: 0" not in form
    assert "Feuilles saisies dans ce lot : 0." in form
    saved = client.post(url, data={"sheet": " 12 ", **sheet(overall="4", met="o", courtesy="na", contact="2",
                                                            topics="1 3", wait_minutes="12,5")})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(url.split("localhost")[-1])
    after = client.get(url).get_data(as_text=True)
    assert "Feuille 12 enregistrée." in after and "Feuilles saisies dans ce lot : 1." in after
    (row,) = list_responses(app)
    assert row.channel == "paper"
    with app.app_context():
        answers = {a.question_id: a for a in db.session.execute(
            db.select(Answer).where(Answer.response_id == row.id)).scalars()}
    assert set(answers) == {"overall", "met", "courtesy", "contact", "topics", "wait_minutes"}  # blanks stay blank
    assert answers["courtesy"].is_na and answers["contact"].text_value == "phone"
    assert answers["topics"].text_value == "permit|other" and answers["met"].numeric_value == 1.0
    again = client.post(url, data={"sheet": "12", **sheet(overall="2")})
    assert again.status_code == 409
    page = again.get_data(as_text=True)
    assert "La feuille 12 a déjà été saisie" in page
    link = re.search(r'href="(/staff/paper/sheets/[^"]+)" id="duplicate-link"', page).group(1)
    view = client.get(link).get_data(as_text=True)
    assert "Feuille 12 telle que saisie" in view and "Lecture seule" in view
    assert len(list_responses(app)) == 1


def test_the_shared_rules_name_the_box_in_error_and_keep_what_was_typed(app, client, make_user, open_cycle):
    staff_client(client, make_user)
    url = open_batch(client, open_cycle)
    reply = client.post(url, data={"sheet": "", **sheet(overall="9", comment="Très bien")})
    assert reply.status_code == 422
    page = reply.get_data(as_text=True)
    assert "le numéro de feuille est obligatoire" in page
    reply = client.post(url, data={"sheet": "5", **sheet(overall="9", comment="Très bien")})
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422 and "doit être un entier de 1 à 5" in page and 'value="Très bien"' in page
    assert 'href="#q_overall"' in page and list_responses(app) == []


def test_a_sheet_typed_on_screen_and_imported_from_a_csv_is_one_sheet(app, client, runner, make_user, open_cycle, tmp_path):
    staff_client(client, make_user)
    url = open_batch(client, open_cycle)
    client.post(url, data={"sheet": "7", **sheet(overall="5")})
    path = tmp_path / "lot.csv"
    path.write_text("sheet,overall\n7,5\n8,4\n", encoding="utf-8")
    result = runner.invoke(args=["responses", "import", str(path), "--questionnaire", "comptoir",
                                 "--cycle", open_cycle, "--lang", "en"])
    assert result.output.strip().splitlines()[-1] == "1 stored, 1 already present, 0 rejected"
    assert client.post(url, data={"sheet": "8", **sheet(overall="4")}).status_code == 409


def test_double_entry_lists_the_disagreements_on_the_batch_summary(app, client, make_user, open_cycle):
    staff_client(client, make_user)
    url = open_batch(client, open_cycle)
    client.post(url, data={"sheet": "1", **sheet(overall="4", met="o")})
    client.post(url, data={"sheet": "2", **sheet(overall="3")})
    check = open_batch(client, open_cycle, mode="verification")
    assert "mode=verification" in check
    assert client.post(check, data={"sheet": "1", **sheet(overall="4", met="o")}).status_code == 302
    assert client.post(check, data={"sheet": "2", **sheet(overall="5")}).status_code == 302
    assert client.post(check, data={"sheet": "3", **sheet(overall="5")}).status_code == 422  # never entered
    summary = client.get(url.split("/sheet")[0]).get_data(as_text=True)
    assert "Feuilles saisies : 2" in summary and "Feuilles vérifiées par une deuxième saisie : 2" in summary
    assert "Désaccords : 1" in summary
    table = summary[summary.index('id="disagreements"'):]
    assert re.search(r"<th scope=\"row\">2</th><td>overall</td>\s*<td>3</td><td>5</td>", table)
    assert len(list_responses(app)) == 2  # a verification stores no response


def test_a_batch_needs_a_label_and_an_open_cycle(app, client, make_user, open_cycle):
    staff_client(client, make_user)
    reply = client.post("/staff/paper/", data={"questionnaire": "comptoir", "cycle": open_cycle, "label": " ",
                                               "language": "fr", "mode": "entry"})
    assert reply.status_code == 422 and "un nom de lot est obligatoire" in reply.get_data(as_text=True)


def test_paper_entry_needs_staff(app, client, make_user, open_cycle):
    assert "/auth/login" in client.get("/staff/paper/").headers["Location"]
    make_user("eval@example.org", "evaluator")
    client.post("/auth/login", data={"email": "eval@example.org", "password": PASSWORD})
    assert client.get("/staff/paper/").status_code == 403
    assert client.get("/staff/paper/batches/1/sheet").status_code == 403


def list_responses(app):
    with app.app_context():
        return list(db.session.execute(db.select(Response).order_by(Response.id)).scalars())
