"""Where a ``next`` parameter may send the browser: a path on this site, nothing else.

Browsers read ``//host``, ``/\\host``, ``\\\\host`` and the same with tabs or newlines inside as
another site, and some decode ``%2F`` or ``%5C`` before deciding; so a target is followed only
when it is a plain absolute path, before and after percent-decoding.
"""
from __future__ import annotations

from urllib.parse import unquote, urlsplit


def _plain_path(target: str) -> bool:
    if not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def same_site_path(target: str | None, fallback: str) -> str:
    """``target`` when it is a path on this site, else ``fallback``."""
    if target and _plain_path(target) and _plain_path(unquote(target)):
        return target
    return fallback
