"""The /admin pages: agencies, networks and user accounts, for administrators only."""

import re

import pytest
from sqlmodel import func, select

from app.directory import forms, organisations
from app.trust import accounts, audit_log
from models import Agency, AgencyKind, AuditEvent, AuditOutcome, Network, Profession, Role, User
from tests import factories
from tests.conftest import PASSWORD, AuthActions
from tests.factories import World


def count(db, model, *where) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def audit_events(db, action: str, outcome: AuditOutcome = AuditOutcome.allowed) -> list[AuditEvent]:
    db.expire_all()
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.outcome == outcome)))


def admin_routes(app):
    """Every /admin address, found from the URL map so new ones are covered too (ids filled with 1)."""
    from flask import url_for

    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin."):
            with app.test_request_context():
                url = url_for(rule.endpoint, **dict.fromkeys(rule.arguments, 1))
            for method in sorted(rule.methods & {"GET", "POST"}):
                yield url, method


@pytest.fixture
def world(db):
    return World(db)


@pytest.fixture
def admin(auth, world):
    auth.sign_in("admin")
    return auth


# --- who may come in --------------------------------------------------------------------


@pytest.mark.parametrize("username", ["nurse", "coordinator", "lead"])
def test_staff_who_are_not_administrators_get_403_on_every_admin_route_and_the_refusal_is_audited(app, client, db, world, username):
    auth = AuthActions(client)
    auth.sign_in(username)
    routes = list(admin_routes(app))
    assert len(routes) >= 9
    agencies, networks, users = count(db, Agency), count(db, Network), count(db, User)
    for url, method in routes:
        before = len(audit_events(db, "manage_directory", AuditOutcome.refused))
        if method == "GET":
            response = client.get(url)
        else:
            response = auth.post(
                url,
                {
                    "name": "Sneaky",
                    "hub_name": "Hub",
                    "kind": "voluntary",
                    "username": "sneaky",
                    "full_name": "Sneaky",
                    "agency_id": str(world.nursing.id),
                    "role": "administrator",
                    "profession": "administrator",
                    "password": "a long enough password",
                },
            )
        assert response.status_code == 403, (method, url)
        assert "Only administrators can manage" in response.get_data(as_text=True)
        refused = audit_events(db, "manage_directory", AuditOutcome.refused)
        assert len(refused) == before + 1, (method, url)
        assert refused[-1].username == username
    assert (count(db, Agency), count(db, Network), count(db, User)) == (agencies, networks, users)


def test_signed_out_requests_are_sent_to_sign_in(app, client, auth, world):
    for url, method in admin_routes(app):
        response = client.get(url) if method == "GET" else auth.post(url, {"name": "Sneaky"})
        assert response.status_code == 302, (method, url)
        assert response.location.startswith("/sign-in?next=")


def test_the_admin_link_appears_only_for_administrators(client, auth, world):
    auth.sign_in("nurse")
    assert 'href="/admin"' not in client.get("/").get_data(as_text=True)
    auth.sign_out()
    auth.sign_in("admin")
    assert 'href="/admin"' in client.get("/").get_data(as_text=True)


# --- looking at the directory -----------------------------------------------------------


def test_the_index_links_to_agencies_networks_and_users_with_counts(client, admin):
    html = client.get("/admin").get_data(as_text=True)
    for href in ("/admin/agencies", "/admin/networks", "/admin/users"):
        assert f'href="{href}"' in html
    assert "5 agencies" in html and "2 networks" in html and "6 accounts, 6 active" in html
    assert html.count("<h1") == 1


def test_admin_lists_agencies_with_kind_network_and_phone(client, admin):
    html = client.get("/admin/agencies").get_data(as_text=True)
    assert "Northgate Surgery" in html and "GP practice" in html and "Wakefield North" in html
    assert "01924 000000" in html
    assert "<caption" in html and 'scope="col"' in html


def test_the_agency_list_filters_by_kind_without_javascript(client, admin):
    html = client.get("/admin/agencies?kind=gp_practice").get_data(as_text=True)
    assert "Northgate Surgery" in html and "Adult Social Care" not in html
    assert '<option value="gp_practice" selected>' in html.replace("\n", "").replace("  ", "")
    assert "1 agency of the kind" in html


def test_an_unknown_kind_filter_shows_every_agency(client, admin):
    response = client.get("/admin/agencies?kind=not-a-kind")
    assert response.status_code == 200
    assert "5 agencies" in response.get_data(as_text=True)


def test_an_htmx_filter_gets_only_the_results(client, admin):
    response = client.get("/admin/agencies?kind=social_care", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<div id="results">' in html and "<html" not in html and "<h1" not in html
    assert "Adult Social Care" in html and "Northgate Surgery" not in html


def test_admin_lists_networks_with_their_hub_and_number_of_gp_practices(client, db, world, admin):
    factories.agency(db, AgencyKind.gp_practice, world.network, name="Second Surgery")
    factories.agency(db, AgencyKind.pharmacy, world.network, name="Network Pharmacy")  # not a GP practice
    html = client.get("/admin/networks").get_data(as_text=True)
    rows = {network.name: practices for network, practices in organisations.networks_with_practices(db)}
    assert rows == {"Wakefield North": 2, "Pontefract": 0}
    assert "Wakefield North" in html and "Pontefract" in html and world.network.hub_name in html


def test_admin_lists_users_with_agency_role_profession_network_and_whether_active(client, db, world, admin):
    world.outsider.is_active = False
    db.add(world.outsider)
    db.commit()
    html = client.get("/admin/users").get_data(as_text=True)
    for text in (
        "nurse",
        "North Community Nursing",
        "Network lead",
        "GP",
        "Wakefield North",
        "SPA coordinator",
        "Care coordinator",
        world.lead.full_name,
    ):
        assert text in html
    assert "Yes" in html and "No" in html


def listed_usernames(client, query: str) -> list[str]:
    html = client.get(f"/admin/users?{query}").get_data(as_text=True)
    return re.findall(r'aria-hidden="true">Username </span>\s*([^<\s]+)', html)


def test_the_user_list_filters_by_agency_and_role(client, world, admin):
    assert listed_usernames(client, f"agency={world.practice.id}&role=network_lead") == ["lead", "otherlead"]
    assert listed_usernames(client, "role=practitioner") == ["nurse", "outsider"]
    assert listed_usernames(client, f"agency={world.spa.id}") == ["coordinator"]
    assert listed_usernames(client, "") == ["admin", "coordinator", "lead", "nurse", "otherlead", "outsider"]


def test_nonsense_user_filters_are_ignored(client, admin):
    for query in ("agency=abc", "agency=99999999999999999999", "agency=²", "role=king"):
        response = client.get(f"/admin/users?{query}")
        assert response.status_code == 200, query
        assert "6 accounts" in response.get_data(as_text=True)


def test_the_user_list_shows_at_most_200_and_says_how_many_more(client, db, world, admin):
    db.add_all(
        User(
            username=f"bulk{n:03d}",
            password_hash="x",
            full_name=f"Bulk {n}",
            agency_id=world.nursing.id,
            role=Role.practitioner,
            profession=Profession.support_worker,
        )
        for n in range(200)
    )
    db.commit()
    html = client.get("/admin/users").get_data(as_text=True)
    assert "206 accounts" in html
    assert "Showing the first 200 accounts" in html and "6 more are not shown" in html
    assert html.count('<tr class="nhsuk-table__row"') == 201  # the header row and 200 accounts


def test_the_directory_lists_take_the_same_number_of_queries_however_big_the_directory(client, db, world, admin, count_queries):
    def queries(url):
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    small = {url: queries(url) for url in ("/admin/agencies", "/admin/networks", "/admin/users")}
    for _n in range(30):
        agency = factories.agency(db, AgencyKind.gp_practice, world.network)
        factories.user(db, agency, network=world.other_network)
    assert {url: queries(url) for url in small} == small


def test_directory_names_are_escaped(client, db, admin):
    factories.agency(db, AgencyKind.voluntary, name="<script>alert(1)</script> Trust")
    html = client.get("/admin/agencies").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_the_directory_pages_show_no_personal_health_data(client, world, admin):
    for url in ("/admin", "/admin/agencies", "/admin/networks", "/admin/users"):
        html = client.get(url).get_data(as_text=True)
        assert world.person.family_name not in html and world.person.nhs_number not in html


# --- adding an agency -------------------------------------------------------------------


def test_admin_adds_an_agency_and_it_is_audited(client, db, world, admin):
    response = admin.post(
        "/admin/agencies/new",
        {"name": "  Eastmoor Surgery ", "kind": "gp_practice", "network_id": str(world.other_network.id), "phone": "+44 1924 555 123"},
    )
    assert response.status_code == 302 and response.location == "/admin/agencies"
    agency = db.exec(select(Agency).where(Agency.name == "Eastmoor Surgery")).one()
    assert (agency.kind, agency.network_id, agency.phone) == (AgencyKind.gp_practice, world.other_network.id, "+44 1924 555 123")
    [event] = audit_events(db, "create_agency")
    assert (event.record_type, event.record_id, event.username) == ("agency", str(agency.id), "admin")
    html = client.get(response.location).get_data(as_text=True)
    assert "nhsuk-notification-banner--success" in html and "Eastmoor Surgery has been added." in html
    assert "Eastmoor Surgery has been added." not in client.get("/admin/agencies").get_data(as_text=True)


def test_an_agency_other_than_a_gp_practice_needs_no_network_or_phone(client, db, admin):
    response = admin.post("/admin/agencies/new", {"name": "Age UK Wakefield", "kind": "voluntary"})
    assert response.status_code == 302
    agency = db.exec(select(Agency).where(Agency.name == "Age UK Wakefield")).one()
    assert agency.network_id is None and agency.phone is None


def test_the_new_agency_form_has_a_label_for_every_field_and_the_csrf_token(client, admin):
    html = client.get("/admin/agencies/new").get_data(as_text=True)
    assert 'name="csrf_token"' in html
    for field in ("name", "network_id", "phone"):
        assert f'for="{field}"' in html
    assert "<legend" in html and "Kind of agency" in html and "Single point of access hub" in html


AGENCY_PROBLEMS = [
    ({"name": "", "kind": "voluntary"}, "name", "Enter the agency&#39;s name"),
    ({"name": "northgate SURGERY", "kind": "voluntary"}, "name", "There is already an agency with that name"),
    ({"name": "x" * 161, "kind": "voluntary"}, "name", "must be 160 characters or fewer"),
    ({"name": "Fine", "kind": ""}, "kind", "Select the kind of agency"),
    ({"name": "Fine", "kind": "spaceship"}, "kind", "Select the kind of agency"),
    ({"name": "Fine", "kind": "gp_practice"}, "network_id", "Select the network this GP practice belongs to"),
    ({"name": "Fine", "kind": "voluntary", "network_id": "999999"}, "network_id", "Select a network"),
    ({"name": "Fine", "kind": "voluntary", "network_id": "9" * 40}, "network_id", "Select a network"),
    ({"name": "Fine", "kind": "voluntary", "network_id": "²"}, "network_id", "Select a network"),
    ({"name": "Fine", "kind": "voluntary", "phone": "01924 ext 5"}, "phone", "must only include numbers and spaces"),
    ({"name": "Fine", "kind": "voluntary", "phone": "1" * 41}, "phone", "must be 40 characters or fewer"),
]


@pytest.mark.parametrize("form, field, message", AGENCY_PROBLEMS)
def test_a_bad_agency_is_refused_with_the_error_by_its_field_and_nothing_saved(client, db, admin, form, field, message):
    before = count(db, Agency)
    response = admin.post("/admin/agencies/new", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and f'href="#{field}"' in html and message in html
    assert f'id="{field}-error"' in html
    assert "<title>Error: " in html
    assert count(db, Agency) == before and audit_events(db, "create_agency") == []


def test_what_was_typed_stays_in_the_agency_form(client, world, admin):
    html = admin.post("/admin/agencies/new", {"name": "Kept Name", "kind": "gp_practice", "phone": "abc"}).get_data(as_text=True)
    assert 'value="Kept Name"' in html and 'value="abc"' in html
    assert 'value="gp_practice" checked' in html


# --- adding a network -------------------------------------------------------------------


def test_admin_adds_a_network_and_it_is_audited(client, db, admin):
    response = admin.post("/admin/networks/new", {"name": "Castleford", "hub_name": "Castleford Hub"})
    assert response.status_code == 302 and response.location == "/admin/networks"
    network = db.exec(select(Network).where(Network.name == "Castleford")).one()
    assert network.hub_name == "Castleford Hub"
    [event] = audit_events(db, "create_network")
    assert (event.record_type, event.record_id, event.username) == ("network", str(network.id), "admin")
    assert "Castleford has been added." in client.get(response.location).get_data(as_text=True)


NETWORK_PROBLEMS = [
    ({"name": "", "hub_name": "Hub"}, "name", "Enter the network&#39;s name"),
    ({"name": "WAKEFIELD north", "hub_name": "Hub"}, "name", "There is already a network with that name"),
    ({"name": "n" * 121, "hub_name": "Hub"}, "name", "must be 120 characters or fewer"),
    ({"name": "Fine", "hub_name": "   "}, "hub_name", "Enter the hub&#39;s name"),
    ({"name": "Fine", "hub_name": "h" * 121}, "hub_name", "must be 120 characters or fewer"),
]


@pytest.mark.parametrize("form, field, message", NETWORK_PROBLEMS)
def test_a_bad_network_is_refused_with_the_error_by_its_field_and_nothing_saved(client, db, admin, form, field, message):
    before = count(db, Network)
    response = admin.post("/admin/networks/new", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and f'href="#{field}"' in html and message in html
    assert f'id="{field}-error"' in html
    assert count(db, Network) == before and audit_events(db, "create_network") == []


# --- adding a user ----------------------------------------------------------------------


def new_user_form(world, **changes) -> dict:
    form = {
        "username": "jo.bloggs",
        "full_name": "Jo Bloggs",
        "agency_id": str(world.nursing.id),
        "role": "practitioner",
        "profession": "district_nurse",
        "network_id": "",
        "password": "a long enough password",
    }
    form.update(changes)
    return form


def test_admin_adds_a_user_who_can_then_sign_in(client, db, world, admin):
    response = admin.post("/admin/users/new", new_user_form(world, username="Jo.Bloggs"))
    assert response.status_code == 302 and response.location == "/admin/users"
    user = db.exec(select(User).where(User.username == "jo.bloggs")).one()
    assert (user.agency_id, user.role, user.profession) == (world.nursing.id, Role.practitioner, Profession.district_nurse)
    [event] = audit_events(db, "create_user")
    assert (event.record_type, event.record_id, event.username) == ("user", str(user.id), "admin")
    assert "jo.bloggs (Jo Bloggs) has been added." in client.get(response.location).get_data(as_text=True)
    admin.sign_out()
    # The administrator chose the password, so the new user's first stop is choosing their own.
    assert admin.sign_in("jo.bloggs", "a long enough password").location == "/account/password"
    assert client.get("/account/password").status_code == 200


def test_admin_adds_a_network_lead_with_their_network(client, db, world, admin):
    response = admin.post(
        "/admin/users/new",
        new_user_form(
            world,
            username="newlead",
            role="network_lead",
            profession="gp",
            agency_id=str(world.practice.id),
            network_id=str(world.other_network.id),
        ),
    )
    assert response.status_code == 302
    assert db.exec(select(User).where(User.username == "newlead")).one().network_id == world.other_network.id


USER_PROBLEMS = [
    ({"username": ""}, "username", "Enter a username"),
    ({"username": "NURSE"}, "username", "That username is already taken"),
    ({"username": "u" * 65}, "username", "64 characters or fewer"),
    ({"username": "jo bloggs"}, "username", "must only include letters"),
    ({"full_name": ""}, "full_name", "Enter the person&#39;s full name"),
    ({"full_name": "f" * 121}, "full_name", "120 characters or fewer"),
    ({"agency_id": ""}, "agency_id", "Select an agency"),
    ({"agency_id": "9" * 30}, "agency_id", "Select an agency"),
    ({"role": "emperor"}, "role", "Select a role"),
    ({"role": ""}, "role", "Select a role"),
    ({"profession": "astronaut"}, "profession", "Select a profession"),
    ({"role": "network_lead"}, "network_id", "Select the network this lead leads"),
    ({"network_id": "424242"}, "network_id", "Select a network"),
    ({"password": "short"}, "password", "12 characters or more"),
    ({"password": "p" * 129}, "password", "128 characters or fewer"),
]


@pytest.mark.parametrize("changes, field, message", USER_PROBLEMS)
def test_a_bad_user_is_refused_with_the_error_by_its_field_and_nothing_saved(client, db, world, admin, changes, field, message):
    before = count(db, User)
    response = admin.post("/admin/users/new", new_user_form(world, **changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and f'href="#{field}"' in html and message in html
    assert f'id="{field}-error"' in html
    assert count(db, User) == before and audit_events(db, "create_user") == []


def test_what_was_typed_stays_in_the_user_form_except_the_password(client, world, admin):
    form = new_user_form(world, role="network_lead", full_name="Kept Name", password="a secret password!")
    html = admin.post("/admin/users/new", form).get_data(as_text=True)
    assert 'value="Kept Name"' in html and 'value="jo.bloggs"' in html
    assert 'value="network_lead" checked' in html
    assert f'<option value="{world.nursing.id}" selected>' in html.replace("\n", "").replace("  ", "")
    assert "a secret password!" not in html


# --- forms and their protection ---------------------------------------------------------


@pytest.mark.parametrize(
    "url, form",
    [
        ("/admin/agencies/new", {"name": "No Token", "kind": "voluntary"}),
        ("/admin/networks/new", {"name": "No Token", "hub_name": "Hub"}),
        (
            "/admin/users/new",
            {
                "username": "notoken",
                "full_name": "No Token",
                "role": "practitioner",
                "profession": "gp",
                "password": "a long enough password",
            },
        ),
    ],
)
def test_a_post_without_the_csrf_token_is_refused_and_writes_nothing(client, db, world, admin, url, form):
    if "agency_id" not in form and "users" in url:
        form["agency_id"] = str(world.nursing.id)
    before = (count(db, Agency), count(db, Network), count(db, User), count(db, AuditEvent))
    response = client.post(url, data=form)
    assert response.status_code == 400
    assert "did not come from OnePlan" in response.get_data(as_text=True)
    assert (count(db, Agency), count(db, Network), count(db, User), count(db, AuditEvent)) == before


def test_every_admin_form_carries_the_csrf_token(client, admin):
    for url in ("/admin/agencies/new", "/admin/networks/new", "/admin/users/new"):
        html = client.get(url).get_data(as_text=True)
        assert html.count('type="hidden" name="csrf_token"') == 2  # the form's own, and the sign-out form's


# --- the domain functions, without HTTP -------------------------------------------------


def test_the_agency_form_reads_into_a_command_the_domain_accepts(db, world):
    command, errors = forms.new_agency(
        {"name": " Pharmacy Plus ", "kind": "pharmacy", "network_id": str(world.network.id), "phone": " 01924 1 "}
    )
    assert errors == {}
    assert command == organisations.NewAgency("Pharmacy Plus", AgencyKind.pharmacy, world.network.id, "01924 1")
    assert organisations.check_new_agency(db, command) == {}


def test_the_agency_command_is_checked_without_any_form(db, world):
    result = organisations.create_agency(db, organisations.NewAgency(None, AgencyKind.gp_practice, None, "abc"), world.admin)
    assert result.errors == {
        "name": "Enter the agency's name",
        "network_id": "Select the network this GP practice belongs to",
        "phone": "Phone number must only include numbers and spaces, with an optional + at the start",
    }
    db.commit()
    assert audit_events(db, "create_agency") == []


def test_a_name_taken_between_the_check_and_the_save_is_refused_and_nothing_is_written(db, world, monkeypatch):
    monkeypatch.setattr(organisations, "_name_taken", lambda *args: False)  # someone else added it after the check
    command = organisations.NewAgency("Northgate Surgery", AgencyKind.voluntary, None, None)
    result = organisations.create_agency(db, command, world.admin)
    assert result.errors == {"name": "There is already an agency with that name"} and result.item is None
    db.commit()
    assert count(db, Agency, Agency.name == "Northgate Surgery") == 1
    assert audit_events(db, "create_agency") == []


def test_create_network_writes_the_network_and_its_audit_event_together(db, world):
    result = organisations.create_network(db, organisations.NewNetwork("Featherstone", "Featherstone Hub"), world.admin)
    assert result.ok
    db.commit()
    [event] = audit_events(db, "create_network")
    assert event.record_id == str(result.item.id) and event.detail == "Featherstone"


def test_a_network_name_taken_between_the_check_and_the_save_is_refused(db, world, monkeypatch):
    monkeypatch.setattr(organisations, "_name_taken", lambda *args: False)
    result = organisations.create_network(db, organisations.NewNetwork("Pontefract", "Hub"), world.admin)
    assert result.errors == {"name": "There is already a network with that name"}
    db.commit()
    assert count(db, Network, Network.name == "Pontefract") == 1 and audit_events(db, "create_network") == []


def _new_user(world, **changes) -> accounts.NewUser:
    values = dict(
        username="hashme",
        full_name="Hash Me",
        agency_id=world.nursing.id,
        role=Role.practitioner,
        profession=Profession.gp,
        network_id=None,
        password=PASSWORD,
    )
    return accounts.NewUser(**{**values, **changes})


def test_a_user_added_by_the_domain_function_keeps_the_password_hashed(app, db, world):
    result = accounts.create_user(db, _new_user(world), app.extensions["oneplan_hasher"], world.admin)
    assert result.ok
    user = result.item
    assert user.password_hash.startswith("$argon2") and PASSWORD not in user.password_hash
    assert user.is_active and user.failed_sign_ins == 0 and user.created_at is not None


def test_the_new_user_command_is_checked_without_any_form(app, db, world):
    command = _new_user(
        world, username=" Nurse ", full_name="  ", agency_id=999999, role=Role.network_lead, profession=None, password="short"
    )
    result = accounts.create_user(db, command, app.extensions["oneplan_hasher"], world.admin)
    assert result.errors == {
        "username": "That username is already taken",
        "full_name": "Enter the person's full name",
        "agency_id": "Select an agency",
        "profession": "Select a profession",
        "network_id": "Select the network this lead leads",
        "password": "Password must be 12 characters or more",
    }
    db.commit()
    assert audit_events(db, "create_user") == []


def test_a_username_taken_between_the_check_and_the_save_is_refused(app, db, world, monkeypatch):
    monkeypatch.setattr(accounts, "check_new_user", lambda *args: {})  # someone else took it after the check
    result = accounts.create_user(db, _new_user(world, username="nurse"), app.extensions["oneplan_hasher"], world.admin)
    assert result.errors == {"username": "That username is already taken"}
    db.commit()
    assert count(db, User, User.username == "nurse") == 1 and audit_events(db, "create_user") == []


def test_the_admin_page_and_the_create_user_command_build_the_same_command(world):
    command, errors = forms.new_user(new_user_form(world, username="Jo.Bloggs", network_id=str(world.network.id)))
    assert errors == {}
    # What `flask create-user` builds from its options (app/ops/cli.py), once it has found the ids by name.
    assert command == accounts.NewUser(
        username="Jo.Bloggs",
        full_name="Jo Bloggs",
        agency_id=world.nursing.id,
        role=Role.practitioner,
        profession=Profession.district_nurse,
        network_id=world.network.id,
        password="a long enough password",
    )
    assert command.login_name == "jo.bloggs"


def test_ids_that_name_nothing_are_errors_of_the_user_form(world):
    command, errors = forms.new_user(new_user_form(world, agency_id="abc", network_id="²"))
    assert errors == {"agency_id": "Select an agency", "network_id": "Select a network"}
    assert command.agency_id is None and command.network_id is None


def test_the_network_command_is_checked_without_any_form(db, world):
    result = organisations.create_network(db, organisations.NewNetwork("wakefield NORTH", "h" * 121), world.admin)
    assert result.errors == {
        "name": "There is already a network with that name",
        "hub_name": "The hub's name must be 120 characters or fewer",
    }


def test_the_audit_filters_are_read_from_the_query_and_narrow_nothing_they_cannot_read():
    filters, errors = forms.audit_filters(
        {
            "username": " NURSE ",
            "action": "break_glass",
            "outcome": "refused",
            "from-day": "2",
            "from-month": "7",
            "from-year": "2025",
            "to-day": "1",
            "to-month": "7",
            "to-year": "2025",
        }
    )
    assert errors == {"to-day": "The last date must be the same as or after the first date"}
    assert (filters.username, filters.action, filters.outcome) == ("nurse", "break_glass", AuditOutcome.refused)
    assert filters.date_to is None and filters.date_from is not None
    filters, errors = forms.audit_filters({"action": "made_up", "outcome": "maybe"})
    assert set(errors) == {"action", "outcome"} and filters == audit_log.Filters()
