"""Both catalogues are complete: every visible string has a French and an English text."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "survey_app" / "translations"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The messages in the code today (not the possibly stale messages.pot)."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
         "-k", "_l", "-o", str(pot), "survey_app"],
        cwd=ROOT, check=True,
    )
    with pot.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_catalogue_is_complete(extracted, language):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    translated = {
        message.id: message.string
        for message in catalogue
        if message.id and message.string and not message.fuzzy
        and (all(message.string) if isinstance(message.string, tuple) else True)
    }
    missing = sorted(str(m) for m in extracted if m not in translated)
    assert not missing, f"{language}: {len(missing)} untranslated: {missing[:10]}"


def test_french_is_the_default(client):
    assert '<html lang="fr">' in client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)


def test_french_first_even_for_an_english_browser_which_gets_the_switch(client):
    page = client.get("/", headers={"Accept-Language": "en-CA,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert 'hreflang="en">English</a>' in page
