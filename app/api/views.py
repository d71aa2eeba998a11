"""The FHIR R4 API: the shared record for other systems, behind bearer tokens and the same access rules.

Reads open the person's record through app/trust/access.py like the pages do (the API's rules:
no break-glass, and the sender of a referral may read it back); writes build the same typed
commands as the pages (a referral goes through the intake, a Task's status through the action
handshake). Every answer is FHIR JSON; every failure an OperationOutcome. What is served is
declared once, in app/api/capability.py.
"""

from typing import Optional

from flask import Blueprint, current_app, g, request
from sqlmodel import col, func, select

from app.api import capability, item_history, observations, plan_items, questionnaires, resources, search, service_request, sharing, tasks
from app.api.responses import FHIR_JSON, error_outcome, fhir_json, issue, outcome, resource
from app.api.service_request import Problem
from app.care_plan import commands, read_model
from app.front_door import intake, nhs_number
from app.transaction import get_session
from app.trust import access, api_tokens, audit
from app.web import guard
from app.web.protection import csrf
from models import Agency, AuditOutcome, CarePlan, CarePlanAction, CarePlanGoal, Person, Referral, User

bp = Blueprint("fhir", __name__, url_prefix="/fhir")
csrf.exempt(bp)  # no browser session and no cookies: the bearer token is the credential

PUBLIC = frozenset({"fhir.metadata"})
FORMATS = frozenset({"json", FHIR_JSON, "application/json"})

__all__ = ["bp", "error_outcome", "outcome"]


def base_url() -> str:
    """The API's own address, from configuration: FHIR_BASE_URL, or else PREFERRED_URL_SCHEME and
    SERVER_NAME (OnePlan's development address if that is unset). Never the request's Host header,
    which the caller chooses."""
    configured = (current_app.config.get("FHIR_BASE_URL") or "").strip().rstrip("/")
    if configured:
        return configured
    scheme = current_app.config.get("PREFERRED_URL_SCHEME") or "http"
    server = current_app.config.get("SERVER_NAME") or "127.0.0.1:5000"
    root = (current_app.config.get("APPLICATION_ROOT") or "/").rstrip("/")
    return f"{scheme}://{server}{root}{bp.url_prefix}"


@bp.before_request
def negotiate():
    """JSON is the one format served: asking only for another (XML, Turtle, a web page) is a 406."""
    wanted = request.args.get("_format")
    if wanted is not None and wanted not in FORMATS:
        return error_outcome(406, f"_format {wanted!r} is not served: this server answers JSON only (application/fhir+json).")
    if request.headers.get("Accept") and request.accept_mimetypes.best_match([FHIR_JSON, "application/json"]) is None:
        return error_outcome(406, "This server answers application/fhir+json (or application/json) only.")
    return None


@bp.before_request
def authenticate():
    """A bearer token, not a browser session, says who is calling (the CapabilityStatement is public)."""
    g.user = None
    if request.endpoint in PUBLIC:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    session = get_session()
    user = api_tokens.user_for(session, token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        audit.record(
            session,
            "fhir_sign_in",
            outcome=AuditOutcome.refused,
            reason="missing bearer token"
            if not header
            else "unknown, expired or revoked bearer token, or its account locked or deactivated",
            detail=f"{request.method} {request.path}",
        )
        message = (
            "Send a bearer token issued to you (flask --app app issue-token)."
            if not header
            else "The bearer token is not valid: it is unknown, expired or revoked, or its account is locked or deactivated."
        )
        return outcome(401, [issue("login", message)], {"WWW-Authenticate": 'Bearer realm="OnePlan FHIR API"'})
    g.user = user
    return None


@bp.errorhandler(Problem)
def problem(error: Problem):
    """Undo whatever the request did; what it leaves is the refusal, in the audit trail, which the
    request commits like any other answer below 500."""
    session = get_session()
    session.rollback()
    audit.record(
        session,
        g.get("fhir_action", "fhir_request"),
        user=g.user,
        outcome=AuditOutcome.refused,
        reason=error.issues[0]["diagnostics"][:500],
    )
    return outcome(error.status, error.issues, error.headers)


@bp.errorhandler(search.BadSearch)
def bad_search(error: search.BadSearch):
    return outcome(400, [issue("not-supported" if error.expression else "invalid", error.message, error.expression)])


@bp.get("/metadata")
def metadata():
    """The CapabilityStatement: exactly what this server serves (no token needed)."""
    return fhir_json(capability.statement(base_url()))


# --- ServiceRequest -------------------------------------------------------------------------------


@bp.post("/ServiceRequest")
def create_service_request():
    """A referral into the single point of access. With If-None-Exist (identifier=system|value), a
    retry of a referral already taken answers 200 with that referral, and makes no second one."""
    guard.require("submit_referral")
    g.fhir_action = "fhir_create_service_request"
    session = get_session()
    condition = request.headers.get("If-None-Exist")
    existing = service_request.existing(session, condition) if condition else None
    if existing is not None:
        return _sent_back(existing, 200)
    sent = service_request.parse(request.get_data(as_text=True), request.mimetype)
    if condition:
        service_request.carries(sent, condition)
    result = intake.receive(session, service_request.command(session, sent, g.user), g.user)
    if result.referral is None:
        raise service_request.refused(result.errors)
    if not service_request.keep(session, result.referral, sent):
        # The same identifier was taken a moment ago by a concurrent retry: that one is the referral.
        session.rollback()
        again = service_request.existing(session, condition) if condition else None
        if again is None:
            raise Problem(409, "duplicate", "A referral with this identifier was sent already.", "ServiceRequest.identifier")
        return _sent_back(again, 200)
    return _sent_back(result.referral, 201)


def _sent_back(referral: Referral, status: int):
    session = get_session()
    if status == 200:  # a retry answered with the referral sent before: the caller must still be allowed to read it
        guard.person_for(referral.person_id, "fhir_read_service_request", rule=access.sent_referral_rule(referral))
    # The caller sent what they know; that the person already had an open referral is theirs to
    # learn only if the person shares with their agency.
    told = g.user.agency_id not in access.objected_agency_ids(session, referral.person_id)
    body = service_request.as_resource(session, referral, show_link=told)
    return resource(body, status, {"Location": f"{base_url()}/ServiceRequest/{referral.id}"})


@bp.get("/ServiceRequest/<int:referral_id>")
def read_service_request(referral_id: int):
    session = get_session()
    referral = session.get(Referral, referral_id)
    if referral is None:
        return error_outcome(404, f"There is no ServiceRequest {referral_id}.")
    guard.person_for(referral.person_id, "fhir_read_service_request", rule=access.sent_referral_rule(referral))
    return resource(service_request.as_resource(session, referral))


# --- Patient and Organization -----------------------------------------------------------------------


@bp.get("/Patient/<int:person_id>")
def read_patient(person_id: int):
    person = guard.person_for(person_id, "fhir_read_patient", rule=access.api_triage_rule)
    return resource(resources.patient(get_session(), person))


@bp.get("/Patient")
def search_patient():
    """By NHS number or id: the people found whom the caller may open (others are left out, and
    the refusal is audited), at most one, as every NHS number belongs to one record."""
    found = search.read("Patient", request.args)
    session = get_session()
    query = select(Person)
    wanted = search.token(found, "identifier")
    if wanted is not None:
        system, number = wanted
        if system not in (None, resources.NHS_NUMBER_SYSTEM):
            raise search.BadSearch(f"Search patients by NHS number ({resources.NHS_NUMBER_SYSTEM}|<number>).", "identifier")
        try:
            query = query.where(Person.nhs_number == nhs_number.normalise(number))
        except nhs_number.InvalidNHSNumber as error:
            raise search.BadSearch(f"NHS number {number!r}: {error}", "identifier") from None
    ids = search.token(found, "_id")
    if ids is not None:
        if not ids[1].isdigit():
            raise search.BadSearch("_id must be a Patient id.", "_id")
        query = query.where(Person.id == int(ids[1]))
    if wanted is None and ids is None:
        raise search.BadSearch("Search patients by identifier (NHS number) or _id.", None)
    audit.record(session, "fhir_search_patient", user=g.user, detail=request.query_string.decode()[:300])
    people = []
    for person in session.exec(query.order_by(col(Person.id)).limit(10)):
        assert person.id is not None
        try:
            people.append(resources.patient(session, guard.person_for(person.id, "fhir_read_patient", rule=access.api_triage_rule)))
        except access.AccessRefused as refused:
            audit.record(session, refused.action, user=g.user, outcome=AuditOutcome.refused, reason=refused.reason, person_id=person.id)
    page = people[found.offset : found.offset + found.count]
    return fhir_json(search.bundle(base_url(), found, len(people), page))


@bp.get("/Organization/<int:agency_id>")
def read_organization(agency_id: int):
    agency = get_session().get(Agency, agency_id)
    if agency is None:
        return error_outcome(404, f"There is no Organization {agency_id}.")
    return resource(resources.organization(agency))


@bp.get("/Organization")
def search_organization():
    """The directory: by ODS code or name. Not personal data: open to every account."""
    found = search.read("Organization", request.args)
    query = select(Agency)
    wanted = search.token(found, "identifier")
    if wanted is not None:
        system, code = wanted
        if system not in (None, resources.ODS_SYSTEM):
            raise search.BadSearch(f"Search organisations by ODS code ({resources.ODS_SYSTEM}|<code>).", "identifier")
        query = query.where(Agency.ods_code == code.upper())
    name = found.params.get("name")
    if name:
        query = query.where(func.lower(Agency.name).startswith(name.lower(), autoescape=True))
    return _page(found, query.order_by(col(Agency.name), col(Agency.id)), lambda agency: resources.organization(agency))


def _page(found: search.Search, query, render):
    session = get_session()
    total = session.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
    rows = session.exec(query.offset(found.offset).limit(found.count)).all()
    return fhir_json(search.bundle(base_url(), found, total, [render(row) for row in rows]))


# --- The care team, the plan, its goals and its actions ---------------------------------------------


def _patient_of(found: search.Search, purpose: str) -> Person:
    person_id = search.reference_id(found, "patient", "Patient")
    if person_id is None:
        raise search.BadSearch(f"Search {found.resource_type} by patient (Patient/<id>).", None)
    return guard.person_for(person_id, purpose, rule=access.api_decide)


def _plan_of(person: Person) -> Optional[CarePlan]:
    assert person.id is not None  # a saved person
    return read_model.plan_for(get_session(), person.id)


@bp.get("/CareTeam/<int:person_id>")
def read_care_team(person_id: int):
    person = guard.person_for(person_id, "fhir_read_care_team", rule=access.api_decide)
    return resource(resources.care_team_resource(get_session(), person))


@bp.get("/CareTeam")
def search_care_team():
    found = search.read("CareTeam", request.args)
    person = _patient_of(found, "fhir_read_care_team")
    teams = [resources.care_team_resource(get_session(), person)]
    return fhir_json(search.bundle(base_url(), found, 1, teams[found.offset : found.offset + found.count]))


def _plan(plan_id: int, purpose: str) -> tuple[CarePlan, Person]:
    session = get_session()
    plan = session.get(CarePlan, plan_id)
    if plan is None:
        raise Problem(404, "not-found", f"There is no CarePlan {plan_id}.")
    return plan, guard.person_for(plan.person_id, purpose, rule=access.api_decide)


@bp.get("/CarePlan/<int:plan_id>")
def read_care_plan(plan_id: int):
    g.fhir_action = "fhir_read_care_plan"
    plan, person = _plan(plan_id, "fhir_read_care_plan")
    session = get_session()
    return resource(resources.care_plan(session, plan, person, resources.current_state(session, plan)))


@bp.get("/CarePlan")
def search_care_plan():
    found = search.read("CarePlan", request.args)
    person = _patient_of(found, "fhir_read_care_plan")
    session = get_session()
    assert person.id is not None
    plan = read_model.plan_for(session, person.id)
    plans = [resources.care_plan(session, plan, person, resources.current_state(session, plan))] if plan else []
    return fhir_json(search.bundle(base_url(), found, len(plans), plans[found.offset : found.offset + found.count]))


@bp.get("/CarePlan/<int:plan_id>/_history")
def care_plan_history(plan_id: int):
    """Every version of the plan a change made, newest first, each as the plan stood then (from its revisions)."""
    g.fhir_action = "fhir_read_care_plan_history"
    plan, person = _plan(plan_id, "fhir_read_care_plan_history")
    session = get_session()
    count = search.history_count(request.args)
    total, states = resources.history(session, plan, count)
    if not states or states[0].version != plan.version:  # a plan just opened has no change yet: its first version
        states.insert(0, resources.current_state(session, plan))
        total += 1
    lead = resources.author(session, person)
    entries = [resources.care_plan(session, plan, person, state, lead) for state in states[:count]]
    return fhir_json(search.history_bundle(base_url(), "CarePlan", entries, total))


@bp.get("/CarePlan/<int:plan_id>/_history/<int:version_id>")
def read_care_plan_version(plan_id: int, version_id: int):
    g.fhir_action = "fhir_read_care_plan_history"
    plan, person = _plan(plan_id, "fhir_read_care_plan_history")
    session = get_session()
    state = resources.current_state(session, plan) if version_id == plan.version else resources.state_at(session, plan, version_id)
    if state is None:
        return error_outcome(404, f"CarePlan {plan_id} has no version {version_id}.")
    return resource(resources.care_plan(session, plan, person, state))


@bp.get("/Goal/<int:goal_id>")
def read_goal(goal_id: int):
    session = get_session()
    goal = session.get(CarePlanGoal, goal_id)
    if goal is None:
        return error_outcome(404, f"There is no Goal {goal_id}.")
    plan, _ = _plan(goal.care_plan_id, "fhir_read_care_plan")
    return resource(resources.goal(goal, plan))


def _goal_versions(goal_id: int) -> list[dict]:
    """Every version of a goal, newest first, for whoever may read the plan's history."""
    g.fhir_action = "fhir_read_care_plan_history"
    session = get_session()
    goal = session.get(CarePlanGoal, goal_id)
    if goal is None:
        raise Problem(404, "not-found", f"There is no Goal {goal_id}.")
    plan, _ = _plan(goal.care_plan_id, "fhir_read_care_plan_history")
    return item_history.versions(session, goal, lambda row, _values: resources.goal(row, plan))


def _history(kind: str, versions: list[dict]):
    """An item's `_history` bundle, newest first, `_count` at a time."""
    count = search.history_count(request.args)
    return fhir_json(search.history_bundle(base_url(), kind, versions[:count], len(versions)))


def _version(kind: str, item_id: int, versions: list[dict], version_id: int):
    found = item_history.version(versions, version_id)
    if found is None:
        return error_outcome(404, f"{kind} {item_id} has no version {version_id}.")
    return resource(found)


@bp.get("/Goal/<int:goal_id>/_history")
def goal_history(goal_id: int):
    """Every version of the goal, newest first, each as it stood (from the plan's revisions)."""
    return _history("Goal", _goal_versions(goal_id))


@bp.get("/Goal/<int:goal_id>/_history/<int:version_id>")
def read_goal_version(goal_id: int, version_id: int):
    return _version("Goal", goal_id, _goal_versions(goal_id), version_id)


@bp.get("/Goal")
def search_goal():
    found = search.read("Goal", request.args)
    plan = _plan_of(_patient_of(found, "fhir_read_care_plan"))
    if plan is None:
        return fhir_json(search.bundle(base_url(), found, 0, []))
    query = select(CarePlanGoal).where(CarePlanGoal.care_plan_id == plan.id)
    status = found.params.get("lifecycle-status")
    if status is not None:
        wanted = [ours for ours, theirs in resources.GOAL_STATUS.items() if theirs == status]
        if not wanted:
            raise search.BadSearch(f"lifecycle-status {status!r} is not one OnePlan's goals take.", "lifecycle-status")
        query = query.where(col(CarePlanGoal.status).in_(wanted))
    return _page(found, query.order_by(col(CarePlanGoal.id)), lambda goal: resources.goal(goal, plan))


@bp.get("/Task/<int:action_id>")
def read_task(action_id: int):
    session = get_session()
    action = session.get(CarePlanAction, action_id)
    if action is None:
        return error_outcome(404, f"There is no Task {action_id}.")
    _plan(action.care_plan_id, "fhir_read_care_plan")
    return resource(resources.task(action, session.get(Agency, action.owner_agency_id)))


def _task_versions(action_id: int) -> list[dict]:
    """Every version of an action as a Task, newest first, for whoever may read the plan's history.
    An older version names its owner as the revision kept it (by name) if the owner has changed since."""
    g.fhir_action = "fhir_read_care_plan_history"
    session = get_session()
    action = session.get(CarePlanAction, action_id)
    if action is None:
        raise Problem(404, "not-found", f"There is no Task {action_id}.")
    _plan(action.care_plan_id, "fhir_read_care_plan_history")
    owner = session.get(Agency, action.owner_agency_id)

    def render(row: CarePlanAction, values: dict) -> dict:
        found = resources.task(row, owner)
        named = values.get("owner")
        if named and (owner is None or named != owner.name):
            found["owner"] = {"display": named}
        return found

    return item_history.versions(session, action, render)


@bp.get("/Task/<int:action_id>/_history")
def task_history(action_id: int):
    """Every version of the Task (the action), newest first, each as it stood (from the plan's revisions)."""
    return _history("Task", _task_versions(action_id))


@bp.get("/Task/<int:action_id>/_history/<int:version_id>")
def read_task_version(action_id: int, version_id: int):
    return _version("Task", action_id, _task_versions(action_id), version_id)


@bp.get("/Task")
def search_task():
    found = search.read("Task", request.args)
    session = get_session()
    owner = search.reference_id(found, "owner", "Organization")
    if found.params.get("patient") is None and owner is not None:
        query = _worklist(owner)
    else:
        plan = _plan_of(_patient_of(found, "fhir_read_care_plan"))
        if plan is None:
            return fhir_json(search.bundle(base_url(), found, 0, []))
        query = select(CarePlanAction).where(CarePlanAction.care_plan_id == plan.id)
        if owner is not None:
            query = query.where(CarePlanAction.owner_agency_id == owner)
    status = found.params.get("status")
    if status is not None:
        wanted = [ours for ours, theirs in resources.TASK_STATUS.items() if theirs == status]
        if not wanted:
            raise search.BadSearch(f"status {status!r} is not one of the handshake's Task statuses.", "status")
        query = query.where(col(CarePlanAction.status).in_(wanted))
    total = session.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
    actions = session.exec(query.order_by(col(CarePlanAction.id)).offset(found.offset).limit(found.count)).all()
    agencies = {a.id: a for a in session.exec(select(Agency).where(col(Agency.id).in_({action.owner_agency_id for action in actions})))}
    tasks_found = [resources.task(action, agencies.get(action.owner_agency_id)) for action in actions]
    return fhir_json(search.bundle(base_url(), found, total, tasks_found))


def _worklist(owner: int):
    """Tasks asked of the caller's own agency, across the people whose care team it is in (and who
    have not objected to it): the worklist, as on the page. Another agency's is refused."""
    access.require(g.user, "read_worklist")
    if owner != g.user.agency_id:
        raise access.AccessRefused(
            "view_worklist", "A worklist is your own agency's: search Task by owner=Organization/<your agency's id>, or by patient."
        )
    audit.record(get_session(), "view_worklist", user=g.user, detail="through the API")
    return select(CarePlanAction).where(CarePlanAction.owner_agency_id == owner, access.open_to_care_team(owner, CarePlanAction.person_id))


@bp.put("/Task/<int:action_id>")
def update_task(action_id: int):
    """The action handshake by Task status: accept, decline (statusReason), start, complete or
    cancel, through the same command as the plan's buttons. If-Match is required (428 without it)
    and must name the Task's current version (412 if it moved on); nothing else in the Task changes."""
    g.fhir_action = "fhir_update_task"
    session = get_session()
    action = session.get(CarePlanAction, action_id)
    if action is None:
        return error_outcome(404, f"There is no Task {action_id}.")
    plan = session.get(CarePlan, action.care_plan_id)
    assert plan is not None
    person = guard.person_for(plan.person_id, "edit_care_plan", write=True, rule=access.api_decide)
    moved = tasks.move(
        session, plan, person, action, request.headers.get("If-Match"), request.get_data(as_text=True), request.mimetype, g.user
    )
    return resource(resources.task(moved, session.get(Agency, moved.owner_agency_id)))


# --- Scored tools, staff, and everything about a person -----------------------------------------------


@bp.get("/Observation/<observation_id>")
def read_observation(observation_id: str):
    person_id, _, tool = observation_id.partition("-")
    if not person_id.isdigit() or not tool:
        return error_outcome(404, f"There is no Observation {observation_id}.")
    person = guard.person_for(int(person_id), "fhir_read_assessment", rule=access.api_decide)
    found = observations.observation(get_session(), person, tool)
    if found is None:
        return error_outcome(404, f"There is no Observation {observation_id}.")
    return resource(found)


@bp.get("/Observation")
def search_observation():
    found = search.read("Observation", request.args)
    person = _patient_of(found, "fhir_read_assessment")
    scored = observations.observations(get_session(), person)
    code = search.token(found, "code")
    if code is not None:
        system, value = code
        scored = [o for o in scored if any(c["code"] == value and system in (None, c["system"]) for c in o["code"]["coding"])]
    return fhir_json(search.bundle(base_url(), found, len(scored), scored[found.offset : found.offset + found.count]))


def _staff(user_id: int) -> tuple[User, Agency]:
    session = get_session()
    user = session.get(User, user_id)
    agency = session.get(Agency, user.agency_id) if user is not None else None
    if user is None or agency is None:
        raise Problem(404, "not-found", f"There is no Practitioner {user_id}.")
    return user, agency


@bp.get("/Practitioner/<int:user_id>")
def read_practitioner(user_id: int):
    """A member of staff, as the care team names them: open to every account, like the directory."""
    return resource(resources.practitioner(_staff(user_id)[0]))


@bp.get("/PractitionerRole/<int:user_id>")
def read_practitioner_role(user_id: int):
    return resource(resources.practitioner_role(*_staff(user_id)))


@bp.get("/Patient/<int:person_id>/$everything")
def patient_everything(person_id: int):
    """The person's record as the API serves it: Patient, CareTeam, CarePlan, Goals, Tasks, scored
    tools and referrals, for whoever may open the whole record (the care team, the network lead)."""
    person = guard.person_for(person_id, "fhir_read_everything", rule=access.api_decide)
    session = get_session()
    found: list[dict] = [resources.patient(session, person), resources.care_team_resource(session, person)]
    plan = _plan_of(person)
    if plan is not None:
        found.append(resources.care_plan(session, plan, person, resources.current_state(session, plan)))
        found += [
            resources.goal(goal, plan)
            for goal in session.exec(select(CarePlanGoal).where(CarePlanGoal.care_plan_id == plan.id).order_by(col(CarePlanGoal.id)))
        ]
        owners = select(CarePlanAction.owner_agency_id).where(CarePlanAction.care_plan_id == plan.id)
        agencies = {agency.id: agency for agency in session.exec(select(Agency).where(col(Agency.id).in_(owners)))}
        actions = session.exec(select(CarePlanAction).where(CarePlanAction.care_plan_id == plan.id).order_by(col(CarePlanAction.id)))
        found += [resources.task(action, agencies.get(action.owner_agency_id)) for action in actions]
    found += observations.observations(session, person)
    referrals = session.exec(select(Referral).where(Referral.person_id == person.id).order_by(col(Referral.id)))
    found += [service_request.as_resource(session, referral) for referral in referrals]
    everything = search.Search("Patient", {}, len(found) or 1, 0)
    bundle = search.bundle(base_url(), everything, len(found), found)
    bundle["link"] = [{"relation": "self", "url": f"{base_url()}/Patient/{person.id}/$everything"}]
    return fhir_json(bundle)


# --- Goals and actions added to a plan -------------------------------------------------------------


def _add_to_plan(person_id: int, command):
    """Add the goal or action through the plan's own command, for the care team only."""
    session = get_session()
    person = guard.person_for(person_id, "edit_care_plan", write=True, rule=access.api_decide)
    plan = commands.open_plan(session, person, g.user)
    result = commands.add_item(session, plan, person, command, g.user)
    if not result.ok:
        raise plan_items.refused(result.errors or {"plan": result.refused or result.forbidden or "The plan did not take it."})
    session.refresh(plan)
    return plan, result.item


@bp.post("/Goal")
def create_goal():
    g.fhir_action = "fhir_create_goal"
    person_id, command = plan_items.goal_command(request.get_data(as_text=True), request.mimetype)
    plan, goal = _add_to_plan(person_id, command)
    return resource(resources.goal(goal, plan), 201, {"Location": f"{base_url()}/Goal/{goal.id}"})


@bp.post("/Task")
def create_task():
    g.fhir_action = "fhir_create_task"
    person_id, command = plan_items.task_command(get_session(), request.get_data(as_text=True), request.mimetype)
    plan, action = _add_to_plan(person_id, command)
    owner = get_session().get(Agency, action.owner_agency_id)
    return resource(resources.task(action, owner), 201, {"Location": f"{base_url()}/Task/{action.id}"})


# --- Sharing decisions and who has looked ------------------------------------------------------------


@bp.get("/Consent")
def search_consent():
    found = search.read("Consent", request.args)
    person = _patient_of(found, "fhir_read_consent")
    decisions = sharing.consents(get_session(), person)
    return fhir_json(search.bundle(base_url(), found, len(decisions), decisions[found.offset : found.offset + found.count]))


@bp.get("/AuditEvent")
def search_audit_event():
    """Who has looked at the person's record: for their key worker and network lead, as on the page."""
    found = search.read("AuditEvent", request.args)
    person_id = search.reference_id(found, "patient", "Patient")
    if person_id is None:
        raise search.BadSearch("Search AuditEvent by patient (Patient/<id>).", None)
    person = guard.person_for(person_id, "view_access_log", rule=access.for_api(access.access_log_rule))
    total, events = sharing.audit_events(get_session(), person, found.offset, found.count)
    return fhir_json(search.bundle(base_url(), found, total, events))


# --- The single assessment ----------------------------------------------------------------------------


@bp.get("/Questionnaire/<questionnaire_id>")
def read_questionnaire(questionnaire_id: str):
    """The assessment's questions: not about anyone, so open to every account."""
    if questionnaire_id != questionnaires.QUESTIONNAIRE_ID:
        return error_outcome(
            404, f"There is no Questionnaire {questionnaire_id}; the single assessment is {questionnaires.QUESTIONNAIRE_ID}."
        )
    return resource(questionnaires.questionnaire(base_url()))


@bp.get("/QuestionnaireResponse")
def search_questionnaire_response():
    found = search.read("QuestionnaireResponse", request.args)
    person = _patient_of(found, "fhir_read_assessment")
    answered = questionnaires.response(get_session(), person, base_url())
    responses = [answered] if answered else []
    return fhir_json(search.bundle(base_url(), found, len(responses), responses[found.offset : found.offset + found.count]))
