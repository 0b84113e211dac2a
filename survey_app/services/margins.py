"""A cycle's population margins, the targets the weighted results are raked to: checking
them, reading them from text (``variable,category,value`` lines), writing them back, and
storing them (with an audit row).

Margins are ``{variable: {category: share or total}}`` kept in ``Cycle.population_margins``;
:mod:`survey_app.results.weighted` uses them, the administration page and the
``cycles margins`` command set them.
"""
from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from ..database import write_transaction
from ..extensions import db
from ..models import Cycle
from . import audit

#: Census-like margins shipped with the demo (age groups and boroughs of a city of about
#: 550,000 inhabitants aged 18 and over; shares).
EXAMPLE_MARGINS = {
    "age_group": {"18-34": 0.27, "35-54": 0.32, "55-64": 0.17, "65+": 0.24},
    "district": {
        "cite-limoilou": 0.195, "rivieres": 0.135, "sainte-foy": 0.19,
        "charlesbourg": 0.15, "beauport": 0.15, "haute-saint-charles": 0.18,
    },
}


class MarginsError(ValueError):
    """Margins that cannot be used; the message names the variable or line at fault."""


def margins_of(cycle: Cycle | None) -> dict | None:
    """The cycle's margins, or None when it has none."""
    return cycle.population_margins if cycle is not None and cycle.population_margins else None


def validate_margins(margins: Any) -> dict[str, dict[str, float]]:
    """Check and normalise ``{variable: {category: share or total}}``.

    Each variable's values are numbers >= 0 that sum to 1 (shares) or to the population
    size (totals); variables given as totals must agree on that size."""
    if not isinstance(margins, Mapping) or not margins:
        raise MarginsError("margins: at least one variable with its categories")
    out: dict[str, dict[str, float]] = {}
    totals = {}
    for variable, cats in margins.items():
        if not isinstance(variable, str) or not variable.strip():
            raise MarginsError("margins: a variable needs a name")
        if not isinstance(cats, Mapping) or len(cats) < 2:
            raise MarginsError(f"{variable}: at least two categories")
        clean = {}
        for category, value in cats.items():
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise MarginsError(f"{variable}.{category}: {value!r} is not a number") from None
            if not math.isfinite(number) or number < 0:
                raise MarginsError(f"{variable}.{category}: must be a number >= 0")
            clean[str(category)] = number
        total = sum(clean.values())
        if total <= 0:
            raise MarginsError(f"{variable}: the values sum to 0")
        if abs(total - 1.0) > 1e-6:
            if abs(total - 100.0) <= 1e-6:  # percentages: turned into shares
                clean = {k: v / 100.0 for k, v in clean.items()}
            else:
                totals[variable] = total
        out[variable.strip()] = clean
    if len({round(t, 6) for t in totals.values()}) > 1:
        raise MarginsError("margins: variables given as totals must sum to the same population size")
    return out


def parse_margins_text(text: str) -> dict[str, dict[str, float]]:
    """Margins from lines ``variable,category,value`` (a header line is allowed)."""
    rows = [r for r in csv.reader(io.StringIO(text.strip())) if r and any(c.strip() for c in r)]
    if rows and [c.strip().lower() for c in rows[0]][:3] == ["variable", "category", "value"]:
        rows = rows[1:]
    margins: dict[str, dict[str, str]] = {}
    for number, row in enumerate(rows, start=1):
        if len(row) != 3:
            raise MarginsError(f"line {number}: expected variable,category,value")
        variable, category, value = (c.strip() for c in row)
        margins.setdefault(variable, {})[category] = value.replace(",", ".") if value.count(",") == 1 else value
    return validate_margins(margins)


def margins_text(margins: Mapping | None) -> str:
    """Margins as `variable,category,value` lines (what :func:`parse_margins_text` reads)."""
    if not margins:
        return ""
    lines = ["variable,category,value"]
    for variable, cats in margins.items():
        for category, value in cats.items():
            lines.append(f"{variable},{category},{value:g}")
    return "\n".join(lines) + "\n"


def set_margins(code: str, margins: Any, actor: str | None = None) -> Cycle:
    """Store a cycle's population margins (None clears them)."""
    clean = None if margins is None else validate_margins(margins)
    with write_transaction():
        cycle = db.session.execute(select(Cycle).where(Cycle.code == code)).scalar_one_or_none()
        if cycle is None:
            raise MarginsError(f"cycle: unknown cycle {code!r}")
        cycle.population_margins = clean
        audit.record("cycle.margins", actor, cycle=code)
    return cycle
