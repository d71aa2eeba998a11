"""A network's page for its lead: the care plans past their review date, and the caseload's size."""

from datetime import date

from flask import Blueprint, g

from app.care_plan import care_team
from app.transaction import get_session
from app.trust import audit
from app.web import guard
from app.web.rendering import render
from app.work import workload

bp = Blueprint("network", __name__)


@bp.get("/networks/<int:network_id>")
def show(network_id: int):
    network = guard.network_for(network_id, "view_network")
    session = get_session()
    today = date.today()
    reviews, overdue_total = workload.reviews_for_network(session, network_id, g.user, today)
    caseload = care_team.network_caseload_count(session, network_id)
    audit.record(
        session, "view_network", user=g.user, record_type="network", record_id=network_id, detail=f"{overdue_total} reviews overdue"
    )
    return render("network/show.html", network=network, reviews=reviews, overdue_total=overdue_total, caseload=caseload, today=today)
