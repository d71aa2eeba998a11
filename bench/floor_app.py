"""The HTTP floor: a bare Flask app that serves each page scenario's rows, fetched with the same
hand-written SQL as the in-process floor (`bench/floor.py`) through the same driver and engine
settings as the app (`app.db.make_engine`), rendered by the same bare Jinja template. No ORM, no
access rules, no audit, no sessions, no CSRF, no security headers: what a page costs at the least
once HTTP, gunicorn and Flask are paid for. The bench serves it with gunicorn, the same number of
workers as the app, on another loopback port, against the same database:

    DATABASE_URL=sqlite:///bench/out/district-20000-s1.db gunicorn --workers 2 "bench.floor_app:create_app()"

    GET  /floor/<scenario>?<parameters>   the scenario's page (parameters as floor.address() writes them)
    POST /floor/assessment_section_save   person_id=...: one versioned update and one revision, committed
    GET  /healthz                          a round trip that only asks the database if it is there
"""

import os
from typing import Optional

from flask import Flask, abort, request
from sqlalchemy import text

from app.db import make_engine
from bench import floor


def create_app(database_url: Optional[str] = None) -> Flask:
    engine = make_engine(database_url or os.environ["DATABASE_URL"])
    saves = floor.save_statements(engine.dialect.name)
    app = Flask(__name__)
    app.extensions["floor_engine"] = engine

    @app.get("/healthz")
    def healthz():
        with engine.connect() as connection:
            connection.execute(text("SELECT 1")).scalar()
        return "ok"

    @app.get("/floor/<scenario>")
    def page(scenario: str):
        if scenario not in floor.QUERIES:
            abort(404)
        with engine.connect() as connection:
            return floor.page(connection, scenario, floor.parameters_from(request.args))

    @app.post("/floor/assessment_section_save")
    def save():
        person_id = request.form.get("person_id", type=int)
        if person_id is None:
            abort(400)
        with engine.connect() as connection:
            floor.save(connection, saves, person_id, request.form.get("label", ""))
        return "saved"

    return app
