"""The command line of design.md: ``flask --app survey_app <group> <command>``."""
from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import json
import sys
from pathlib import Path

import click
import questionnaires as qn
from flask import Flask, current_app
from flask_babel import gettext as _
from flask.cli import AppGroup, with_appcontext

from .services import audit, catalogue, cycles, followups, imports, invitations, kiosk_pins, kiosks, users
from .lazy import lazy_module

# Loaded on first use (survey_app/lazy.py): a worker serving citizens never imports them.
if TYPE_CHECKING:
    from .services import demo
else:
    demo = lazy_module("survey_app.services.demo")

questionnaires_cli = AppGroup("questionnaires", help="Check and load questionnaire definition files.")
cycles_cli = AppGroup("cycles", help="Create, open, close and list improvement cycles.")
users_cli = AppGroup("users", help="Create, list, disable and enable users; roles, passwords and API tokens.")
audit_cli = AppGroup("audit", help="Read the audit trail.")
kiosks_cli = AppGroup("kiosks", help="Create, list and revoke kiosks (tablets at service counters).")
responses_cli = AppGroup("responses", help="Import responses collected on paper, by phone or on a kiosk.")
invitations_cli = AppGroup("invitations", help="Make single-use invitation links for a mail merge.")
followups_cli = AppGroup("followups", help="Follow-up cases with citizens: erase expired contacts.")
results_cli = AppGroup("results", help="The results' stored frequency tables.")


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
@click.option("--force", is_flag=True,
              help="Also replace questionnaires last edited in the web editor by their file.")
def questionnaires_sync(force: bool):
    """Load every definition file of QUESTIONNAIRES_DIR; a changed file becomes a new version.

    A questionnaire last edited in the web editor is left as it is when its file differs
    (exit status 1), unless --force is given.
    """
    folder = current_app.config["QUESTIONNAIRES_DIR"]
    try:
        report = catalogue.sync_directory(folder, force=force)
    except qn.DefinitionError as exc:
        for issue in exc.errors:
            click.echo(str(issue), err=True)
        sys.exit(1)
    for label, ids in (("created", report.created), ("new version", report.new_versions),
                       ("unchanged", report.unchanged)):
        for questionnaire_id in ids:
            click.echo(f"{label:12} {questionnaire_id}")
    for questionnaire_id, editor in report.refused:
        click.echo(f"{'refused':12} {questionnaire_id}: last edited in the web editor"
                   f"{' by ' + editor if editor else ''}; its file differs and was not loaded"
                   " (--force replaces the web version by the file)", err=True)
    if report.refused:
        sys.exit(1)


def _cycle_command(action: str, done: str):
    @cycles_cli.command(action, help=f"{action.capitalize()} cycle CODE ({done}).")
    @click.argument("code")
    def command(code: str):
        try:
            cycle = cycles.change_state(code, action, actor="cli")
        except cycles.CycleError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"cycle {cycle.code} is {cycle.state}")

    return command


@cycles_cli.command("create")
@click.argument("code")
@click.option("--name", required=True, help="The French name, e.g. 'Automne 2026'.")
@click.option("--name-en", default=None, help="The English name, e.g. 'Fall 2026'.")
@click.option("--from", "period_start", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="First day of the period measured (YYYY-MM-DD).")
@click.option("--to", "period_end", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Last day of the period measured (YYYY-MM-DD), on or after --from.")
def cycles_create(code: str, name: str, name_en: str | None, period_start, period_end):
    """Create a draft cycle."""
    try:
        cycle = cycles.create_cycle(code, name, name_en,
                                    period_start.date() if period_start else None,
                                    period_end.date() if period_end else None, actor="cli")
    except cycles.CycleError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"cycle {cycle.code} created ({cycle.state})")


_cycle_command("open", "online collection starts; a closed cycle reopens")
_cycle_command("close", "online collection stops")
_cycle_command("publish", "its results become public on /public/results/")
_cycle_command("unpublish", "its results leave the public pages; it is closed again")


@cycles_cli.command("margins")
@click.argument("code")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--clear", is_flag=True, help="Remove the cycle's margins.")
def cycles_margins(code: str, path: Path | None, clear: bool):
    """Show or set the population margins of cycle CODE for weighting.

    PATH is a CSV file of lines variable,category,value (shares, percentages or
    population counts), or a JSON object {variable: {category: value}}.
    """
    from .services import margins as margins_service

    try:
        if clear:
            margins_service.set_margins(code, None, actor="cli")
        elif path is not None:
            text = path.read_text(encoding="utf-8")
            margins = (margins_service.validate_margins(json.loads(text)) if text.lstrip().startswith("{")
                       else margins_service.parse_margins_text(text))
            margins_service.set_margins(code, margins, actor="cli")
        cycle = cycles.get_cycle(code)
        if cycle is None:
            raise click.ClickException(f"unknown cycle {code!r}")
    except (margins_service.MarginsError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    text = margins_service.margins_text(margins_service.margins_of(cycle))
    click.echo(text.rstrip("\n") if text else f"cycle {code} has no margins")


@cycles_cli.command("list")
def cycles_list():
    """List cycles with their state, period and the dates they opened and closed."""
    for cycle in cycles.list_cycles():
        period = f"{cycle.period_start} to {cycle.period_end}" if cycle.period_start else "no period"
        click.echo(
            f"{cycle.code:12} {cycle.state:10} {period:24} opened {cycle.opens_on or '-'!s:10} "
            f"closed {cycle.closes_on or '-'!s:10} {cycle.name}"
        )


def _password_from_input() -> str:
    """A password from a prompt (typed twice), or the first line of stdin when piped."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


def _user_command(call):
    try:
        return call()
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from exc


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["admin", "staff", "evaluator"]))
def users_create(email: str, role: str):
    """Create a user; the password comes from a prompt, or from stdin when piped."""
    password = _password_from_input()
    user = _user_command(lambda: users.create_user(email, password, role, actor="cli"))
    click.echo(f"user {user.email} created with role {user.role}")


@users_cli.command("list")
def users_list():
    """List users: e-mail, role, state and last sign-in."""
    for user in users.list_users():
        state = "active" if user.active else "disabled"
        click.echo(f"{user.email:40} {user.role:10} {state:9} last sign-in {_when(user.last_sign_in_at)}")


@users_cli.command("disable")
@click.argument("email")
def users_disable(email: str):
    """Disable EMAIL: their sessions and API tokens stop working at once."""
    user = _user_command(lambda: users.set_active(email, False, actor="cli"))
    click.echo(f"user {user.email} disabled")


@users_cli.command("enable")
@click.argument("email")
def users_enable(email: str):
    """Re-enable EMAIL."""
    user = _user_command(lambda: users.set_active(email, True, actor="cli"))
    click.echo(f"user {user.email} enabled")


@users_cli.command("role")
@click.argument("email")
@click.argument("role", type=click.Choice(["admin", "staff", "evaluator"]))
def users_role(email: str, role: str):
    """Give EMAIL the role ROLE (their open sessions end)."""
    user = _user_command(lambda: users.set_role(email, role, actor="cli"))
    click.echo(f"user {user.email} has role {user.role}")


@users_cli.command("set-password")
@click.argument("email")
def users_set_password(email: str):
    """Set EMAIL's password from a prompt or stdin (their open sessions end)."""
    password = _password_from_input()
    user = _user_command(lambda: users.set_password(email, password, actor="cli"))
    click.echo(f"password of {user.email} set; their sessions have ended")


@users_cli.command("tokens")
@click.argument("email")
def users_tokens(email: str):
    """List EMAIL's live API tokens: name, created, last used."""
    tokens = _user_command(lambda: users.list_tokens(email))
    if not tokens:
        click.echo(f"{email} has no live token")
    for token in tokens:
        click.echo(f"{token.name:30} created {_when(token.created_at)}  last used {_when(token.last_used_at)}")


@users_cli.command("revoke-token")
@click.argument("email")
@click.argument("name")
def users_revoke_token(email: str, name: str):
    """Revoke EMAIL's API token called NAME."""
    _user_command(lambda: users.revoke_token(email, name, actor="cli"))
    click.echo(f"token {name!r} of {email} revoked")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", help="What the token is for (default: token-N).")
def users_token(email: str, name: str | None):
    """Print a new API token for EMAIL (shown once, alone on the last line)."""
    token = _user_command(lambda: users.issue_token(email, name, actor="cli"))
    click.echo(f"New API token for {email} (keep it now: it is not shown again):")
    click.echo(token)


@audit_cli.command("list")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="From this day on (YYYY-MM-DD).")
@click.option("--user", "email", help="Only what this user did.")
def audit_list(since, email):
    """Print audit events, oldest first: time (UTC), who, action, detail."""
    where = audit.AuditFilter(actor=email, since=since.date() if since else None)
    for event in reversed(audit.events(where)):
        click.echo(f"{event.at:%Y-%m-%d %H:%M:%S}  {event.actor or '-':30} {event.action:24} {audit.describe(event.detail)}")


@kiosks_cli.command("enroll")
@click.argument("name")
@click.option("--site", required=True, help="Where the kiosk stands, e.g. 'Bureau d'arrondissement Ahuntsic'.")
@click.option("--questionnaire", "questionnaire_ids", multiple=True, metavar="ID",
              help="A questionnaire offered on this kiosk (repeatable; default: every kiosk questionnaire).")
@click.option("--pin", help="The staff PIN that leaves kiosk mode (digits, at least SERVIR_KIOSK_PIN_MIN_LENGTH: 6 by default); default: a random one, printed.")
@click.option("--inactivity", type=int, default=90, show_default=True,
              help="Seconds without a touch before the kiosk asks whether the citizen is still there.")
@click.option("--keep-partial/--discard-partial", default=False, show_default=True,
              help="On an inactivity reset, keep the answers given so far as a partial response.")
@click.option("--min-interval", type=int, default=10, show_default=True,
              help="Seconds between two submissions (stops button mashing).")
@click.option("--thanks-seconds", type=int, default=8, show_default=True,
              help="Seconds the thank-you screen stays before the kiosk resets.")
def kiosks_enroll(name, site, questionnaire_ids, pin, inactivity, keep_partial, min_interval, thanks_seconds):
    """Create a kiosk and print its one-time enrollment code (the last word of the output)."""
    generated = pin is None
    pin = kiosk_pins.generate_pin() if generated else pin
    settings = kiosks.KioskSettings(inactivity, keep_partial, min_interval, thanks_seconds)
    try:
        kiosk, code = kiosks.create_kiosk(name, site, questionnaire_ids, settings, pin, actor="cli")
    except kiosks.KioskError as exc:
        raise click.ClickException(str(exc)) from exc
    offered = ", ".join(kiosks.offered_questionnaires(kiosk)) or "none"
    click.echo(f"kiosk {kiosk.id} {kiosk.name!r} created at site {kiosk.site!r} (questionnaires: {offered})")
    if generated:
        click.echo(f"staff PIN (leaves kiosk mode; change it on the kiosks page): {pin}")
    hours = current_app.config["KIOSK_ENROLLMENT_TTL_HOURS"]
    click.echo(f"On the tablet, open /kiosk/ and enter this one-time code (valid {hours} hours):")
    click.echo(code)


@kiosks_cli.command("list")
def kiosks_list():
    """List kiosks by site, with their state, last contact and waiting responses."""
    for site, entries in kiosks.health():
        click.echo(site)
        for entry in entries:
            kiosk = entry.kiosk
            seen = kiosk.last_seen_at.strftime("%Y-%m-%d %H:%M UTC") if kiosk.last_seen_at else "never"
            state = "silent" if entry.silent else entry.state
            click.echo(f"  {kiosk.id:>4}  {kiosk.name:30} {state:9} last contact {seen:20} backlog {kiosk.backlog}")


@kiosks_cli.command("revoke")
@click.argument("kiosk_id", type=int)
def kiosks_revoke(kiosk_id: int):
    """Revoke a kiosk: its token and any pending code stop working."""
    try:
        kiosk = kiosks.revoke_kiosk(kiosk_id, actor="cli")
    except kiosks.KioskError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"kiosk {kiosk.id} {kiosk.name!r} revoked")


@responses_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--questionnaire", help="The questionnaire of a CSV file (for a kiosk queue file: only its responses).")
@click.option("--cycle", help="The cycle of a CSV file (a kiosk queue file goes to the open cycle).")
@click.option("--channel", type=click.Choice(["paper", "phone", "kiosk"]),
              help="paper (default) or phone for a CSV file; a kiosk queue file keeps the kiosk channel.")
@click.option("--language", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              help="Language of the CSV rows without a language column.")
@click.option("--skip-invalid", is_flag=True, help="Store the valid rows of a CSV and list the others.")
@click.option("--dry-run", is_flag=True, help="Check the CSV and count what would be stored; store nothing.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              help="Language of the messages.")
@click.option("--answered-on", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="When the sheets were filled in: the CSV goes to the cycle whose period holds "
                   "that day (also a closed one, until it is published).")
def responses_import(file: Path, questionnaire, cycle, channel, language, skip_invalid, dry_run, lang,
                     answered_on):
    """Import FILE: a CSV of paper or phone sheets, or a kiosk's saved queue (JSON).

    Each CSV row names its sheet (column sheet or submission_id), so importing the same file
    again, or a file that grew, stores each sheet once. A CSV is imported in one transaction:
    when a row is invalid, nothing is stored and every problem is listed with its line and column
    (--skip-invalid stores the valid rows). The last line counts what was stored.
    """
    from flask_babel import force_locale

    with file.open("rb") as source, force_locale(lang):
        if imports.is_queue_stream(source):
            _import_queue(file, source.read(), questionnaire, cycle, channel)
            return
        if questionnaire is None or (cycle is None and answered_on is None):
            raise click.ClickException(_("a CSV file needs --questionnaire and --cycle"))
        try:
            report = imports.import_csv(source, questionnaire=questionnaire, cycle=cycle,
                                        channel=channel or "paper", language=language,
                                        skip_invalid=skip_invalid, dry_run=dry_run,
                                        answered_on=answered_on.date() if answered_on else None)
        except imports.ImportProblem as exc:
            exit_refused(file, exc)
        for report_problem in report.problems:
            click.echo(f"{file.name}: {report_problem.text()}")
        if report.refused:
            click.echo(_("nothing stored: correct the rows above, or import with --skip-invalid"))
        click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


def exit_refused(file: Path, exc: imports.ImportProblem) -> NoReturn:
    """A file refused as a whole (its encoding, header or target): every problem, then exit 1."""
    for problem in exc.texts():
        click.echo(f"{file.name}: {problem}")
    click.echo(_("nothing imported (%(count)d problem(s))", count=len(exc.problems)))
    sys.exit(1)


def _import_queue(file: Path, data: bytes, questionnaire, cycle, channel) -> None:
    try:
        report = imports.import_queue(data, questionnaire=questionnaire, cycle=cycle, channel=channel)
    except imports.ImportProblem as exc:
        exit_refused(file, exc)
    for note in report.notes:
        click.echo(f"{file.name}: {note}")
    for where, outcome in report.failed:
        detail = "; ".join(f"{k}: {v}" for k, v in outcome.errors.items()) or outcome.error
        click.echo(f"{file.name}: {where}: {outcome.status} {detail}", err=True)
    click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


@invitations_cli.command("create")
@click.option("--questionnaire", "questionnaire_id", required=True, metavar="ID",
              help="The questionnaire the invitations open.")
@click.option("--count", required=True, type=int, help=f"How many invitations (1 to {invitations.MAX_COUNT}).")
@click.option("--cycle", "cycle_code", metavar="CODE",
              help="File the responses in this cycle (default: the cycle open when the citizen answers).")
@click.option("--expires", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="The last day the links work (default: no expiry).")
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="The CSV file to write (columns code,url).")
@click.option("--base-url", help="The public address in the links (default: SERVIR_BASE_URL).")
def invitations_create(questionnaire_id, count, cycle_code, expires, output, base_url):
    """Make COUNT single-use invitations and write their codes and links to a CSV file.

    The codes are in this file only (the database keeps their hashes): keep it safe, and
    delete it once the mailing is sent.
    """
    from .public_urls import NoBaseUrl, outside_request, public_url

    try:
        with outside_request(base_url):
            created = invitations.create_batch(questionnaire_id, count, cycle_code,
                                               expires.date() if expires else None, actor="cli")
            text = invitations.csv_text(created.codes, lambda code: public_url("survey.invitation", code=code))
    except (invitations.InvitationError, NoBaseUrl) as exc:
        raise click.ClickException(str(exc)) from exc
    output.write_text(text, encoding="utf-8", newline="")
    click.echo(f"batch {created.batch_id}: {count} invitations for {questionnaire_id} -> {output}")


@click.command("posters")
@with_appcontext
@click.option("--questionnaire", "questionnaire_id", required=True, metavar="ID",
              help="The questionnaire the QR code opens.")
@click.option("--site", help="The counter or office where it hangs (a kiosk's site or one of SERVIR_SITES).")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("--paper", type=click.Choice(["letter", "a4"]), default="letter", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["poster", "card"]), default="poster", show_default=True,
              help="A full-page poster, or four counter cards on one sheet.")
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--base-url", help="The public address in the QR code (default: SERVIR_BASE_URL).")
def posters_command(questionnaire_id, site, lang, paper, fmt, output, base_url):
    """Write a printable PDF: the commitment, its norm and a QR code to its questionnaire."""
    from . import posters
    from .public_urls import NoBaseUrl, outside_request
    from .services.posters import PosterError, poster_content

    try:
        with outside_request(base_url):
            content = poster_content(questionnaire_id, site, lang, paper, fmt)
            body = posters.render(content, paper, fmt)
    except (PosterError, NoBaseUrl) as exc:
        raise click.ClickException(str(exc)) from exc
    output.write_bytes(body)
    click.echo(f"{fmt} for {questionnaire_id} ({content.url}) -> {output}")


@results_cli.command("tally")
@click.option("--cycle", "codes", multiple=True, metavar="CODE", help="Only this cycle (repeatable; default: every cycle).")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              help="Language of the messages.")
def results_tally(codes: tuple[str, ...], lang: str):
    """Bring every cycle's stored frequency tables up to date now.

    Run it after `db upgrade` or a large import: the first results page then reads the stored
    tables instead of recounting every answer while an evaluator waits.
    """
    import time

    from flask_babel import force_locale, format_decimal

    from .results import tally

    with force_locale(lang):
        chosen = [cycles.get_cycle(code) for code in codes] if codes else cycles.list_cycles()
        unknown = [code for code, cycle in zip(codes, chosen) if cycle is None]
        if unknown:
            raise click.ClickException(_("unknown cycle: %(codes)s", codes=", ".join(unknown)))
        by_id = {cycle.id: cycle for cycle in chosen if cycle is not None}
        for cycle_id in by_id:
            started = time.perf_counter()
            [(counted, how)] = tally.refresh_tallies([cycle_id])
            responses = sum(row[-1] for row in counted.responses)
            words = {"current": _("already up to date"), "topped up": _("topped up"), "recounted": _("recounted")}
            seconds = format_decimal(time.perf_counter() - started, format="0.0")
            click.echo(_("cycle %(code)s: %(responses)s responses, %(how)s (%(seconds)s s)", code=by_id[cycle_id].code,
                         responses=format_decimal(responses), how=words[how], seconds=seconds))


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


@click.command("report")
@with_appcontext
@click.option("--cycle", default=None, help="Cycle code (default: the latest cycle with answers).")
@click.option("--baseline", default=None, help="Baseline cycle code (default: the cycle before; 'none' for no comparison).")
@click.option("--format", "fmt", type=click.Choice(["html", "pdf", "xlsx", "csv"]), default="html", show_default=True)
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("--weighting", type=click.Choice(["none", "raked"]), default="none", show_default=True)
def report_command(cycle, baseline, fmt, output, lang, weighting):
    """Write the accountability report (the same as the results pages' download)."""
    from . import report as report_module
    from . import results

    baseline = None if baseline == "none" else baseline
    # Rendering uses templates and catalogues as a page would: give it a request context.
    with current_app.test_request_context(f"/?lang={lang}"):
        try:
            total = report_module.commitment_count(cycle, baseline)
            with click.progressbar(length=total, label="report", file=sys.stderr) as bar:
                built = report_module.build_report(cycle, baseline, lang=lang, weighting=weighting,
                                                   progress=bar.update)
            body = report_module.render(built, fmt)
        except results.ResultsError as exc:
            raise click.ClickException(str(exc)) from exc
    output.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    click.echo(f"report: {len(built.sections)} commitments, cycle {built.overview.cycle}"
               f"{' vs ' + built.overview.baseline if built.overview.baseline else ''} -> {output}")


@followups_cli.command("purge")
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Count the retention from this day (YYYY-MM-DD; default today).")
def followups_purge(on):
    """Erase citizens' contacts past SERVIR_FOLLOWUP_RETENTION_DAYS and those of closed cases.

    Run it daily (cron or a systemd timer); opening the staff queue also does it.
    """
    erased = followups.purge(on.date() if on else None)
    click.echo(f"{erased} contact(s) erased.")


def init_app(app: Flask) -> None:
    from . import cli_programme

    cli_programme.init_app(app)
    app.cli.add_command(report_command)
    app.cli.add_command(questionnaires_cli)
    app.cli.add_command(cycles_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(kiosks_cli)
    app.cli.add_command(responses_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(invitations_cli)
    app.cli.add_command(followups_cli)
    app.cli.add_command(results_cli)
    app.cli.add_command(posters_command)
