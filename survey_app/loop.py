"""The improvement loop of one commitment made readable, for the drill-down and the report:
the norm, what was measured before, what the unit changed, what was measured after, and
whether the change is significant -- how often operations kept the norm, how often citizens
say it was kept, the median they report, and how satisfied they are, side by side.

Rows are formatted strings in the page's language (numbers and intervals as
:mod:`survey_app.presentation` writes them); ``results/_loop.html`` renders them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .lazy import lazy_module

# Loaded on first use (survey_app/lazy.py): a worker serving citizens never imports them.
if TYPE_CHECKING:
    from . import presentation as pr
    from . import results as rs
else:
    pr = lazy_module("survey_app.presentation")
    rs = lazy_module("survey_app.results")

NORM_UNITS = {
    "working_days": _l("working days"), "days": _l("days"), "hours": _l("hours"),
    "minutes": _l("minutes"), "seconds": _l("seconds"),
}
ACTION_STATUSES = {"planned": _l("Planned"), "in_progress": _l("In progress"), "done": _l("Done")}


@dataclass(frozen=True)
class LoopRow:
    measure: str
    before: str
    after: str
    change: str
    verdict: str | None  # a key of presentation.VERDICTS, or None


def norm_label(norm) -> str:
    """``at most 15 minutes``."""
    return _("at most %(max)s %(unit)s", max=pr.num(norm.max, 0 if float(norm.max).is_integer() else 1),
             unit=NORM_UNITS.get(norm.unit, norm.unit))


def _share(pct, ci) -> str:
    return "–" if pct is None else f"{pr.percent(pct)} {pr.interval(ci)}"


def _shift(diff, ci) -> str:
    return "–" if diff is None else f"{pr.signed(diff)} {pr.interval(ci)}"


def _figures_share(figures) -> str:
    if figures is None:
        return "–"
    if figures.suppressed:
        return _("suppressed")
    return _share(figures.pct, figures.pct_ci)


def _norm_share(figures) -> str:
    if figures is None:
        return "–"
    if figures.suppressed:
        return _("suppressed")
    return _share(figures.within.pct, figures.within.pct_ci)


def _median(figures) -> str:
    if figures is None:
        return "–"
    if figures.suppressed:
        return _("suppressed")
    return f"{pr.num(figures.median)} {pr.interval(figures.median_ci)}"


def loop_rows(result: rs.CommitmentResult) -> list[LoopRow]:
    """The measures of the loop, before (baseline) and after (cycle)."""
    rows = []
    op = result.operational
    if op is not None:
        rows.append(LoopRow(
            _("Norm kept, according to operations"),
            _share(op.baseline.share.pct, op.baseline.share.pct_ci) if op.baseline else "–",
            _share(op.cycle.share.pct, op.cycle.share.pct_ci),
            _shift(op.change.pct_diff, op.change.pct_diff_ci) if op.change else "–",
            op.change.verdict if op.change else None))
    met = result.met_question
    if met is not None:
        change = met.change
        rows.append(LoopRow(_("Norm kept, as citizens report it"), _figures_share(met.baseline),
                            _figures_share(met.cycle),
                            _shift(change.pct_diff, change.pct_diff_ci) if change else "–",
                            change.verdict if change else None))
    for norm in result.norms:
        label = pr.text_of(norm.text)
        if met is None:
            measure = _("Norm kept, as citizens report it (%(norm)s)", norm=norm_label(norm.norm))
        else:
            measure = _("Answers within the norm (%(norm)s): %(question)s", norm=norm_label(norm.norm), question=label)
        change = norm.change
        rows.append(LoopRow(measure, _norm_share(norm.baseline), _norm_share(norm.cycle),
                            _shift(change.pct_diff, change.pct_diff_ci) if change else "–",
                            change.verdict if change else None))
        rows.append(LoopRow(_("Median reported: %(question)s", question=label), _median(norm.baseline),
                            _median(norm.cycle), "–", None))
    head = result.headline
    if head is not None:
        change = head.change
        rows.append(LoopRow(_("Satisfied (%)"), _figures_share(head.baseline), _figures_share(head.cycle),
                            _shift(change.pct_diff, change.pct_diff_ci) if change else "–",
                            change.verdict if change else None))
    return rows


def side_by_side(result: rs.CommitmentResult) -> tuple[str, str, str]:
    """The overview's three readings of a commitment in the cycle: the norm kept according
    to operations, the norm kept as citizens report it, and percent satisfied."""
    op = result.operational
    operations = _share(op.cycle.share.pct, op.cycle.share.pct_ci) if op is not None else "–"
    reported = result.citizens_norm()
    if reported is None:
        citizens = "–"
    elif reported[0] == "met":
        citizens = _figures_share(reported[1])
    else:
        citizens = _norm_share(reported[1])
    head = result.headline
    return operations, citizens, _figures_share(head.cycle) if head is not None else "–"


def action_status(status: str) -> str:
    return str(ACTION_STATUSES.get(status, status))


def init_app(app) -> None:
    app.add_template_global(loop_rows, "loop_rows")
    app.add_template_global(side_by_side, "side_by_side")
    app.add_template_global(action_status, "action_status")
    app.add_template_global(norm_label, "norm_label")
