"""The password policy (ASVS 5.0 V6.2): at least 12 characters, no composition rules, and not
one of the common passwords in ``data/common_passwords.txt`` (its source is cited at its top).

:func:`problem` names what is wrong as a short code that pages translate and the command line
prints, so the rule lives here only.
"""
from __future__ import annotations

import functools
from importlib import resources

MIN_LENGTH = 12
# Long passphrases are welcome; the cap only keeps a hostile body from making argon2 work hard.
MAX_LENGTH = 256

MESSAGES = {
    "too_short": f"must be at least {MIN_LENGTH} characters",
    "too_long": f"must be at most {MAX_LENGTH} characters",
    "common": "is too common (found in a list of leaked passwords); choose another",
}


@functools.cache
def common_passwords() -> frozenset[str]:
    text = resources.files("survey_app").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    _source, _blank, listing = text.partition("\n\n")  # the citation, a blank line, the passwords
    return frozenset(line for line in listing.splitlines() if line)


def problem(password: str) -> str | None:
    """None for an acceptable password, else ``too_short``, ``too_long`` or ``common``."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    if password.lower() in common_passwords():
        return "common"
    return None
