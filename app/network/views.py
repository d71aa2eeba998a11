"""A network's pages for its lead: its dashboard, its multidisciplinary meetings (MDT) and its
discharge board; and, on a person's record, putting them on the next meeting's agenda."""

from datetime import date
from typing import Any, Optional

from flask import Blueprint, abort, g, redirect, request, url_for
from sqlmodel import col, select

from app.front_door.figures import bar_chart
from app.network import crisis, dashboard, discharge, forms, hubs, mdt, palliative
from app.transaction import get_session
from app.trust import access, audit
from app.web import fields, guard
from app.web.rendering import render
from app.work import workload
from models import Agency, AnticipatoryMedicines, DelayReason, MdtAgendaItem, MdtMeeting, Network, PalliativeStage, Person

bp = Blueprint("network", __name__)


@bp.get("/networks/<int:network_id>")
def show(network_id: int):
    network = guard.network_for(network_id, "view_network")
    session = get_session()
    today = date.today()
    reviews, overdue_total = workload.reviews_for_network(session, network_id, g.user, today)
    figures = dashboard.build(session, network_id, today, overdue_total)
    audit.record(
        session, "view_network", user=g.user, record_type="network", record_id=network_id, detail=f"{overdue_total} reviews overdue"
    )
    return render(
        "network/show.html",
        network=network,
        reviews=reviews,
        overdue_total=overdue_total,
        caseload=figures.caseload,
        dashboard=figures,
        today=today,
        bar_chart=bar_chart,
    )


# --- MDT meetings ------------------------------------------------------------------------------


@bp.get("/networks/<int:network_id>/meetings")
def meetings(network_id: int):
    network = guard.network_for(network_id, "view_mdt_meetings")
    return _meetings_page(network)


@bp.post("/networks/<int:network_id>/meetings")
def schedule(network_id: int):
    network = guard.network_for(network_id, "schedule_mdt_meeting")
    command, problems = forms.schedule(request.form)
    result = mdt.schedule(get_session(), network, command, g.user, date.today())
    errors = {**result.errors, **problems}
    if errors or result.item is None:
        return _meetings_page(network, form=request.form, errors=errors, status=400)
    return redirect(url_for("network.meeting", network_id=network_id, meeting_id=result.item.id))


def _meetings_page(network: Network, *, form: Any = None, errors: Optional[dict] = None, status: int = 200):
    session = get_session()
    assert network.id is not None
    rows = mdt.meetings(session, network.id)
    audit.record(session, "view_mdt_meetings", user=g.user, record_type="network", record_id=network.id, detail=f"{len(rows)} meetings")
    return render("network/meetings.html", network=network, rows=rows, form=form or {}, errors=errors or {}, today=date.today()), status


def _meeting(network_id: int, meeting_id: int, purpose: str) -> tuple[Network, MdtMeeting]:
    network = guard.network_for(network_id, purpose)
    meeting = mdt.meeting_of(get_session(), network_id, meeting_id)
    if meeting is None:
        abort(404, "There is no such meeting in this network.")
    return network, meeting


@bp.get("/networks/<int:network_id>/meetings/<int:meeting_id>")
def meeting(network_id: int, meeting_id: int):
    network, found = _meeting(network_id, meeting_id, "view_mdt_meeting")
    return _meeting_page(network, found)


@bp.get("/networks/<int:network_id>/meetings/<int:meeting_id>/print")
def print_agenda(network_id: int, meeting_id: int):
    network, found = _meeting(network_id, meeting_id, "print_mdt_agenda")
    session = get_session()
    agenda = mdt.agenda(session, found, date.today(), g.user.agency_id)
    audit.record(
        session, "print_mdt_agenda", user=g.user, record_type="mdt_meeting", record_id=found.id, detail=f"{len(agenda.people)} people"
    )
    return render("network/agenda_print.html", network=network, agenda=agenda)


@bp.post("/networks/<int:network_id>/meetings/<int:meeting_id>/attendees")
def add_attendee(network_id: int, meeting_id: int):
    network, found = _meeting(network_id, meeting_id, "record_mdt_attendee")
    result = mdt.record_attendee(get_session(), found, forms.attendee(request.form), g.user)
    if not result.ok:
        return _meeting_page(network, found, form=request.form, errors=result.errors, status=400)
    return redirect(url_for("network.meeting", network_id=network_id, meeting_id=meeting_id, _anchor="attendees"))


_AGENCY_NAMES = select(Agency.id, Agency.name).order_by(col(Agency.name))


def _meeting_page(network: Network, found: MdtMeeting, *, form: Any = None, errors: Optional[dict] = None, status: int = 200):
    session = get_session()
    agenda = mdt.agenda(session, found, date.today(), g.user.agency_id)
    agencies = session.exec(_AGENCY_NAMES).all()  # for "who came": an id and a name each, not whole agencies
    audit.record(
        session, "view_mdt_meeting", user=g.user, record_type="mdt_meeting", record_id=found.id, detail=f"{len(agenda.people)} people"
    )
    return render("network/meeting.html", network=network, agenda=agenda, agencies=agencies, form=form or {}, errors=errors or {}), status


@bp.route("/networks/<int:network_id>/meetings/<int:meeting_id>/items/<int:agenda_item_id>", methods=["GET", "POST"])
def outcome(network_id: int, meeting_id: int, agenda_item_id: int):
    network, found = _meeting(network_id, meeting_id, "record_mdt_outcome")
    session = get_session()
    item = mdt.agenda_item_of(session, found, agenda_item_id)
    if item is None:
        abort(404, "That person is not on this meeting's agenda.")
    purpose = "view_mdt_outcome" if request.method == "GET" else "record_mdt_outcome"
    person = guard.person_for(item.person_id, purpose, rule=access.mdt_outcome_rule)
    if request.method == "GET":
        return _outcome_page(network, found, item, person)
    command, problems = forms.outcome(request.form)
    if problems:
        errors = {**mdt.check_outcome(session, person, command), **problems}
        return _outcome_page(network, found, item, person, form=request.form, errors=errors, status=400)
    result = mdt.record_outcome(session, item, person, command, g.user)
    if not result.ok:
        status = 409 if result.conflict else 400
        return _outcome_page(network, found, item, person, form=request.form, errors=result.errors, conflict=result.conflict, status=status)
    return redirect(url_for("network.meeting", network_id=network_id, meeting_id=meeting_id, _anchor=f"person-{item.id}"))


def _outcome_page(
    network: Network,
    found: MdtMeeting,
    item: MdtAgendaItem,
    person: Person,
    *,
    form: Any = None,
    errors: Optional[dict] = None,
    conflict: Any = None,
    status: int = 200,
):
    session = get_session()
    agenda = mdt.agenda(session, found, date.today(), g.user.agency_id)
    summary = next(p for p in agenda.people if p.item.id == item.id)
    assert person.id is not None
    return render(
        "network/outcome.html",
        network=network,
        meeting=found,
        summary=summary,
        agencies=mdt.care_team_agencies(session, person.id),
        form=form or {},
        errors=errors or {},
        conflict=conflict,
    ), status


@bp.route("/people/<int:person_id>/mdt", methods=["GET", "POST"])
def add_to_agenda(person_id: int):
    person = guard.person_for(person_id, "add_to_mdt_agenda", rule=access.mdt_agenda_rule)
    session = get_session()
    network_id = access.person_network_id(session, person)
    today = date.today()
    upcoming = mdt.next_meeting(session, network_id, today) if network_id is not None else None
    if request.method == "GET":
        return render("network/add_to_agenda.html", person=person, meeting=upcoming, form={}, errors={}, refused=None)
    result = mdt.add_to_agenda(session, person, network_id, forms.add_to_agenda(request.form), g.user, today)
    if not result.ok:
        return render(
            "network/add_to_agenda.html", person=person, meeting=upcoming, form=request.form, errors=result.errors, refused=result.refused
        ), (400 if result.errors else 409)
    return redirect(url_for("care_plan.person", person_id=person_id, agenda="added"))


# --- The discharge board -----------------------------------------------------------------------


@bp.get("/networks/<int:network_id>/discharges")
def discharges(network_id: int):
    network = guard.network_for(network_id, "view_discharge_board")
    session = get_session()
    today = date.today()
    page, home_page = fields.page_number(request.args), fields.page_number({"page": request.args.get("home_page")})
    found = discharge.board(session, network_id, today, g.user.agency_id, page, home_page)
    numbers = discharge.board_figures(session, today, network_id, g.user.agency_id)
    audit.record(
        session, "view_discharge_board", user=g.user, record_type="network", record_id=network_id, detail=f"{numbers.waiting} waiting"
    )
    return render(
        "network/discharges.html",
        network=network,
        board=found,
        figures=numbers,
        today=today,
        bar_chart=bar_chart,
        board_page_size=discharge.BOARD_PAGE,
        home_page_size=discharge.HOME_PAGE,
    )


@bp.route("/networks/<int:network_id>/discharges/<int:referral_id>", methods=["GET", "POST"])
def discharge_record(network_id: int, referral_id: int):
    network = guard.network_for(network_id, "record_discharge")
    session = get_session()
    found = discharge.referral_on_board(session, network_id, referral_id)
    if found is None:
        abort(404, "That referral is not on this network's discharge board.")
    referral, _, wait = found
    person = guard.person_for(referral.person_id, "view_discharge" if request.method == "GET" else "record_discharge")
    assert person.id is not None
    form: Any = {}
    errors: dict[str, str] = {}
    conflict, refused = None, None
    status = 200
    if request.method == "POST":
        command, problems = forms.discharge(request.form)
        if problems:
            form, errors, status = request.form, {**discharge.check(session, referral, person, wait, command), **problems}, 400
        else:
            result = discharge.record(session, referral, person, wait, command, g.user, date.today())
            if result.ok:
                return redirect(url_for("network.discharges", network_id=network_id, _anchor=f"referral-{referral_id}"))
            form, errors, conflict, refused = request.form, result.errors, result.conflict, result.refused
            status = 409 if conflict or refused else 400
    return render(
        "network/discharge.html",
        network=network,
        referral=referral,
        person=person,
        wait=wait,
        actions=discharge.open_actions(session, person.id),
        gates=discharge.gates_of(session, wait),
        reasons=list(DelayReason),
        today=date.today(),
        form=form,
        errors=errors,
        conflict=conflict,
        refused=refused,
    ), status


@bp.get("/discharges/figures")
def discharge_figures():
    guard.require("view_front_door_figures")
    session = get_session()
    numbers = discharge.figures(session, date.today())
    audit.record(session, "view_discharge_figures", user=g.user)
    return render("network/discharge_figures.html", figures=numbers, bar_chart=bar_chart)


# --- Specialist hubs ---------------------------------------------------------------------------


@bp.get("/people/<int:person_id>/hub-referrals/new")
def new_hub_referral(person_id: int):
    person = guard.person_for(person_id, "view_hub_referrals", write=True)
    return _hub_referral_page(person)


@bp.post("/people/<int:person_id>/hub-referrals")
def refer_to_hub(person_id: int):
    person = guard.person_for(person_id, "refer_to_hub", write=True)
    session = get_session()
    result = hubs.refer(session, person, access.person_network_id(session, person), forms.refer_to_hub(request.form), g.user)
    if not result.ok:
        return _hub_referral_page(person, form=request.form, errors=result.errors, status=400)
    return redirect(url_for("network.new_hub_referral", person_id=person_id, referred=1))


def _hub_referral_page(person: Person, *, form: Any = None, errors: Optional[dict] = None, status: int = 200):
    session = get_session()
    assert person.id is not None
    return render(
        "network/hub_referral.html",
        person=person,
        hubs=hubs.hubs_for_network(session, access.person_network_id(session, person)),
        referrals=hubs.person_referrals(session, person.id),
        form=form or {},
        errors=errors or {},
        referred=request.args.get("referred"),
    ), status


@bp.get("/hub")
def hub_caseload():
    session = get_session()
    hub = access.hub_of(session, g.user, "view_hub_caseload")
    return _hub_page(hub)


@bp.post("/hub/referrals/<int:hub_referral_id>")
def respond_to_hub_referral(hub_referral_id: int):
    session = get_session()
    hub, referral = access.hub_referral_for(session, g.user, hub_referral_id, "respond_to_hub_referral")
    if referral is None:
        abort(404, "There is no such referral to your hub.")
    person = session.get(Person, referral.person_id)
    assert person is not None
    result = hubs.respond(session, referral, person, forms.hub_response(request.form), g.user)
    if result.errors:
        return _hub_page(
            hub, errors={f"{key}-{referral.id}": message for key, message in result.errors.items()}, form=request.form, status=400
        )
    if result.refused:
        return _hub_page(hub, problem=result.refused, status=409)
    return redirect(url_for("network.hub_caseload", _anchor=f"hub-referral-{referral.id}"))


def _hub_page(hub: Any, *, errors: Optional[dict] = None, form: Any = None, problem: Optional[str] = None, status: int = 200):
    session = get_session()
    found = hubs.caseload(session, hub)
    audit.record(session, "view_hub_caseload", user=g.user, record_type="agency", record_id=hub.id, detail=f"{len(found.rows)} people")
    return render("network/hub.html", caseload=found, errors=errors or {}, form=form or {}, problem=problem, bar_chart=bar_chart), status


# --- Palliative care at home -------------------------------------------------------------------


@bp.get("/networks/<int:network_id>/register")
def register(network_id: int):
    network = guard.network_for(network_id, "view_palliative_register")
    session = get_session()
    rows = palliative.register(session, network_id, g.user.agency_id)
    audit.record(
        session, "view_palliative_register", user=g.user, record_type="network", record_id=network_id, detail=f"{len(rows)} people"
    )
    return render("network/register.html", network=network, rows=rows)


@bp.get("/people/<int:person_id>/palliative")
def palliative_entry(person_id: int):
    person = guard.person_for(person_id, "view_palliative_entry")
    return _palliative_page(person)


@bp.post("/people/<int:person_id>/palliative")
def save_palliative_entry(person_id: int):
    person = guard.person_for(person_id, "save_palliative_entry", write=True)
    session = get_session()
    assert person.id is not None
    command, problems = forms.palliative_entry(request.form)
    if problems:
        return _palliative_page(person, form=request.form, errors=problems, status=400)
    result = palliative.save(session, person, palliative.entry_for(session, person.id), command, g.user)
    if not result.ok:
        return _palliative_page(
            person, form=request.form, errors=result.errors, problem=result.refused, status=409 if result.refused else 400
        )
    return redirect(url_for("network.palliative_entry", person_id=person_id, saved=1))


def _palliative_page(person: Person, *, form: Any = None, errors: Optional[dict] = None, problem: Optional[str] = None, status: int = 200):
    session = get_session()
    assert person.id is not None
    entry = palliative.entry_for(session, person.id)
    advance_care = palliative.advance_care_of(session, person.id)
    return render(
        "network/palliative.html",
        person=person,
        entry=entry,
        advance_care=advance_care,
        gaps=palliative.missing(entry, advance_care) if entry else [],
        may_edit=guard.may_change(person),
        stages=list(PalliativeStage),
        medicines=list(AnticipatoryMedicines),
        form=form or {},
        errors=errors or {},
        problem=problem,
        saved=request.args.get("saved"),
    ), status


# --- Out of hours ------------------------------------------------------------------------------


@bp.get("/out-of-hours")
def out_of_hours():
    access.require_out_of_hours(g.user, "find_crisis_summary")
    return render("network/out_of_hours.html", form={}, errors={}, reasons=crisis.REASONS)


@bp.post("/out-of-hours")
def crisis_summary():
    access.require_out_of_hours(g.user, "read_crisis_summary")
    session = get_session()
    number, reason, problems = forms.out_of_hours(request.form, crisis.REASONS)
    found = session.exec(select(Person).where(Person.nhs_number == number)).first() if not problems else None
    if found is None and not problems:
        problems["nhs_number"] = "There is no record with that NHS number"
    if problems or found is None:
        return render("network/out_of_hours.html", form=request.form, errors=problems, reasons=crisis.REASONS), 400
    assert found.id is not None
    person = guard.person_for(found.id, "read_crisis_summary", rule=access.crisis_summary_rule(reason))
    return render("network/crisis_summary.html", summary=crisis.summary(session, person, g.user), reason=reason)
