"""Front-door figures: how the single point of access is doing against its response standards."""
from flask import Blueprint, g

from app import access
from app.rendering import render

bp = Blueprint("figures", __name__, url_prefix="/referrals")


@bp.get("/metrics")
def metrics():
    access.require(g.user, "view_front_door_figures")
    return render("referrals/metrics.html")
