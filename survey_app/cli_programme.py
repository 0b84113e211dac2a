"""Command-line tools of the improvement loop: ``flask indicators import FILE.csv`` (the
operational indicators of the norms) and ``flask actions add`` (an improvement action)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from flask.cli import AppGroup

from .cli import exit_refused
from .i18n import translate
from .models import ACTION_STATUSES
from .services import actions, imports, indicators

indicators_cli = AppGroup("indicators", help="Import the operational indicators of the norms (met out of total).")
actions_cli = AppGroup("actions", help="Record the improvement actions of the units.")


@indicators_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              help="Language of the messages.")
def indicators_import(file: Path, lang: str):
    """Import FILE.csv: columns commitment,cycle,met,total,source (optionally period_start,
    period_end as YYYY-MM-DD); UTF-8 or Windows-1252, "," or ";".

    All or nothing: when a row is invalid nothing is stored and every problem is listed with
    its line and column. One indicator per commitment and cycle: importing it again with
    other counts replaces it (a correction, audited), with the same counts changes nothing.
    """
    with file.open("rb") as source, force_locale(lang):
        try:
            report = indicators.import_csv(source, actor="cli")
        except imports.ImportProblem as exc:
            exit_refused(file, exc)
        for report_problem in report.problems:
            click.echo(f"{file.name}: {report_problem.text()}")
        if report.problems:
            click.echo(_("nothing imported (%(count)d problem(s))", count=len(report.problems)))
            sys.exit(1)
        click.echo(report.summary())


@actions_cli.command("add")
@click.option("--commitment", required=True, help="Commitment code (e.g. C-03).")
@click.option("--cycle", required=True, help="The cycle whose measurement shows the action's effect.")
@click.option("--title", required=True, help="Title in French.")
@click.option("--title-en", default="", help="Title in English.")
@click.option("--description", default="", help="Description in French.")
@click.option("--description-en", default="", help="Description in English.")
@click.option("--owner-unit", default="", help="Code of the unit carrying it out (default: the commitment's unit).")
@click.option("--status", type=click.Choice(ACTION_STATUSES), default="planned", show_default=True)
@click.option("--from", "starts_on", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Start date (YYYY-MM-DD).")
@click.option("--to", "ends_on", type=click.DateTime(["%Y-%m-%d"]), default=None, help="End date (YYYY-MM-DD).")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
def actions_add(commitment, cycle, title, title_en, description, description_en, owner_unit, status,
                starts_on, ends_on, lang):
    """Record an improvement action of COMMITMENT filed under CYCLE."""
    data = actions.ActionData(commitment, cycle, title, title_en, description, description_en, owner_unit,
                              status, starts_on.date() if starts_on else None, ends_on.date() if ends_on else None)
    with force_locale(lang):
        try:
            row = actions.add_action(data, actor="cli")
        except actions.ActionError as exc:
            for name, message in exc.problems.items():
                click.echo(f"{name}: {translate(message)}", err=True)
            sys.exit(1)
        click.echo(_("action %(id)s recorded for %(commitment)s, cycle %(cycle)s", id=row.id,
                     commitment=commitment, cycle=cycle))


def init_app(app: Flask) -> None:
    app.cli.add_command(indicators_cli)
    app.cli.add_command(actions_cli)
