"""People: search, and the person's summary and care team."""
from flask import Blueprint, g, redirect, request, url_for

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


@bp.get("/<int:person_id>/team")
def team(person_id: int):
    person = access.person_for(g.user, person_id, "view_care_team")
    return _team_page(person)


@bp.post("/<int:person_id>/team")
def add_to_team(person_id: int):
    person = access.person_for(g.user, person_id, "change_care_team", write=True)
    member, errors = care_team.add_agency(get_session(), person, request.form, g.user)
    if errors:
        return _team_page(person, form=request.form, errors=errors, status=400)
    return redirect(url_for("people.team", person_id=person.id, added=member.id))


@bp.post("/<int:person_id>/team/<int:member_id>/leave")
def remove_from_team(person_id: int, member_id: int):
    person = access.person_for(g.user, person_id, "change_care_team", write=True)
    problem = care_team.remove_member(get_session(), person, member_id, g.user)
    if problem:
        return _team_page(person, problem=problem, status=409)
    return redirect(url_for("people.team", person_id=person.id, removed=1))


def _team_page(person, *, form=None, errors=None, problem=None, status=200):
    session = get_session()
    summary = care_team.summary(session, person)
    may_edit = access.may_change(session, g.user, person)
    agencies = care_team.agencies_to_add(session, person.id, summary.team) if may_edit else []
    return render("people/team.html", summary=summary, may_edit=may_edit, agencies=agencies, form=form or {}, errors=errors or {},
                  problem=problem, added=request.args.get("added"), removed=request.args.get("removed")), status
