"""The error a service raises when a form's values are refused: each field named with its
(translatable) message, so a view can show every message beside its field."""
from __future__ import annotations

import questionnaires as qn


class FieldProblems(ValueError):
    """Invalid values; ``problems`` maps a field name to its (translatable) message."""

    def __init__(self, problems: dict[str, qn.Message]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems
