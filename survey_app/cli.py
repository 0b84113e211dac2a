"""The command line of design.md: ``flask --app survey_app <group> <command>``."""
from __future__ import annotations

import sys
from pathlib import Path

import click
import questionnaires as qn
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from .services import catalogue, cycles, demo, users

questionnaires_cli = AppGroup("questionnaires", help="Check and load questionnaire definition files.")
cycles_cli = AppGroup("cycles", help="Create, open, close and list improvement cycles.")
users_cli = AppGroup("users", help="Create users and API tokens.")


@questionnaires_cli.command("check")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def questionnaires_check(path: Path | None):
    """Validate definition files (a file or a folder; default QUESTIONNAIRES_DIR)."""
    path = path or Path(current_app.config["QUESTIONNAIRES_DIR"])
    try:
        loaded = [qn.load_file(path)] if path.is_file() else qn.load_dir(path)
    except qn.DefinitionError as exc:
        for issue in exc.errors:
            click.echo(str(issue), err=True)
        click.echo(f"{len(exc.errors)} error(s).", err=True)
        sys.exit(1)
    for definition in loaded:
        click.echo(f"ok  {definition.id}  version {definition.version}  ({len(definition.questions)} questions)")


@questionnaires_cli.command("sync")
def questionnaires_sync():
    """Load every definition file of QUESTIONNAIRES_DIR; a changed file becomes a new version."""
    folder = current_app.config["QUESTIONNAIRES_DIR"]
    try:
        report = catalogue.sync_directory(folder)
    except qn.DefinitionError as exc:
        for issue in exc.errors:
            click.echo(str(issue), err=True)
        sys.exit(1)
    for label, ids in (("created", report.created), ("new version", report.new_versions),
                       ("unchanged", report.unchanged)):
        for questionnaire_id in ids:
            click.echo(f"{label:12} {questionnaire_id}")


def _cycle_command(state: str, verb: str):
    @cycles_cli.command(verb, help=f"Mark cycle CODE as {state}.")
    @click.argument("code")
    def command(code: str):
        try:
            cycle = cycles.set_state(code, state)
        except cycles.CycleError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"cycle {cycle.code} is {cycle.state}")

    return command


@cycles_cli.command("create")
@click.argument("code")
@click.option("--name", required=True, help="A human-readable name, e.g. 'Automne 2026'.")
def cycles_create(code: str, name: str):
    """Create a draft cycle."""
    try:
        cycle = cycles.create_cycle(code, name)
    except cycles.CycleError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"cycle {cycle.code} created ({cycle.state})")


_cycle_command("open", "open")
_cycle_command("closed", "close")


@cycles_cli.command("list")
def cycles_list():
    """List cycles with their state and dates."""
    for cycle in cycles.list_cycles():
        click.echo(
            f"{cycle.code:12} {cycle.state:10} {cycle.opens_on or '':10} {cycle.closes_on or '':10} {cycle.name}"
        )


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["admin", "staff", "evaluator"]))
def users_create(email: str, role: str):
    """Create a user; the password comes from a prompt, or from stdin when piped."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        user = users.create_user(email, password, role)
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"user {user.email} created with role {user.role}")


@users_cli.command("token")
@click.argument("email")
def users_token(email: str):
    """Print a new API token for EMAIL (shown once, alone on the last line)."""
    try:
        token = users.issue_token(email)
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"New API token for {email} (keep it now: it is not shown again):")
    click.echo(token)


@click.command("demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has questionnaires.")
def demo_command(if_empty: bool):
    """Load a realistic demo declaration, two cycles and synthetic responses."""
    if if_empty and not demo.database_is_empty():
        click.echo("demo: the database already has data; nothing loaded.")
        return
    report = demo.load_demo()
    click.echo(f"demo: {report.questionnaires} questionnaires, {report.responses} responses loaded.")
    for email in report.users:
        click.echo(f"demo user {email} (password: {demo.DEMO_PASSWORD})")


def init_app(app: Flask) -> None:
    app.cli.add_command(questionnaires_cli)
    app.cli.add_command(cycles_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
