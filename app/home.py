"""My work, and the health check."""
from datetime import date

from flask import Blueprint, g, jsonify
from sqlalchemy import text

from app import access, care_team, workload
from app.db import get_session
from app.rendering import render
from models import Agency

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    session = get_session()
    agency = session.get(Agency, g.user.agency_id)
    return render(
        "home/index.html",
        agency=agency,
        caseload=care_team.caseload(session, g.user),
        agency_count=care_team.agency_caseload_count(session, g.user.agency_id),
        work=workload.summary(session, g.user, date.today()) if access.allowed(g.user, "read_worklist") else None,
    )


@bp.get("/healthz")
def healthz():
    """Liveness and a round trip to the database."""
    try:
        get_session().exec(text("SELECT 1")).one()
    except Exception as error:  # any database failure means not healthy
        return jsonify(status="unhealthy", database=type(error).__name__), 503
    return jsonify(status="ok", database="ok")
