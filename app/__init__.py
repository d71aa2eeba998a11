"""OnePlan: the Flask application factory."""

from pathlib import Path

from flask import Flask

from app import config as settings
from app import db, transaction
from app.web import rendering


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

    app.config.setdefault("FAST_RENDERING", True)
    app.jinja_options = rendering.jinja_options(app.config["FAST_RENDERING"])
    if app.config["FAST_RENDERING"]:
        app.jinja_environment = rendering.ImportOnceEnvironment

    app.extensions["oneplan_engine"] = db.make_engine(app.config["DATABASE_URL"], app.config["SQLITE_BUSY_TIMEOUT_MS"])

    from app.api import views as api
    from app.assessment import views as assessment
    from app.care_plan import views as care_plan
    from app.directory import views as directory
    from app.front_door import views as front_door
    from app.my_record import views as my_record
    from app.network import views as network
    from app.ops import cli
    from app.ops import views as ops
    from app.trust import throttle
    from app.trust import views as trust
    from app.web import assets, errors, filters, protection
    from app.work import views as work

    throttle.init_app(app, api.bp)  # first: a refused request does no other work
    filters.init_app(app)
    rendering.init_app(app)
    protection.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    transaction.init_app(app)  # after protection: see its docstring
    # my_record first: a person's (or carer's) account is refused every staff page before the staff
    # sign-in check would send it to the staff sign-in page.
    for package in (assets, my_record, trust, work, front_door, care_plan, assessment, network, directory, api, ops):
        app.register_blueprint(package.bp)
    app.register_blueprint(my_record.staff_bp)
    return app
