"""My work: the home page, my worklist (actions owned by my agency or naming me across everyone's
care plans, and the plans I lead that are due for review) and my inbox."""

import dataclasses
from datetime import date

from flask import Blueprint, g, redirect, request, url_for

from app.care_plan import care_team, handshake
from app.transaction import get_session
from app.trust import audit, break_glass
from app.web import guard
from app.web.rendering import is_htmx, render
from app.work import forms, markup, notifications, workload
from models import Role
from models.clock import utc_now

bp = Blueprint("work", __name__)


@bp.get("/")
def home():
    session = get_session()
    mine = workload.my_work(session, g.user, date.today(), with_work=guard.allowed("read_worklist"))
    caseload = care_team.caseload(session, g.user)
    now, role = utc_now(), g.user.role
    allocations = workload.new_allocations(session, g.user, now) if role is Role.practitioner else []
    audit.record(session, "view_my_work", user=g.user, detail=f"{len(caseload) + len(allocations)} people shown")
    lead = role is Role.network_lead and g.user.network_id is not None
    return render(
        "work/home.html",
        agency_name=mine.agency_name,
        caseload=caseload,
        agency_count=mine.caseload,
        work=mine.work,
        allocations=allocations,
        queue=workload.queue_figures(session, g.user, now) if role in (Role.spa_coordinator, Role.network_lead) else None,
        overdue_plans=workload.reviews_for_network(session, g.user.network_id, g.user, date.today(), limit=1)[1] if lead else None,
        glass_reviews=len(break_glass.reviews(session, g.user)) if lead else None,
    )


# --- The worklist ------------------------------------------------------------------------


@bp.get("/worklist")
def worklist():
    guard.require("read_worklist")
    session = get_session()
    today = date.today()
    filters = forms.worklist_filters(request.args)
    if "status" not in request.args and workload.has_requested(session, g.user):
        # Opened without a choice: what waits for the agency's yes or no comes first.
        filters = dataclasses.replace(filters, status="requested")
    items, total = workload.worklist(session, g.user, filters, today)
    reviews = workload.reviews_for_key_worker(session, g.user, today)
    audit.record(session, "view_worklist", user=g.user, detail=f"{len(items)} actions shown, {len(reviews)} reviews")
    pages = max(1, -(-min(total, workload.WORKLIST_MOST) // workload.WORKLIST_PAGE))
    return render(
        "work/worklist.html",
        "items",
        items=items,
        rows=markup.rows(items),
        total=total,
        most=workload.WORKLIST_MOST,
        filters=filters,
        reviews=reviews,
        pages=pages,
        status_filters=workload.STATUS_FILTERS,
        today=today,
    )


def row_response(person, action_id: int, *, errors: dict, refused, status: int):
    """After a move made from the worklist: the row again (htmx), or back to the list."""
    if not is_htmx() and status == 200:
        return redirect(url_for("work.worklist") + f"#work-{action_id}")
    item = workload.work_item(get_session(), action_id, date.today())
    context = dict(item=item, errors=errors, refused=refused, form=request.form, today=date.today(), moved=status == 200)
    if is_htmx():
        return render("work/_work_item.html", **context), status
    return render("work/work_item_page.html", **context), status


@bp.app_template_global("worklist_moves")
def moves(action) -> list[handshake.Transition]:
    """On a worklist every action is my agency's own."""
    return handshake.available(action.status, handshake.Actor(is_owner=True))


# --- The inbox ---------------------------------------------------------------------------


@bp.get("/inbox")
def inbox():
    guard.require("read_inbox")
    session = get_session()
    items = notifications.inbox(session, g.user)
    audit.record(session, "view_inbox", user=g.user, detail=f"{len(items)} items")
    return render("work/inbox.html", "items", items=items)


@bp.post("/inbox/read")
def mark_read():
    """Mark one item (`notification_id`) or all of mine as read."""
    guard.require("read_inbox")
    session = get_session()
    changed = notifications.mark_read(session, g.user, forms.notification_id(request.form))
    if is_htmx():
        return inbox()
    return redirect(url_for("work.inbox", marked=changed))
