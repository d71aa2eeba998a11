"""Front-door figures: how the single point of access is doing against its response standards."""
from datetime import datetime, timezone

from flask import Blueprint, g, request

from app import access, audit, front_door_figures
from app.db import get_session
from app.rendering import render
from models import AuditOutcome

bp = Blueprint("figures", __name__, url_prefix="/referrals")


@bp.get("/metrics")
def metrics():
    access.require(g.user, "view_front_door_figures")
    days = request.args.get("days", type=int)
    days = days if days in front_door_figures.PERIODS else 28
    session = get_session()
    figures = front_door_figures.compute(session, datetime.now(timezone.utc), days)
    # No person's details are shown, but who looked at the service's figures is still recorded.
    audit.record(session, "view_front_door_figures", user=g.user, outcome=AuditOutcome.allowed)
    session.commit()
    return render(
        "referrals/metrics.html",
        figures=figures,
        days=days,
        periods=front_door_figures.PERIODS,
        daily_chart=front_door_figures.stacked_columns(figures),
        network_chart=front_door_figures.bar_chart(figures.open_by_network),
        delay_chart=front_door_figures.bar_chart(figures.delay_bands),
    )
