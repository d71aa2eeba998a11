"""My worklist: actions owned by my agency (or naming me) across everyone's care plans, and the plans
I lead that are due for review. Accept, decline and complete from the list without leaving it."""
from datetime import date

from flask import Blueprint, g, redirect, request, url_for

from app import access, audit, handshake, workload
from app.db import get_session
from app.rendering import is_htmx, render

bp = Blueprint("worklist", __name__, url_prefix="/worklist")


@bp.get("")
def index():
    access.require(g.user, "read_worklist")
    session = get_session()
    today = date.today()
    filters = workload.WorklistFilters.from_args(request.args)
    items, total = workload.worklist(session, g.user, filters, today)
    reviews = workload.reviews_for_key_worker(session, g.user, today)
    workload.remind_reviews(session, g.user, today, reviews)
    audit.record(session, "view_worklist", user=g.user, detail=f"{len(items)} actions shown, {len(reviews)} reviews")
    session.commit()
    pages = max(1, -(-min(total, workload.WORKLIST_MOST) // workload.WORKLIST_PAGE))
    return render("worklist/index.html", "items", items=items, total=total, most=workload.WORKLIST_MOST, filters=filters,
                  reviews=reviews, pages=pages,
                  status_filters=workload.STATUS_FILTERS, today=today)


def row_response(person, action_id: int, *, errors: dict, refused, status: int):
    """After a move made from the worklist: the row again (htmx), or back to the list."""
    if not is_htmx() and status == 200:
        return redirect(url_for("worklist.index") + f"#work-{action_id}")
    item = workload.work_item(get_session(), action_id, date.today())
    context = dict(item=item, errors=errors, refused=refused, form=request.form, today=date.today(), moved=status == 200)
    if is_htmx():
        return render("worklist/_item.html", **context), status
    return render("worklist/item_page.html", **context), status


def moves(action) -> list[handshake.Transition]:
    """On a worklist every action is my agency's own."""
    return handshake.available(action.status, handshake.Actor(is_owner=True))


bp.add_app_template_global(moves, "worklist_moves")
