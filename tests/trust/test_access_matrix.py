"""Every person-scoped route and API, found from the URL map, against every kind of user.

New routes are covered automatically: a route whose address names a person (<person_id>) or
something that belongs to one (<referral_id>) follows the record rule unless it is named in
RULES below: read for a GET, change for a POST or a GET that serves a form for one (/edit,
/new). Everyone outside the rule gets a 403 (401 from the API, sign-in when signed out), each
refusal is an audit event, and no refusal shows the person's name or NHS number.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from flask import url_for
from sqlmodel import func, select

from app.care_plan import commands
from app.care_plan.commands import AddItem
from app.front_door import clocks
from app.trust import api_tokens
from models import AccessGrant, AuditEvent, AuditOutcome, CarePlanRevision, CareTeamMember, PlanItemType, Referral, ReferralStatus, Urgency
from tests.conftest import FIGURES, AuthActions
from tests.factories import World, care_plan

# What each argument of a person-scoped address is filled with (ids that exist are set per test).
SAMPLE_ARGUMENTS = {
    "section_key": "perspective",
    "revision_id": 999999,
    "item_id": 999999,
    "need_id": 999999,
    "goal_id": 999999,
    "action_id": 999999,
    "contact_id": 999999,
    "part_key": "about_me",
    "kind": "goals",
    "suggestion_id": 999999,
    "member_id": 999999,
    # FHIR addresses of a person's plan (tests/api/test_fhir_access.py runs them against every role).
    "plan_id": 999999,
    "version_id": 1,
    "observation_id": "999999-barthel",
    "questionnaire_id": "single-assessment",
}
# Arguments that make an address person-scoped, and which of the world's ids fills them.
SCOPE_ARGUMENTS = {"person_id": "person", "referral_id": "referral"}
# Arguments of addresses that are not about one person (their own tests cover them).
UNSCOPED_ARGUMENTS = {
    "filename",
    "package",
    "grant_id",
    "user_id",
    "network_id",
    "agency_id",
    "meeting_id",
    "agenda_item_id",
    "hub_referral_id",
    "question_id",
}

ROLES = ("coordinator", "nurse", "outsider", "otherlead", "lead", "admin", "signed-out")

# Outcomes a cell may expect.
OPEN = "open"  # allowed: the page, a redirect, a form's own 400/409, or 404 for a sample id that does not exist
REFUSED = "refused"  # 403 (or the API's 403), audited, nothing of the record shown
FORM = "break-glass form"  # the break-glass form: served (200), or refused as incomplete (400); no grant
TO_RECORD = "to the record"  # already allowed: sent to the record (302)

READ = {"nurse": OPEN, "lead": OPEN}
CHANGE = {"nurse": OPEN}
RULES = {
    # Who has looked at my record: the key worker (the nurse) and the network lead.
    "trust.access_log": {"GET": {"nurse": OPEN, "lead": OPEN}},
    # Break glass: those who may (practitioners, SPA coordinators) get the form; those who
    # already have access go to the record; network leads elsewhere and administrators never.
    "trust.request_break_glass": {
        "GET": {"nurse": TO_RECORD, "lead": TO_RECORD, "outsider": FORM, "coordinator": FORM},
        "POST": {"nurse": TO_RECORD, "lead": TO_RECORD, "outsider": FORM, "coordinator": FORM},
    },
    # Triage is the SPA's, and only while it can open the record (the world's referral is closed).
    "front_door.decide": {"POST": {}},
    "front_door.close": {"POST": {}},
    # Marking the plan's changes as seen is the reader's own place in it, not a change to the record.
    "care_plan.mark_seen": {"POST": READ},
    # The network at work (issue 15): the key worker or the network lead puts a person on the network
    # meeting's agenda; a discharge on the network's board is its lead's (the world's referral is not on it: 404).
    "network.add_to_agenda": {"GET": {"nurse": OPEN, "lead": OPEN}, "POST": {"nurse": OPEN, "lead": OPEN}},
    "network.discharge_record": {"GET": {"lead": OPEN}, "POST": {"lead": OPEN}},
    # Inviting the person to their own pages: their key worker (or the SPA while triage is open).
    "person_invitations.invitations_page": {"GET": CHANGE},
    "person_invitations.invite": {"POST": CHANGE},
    # The shared timeline of contacts (issue 16): read with the record, recorded by the care team.
    "care_plan.timeline": {"GET": READ},
    "care_plan.new_contact": {"GET": CHANGE},
    "care_plan.record_contact": {"POST": CHANGE},
    "care_plan.edit_contact": {"GET": CHANGE},
    "care_plan.change_contact": {"POST": CHANGE},
    # Recording the NHS number a trace found: the care team, or the SPA while triage opens the record
    # (its form is served for a change, so a GET follows the same rule; the world's person has a
    # number, so the page says so: 200, or 409 for a POST).
    "care_plan.nhs_number_form": {"GET": CHANGE},
    "care_plan.record_nhs_number": {"POST": CHANGE},
}


@dataclass(frozen=True)
class Route:
    endpoint: str
    rule: str
    method: str
    arguments: frozenset

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/fhir/")

    def expected(self, role: str) -> str:
        by_method = RULES.get(self.endpoint, {})
        if self.method in by_method:
            return by_method[self.method].get(role, REFUSED)
        changes = self.method == "POST" or self.rule.endswith(("/edit", "/new"))
        return (CHANGE if changes else READ).get(role, REFUSED)


def person_routes(app) -> list[Route]:
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.arguments & set(SCOPE_ARGUMENTS):
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            routes.append(Route(rule.endpoint, rule.rule, method, frozenset(rule.arguments)))
    return routes


def _url(app, route: Route, ids: dict, samples: dict | None = None) -> str:
    values = {name: {**SAMPLE_ARGUMENTS, **(samples or {})}.get(name, 1) for name in route.arguments}
    values.update({name: ids[key] for name, key in SCOPE_ARGUMENTS.items() if name in route.arguments})
    with app.test_request_context():
        return url_for(route.endpoint, **values)


@pytest.fixture
def world(db):
    world = World(db)
    now = datetime.now(UTC)
    # A referral that has been closed: the SPA coordinator no longer has a reason to open the record.
    world.referral = Referral(
        person_id=world.person.id,
        source="gp",
        referrer_name="Dr Rao",
        reason="Falls",
        requested_urgency=Urgency.urgent,
        urgency=Urgency.urgent,
        status=ReferralStatus.closed,
        received_at=now,
        due_by=clocks.due_by(now, Urgency.urgent),
        closed_at=now,
    )
    db.add(world.referral)
    db.commit()
    # A care plan with one of everything, so its addresses reach their handlers rather than a 404.
    plan = care_plan(db, world.person, world.nurse)
    goal = commands.add_item(
        db, plan, world.person, AddItem(PlanItemType.goal, {"goal": "Walk to the shop", "status": "active"}), world.nurse
    ).item
    action = commands.add_item(
        db, plan, world.person, AddItem(PlanItemType.action, {"description": "Visit"}, owner_agency_id=world.nursing.id), world.nurse
    ).item
    contact = commands.add_item(
        db, plan, world.person, AddItem(PlanItemType.contact, {"kind": "personal", "name": "Karen"}), world.nurse
    ).item
    db.commit()
    revision = db.exec(select(CarePlanRevision).where(CarePlanRevision.care_plan_id == plan.id)).first()
    member = db.exec(select(CareTeamMember).where(CareTeamMember.person_id == world.person.id)).first()
    world.samples = {
        "item_id": goal.id,
        "action_id": action.id,
        "contact_id": contact.id,
        "revision_id": revision.id,
        "member_id": member.id,
    }
    return world


def _refusals(db) -> int:
    return db.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.outcome == AuditOutcome.refused)).one()


def _leaks(world, body: str) -> list[str]:
    flat = body.replace(" ", "")
    return [word for word in ("LOVELACE", "Lovelace", world.person.nhs_number) if word in flat]


def _request(client, auth, route: Route, url: str, token: str | None, htmx: bool = False):
    headers = {"HX-Request": "true"} if htmx else {}
    if route.is_api:
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return client.open(url, method=route.method, headers=headers)
    if route.method == "GET":
        return client.get(url, headers=headers)
    return auth.post(url, {}, headers=headers)


def check_cell(app, client, auth, db, world, route: Route, role: str, token: str | None) -> None:
    """One route for one kind of user: the expected answer, an audit event for a refusal, no leak."""
    url = _url(app, route, {"person": world.person.id, "referral": world.referral.id}, world.samples)
    before = _refusals(db)
    response = _request(client, auth, route, url, token)
    body = response.get_data(as_text=True)
    where = (role, route.method, url, response.status_code)
    if role == "signed-out":
        if route.is_api:
            assert response.status_code == 401 and '"resourceType": "OperationOutcome"' in body, where
        else:
            assert response.status_code == 302 and "/sign-in" in response.headers["Location"], where
            htmx = _request(client, auth, route, url, token, htmx=True)
            assert htmx.status_code == 401 and "/sign-in" in htmx.headers["HX-Redirect"], where
        assert _refusals(db) > before, where
        assert not _leaks(world, body), where
        return
    expected = route.expected(role)
    if expected == OPEN:
        assert response.status_code in (200, 302, 400, 404, 409), where
        assert _refusals(db) == before, where
    elif expected == TO_RECORD:
        assert response.status_code == 302 and response.headers["Location"] == f"/people/{world.person.id}", where
    elif expected == FORM:
        assert response.status_code == (200 if route.method == "GET" else 400), where
        assert db.exec(select(AccessGrant)).all() == [], where
        assert not _leaks(world, body), where
    else:
        assert response.status_code == 403, where
        assert not _leaks(world, body), (where, _leaks(world, body))
        refused = db.exec(select(AuditEvent).where(AuditEvent.outcome == AuditOutcome.refused).order_by(AuditEvent.seq.desc())).first()
        assert _refusals(db) == before + 1, where
        # A refusal by role alone (before the record is looked up) names no person; the API's neither.
        assert refused.username == role and refused.person_id in (world.person.id, None), where
        if route.is_api:
            assert '"code": "forbidden"' in body, where


@pytest.mark.parametrize("role", ROLES)
def test_every_person_scoped_route_applies_the_access_rules(app, client, db, world, role):
    routes = person_routes(app)
    assert routes, "no person-scoped routes found"
    auth = AuthActions(client)
    token = None
    if role != "signed-out":
        auth.sign_in(role)
        user = getattr(world, {"coordinator": "coordinator", "otherlead": "other_lead"}.get(role, role))
        token = api_tokens.issue(db, user, "matrix")
        db.commit()
    for route in routes:
        check_cell(app, client, auth, db, world, route, role, token)
    FIGURES["access matrix"] = (
        f"{len(routes)} person-scoped route-methods ({sum(r.is_api for r in routes)} API) x {len(ROLES)} roles = "
        f"{len(routes) * len(ROLES)} cells, 0 leaks"
    )


def test_the_matrix_covers_the_routes_it_should(app):
    routes = person_routes(app)
    endpoints = {r.endpoint for r in routes}
    for endpoint in (
        "care_plan.person",
        "assessment.save_section",
        "fhir.read_service_request",
        "trust.access_log",
        "trust.request_break_glass",
        "trust.edit_consent",
        "trust.save_consent",
        "front_door.referral",
        "care_plan.show",
        "care_plan.save_item",
        "care_plan.move_action",
        "care_plan.print_copy",
        "care_plan.add_to_team",
        "care_plan.timeline",
        "care_plan.new_contact",
        "care_plan.record_contact",
        "care_plan.edit_contact",
        "care_plan.change_contact",
        "care_plan.nhs_number_form",
        "care_plan.record_nhs_number",
    ):
        assert endpoint in endpoints, endpoint
    assert len(routes) * len(ROLES) >= 18 * 7


def test_every_address_with_an_id_is_classified(app):
    """An address with an argument the matrix does not know might be about a person: classify
    it here (SCOPE_ARGUMENTS if it names a person's record, UNSCOPED_ARGUMENTS if not)."""
    unknown = {
        (rule.rule, name)
        for rule in app.url_map.iter_rules()
        for name in rule.arguments
        if name not in SCOPE_ARGUMENTS and name not in UNSCOPED_ARGUMENTS and name not in SAMPLE_ARGUMENTS
    }
    assert not unknown, f"classify these address arguments in tests/test_access_matrix.py: {sorted(unknown)}"


# --- pages about the signed-in person's own account ------------------------------------------

# Each is about whoever is signed in and no one else: every role reaches it, nobody signed out does.
OWN_ACCOUNT_PREFIXES = ("/account/", "/sign-in/")


def own_account_routes(app) -> list[Route]:
    return [
        Route(rule.endpoint, rule.rule, method, frozenset(rule.arguments))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(OWN_ACCOUNT_PREFIXES)
        for method in sorted(rule.methods & {"GET", "POST"})
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_own_account_page_is_each_users_own_and_closed_when_signed_out(app, client, db, world, role):
    routes = own_account_routes(app)
    assert {r.endpoint for r in routes} >= {"trust.change_password", "trust.second_factor", "trust.set_up_second_factor"}
    auth = AuthActions(client)
    if role != "signed-out":
        auth.sign_in(role)
    for route in routes:
        response = client.get(route.rule) if route.method == "GET" else auth.post(route.rule, {})
        where = (role, route.method, route.rule, response.status_code)
        if role == "signed-out":
            assert response.status_code == 302 and "/sign-in" in response.headers["Location"], where
        else:
            assert response.status_code in (200, 302, 400), where
        assert not _leaks(world, response.get_data(as_text=True)), where


# What an open referral opens to the single point of access: what triage needs (the referral, who
# the person is, whether a plan exists and who leads it), through the web and the API. Nothing clinical.
TRIAGE_ROUTES = {
    ("front_door.referral", "GET"),
    ("front_door.decide", "POST"),
    ("front_door.close", "POST"),
    ("fhir.read_service_request", "GET"),
    ("fhir.read_patient", "GET"),
    ("care_plan.person", "GET"),
    # Inviting the person to their own pages can start at the front door (issue 14).
    ("person_invitations.invitations_page", "GET"),
    ("person_invitations.invite", "POST"),
    # Recording the NHS number a trace found can happen at the front door too.
    ("care_plan.nhs_number_form", "GET"),
    ("care_plan.record_nhs_number", "POST"),
}


def test_an_open_referral_opens_only_what_triage_needs_to_the_spa(app, client, db, world):
    world.referral.status, world.referral.closed_at = ReferralStatus.received, None
    db.add(world.referral)
    db.commit()
    auth = AuthActions(client)
    auth.sign_in("coordinator")
    token = api_tokens.issue(db, world.coordinator, "matrix")
    db.commit()
    routes = person_routes(app)
    assert {(r.endpoint, r.method) for r in routes} >= TRIAGE_ROUTES
    for route in routes:
        url = _url(app, route, {"person": world.person.id, "referral": world.referral.id}, world.samples)
        before = _refusals(db)
        response = _request(client, auth, route, url, token)
        body = response.get_data(as_text=True)
        where = (route.method, url, response.status_code)
        if (route.endpoint, route.method) in TRIAGE_ROUTES:
            assert response.status_code in (200, 302, 400, 409), where
            assert _refusals(db) == before, where
        elif route.endpoint == "trust.request_break_glass":  # anything more is break-glass
            assert response.status_code == (200 if route.method == "GET" else 400), where
        else:
            assert response.status_code == 403 and not _leaks(world, body), where
            assert _refusals(db) == before + 1, where
    FIGURES["open referral"] = f"{len(routes)} person-scoped route-methods: {len(TRIAGE_ROUTES)} open to triage, the rest refused"


# --- people and their carers (issue 14) ------------------------------------------------------------
# A person's (or carer's) account reaches its own pages under /my and nothing else: every staff page,
# this person's record among them, and every other person's, is a 403 (audited, nothing shown). The
# /my pages name no person: they are always the signed-in account's own person.

ACCOUNT_ROLES = ("person", "carer", "withdrawn carer")
# Open to anyone, whoever is signed in: the staff sign-in page, health, the design system's files.
ANYONE = {"trust.sign_in", "ops.healthz", "assets.nhsuk", "assets.vendor", "static"}
MY_PAGES = {"person": OPEN, "carer": REFUSED, "withdrawn carer": "signed out"}
CARER_OPEN = {
    "my_record.my_plan",
    "my_record.mark_seen",
    "my_record.add_carer_note",
    "my_record.sign_out",
    "my_record.second_factor",
    "my_record.set_up_second_factor",
}


def _all_routes(app) -> list[Route]:
    return [
        Route(rule.endpoint, rule.rule, method, frozenset(rule.arguments))
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in ANYONE and not rule.rule.startswith("/fhir/")
        for method in sorted(rule.methods & {"GET", "POST"})
    ]


@pytest.mark.parametrize("role", ACCOUNT_ROLES)
def test_a_person_or_carer_account_reaches_only_its_own_pages(app, client, db, world, role):
    from datetime import UTC, datetime

    from tests.factories import person, person_account, sign_in_person

    grace = person(db, world.practice, given_name="Grace", family_name="Hopper")
    account = person_account(db, grace, "grace", kind="person" if role == "person" else "carer")
    assert sign_in_person(client, "grace").status_code == 302
    if role == "withdrawn carer":
        account.withdrawn_at = datetime.now(UTC)
        db.add(account)
        db.commit()
    auth = AuthActions(client)
    routes = _all_routes(app)
    for route in routes:
        url = _url(app, route, {"person": world.person.id, "referral": world.referral.id}, world.samples)
        before = _refusals(db)
        response = client.get(url) if route.method == "GET" else auth.post(url, {})
        body = response.get_data(as_text=True)
        where = (role, route.method, url, response.status_code)
        assert not _leaks(world, body), where  # nothing of another person, ever
        mine = route.endpoint.startswith("my_record.")
        if mine and route.endpoint in ("my_record.sign_in", "my_record.start"):
            assert response.status_code in (200, 302, 400, 401), where
        elif role == "withdrawn carer":
            # The session ended with the access: the person's own sign-in, or a 403 for a staff page.
            assert (response.status_code == 302 and "/my/sign-in" in response.headers["Location"]) or (
                not mine and response.status_code == 302
            ), where
        elif mine and (role == "person" or route.endpoint in CARER_OPEN):
            assert response.status_code in (200, 302, 400, 404, 409), where
            if route.endpoint == "my_record.sign_out":
                assert sign_in_person(client, "grace").status_code == 302
        else:
            assert response.status_code == 403, where
            assert _refusals(db) == before + 1, where
    FIGURES[f"access matrix ({role})"] = f"{len(routes)} route-methods, only the account's own pages open, 0 leaks"


def test_staff_never_reach_a_persons_own_pages(app, client, db, world):
    auth = AuthActions(client)
    for role in ("nurse", "lead", "admin"):
        auth.sign_in(role)
        for route in (
            r
            for r in _all_routes(app)
            if r.endpoint.startswith("my_record.") and r.endpoint not in ("my_record.sign_in", "my_record.start")
        ):
            address = re.sub(r"<int:\w+>", "1", route.rule)
            response = client.get(address) if route.method == "GET" else auth.post(address, {})
            assert response.status_code == 403, (role, route.rule, response.status_code)
        auth.sign_out()
