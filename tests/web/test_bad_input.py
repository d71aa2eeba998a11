"""Bad input on every form OnePlan serves, found by crawling the site as each kind of user:
a missing or forged CSRF token is refused with nothing written; XSS payloads in every free-text
field are stored as typed and rendered inert; SQL-injection strings in search and every filter
give ordinary answers; over-long, malformed and wrong-type values get a 4xx with a message,
never a 500. Forms added later are covered without changing this file."""

from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pyotp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import JSON, String, Text, func, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select

from app.assessment import service
from app.care_plan import commands
from app.care_plan.commands import AddItem
from app.front_door import clocks
from app.trust import second_factor
from app.web import fields
from models import AccessGrant, PlanItemType, Referral, ReferralStatus, Urgency, User
from tests import factories
from tests.conftest import FIGURES, AuthActions
from tests.factories import World

XSS = ['<script>alert("xss")</script>', '"><img src=x onerror=alert(1)>', "javascript:alert(1)", "{{ 7*7 }}{% if 1 %}x{% endif %}"]
SQL_INJECTION = [
    "' OR '1'='1",
    "'; DROP TABLE person; --",
    '" OR 1=1 --',
    "1) OR (1=1",
    "%' UNION SELECT username, password_hash FROM user_account --",
]
MALFORMED = ["x" * 10_000, "nul\x00byte", "9" * 40, "-1", "31/02/2026", "\u202eevil", "😀" * 300, "   ", "\r\n\t", "0x1F"]
PAYLOADS = XSS + SQL_INJECTION + MALFORMED
# A choice (select, radio, checkbox) gets values that are not among its options.
CHOICE_PAYLOADS = [XSS[0], SQL_INJECTION[0], "x" * 10_000, "9" * 40, "nul\x00byte"]
TEXT_KINDS = {"text", "textarea", "search", "email", "tel", "number", "url", ""}
CHOICE_KINDS = {"select", "radio", "checkbox"}
# Rendered raw, these would run: each must only ever appear escaped.
LIVE_MARKUP = ['<script>alert("xss")', "<img src=x onerror", 'href="javascript:']
SKIP_PATHS = ("/static/", "/assets/", "/vendor/", "/fhir/", "/sign-out", "/healthz", "/my/sign-out")
ROLES = ("nurse", "coordinator", "lead", "admin", "outsider")
# The person and their carer, on their own pages (issue 14): signed in on the people's sign-in page.
PEOPLE = ("person", "carer")


@dataclass
class Field:
    name: str
    kind: str
    value: str = ""
    options: list = field(default_factory=list)
    checked: bool = False


@dataclass
class Form:
    page: str
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        return (self.method, self.action, tuple(sorted({f.name for f in self.fields})))

    def defaults(self) -> dict:
        """What a person who changed nothing would send."""
        data: dict = {}
        for f in self.fields:
            if f.kind in ("radio", "checkbox"):
                if f.checked:
                    data.setdefault(f.name, f.value)
            elif f.kind == "select":
                data[f.name] = f.value or (f.options[0] if f.options else "")
            elif f.kind not in ("submit", "button"):
                data.setdefault(f.name, f.value)
        for f in self.fields:  # an unanswered required choice gets its first option, so saves can land
            if f.kind == "radio" and f.name not in data:
                data[f.name] = f.value
        return data

    def free_text(self) -> list[str]:
        return sorted({f.name for f in self.fields if f.kind in TEXT_KINDS or f.kind == "password"})

    def choices(self) -> list[str]:
        return sorted({f.name for f in self.fields if f.kind in CHOICE_KINDS})


class PageParser(HTMLParser):
    """The forms and same-site links of a page."""

    def __init__(self, page: str):
        super().__init__()
        self.page = page
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"].split("#")[0])
        elif tag == "form":
            self._form = Form(self.page, a.get("action") or urlsplit(self.page).path, (a.get("method") or "get").upper())
        elif self._form is None or "name" not in a:
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            self._form.fields.append(Field(a["name"], kind, a.get("value") or "", checked="checked" in a))
        elif tag == "textarea":
            self._textarea = Field(a["name"], "textarea")
            self._form.fields.append(self._textarea)
        elif tag == "select":
            self._select = Field(a["name"], "select")
            self._form.fields.append(self._select)
        elif tag == "button" and a.get("value"):
            self._form.fields.append(Field(a["name"], "submit", a["value"]))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def _parse(page: str, body: str) -> PageParser:
    parser = PageParser(page)
    # html.parser has no hook for <option> inside <select>: read them as start tags.
    original = parser.handle_starttag

    def with_options(tag, attrs):
        if tag == "option" and parser._select is not None:
            a = dict(attrs)
            parser._select.options.append(a.get("value", ""))
            if "selected" in a:
                parser._select.value = a.get("value", "")
        else:
            original(tag, attrs)

    parser.handle_starttag = with_options  # type: ignore[method-assign]
    parser.feed(body)
    return parser


def _seeds(app, world) -> list[str]:
    from flask import url_for

    ids = {"person_id": world.person.id, "referral_id": world.referral.id, "section_key": "perspective"}
    seeds = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.rule.startswith(SKIP_PATHS) or not set(rule.arguments) <= set(ids):
                continue
            seeds.append(url_for(rule.endpoint, **{name: ids[name] for name in rule.arguments}))
    return seeds


def crawl(client, seeds: list[str], limit: int = 150) -> tuple[dict[str, str], list[Form]]:
    """Every page reachable from the seeds (same site, GET), and the forms on them."""
    pages: dict[str, str] = {}
    forms: dict[tuple, Form] = {}
    queue = deque(seeds)
    while queue and len(pages) < limit:
        url = queue.popleft()
        if url in pages or url.startswith(SKIP_PATHS):
            continue
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert response.status_code < 500, (url, response.status_code)
        pages[url] = body
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        parsed = _parse(url, body)
        for form in parsed.forms:
            if not form.action.startswith(SKIP_PATHS):
                forms.setdefault(form.key, form)
        queue.extend(link for link in parsed.links if link not in pages)
    return pages, list(forms.values())


@pytest.fixture
def world(db):
    world = World(db)
    world.db = db
    service.open_assessment(db, world.person, world.nurse)
    now = datetime.now(UTC)
    world.referral = Referral(
        person_id=world.person.id,
        source="gp",
        referrer_name="Dr Rao",
        reason="Falls",
        requested_urgency=Urgency.urgent,
        urgency=Urgency.urgent,
        status=ReferralStatus.received,
        received_at=now,
        due_by=clocks.due_by(now, Urgency.urgent),
    )
    db.add(world.referral)
    db.commit()
    # A care plan with one of everything, so the crawl reaches every form the plan has.
    plan = factories.care_plan(db, world.person, world.nurse)
    for command in (
        AddItem(PlanItemType.need, {"need": "Help with washing", "status": "active"}),
        AddItem(PlanItemType.goal, {"goal": "Walk again", "status": "active"}),
        AddItem(PlanItemType.action, {"description": "Visit"}, owner_agency_id=world.nursing.id),
        AddItem(PlanItemType.contact, {"kind": "personal", "name": "Karen"}),
    ):
        assert commands.add_item(db, plan, world.person, command, world.nurse).ok
    db.commit()
    # A contact on the person's timeline (issue 16), so the crawl reaches its agency filter too.
    from datetime import date

    from app.care_plan import timeline
    from models import ContactHow

    contact = timeline.RecordContact(date.today(), None, ContactHow.visit, "Ada", "Visited", ())
    assert timeline.record_contact(db, world.person, contact, world.nurse).ok
    db.commit()
    # The network at work: a meeting with the person on its agenda, and the person on the discharge board.
    network_work(db, world, now)
    # A person whose NHS number is not known, in the nurse's care team: the crawl reaches the form
    # that records the number a trace found.
    world.unknown = factories.person(db, world.practice, given_name="Grace", family_name="Okafor", nhs_known=False)
    factories.team_member(db, world.unknown, world.nursing, world.nurse, key_worker=True)
    db.commit()
    return world


def network_work(db, world, now) -> None:
    from datetime import timedelta

    from app.network import mdt

    meeting = mdt.schedule(db, world.network, mdt.ScheduleMeeting(now.date() + timedelta(days=2), "Surgery"), world.lead, now.date()).item
    assert mdt.add_to_agenda(db, world.person, world.network.id, mdt.AddToAgenda("Care home?"), world.nurse, now.date()).ok
    db.add(
        Referral(
            person_id=world.person.id,
            source="hospital_discharge",
            referrer_name="Ward 7",
            reason="Home with support",
            requested_urgency=Urgency.urgent,
            urgency=Urgency.urgent,
            status=ReferralStatus.accepted,
            received_at=now,
            due_by=clocks.due_by(now, Urgency.urgent),
            network_id=world.network.id,
            ward="Ward 7",
            medically_optimised_on=now.date() - timedelta(days=3),
        )
    )
    db.commit()
    assert meeting is not None


def _row_count(db) -> int:
    db.expire_all()
    return sum(db.exec(sa_select(func.count()).select_from(table)).one()[0] for table in SQLModel.metadata.sorted_tables)


def _send(client, form: Form, data: dict, token: str | None):
    data = dict(data)
    if token is None:
        data.pop("csrf_token", None)
    else:
        data["csrf_token"] = token
    if form.method == "GET":
        return client.get(form.action + "?" + urlencode(data, doseq=True))
    return client.post(form.action, data=data)


def _fresh(client, form: Form) -> dict:
    """The form's defaults as the page serves them now (a fresh version number after a save)."""
    parsed = _parse(form.page, client.get(form.page).get_data(as_text=True))
    same = next((f for f in parsed.forms if f.key == form.key), form)
    return same.defaults()


def _says_what_is_wrong(response) -> bool:
    body = response.get_data(as_text=True)
    return any(words in body for words in ("There is a problem", "<h1>", "OperationOutcome"))


def _crawl_as(app, world, role: str):
    """`role`'s client, signed in, with the pages and forms it reaches."""
    seeds = _seeds(app, world)
    seeds.append(f"/people/{world.person.id}/assessment/sections/safety/edit")
    seeds.append(f"/people/{world.unknown.id}/nhs-number")
    client = app.test_client()
    if role in PEOPLE:
        factories.person_account(world.db, world.person, "ada", kind="person")
        if role == "carer":
            factories.person_account(world.db, world.person, "karen", kind="carer", shares_assessment=True)
        assert factories.sign_in_person(client, "ada" if role == "person" else "karen").status_code == 302
        seeds = ["/my/plan", "/my/words", "/my/access-log", "/my/sharing", "/my/carer", "/my/sign-in", "/my/start"]
    else:
        AuthActions(client).sign_in(role)
    pages, forms = crawl(client, seeds)
    return client, pages, forms


@pytest.fixture
def crawled(app, db, world):
    """Each role's client, signed in, with the pages and forms it reaches."""
    return {role: _crawl_as(app, world, role) for role in ROLES}


def test_every_form_refuses_a_missing_or_forged_csrf_token_and_writes_nothing(crawled, db):
    tried = 0
    for role, (client, _pages, forms) in crawled.items():
        for form in (f for f in forms if f.method == "POST"):
            before = _row_count(db)
            for token in (None, "forged-token"):
                response = _send(client, form, form.defaults(), token)
                assert response.status_code == 400, (role, form.action, token, response.status_code)
                assert "This form has expired or did not come from OnePlan" in response.get_data(as_text=True)
                tried += 1
            assert _row_count(db) == before, (role, form.action)
    assert tried >= 20
    FIGURES["bad input: CSRF"] = f"{tried // 2} POST forms x (missing, forged) = {tried} refused, 0 rows written"


def _stored_as_typed(db, payload: str) -> set[tuple[str, str]]:
    """The (table, column) pairs holding exactly `payload`, in a text column or inside a JSON answer."""
    found = set()
    db.expire_all()
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, (String, Text)):
                if db.exec(sa_select(func.count()).select_from(table).where(column == payload)).one()[0]:
                    found.add((table.name, column.name))
                escaped = db.exec(
                    sa_select(func.count()).select_from(table).where(or_(column.contains("&lt;script"), column.contains("&#34;&gt;")))
                ).one()[0]
                assert escaped == 0, ("stored escaped, not as typed", table.name, column.name)
            elif isinstance(column.type, JSON):
                for (value,) in db.exec(sa_select(column)).all():
                    if isinstance(value, dict) and payload in value.values():
                        found.add((table.name, column.name))
    return found


@pytest.mark.parametrize("role", PEOPLE)
def test_every_form_of_a_persons_own_pages_refuses_a_missing_or_forged_csrf_token(role, app, db, world):
    client, _pages, forms = _crawl_as(app, world, role)
    posts = [f for f in forms if f.method == "POST"]
    assert posts, role
    for form in posts:
        before = _row_count(db) - _sign_in_tries(db)
        for token in (None, "forged-token"):
            response = _send(client, form, form.defaults(), token)
            assert response.status_code == 400, (role, form.action, token, response.status_code)
            assert "This form has expired or did not come from OnePlan" in response.get_data(as_text=True)
        # A sign-in form's tries are counted before anything else (app/trust/throttle.py): nothing else is written.
        assert _row_count(db) - _sign_in_tries(db) == before, (role, form.action)
    if role == "person":
        actions = {f.action for f in posts}
        assert {"/my/words", "/my/goals", "/my/sharing", "/my/carer", "/my/access-log/questions", "/my/sign-in", "/my/start"} <= actions, (
            actions
        )


def _sign_in_tries(db) -> int:
    from models import AttemptCount

    return db.exec(select(func.count()).select_from(AttemptCount)).one()


# One test per role, so that the suite's workers share the longest test of the suite.
@pytest.mark.parametrize("role", ROLES + PEOPLE)
def test_every_field_of_every_form_survives_hostile_input_and_renders_it_inert(role, app, db, world):
    client, pages, forms = _crawl_as(app, world, role)
    tried, stored, landed = 0, set(), 0
    fields_seen = set()
    token = AuthActions(client).csrf_token()
    for form in forms:
        defaults = form.defaults()
        for name in form.free_text() + form.choices():
            fields_seen.add((form.method, form.action, name))
            for payload in PAYLOADS if name in form.free_text() else CHOICE_PAYLOADS:
                data = dict(defaults, **{name: payload})
                response = _send(client, form, data, token)
                tried += 1
                where = (role, form.method, form.action, name, payload[:40], response.status_code)
                assert response.status_code < 500, where
                if 400 <= response.status_code < 500:
                    assert _says_what_is_wrong(response), where
                body = response.get_data(as_text=True)
                for markup in LIVE_MARKUP:
                    assert markup not in body, where
                if form.method == "POST" and response.status_code < 400 and "version" in defaults:
                    defaults = _fresh(client, form)  # it landed: the next save needs the new version
                if form.method == "POST" and response.status_code < 400 and payload == XSS[0]:
                    landed += 1
                    stored |= _stored_as_typed(db, payload)
    assert tried, f"{role} reached no form: the crawl found nothing to try"
    if role == "nurse":  # the nurse's plan and assessment forms take free text: if none stored it, they were not exercised
        assert stored, f"no XSS payload was stored anywhere ({landed} accepted): the forms were not exercised"
    # Every page, read again, shows what was stored as text, never as markup.
    for url in pages:
        body = client.get(url).get_data(as_text=True)
        for markup in LIVE_MARKUP:
            assert markup not in body, (role, url, markup)
    FIGURES[f"bad input: payloads ({role})"] = (
        f"{len(PAYLOADS)} payloads per free-text field ({len(XSS)} XSS, {len(SQL_INJECTION)} SQL injection, {len(MALFORMED)} "
        f"over-long/malformed/wrong-type) and {len(CHOICE_PAYLOADS)} per choice, over {len(fields_seen)} fields of "
        f"{len({(m, a) for m, a, _ in fields_seen})} forms = {tried} requests, 0 server errors; XSS stored as typed in "
        f"{len(stored)} columns and inert on {len(pages)} page views"
    )


def test_sql_injection_in_search_and_filters_gives_ordinary_results(crawled, db, world):
    client = crawled["nurse"][0]
    for payload in SQL_INJECTION:
        response = client.get("/people?" + urlencode({"q": payload}))
        assert response.status_code in (200, 400)
        assert "LOVELACE" not in response.get_data(as_text=True), payload  # matches nobody, rather than everybody
    admin = crawled["admin"][0]
    for payload in SQL_INJECTION:
        for name in ("username", "action", "outcome", "from-day"):
            response = admin.get("/admin/audit?" + urlencode({name: payload}))
            assert response.status_code in (200, 400), (name, payload)
            if name == "username":
                assert "0 events" in response.get_data(as_text=True)
    assert db.exec(select(func.count()).select_from(AccessGrant)).one() == 0
    assert len(db.exec(select(Referral)).all()) >= 1  # the tables are all still there


def test_a_body_with_invalid_utf8_or_repeated_fields_is_not_a_server_error(crawled):
    client = crawled["nurse"][0]
    for _role, (c, _pages, forms) in crawled.items():
        token = AuthActions(c).csrf_token()
        for form in (f for f in forms if f.method == "POST"):
            body = f"csrf_token={token}&".encode() + b"&".join(n.encode() + b"=%FF%FE%00" for n in form.free_text())
            response = c.post(form.action, data=body, content_type="application/x-www-form-urlencoded")
            assert response.status_code < 500, (form.action, response.status_code)
            repeated = [(n, "a") for n in form.free_text() + form.choices()] * 2 + [("csrf_token", token)]
            response = c.post(form.action, data=urlencode(repeated), content_type="application/x-www-form-urlencoded")
            assert response.status_code < 500, (form.action, response.status_code)
    assert client.get("/people/99999999999999999999").status_code == 404


# --- Property-based: dates, NHS numbers and search, through the forms that take them -----------


@settings(max_examples=150, deadline=None)
@given(day=st.text(max_size=6), month=st.text(max_size=6), year=st.text(max_size=8))
def test_a_date_from_three_boxes_is_a_real_date_or_a_message(day, month, year):
    errors: dict = {}
    value = fields.date_parts({"d-day": day, "d-month": month, "d-year": year}, "d", "the date", errors)
    blank = not any(part.strip() for part in (day, month, year))
    assert value is not None or errors or blank
    assert all(isinstance(message, str) and message for message in errors.values())
    if value is not None and not errors:
        assert value.year >= 1880


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=120))
def test_any_search_text_gets_a_page_not_an_error(app, db, text):
    if not _has_user(db):
        World(db)
    client = app.test_client()
    AuthActions(client).sign_in("nurse")
    response = client.get("/people?" + urlencode({"q": text}))
    assert response.status_code in (200, 400), response.status_code


def _has_user(db) -> bool:
    from models import User

    return db.exec(select(func.count()).select_from(User)).one() > 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=st.one_of(st.text(max_size=20), st.text(alphabet="0123456789 ", min_size=10, max_size=14)))
def test_any_nhs_number_typed_at_intake_is_matched_refused_or_taken_never_an_error(app, db, number):
    if not _has_user(db):
        World(db)
    client = app.test_client()
    auth = AuthActions(client)
    auth.sign_in("coordinator")
    response = auth.post(
        "/referrals/new",
        {
            "action": "save",
            "source": "gp",
            "referrer_name": "Dr Rao",
            "reason": "Falls",
            "requested_urgency": "routine",
            "person_choice": "new",
            "nhs_number": number,
            "given_name": "Grace",
            "family_name": "Hopper",
            "dob-day": "9",
            "dob-month": "12",
            "dob-year": "1936",
            "postcode": "WF2 7AA",
            "address_line_1": "1 Mill Lane",
            "town": "Wakefield",
        },
    )
    assert response.status_code in (200, 302, 400), response.status_code


def test_the_crawl_reaches_the_password_and_second_factor_forms(crawled):
    for role, (_client, _pages, forms) in crawled.items():
        actions = {form.action for form in forms if form.method == "POST"}
        assert {"/account/password", "/sign-in/second-factor/set-up"} <= actions, role


def test_the_crawl_reaches_the_timeline_of_contacts_and_its_form(crawled, world):
    """Issue 16: the care team records contacts (the nurse's form offers the plan's action to move on);
    whoever reads the record filters the timeline by agency."""
    client, _pages, forms = crawled["nurse"]
    timeline = f"/people/{world.person.id}/timeline"
    [record] = [form for form in forms if form.method == "POST" and form.action == timeline]
    assert {"contact_on-day", "how", "with_whom", "summary"} <= {f.name for f in record.fields}
    assert any(f.name.startswith("move-") for f in record.fields)
    assert any(form.method == "GET" and form.action == timeline for form in crawled["lead"][2])
    # The nurse recorded the world's contact, so the crawl reaches the form that changes it too.
    assert any(form.method == "POST" and form.action.startswith(timeline + "/") for form in forms)


def test_the_crawl_reaches_the_form_that_records_a_traced_nhs_number(crawled, db, world):
    """Only the care team (the nurse) and the single point of access (while a referral is open: not
    for this person) are offered it; the hostile input above left the number unrecorded."""
    from models import Person

    action = f"/people/{world.unknown.id}/nhs-number"
    for role, (_client, _pages, forms) in crawled.items():
        reached = [form for form in forms if form.method == "POST" and form.action == action]
        assert bool(reached) == (role == "nurse"), role
        if reached:
            assert {f.name for f in reached[0].fields} == {"csrf_token", "nhs_number"}
    db.expire_all()
    assert db.get(Person, world.unknown.id).nhs_number is None


def test_the_second_factor_form_survives_hostile_input(app, db):
    """The code form is reached only by an account with an authenticator, mid sign-in, which the
    crawl has none of: every payload goes to it here (the count of wrong codes put back so the
    account stays open)."""
    world = World(db)
    world.nurse.totp_secret, world.nurse.totp_confirmed_at = pyotp.random_base32(), datetime.now(UTC)
    db.add(world.nurse)
    db.commit()
    client = app.test_client()
    auth = AuthActions(client)
    assert auth.sign_in("nurse").location == "/sign-in/second-factor"
    token = auth.csrf_token()
    for payload in PAYLOADS + CHOICE_PAYLOADS:
        response = client.post("/sign-in/second-factor", data={"code": payload, "csrf_token": token})
        body = response.get_data(as_text=True)
        assert response.status_code == 400 and _says_what_is_wrong(response), (payload[:40], response.status_code)
        if "\x00" not in payload:  # a NUL is refused for the whole site before any form reads it
            assert second_factor.ENTER_CODE in body or second_factor.WRONG_CODE in body, payload[:40]
        for markup in LIVE_MARKUP:
            assert markup not in body, payload[:40]
        db.execute(update(User).where(User.id == world.nurse.id).values(failed_second_factors=0))
        db.commit()
    assert client.get("/").location == "/sign-in/second-factor"
