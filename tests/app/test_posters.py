"""QR posters and counter cards: the QR code read back from the PDF decodes to the link, the
page says the commitment, its norm and the short address, the site of the link travels into
the response (and nothing else), and the page's roles and CSRF token.

The QR code is read back without trusting the drawing code: the rectangles of the PDF's content
stream (the only ones on the page) are turned back into a module matrix, compared with segno's
matrix for the URL, then rasterised and decoded by zxing-cpp, an independent reader.
"""
from __future__ import annotations

import io
import re
from collections import defaultdict

import pytest
import segno
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ContentStream

from survey_app.extensions import db
from survey_app.models import Response
from survey_app.services import kiosks
from tests.helpers import PASSWORD, make_app

BASE = "https://sondage.ville.example"
SITE = "Bureau d'arrondissement Ahuntsic"
SLUG = "bureau-d-arrondissement-ahuntsic"


@pytest.fixture
def kiosk_site(app):
    with app.app_context():
        kiosks.create_kiosk("Comptoir 1", SITE, ["comptoir"], kiosks.KioskSettings(), "246813")
    return SLUG


def qr_matrices(page, cards: bool = False) -> list[tuple[tuple[int, ...], ...]]:
    """The QR codes drawn on a PDF page, as module matrices (one per quarter page for cards)."""
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    operations = ContentStream(page.get_contents(), page.pdf).operations
    rects = [tuple(float(v) for v in operands) for operands, operator in operations if operator == b"re"]
    groups = defaultdict(list)
    for x, y, w, h in rects:
        groups[(x < width / 2, y < height / 2) if cards else "page"].append((x, y, w, h))
    clusters = list(groups.values())
    matrices = []
    for cluster in clusters:
        module = min(h for _x, _y, _w, h in cluster)
        left = min(x for x, _y, _w, _h in cluster)
        top = max(y + h for _x, y, _w, h in cluster)
        size = round((max(x + w for x, _y, w, _h in cluster) - left) / module)
        grid = [[0] * size for _ in range(size)]
        for x, y, w, h in cluster:
            row = round((top - (y + h)) / module)
            first = round((x - left) / module)
            for col in range(first, first + round(w / module)):
                grid[row][col] = 1
        matrices.append(tuple(tuple(row) for row in grid))
    return matrices


def decode(matrix) -> str:
    scale, quiet = 8, 4
    side = (len(matrix) + 2 * quiet) * scale
    image = Image.new("L", (side, side), 255)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                image.paste(0, ((c + quiet) * scale, (r + quiet) * scale, (c + quiet + 1) * scale, (r + quiet + 1) * scale))
    [barcode] = zxingcpp.read_barcodes(image)
    assert barcode.format == zxingcpp.BarcodeFormat.QRCode
    return barcode.text


def flat_text(page) -> str:
    return re.sub(r"\s+", " ", page.extract_text())


def poster_via_cli(runner, tmp_path, *args):
    output = tmp_path / "poster.pdf"
    result = runner.invoke(args=["posters", "--questionnaire", "comptoir", *args, "--output", str(output),
                                 "--base-url", BASE])
    assert result.exit_code == 0, result.output
    return PdfReader(io.BytesIO(output.read_bytes()))


def test_a_letter_poster_in_french_carries_a_qr_code_for_the_link_and_its_site(runner, tmp_path, kiosk_site):
    reader = poster_via_cli(runner, tmp_path, "--site", kiosk_site, "--lang", "fr", "--paper", "letter")
    [page] = reader.pages
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)
    url = f"{BASE}/q/comptoir?site={SLUG}"
    [matrix] = qr_matrices(page)
    assert matrix == tuple(tuple(row) for row in segno.make(url, error="q", micro=False).matrix)
    assert decode(matrix) == url
    # Large: at least 9 cm wide on the page (QR quiet zone excluded).
    module = min(float(op[3]) for op, name in ContentStream(page.get_contents(), reader).operations if name == b"re")
    assert module * len(matrix) >= 9 / 2.54 * 72
    text = flat_text(page)
    assert "Votre avis compte" in text
    assert "Vous servir au comptoir en moins de 15 minutes" in text
    assert "Attente de moins de 15 minutes" in text
    assert f"sondage.ville.example/q/comptoir?site={SLUG}" in text
    assert SITE in text
    assert "Serve you at the counter" not in text  # one language per poster


def test_counter_cards_on_a4_in_english_are_four_a_sheet(runner, tmp_path):
    reader = poster_via_cli(runner, tmp_path, "--lang", "en", "--paper", "a4", "--format", "card")
    [page] = reader.pages
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    matrices = qr_matrices(page, cards=True)
    assert len(matrices) == 4
    assert {decode(matrix) for matrix in matrices} == {f"{BASE}/q/comptoir"}
    text = flat_text(page)
    assert text.count("Serve you at the counter within 15 minutes") == 4
    assert text.count("Wait under 15 minutes") == 4
    assert text.count("sondage.ville.example/q/comptoir") == 4
    assert "Your opinion matters!" in text and "Votre avis" not in text


@pytest.mark.parametrize("args, message", [
    (["--questionnaire", "nope"], "questionnaire"),
    (["--questionnaire", "cache"], "questionnaire"),  # unpublished
    (["--questionnaire", "comptoir", "--site", "Nulle part"], "unknown site"),
])
def test_the_command_refuses_what_it_cannot_print(runner, tmp_path, args, message):
    output = tmp_path / "poster.pdf"
    result = runner.invoke(args=["posters", *args, "--output", str(output), "--base-url", BASE])
    assert result.exit_code != 0 and message in result.output
    assert not output.exists()


def test_the_command_without_a_base_url_says_what_to_set(runner, tmp_path):
    result = runner.invoke(args=["posters", "--questionnaire", "comptoir", "--output", str(tmp_path / "p.pdf")])
    assert result.exit_code != 0 and "SERVIR_BASE_URL" in result.output


# --- the site travels into the response ---------------------------------------------------------

def send_form(client, path: str):
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1).replace("&amp;", "&")
    submission_id = re.search(r'name="submission_id" type="hidden" value="([^"]+)"', html).group(1)
    return client.post(action, data={"submission_id": submission_id, "q_overall": "4"})


def stored_sites(app) -> list:
    with app.app_context():
        return list(db.session.execute(db.select(Response.site).order_by(Response.id)).scalars())


def test_a_posters_site_is_stored_as_the_responses_source(app, client, open_cycle, kiosk_site):
    assert send_form(client, f"/q/comptoir?site={kiosk_site}").status_code == 302
    assert stored_sites(app) == [SITE]  # the same name a kiosk there stores


def test_a_configured_site_is_accepted(database_uri, app, open_cycle):
    configured = make_app(database_uri, SITES=["Hôtel de ville"])
    assert send_form(configured.test_client(), "/q/comptoir?site=hotel-de-ville").status_code == 302
    assert stored_sites(configured) == ["Hôtel de ville"]
    with configured.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("junk", ["inconnu", "<script>alert(1)</script>", "a" * 500, "Jean Tremblay",
                                  "%E2%80%AE", ""])
def test_a_site_that_is_not_the_citys_is_ignored_never_stored(app, client, open_cycle, kiosk_site, junk):
    assert send_form(client, f"/q/comptoir?site={junk}").status_code == 302
    assert stored_sites(app) == [None]


def test_a_site_holding_nul_is_refused_at_the_edge_and_nothing_is_stored(app, client, open_cycle, kiosk_site):
    # survey_app/edge.py: NUL is refused (400) in any query string, before the form is read.
    assert client.post("/q/comptoir?site=bureau-d-arrondissement-ahuntsic%00", data={}).status_code == 400
    assert stored_sites(app) == []


# --- the page ------------------------------------------------------------------------------------

def login(client, email):
    client.post("/auth/login", data={"email": email, "password": PASSWORD})


def test_the_page_needs_admin_or_staff(client, make_user):
    anonymous = client.get("/admin/posters/")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    make_user("evaluator@example.org", "evaluator")
    login(client, "evaluator@example.org")
    assert client.get("/admin/posters/").status_code == 403
    assert client.post("/admin/posters/", data={"questionnaire": "comptoir"}).status_code == 403


def test_staff_print_a_poster_from_the_page(database_uri, app, client, make_user, kiosk_site):
    make_user("staff@example.org", "staff")
    login(client, "staff@example.org")
    page = client.get("/admin/posters/").get_data(as_text=True)
    assert "<h1>Affiches QR et cartes de comptoir</h1>" in page
    assert f'<option value="{SLUG}">' in page and "<legend>Format</legend>" in page
    response = client.post("/admin/posters/", data={"questionnaire": "comptoir", "site": SLUG, "lang": "en",
                                                    "paper": "a4", "format": "poster"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    [pdf_page] = PdfReader(io.BytesIO(response.data)).pages
    # Without SERVIR_BASE_URL, the address the page was asked on.
    assert [decode(m) for m in qr_matrices(pdf_page)] == [f"http://localhost/q/comptoir?site={SLUG}"]
    assert "Serve you at the counter within 15 minutes" in flat_text(pdf_page)

    configured = make_app(database_uri, BASE_URL=BASE)
    other = configured.test_client()
    login(other, "staff@example.org")
    pdf = other.post("/admin/posters/", data={"questionnaire": "comptoir", "site": "", "lang": "fr",
                                              "paper": "letter", "format": "card"}).data
    assert {decode(m) for m in qr_matrices(PdfReader(io.BytesIO(pdf)).pages[0], cards=True)} == {f"{BASE}/q/comptoir"}
    with configured.app_context():
        db.engine.dispose()


def test_the_page_refuses_a_site_that_is_not_offered(client, make_user):
    make_user("admin@example.org", "admin")
    login(client, "admin@example.org")
    response = client.post("/admin/posters/", data={"questionnaire": "comptoir", "site": "nulle-part",
                                                    "lang": "fr", "paper": "letter", "format": "poster"})
    assert response.status_code == 422
    assert 'href="#site"' in response.get_data(as_text=True)


def test_the_page_form_needs_its_csrf_token(database_uri, app, make_user):
    make_user("admin@example.org", "admin")
    strict = make_app(database_uri, WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/auth/login").get_data(as_text=True)).group(1)
    client.post("/auth/login", data={"email": "admin@example.org", "password": PASSWORD, "csrf_token": token})
    data = {"questionnaire": "comptoir", "lang": "fr", "paper": "letter", "format": "poster"}
    assert client.post("/admin/posters/", data=data).status_code == 400
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/admin/posters/").get_data(as_text=True)).group(1)
    assert client.post("/admin/posters/", data={**data, "csrf_token": token}).mimetype == "application/pdf"
    with strict.app_context():
        db.engine.dispose()
