"""Operations over HTTP: the health check a load balancer asks."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from app.transaction import get_session

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """Liveness and a round trip to the database."""
    try:
        get_session().execute(text("SELECT 1")).one()
    except Exception as error:  # any database failure means not healthy
        return jsonify(status="unhealthy", database=type(error).__name__), 503
    return jsonify(status="ok", database="ok")
