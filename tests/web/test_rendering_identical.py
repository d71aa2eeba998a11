"""Rendering that costs what it shows, and shows the same: the caches (imports resolved once, a
fast `indent` for Markup, the header kept per user and page) change no byte of any page, bar the
CSRF tokens and nonces that differ on every page anyway; and the header's unread count is counted
only for a page that shows it."""

import re

import pytest
from jinja2.filters import do_indent
from markupsafe import Markup
from sqlmodel import select

from app import create_app
from app.demo import district
from app.web import rendering
from app.work import notifications
from models import CarePlan, CareTeamMember, Notification, Person, User
from tests import factories
from tests.conftest import TEST_CONFIG, AuthActions

HTMX = {"HX-Request": "true"}
_TOKENS = (
    (re.compile(r'(name="csrf[-_]token"[^>]*?(?:content|value)=")[^"]+'), r"\1TOKEN"),
    (re.compile(r"(X-CSRFToken&#34;: &#34;)[^&]+"), r"\1TOKEN"),
    (re.compile(r'nonce="[^"]+"'), 'nonce="NONCE"'),
)


def _bar_tokens(html: str) -> str:
    for pattern, replacement in _TOKENS:
        html = pattern.sub(replacement, html)
    return html


@pytest.fixture
def district_built(app, runner):
    result = runner.invoke(args=["demo-data", "--people", "300", "--seed", "3"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def slow_app(app, database_url):
    """A second app on the same database with the rendering caches off: rendering as it was."""
    slow = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "FAST_RENDERING": False})
    yield slow
    slow.extensions["oneplan_engine"].dispose()


def _signed_in(app, username: str):
    client = app.test_client()
    answer = AuthActions(client).sign_in(username, district.DEMO_PASSWORD)
    assert answer.status_code in (302, 303)
    return client


def test_every_kind_of_page_is_byte_identical_with_the_rendering_caches_on_and_off(app, slow_app, db, district_built):
    nurse = db.exec(select(User).where(User.username == "nurse")).one()
    person_id = db.exec(
        select(CareTeamMember.person_id)
        .join(CarePlan, CarePlan.person_id == CareTeamMember.person_id)  # type: ignore[arg-type]
        .where(CareTeamMember.user_id == nurse.id, CareTeamMember.is_key_worker)
        .order_by(CareTeamMember.person_id)
    ).first()
    assert person_id is not None
    nhs_number = db.exec(select(Person.nhs_number).where(Person.id == person_id)).one()
    # Intake's matching records are radios valued by each person's id: one kept shape for one
    # record, filled with another person's id and words on the second page.
    others = db.exec(select(Person.nhs_number).where(Person.id != person_id).order_by(Person.id).limit(2)).all()
    pages = {
        "nurse": [
            "/",
            "/people?q=smi",
            f"/people?q={nhs_number}",
            f"/people/{person_id}",
            f"/people/{person_id}/assessment",
            f"/people/{person_id}/assessment/sections/perspective/edit",
            f"/people/{person_id}/care-plan",
            f"/people/{person_id}/care-plan/print",
            "/worklist",
            "/inbox",
            "/referrals",  # refused: the 403 page
        ],
        "socialworker": ["/", "/worklist", f"/people/{person_id}/assessment"],
        "spa": ["/referrals", "/referrals/metrics", "/referrals/new", *[f"/referrals/match?nhs_number={number}" for number in others]],
        "admin": ["/admin", "/people?q=smi"],
    }
    compared = 0
    for username, paths in pages.items():
        fast, slow = _signed_in(app, username), _signed_in(slow_app, username)
        for path in paths:
            for headers in ({}, HTMX):
                # First a look that marks things seen; then the NHS.UK macros learn each shape
                # they are asked for twice, so the page compared is made of kept output.
                fast.get(path, headers=headers)
                fast.get(path, headers=headers)
                before = slow.get(path, headers=headers)
                after = fast.get(path, headers=headers)
                assert after.status_code == before.status_code, path
                assert _bar_tokens(after.get_data(as_text=True)) == _bar_tokens(before.get_data(as_text=True)), (username, path, headers)
                compared += 1
    assert compared == 2 * sum(len(paths) for paths in pages.values())
    assert "Sign out" in after.get_data(as_text=True) or headers == HTMX


def test_the_header_shows_each_user_their_own_name_and_the_unread_count_as_it_is_now(app, db, client):
    agency = factories.agency(db)
    first, second = factories.user(db, agency), factories.user(db, agency)
    page = _signed_in_factory(client, first).get("/").get_data(as_text=True)
    assert first.full_name in page and "app-count" not in page
    notifications.notify(db, "test", "Something for you", user_id=first.id)
    db.commit()
    page = client.get("/").get_data(as_text=True)
    assert '>1<span class="nhsuk-u-visually-hidden"> unread</span>' in page
    other = app.test_client()
    page = _signed_in_factory(other, second).get("/").get_data(as_text=True)
    assert second.full_name in page and first.full_name not in page and "app-count" not in page
    tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True)))
    tokens |= set(re.findall(r'name="csrf_token" value="([^"]+)"', other.get("/").get_data(as_text=True)))
    assert len(tokens) == 2  # each page's sign-out form carries its own session's token


def _signed_in_factory(client, user):
    assert AuthActions(client).sign_in(user.username).status_code in (302, 303)
    return client


def test_the_unread_count_is_counted_for_a_page_that_shows_it_and_not_for_an_htmx_fragment(app, db, client, count_queries):
    agency = factories.agency(db)
    user = factories.user(db, agency)
    _signed_in_factory(client, user)
    client.get("/people?q=smi")  # warm

    def counts(headers) -> list[str]:
        with count_queries() as counted:
            assert client.get("/people?q=smi", headers=headers).status_code == 200
        return [statement for statement in counted.statements if "FROM notification" in statement]

    counted = counts({})
    assert len(counted) == 1 and "FROM staff_session" in counted[0]  # read with the signed-in session, no statement of its own
    assert counts(HTMX) == []


def test_the_unread_count_runs_the_same_statements_however_many_items_there_are(app, db, client, count_queries):
    agency = factories.agency(db)
    user = factories.user(db, agency)
    _signed_in_factory(client, user)

    def statements() -> int:
        client.get("/")
        with count_queries() as counted:
            assert client.get("/").status_code == 200
        return len(counted.statements)

    few = statements()
    for n in range(60):
        db.add(Notification(kind="test", message=f"item {n}", user_id=user.id if n % 2 else None, agency_id=None if n % 2 else agency.id))
    db.commit()
    assert notifications.unread_count(db, user) == 60
    assert statements() == few


def test_the_unread_count_stops_counting_past_its_most_and_the_header_says_99_plus(app, db, client, monkeypatch):
    """A busy agency's shared inbox held 19,600 unread items at 2.4 million people: the header counts
    each part (the user's own items, the agency's) up to UNREAD_MOST + 1 and says "99+" past it."""
    monkeypatch.setattr(notifications, "UNREAD_MOST", 4)
    notifications._unread_statement.cache_clear()
    notifications.signed_in_unread_count.cache_clear()
    try:
        agency = factories.agency(db)
        user = factories.user(db, agency)
        _signed_in_factory(client, user)
        for n in range(4):
            db.add(Notification(kind="test", message=f"mine {n}", user_id=user.id))
        db.commit()
        assert notifications.unread_count(db, user) == 4
        assert '>4<span class="nhsuk-u-visually-hidden"> unread</span>' in client.get("/").get_data(as_text=True)
        for n in range(20):
            db.add(Notification(kind="test", message=f"the agency's {n}", agency_id=agency.id))
        db.commit()
        assert notifications.unread_count(db, user) == 5  # counted up to the most and one more, not 24
        assert '>4+<span class="nhsuk-u-visually-hidden"> unread</span>' in client.get("/").get_data(as_text=True)
    finally:
        notifications._unread_statement.cache_clear()
        notifications.signed_in_unread_count.cache_clear()


@pytest.mark.parametrize(
    "text",
    ["", "one line", "first\nsecond\n\nfourth\n", "a <b>tag</b>\n  &amp; more\r\nwindows\n\n", "\n\nstarts blank"],
)
@pytest.mark.parametrize("width,first,blank", [(4, False, False), (2, True, False), (6, False, True), ("\t", True, True)])
def test_the_fast_indent_gives_jinjas_characters_for_markup_and_for_text(text, width, first, blank):
    markup = Markup(text)
    fast = rendering.indent(markup, width, first, blank)
    assert isinstance(fast, Markup)
    assert fast == do_indent(markup, width, first, blank)
    assert rendering.indent(text, width, first, blank) == do_indent(text, width, first, blank)


WORDS = [
    "Plain words",
    "Fish & chips <b>not bold</b> \"quoted\" 'single'",
    "  spaced at the edges  ",
    "two\nlines",
    "three\n\n  lines, one blank & one <indented>",
    "windows\r\nlines",
    "lower case changes NOTHING",
    "",
]


def _macro_pages(app, source: str, calls: list[str]) -> list[str]:
    """Each call rendered with the NHS.UK macros as they are and as kept, three times over (the
    third is made from the kept output)."""
    pages = []
    for fast in (False, True):
        environment = rendering.ImportOnceEnvironment(app, **rendering.jinja_options(True)) if fast else app.jinja_env.overlay()
        environment.globals["undefined"] = app.jinja_env.globals["undefined"]
        template = environment.from_string(source + "".join(calls))
        with app.test_request_context():
            made = [template.render(words=WORDS, markup=Markup("<strong>bold</strong> &amp; safe")) for _ in range(3)]
        assert made[0] == made[1] == made[2]
        pages.append(made[0])
    kept = {
        name: [
            shape
            for shape in getattr(environment.get_template(f"nhsuk/components/{path}/macro.jinja").module, name)._kept.values()
            if shape
        ]
        for name, path in (("summaryList", "summary-list"), ("tag", "tag"), ("input", "input"), ("checkboxes", "checkboxes"))
    }
    assert all(kept.values()), kept  # the third time round was made from kept output
    return pages


def test_the_kept_nhsuk_macros_give_the_design_systems_bytes_whatever_the_words(app):
    source = (
        '{% from "nhsuk/components/summary-list/macro.jinja" import summaryList %}'
        '{% from "nhsuk/components/tag/macro.jinja" import tag %}'
        '{% from "nhsuk/components/input/macro.jinja" import input %}'
        '{% from "nhsuk/components/tables/macro.jinja" import table %}'
        '{% from "nhsuk/components/checkboxes/macro.jinja" import checkboxes %}'
    )
    calls = [
        '{% for w in words %}{{ summaryList({"rows": [{"key": {"text": w}, "value": {"text": w ~ "!"}}, {"key": {"text": "Html"}, "value": {"html": markup}},'
        ' {"key": {"text": "Lines"}, "value": {"html": ("<p>" ~ w ~ "</p>\n<p>\n  more\n</p>") | safe}}]}) }}{% endfor %}',
        '{% for w in words %}{{ tag({"text": w, "classes": "nhsuk-tag--blue"}) }}{% endfor %}',
        '{% for w in words %}{{ input({"id": "field", "name": "field", "label": {"text": w}, "hint": {"text": w} if w else undefined, "value": w}) }}{% endfor %}',
        '{% for w in words %}{{ table({"caption": w, "captionSize": "s", "head": [{"text": w}], "rows": [[{"text": w}]]}) }}{% endfor %}',
        # A form field for each item: its id, name and value are slots of the input (which only prints them)...
        '{% for w in words %}{{ input({"id": "need-" ~ loop.index, "name": "need-" ~ loop.index, "label": {"text": "Need"}, "value": w}) }}{% endfor %}',
        # ... and a checkbox's value only when no checked `values` are compared with it.
        '{% for w in words %}{{ checkboxes({"name": "pick", "idPrefix": "pick-" ~ loop.index, "fieldset": {"legend": {"text": "Pick"}},'
        ' "items": [{"value": w or "blank", "text": w or "blank", "id": "pick-" ~ loop.index ~ "-1",'
        ' "conditional": {"html": input({"id": "why-" ~ loop.index, "name": "why-" ~ loop.index, "label": {"text": "Why"}, "value": w})}},'
        ' {"value": "b" ~ loop.index, "text": "B"}]}) }}'
        '{{ checkboxes({"name": "pick", "idPrefix": "pick", "values": [words[1], "b3"],'
        ' "items": [{"value": w or "blank", "text": w or "blank"}, {"value": "b" ~ loop.index, "text": "B"}]}) }}{% endfor %}',
    ]
    before, after = _macro_pages(app, source, calls)
    assert after == before
    assert "Fish &amp; chips &lt;b&gt;" in after and "<strong>bold</strong> &amp; safe" in after
    assert after.count("checked") == before.count("checked") >= 2


def test_the_templates_url_for_builds_every_address_as_flask_does(app):
    from flask import url_for as flask_url_for
    from werkzeug.routing import AnyConverter, IntegerConverter, PathConverter

    compared = 0
    with app.test_request_context("/people/1", base_url="http://localhost/mounted"):
        for rule in app.url_map.iter_rules():
            values: dict = {}
            for name, converter in rule._converters.items():
                if isinstance(converter, IntegerConverter):
                    values[name] = 42
                elif isinstance(converter, AnyConverter):
                    values[name] = sorted(converter.items)[-1]
                elif isinstance(converter, PathConverter):
                    values[name] = "nhsuk/a b.css"
                else:
                    values[name] = "some thing/é"
            for extra in ({}, {"q": "Smith & Sons", "page": 2}, {"need_id": None}):
                assert rendering.url_for(rule.endpoint, **values, **extra) == flask_url_for(rule.endpoint, **values, **extra), rule
                compared += 1
        assert rendering.url_for("care_plan.show", person_id=3, _anchor="needs") == "/mounted/people/3/care-plan#needs"
    assert compared > 300


def test_a_kept_address_is_the_one_flask_builds_for_each_mount_host_and_value_type(app):
    from flask import url_for as flask_url_for

    for base_url in ("http://localhost/mounted", "http://localhost", "https://other.example/elsewhere", "http://localhost/mounted"):
        with app.test_request_context("/people/1", base_url=base_url):
            for _ in range(2):  # built, then kept
                for values in (
                    {"person_id": 3},
                    {"person_id": 3, "flag": True},
                    {"person_id": 3, "flag": 1},
                    {"person_id": 3, "q": ["a", "b"]},
                ):
                    assert rendering.url_for("care_plan.show", **values) == flask_url_for("care_plan.show", **values), (base_url, values)
