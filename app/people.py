"""People: search, and the person's summary and care team."""
from flask import Blueprint, g, request

from app import access, audit, care_team, search as person_search, sharing
from app.db import get_session
from app.rendering import render

bp = Blueprint("people", __name__, url_prefix="/people")


@bp.get("")
def search():
    access.require(g.user, "search_people")
    query = person_search.parse(request.args.get("q", ""))
    people, more = [], False
    if not query.is_empty or query.problems:
        session = get_session()
        people, more = person_search.search_people(session, query)
        audit.record(session, "search_people", user=g.user, detail=query.text, reason=f"{len(people)} shown")
        session.commit()
    return render("people/search.html", "results", query=query, people=people, more=more)


@bp.get("/<int:person_id>")
def show(person_id: int):
    person = access.person_for(g.user, person_id, "view_person")
    session = get_session()
    return render("people/show.html", summary=care_team.summary(session, person), sharing=sharing.view(session, person.id),
                  may_read_access_log=access.access_log_rule(session, g.user, person).allowed)
