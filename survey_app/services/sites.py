"""The city's sites (counters and offices) that a poster may name, and their slugs in links.

A poster's link carries ``?site=<slug>``; the online form stores the site's *name* as the
response's source, the same name a kiosk at that site stores, so results group both. Only sites
the city has are accepted: the kiosks' sites and the ``SITES`` setting. Any other value in the
query string is ignored, never stored: a free-form value could carry something about the person
(a name typed into the link) and would scatter the results' site filter with junk.
"""
from __future__ import annotations

import re
import unicodedata

from flask import current_app

from ..extensions import db
from ..models import Kiosk

SLUG_MAX = 60
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


class SiteError(ValueError):
    """A site that is not one of the city's sites."""


def slugify(name: str) -> str:
    """``"Bureau d'arrondissement Ahuntsic"`` → ``"bureau-d-arrondissement-ahuntsic"``."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:SLUG_MAX].strip("-")


def known_sites() -> dict[str, str]:
    """The city's sites as {slug: name}, configured sites first, then the kiosks' sites."""
    configured = current_app.config.get("SITES") or ()
    if isinstance(configured, str):  # one name given without a list
        configured = [configured]
    kiosk_sites = db.session.execute(db.select(Kiosk.site).distinct().order_by(Kiosk.site)).scalars()
    sites: dict[str, str] = {}
    for name in [*configured, *kiosk_sites]:
        name = str(name).strip()
        slug = slugify(name)
        if slug and slug not in sites:  # two names with one slug: the first one is kept
            sites[slug] = name
    return sites


def site_from_link(value: object) -> str | None:
    """The site name for a link's ``site`` value, or None when it is missing or not ours."""
    if not isinstance(value, str) or not value or len(value) > SLUG_MAX or not SLUG_PATTERN.match(value):
        return None
    return known_sites().get(value)


def resolve(value: str) -> tuple[str, str]:
    """(slug, name) of a site given by its slug or its name, for the poster command and page."""
    sites = known_sites()
    value = (value or "").strip()
    if value in sites:
        return value, sites[value]
    slug = slugify(value)
    if slug in sites:
        return slug, sites[slug]
    known = ", ".join(f"{slug} ({name})" for slug, name in sites.items()) or "none"
    raise SiteError(f"unknown site {value!r}; the city's sites: {known}"
                    " (a kiosk's site, or the SITES setting)")


def site_name(name: str | None, lang: str) -> str:
    """A site's name in ``lang``: the SITE_NAMES_EN translation in English, else the French name."""
    if not name:
        return ""
    if lang == "en":
        return (current_app.config.get("SITE_NAMES_EN") or {}).get(name, name)
    return name
