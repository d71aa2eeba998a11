import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from app import create_app
from app.config import ConfigError
from app.front_door.search import NAME_SEARCH_OBJECTS
from tests.factories import World


def test_the_migrations_build_exactly_the_schema_the_models_describe(database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        # Typo-tolerant name search's trigram index (0011_name_search) is no model's: left out.
        context = MigrationContext.configure(connection, opts={"include_name": lambda name, *_: name not in NAME_SEARCH_OBJECTS})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == []


def test_it_refuses_to_start_in_production_without_a_secret_key(monkeypatch):
    monkeypatch.setenv("ONEPLAN_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_cookies_are_secure(monkeypatch, database_url):
    monkeypatch.setenv("ONEPLAN_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    app = create_app({"DATABASE_URL": database_url})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    app.extensions["oneplan_engine"].dispose()


def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(app):
    engine = app.extensions["oneplan_engine"]
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == app.config["SQLITE_BUSY_TIMEOUT_MS"]


def test_postgresql_prices_an_index_lookup_as_for_data_in_memory(app):
    """At the default random_page_cost of 4 the planner hashed 37,000 care-team rows rather than
    look up 1,000 (app/db.py)."""
    engine = app.extensions["oneplan_engine"]
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner settings")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW random_page_cost").scalar() == "1.1"


def test_a_count_up_to_the_most_looks_each_care_team_up_whatever_the_plan(app, db):
    """The worklist's and My work's counts stop at the worklist's most: the care-team check stays a
    lookup per action (OFFSET 0 keeps PostgreSQL from making it a join that hashes everyone in the
    agency's care first, in a plan made for the values or in one kept for any)."""
    from sqlalchemy import select as select_columns

    from app.trust import access
    from models import CarePlanAction

    engine = app.extensions["oneplan_engine"]
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner")
    counted = select_columns(CarePlanAction.id).where(access.open_to_care_team(1, CarePlanAction.person_id, row_by_row=True)).limit(1001)
    sql = str(counted.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as connection:
        for mode in ("force_custom_plan", "force_generic_plan"):
            connection.exec_driver_sql(f"SET plan_cache_mode = {mode}")
            connection.exec_driver_sql(f"PREPARE counted_{mode} AS {sql}")
            plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN EXECUTE counted_{mode}"))
            assert "SubPlan" in plan and "Semi Join" not in plan, plan


def test_every_page_has_the_prototype_banner_and_loads_htmx(client, auth, db):
    World(db)
    for page in (client.get("/sign-in"), (auth.sign_in("nurse"), client.get("/"))[1], client.get("/people")):
        html = page.get_data(as_text=True)
        assert "Prototype" in html and "synthetic data only" in html
        assert "/vendor/htmx/htmx.min.js" in html
        assert 'hx-headers="{&#34;X-CSRFToken&#34;: ' in html  # htmx sends the CSRF token on every request


def _status(client, url: str) -> int:
    with client.get(url) as response:  # a file's response holds the file open until it is closed
        return response.status_code


def test_front_end_packages_are_served_from_node_modules(client):
    assert _status(client, "/vendor/htmx/htmx.min.js") == 200
    assert _status(client, "/vendor/nhsuk/nhsuk-frontend.min.css") == 200
    assert _status(client, "/vendor/nhsuk/nhsuk-frontend.min.js") == 200
    assert _status(client, "/assets/images/favicon.svg") == 200
    assert _status(client, "/vendor/left-pad/index.js") == 404
    assert _status(client, "/vendor/nhsuk/../../../package.json") == 404


def test_an_over_large_request_is_refused_with_a_page(client, auth, db):
    World(db)
    auth.sign_in("nurse")
    response = client.post("/sign-out", data={"csrf_token": auth.csrf_token(), "padding": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_an_unknown_page_is_a_404_page(client, auth, db):
    World(db)
    auth.sign_in("nurse")
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)


def test_every_migration_downgrades_and_upgrades_cleanly(tmp_path, is_postgres):
    if is_postgres:
        pytest.skip("round trip checked on SQLite; PostgreSQL runs the upgrades for every test run")
    from alembic import command

    from app.ops import migrate

    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    migrate.upgrade(url)
    command.downgrade(migrate.alembic_config(url), "base")
    migrate.upgrade(url)
    assert migrate.current(url) is not None


def test_every_page_has_a_strict_content_security_policy_and_security_headers(client):
    response = client.get("/sign-in")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    html = response.get_data(as_text=True)
    assert f'<script nonce="{nonce}">' in html  # the only inline script carries the nonce
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/sign-in").headers["Content-Security-Policy"] != policy  # a fresh nonce each time


def test_an_htmx_request_that_is_refused_replaces_the_page_content_with_the_refusal(client, auth, db):
    world = World(db)
    auth.sign_in("outsider")
    response = client.get(f"/people/{world.person.id}/assessment/sections/perspective/edit", headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert response.headers["HX-Retarget"] == "#maincontent"
    body = response.get_data(as_text=True)
    assert "You do not have access" in body
    assert "<html" not in body and "Lovelace" not in body
