"""Servir: the Flask application (online survey, JSON API, administration, CLI).

``create_app`` follows Flask's tutorial: configuration from the instance ``config.py`` and the
environment (see :mod:`survey_app.config`), replaced by ``test_config`` in tests.
"""
from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

from flask import Flask

from . import config as config_module
from .application import ServirFlask
from .extensions import babel, csrf, db, login_manager, migrate

try:
    # Written once, in setup.cfg; read from the installed distribution's metadata.
    __version__ = metadata.version("servir")
except metadata.PackageNotFoundError:  # a checkout used without being installed
    __version__ = "0+unknown"


def migrations_directory() -> Path:
    """The Alembic revisions: the checkout's top-level ``migrations/`` when running from one,
    else the copy the wheel ships as ``survey_app/migrations`` (see setup.py)."""
    package = Path(__file__).resolve().parent
    checkout = package.parent / "migrations"
    if (package.parent / "setup.cfg").is_file() and (checkout / "env.py").is_file():
        return checkout
    return package / "migrations"


def create_app(test_config: dict[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    app = ServirFlask(__name__, instance_relative_config=True, instance_path=instance_path)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config_module.DEFAULTS)
    if test_config is None:
        config_module.load(app.config, Path(app.instance_path))
    else:
        app.config.from_mapping(
            {
                "SECRET_KEY": "test",
                "QUESTIONNAIRES_DIR": str(__import__("questionnaires").DEMO_DIR),
                **test_config,
            }
        )
    app.config["APP_VERSION"] = __version__

    db.init_app(app)
    migrate.init_app(app, db, directory=str(migrations_directory()),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)

    from . import citizen_csrf

    citizen_csrf.init_app(app)

    from . import sessions

    sessions.init_app(app)

    from . import i18n

    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)

    from .database import configure_engine

    with app.app_context():
        configure_engine(app, db.engine)

    from . import auth, loop, presentation
    from .views import results as results_views
    from .views import admin_commitments, admin_console, admin_cycles, admin_programme, admin_questionnaires
    from .views import api, errors, exports, invitations_admin, kiosk, kiosk_admin, paper, posters_admin, report, survey

    from .views import audit_admin, followups, users_admin
    from .views import stuffing as stuffing_views
    from . import throttle

    auth.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(users_admin.bp)
    app.register_blueprint(audit_admin.bp)
    app.register_blueprint(survey.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(results_views.bp)
    app.register_blueprint(stuffing_views.bp)
    app.register_blueprint(report.bp)
    presentation.init_app(app)
    loop.init_app(app)
    csrf.exempt(api.bp)
    # Kiosks authenticate with their bearer token only: no session, no CSRF form token.
    app.register_blueprint(kiosk.bp)
    app.register_blueprint(kiosk.api_bp)
    csrf.exempt(kiosk.api_bp)
    app.register_blueprint(kiosk_admin.bp)
    app.register_blueprint(paper.bp)
    app.register_blueprint(followups.bp)
    app.register_blueprint(admin_console.bp)
    app.register_blueprint(admin_cycles.bp)
    app.register_blueprint(admin_commitments.bp)
    app.register_blueprint(admin_programme.bp)
    app.register_blueprint(admin_questionnaires.bp)
    app.register_blueprint(invitations_admin.bp)
    app.register_blueprint(posters_admin.bp)
    errors.init_app(app)
    # Once every view is registered: the limits wrap the view functions.
    throttle.init_app(app)

    from . import edge, headers

    edge.init_app(app)
    headers.init_app(app)

    from . import cli

    cli.init_app(app)
    return app
