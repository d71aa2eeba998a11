"""OnePlan: the Flask application factory."""
from pathlib import Path

from flask import Flask
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader

from app import config as settings
from app.db import close_session, make_engine


def create_app(config: dict | None = None) -> Flask:
    root = settings.ROOT
    app = Flask(
        __name__,
        instance_path=str(root / "instance"),
        static_folder=str(root / "app" / "static"),
        static_url_path="/static",
    )
    app.config.from_mapping(settings.from_environment(Path(app.instance_path)))
    if config:
        app.config.update(config)
        if "DATABASE_URL" in config:
            app.config["DATABASE_URL"] = settings.normalise_database_url(config["DATABASE_URL"])

    app.jinja_options = {
        # The NHS.UK macros read chained parameters that callers leave out.
        "undefined": ChainableUndefined,
        "loader": ChoiceLoader([FileSystemLoader(str(root / "templates")), PackageLoader("nhsuk_frontend_jinja")]),
        "autoescape": True,
    }

    app.extensions["oneplan_engine"] = make_engine(app.config["DATABASE_URL"], app.config["SQLITE_BUSY_TIMEOUT_MS"])
    app.teardown_appcontext(close_session)

    from app import (
        access_log, admin, assessment, assets, auth, break_glass, care_plan, cli, consent, errors, fhir, figures, filters, home, inbox,
        networks, people, referrals, security, worklist,
    )

    filters.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    for blueprint in (assets.bp, auth.bp, home.bp, people.bp, assessment.bp, care_plan.bp, worklist.bp, networks.bp, figures.bp,
                      referrals.bp, inbox.bp, admin.bp, fhir.bp, break_glass.bp, consent.bp, access_log.bp):
        app.register_blueprint(blueprint)
    return app
