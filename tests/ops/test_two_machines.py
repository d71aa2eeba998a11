"""Two OnePlan instances behind one load balancer: separate gunicorn servers (as if on two
machines) on different ports, sharing only the database, Redis and the SECRET_KEY. A signed-in
user moves between them mid-task, and nothing the web tier keeps in its own memory (sessions,
throttles, locks, the kept site header) lets one instance disagree with the other.

On PostgreSQL the two share one database; on SQLite they share one database file."""

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlencode

import pytest
from sqlmodel import select

from app.config import ROOT
from app.work import notifications
from bench.load import Client
from models import CarePlan, CarePlanPart, User
from tests import factories
from tests.conftest import FAST_HASH, PASSWORD
from tests.factories import World

_HIDDEN = re.compile(r'name="(csrf_token|version)" value="([^"]*)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
_UNREAD = re.compile(r'class="app-count">(\d+)<')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_url() -> str:
    """Redis at 127.0.0.1:6379 when it answers (the throttles' shared store), else '' (the database)."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            if s.recv(16).startswith(b"+PONG"):
                return "redis://127.0.0.1:6379/0"
    except OSError:
        pass
    return ""


def _wait_for(server: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.2)


@contextmanager
def _instances(database_url: str, **settings: str) -> Iterator[tuple[int, int]]:
    """Two gunicorn servers, one worker each, on two free loopback ports: what they share is what
    a deployment behind a load balancer shares (the database, Redis, the SECRET_KEY)."""
    config = f"app:create_app({{'PASSWORD_HASH_COST': {FAST_HASH!r}, 'SECOND_FACTOR_DEMO_SKIP': True}})"
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_hex(16), "ONEPLAN_ENV": "development"}
    # A key prefix of this run's own, so counts in a Redis shared with other runs start at nought.
    env.update(REDIS_URL=_redis_url(), RATELIMIT_KEY_PREFIX=f"oneplan-test-{uuid.uuid4().hex[:8]}", SQLITE_BUSY_TIMEOUT_MS="30000")
    env.update(settings)
    servers, ports = [], []
    try:
        for _ in range(2):
            port = _free_port()
            command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", config]
            servers.append(subprocess.Popen(command, cwd=ROOT, env=env))
            ports.append(port)
        for server, port in zip(servers, ports, strict=True):
            _wait_for(server, port)
        yield ports[0], ports[1]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


def _on(port: int, cookies: dict[str, str]) -> Client:
    """The same browser (one cookie jar, `cookies` itself) sent to another instance by the load balancer."""
    client = Client(port)
    client.cookies = cookies
    return client


def _sign_in_attempt(client: Client, username: str, password: str) -> tuple[int, str]:
    status, page = client.get("/sign-in")
    token = _CSRF.search(page)
    assert status == 200 and token, status
    return client.request(
        "POST", "/sign-in", urlencode({"csrf_token": token.group(1), "username": username, "password": password, "next": ""})
    )


def test_a_user_moved_between_two_instances_mid_task_sees_one_service(app, db, database_url):
    world = World(db)
    plan = factories.care_plan(db, world.person, world.nurse)
    notifications.notify(db, "test", "A referral for you", user_id=world.nurse.id)
    db.commit()
    person_id = world.person.id
    with _instances(database_url) as (a_port, b_port):
        a = Client(a_port)
        a.sign_in("nurse", PASSWORD)
        b = _on(b_port, a.cookies)

        # The header kept on A (per user, page and unread count) shows what is true now, whatever
        # changed through B: the unread count, and the user's name.
        status, page = a.get("/")
        assert status == 200 and _UNREAD.findall(page) == ["1"] and world.nurse.full_name in page
        status, page = b.get("/")
        assert status == 200 and _UNREAD.findall(page) == ["1"]
        status, _ = b.request("POST", "/inbox/read", urlencode({"csrf_token": _CSRF.search(page).group(1)}))
        assert status in (302, 303), status
        status, page = a.get("/")
        assert status == 200 and not _UNREAD.findall(page)
        db.exec(select(User).where(User.id == world.nurse.id)).one().full_name = "Nurse Renamed-Elsewhere"
        db.commit()
        status, page = a.get("/")
        assert status == 200 and "Nurse Renamed-Elsewhere" in page

        # Open a care plan part's form on A; save it on B with the version A showed; read it on A.
        status, form = a.get(f"/people/{person_id}/care-plan/parts/about_me/edit", htmx=True)
        assert status == 200, form[:300]
        hidden = dict(_HIDDEN.findall(form))
        text = f"Saved through the other instance {secrets.token_hex(4)}"
        status, answer = b.request(
            "POST",
            f"/people/{person_id}/care-plan/parts/about_me",
            urlencode({**hidden, "what_matters": text}),
            headers={"HX-Request": "true"},
        )
        assert status == 200, answer[:300]
        status, page = a.get(f"/people/{person_id}/care-plan")
        assert status == 200 and text in page
        # The same version saved again (through A this time) is stale: shown as a conflict, never lost.
        status, answer = a.request(
            "POST",
            f"/people/{person_id}/care-plan/parts/about_me",
            urlencode({**hidden, "what_matters": "A late save"}),
            headers={"HX-Request": "true"},
        )
        assert status == 409, status
        db.expire_all()
        part = db.exec(select(CarePlanPart).where(CarePlanPart.care_plan_id == plan.id, CarePlanPart.part_key == "about_me")).one()
        assert part.answers["what_matters"] == text and part.version == int(hidden["version"]) + 1
        assert db.exec(select(CarePlan).where(CarePlan.id == plan.id)).one().version >= 2

        # Sign out on B: the browser's old cookie, sent to A, is signed out there too.
        cookie_before = dict(b.cookies)
        status, page = b.get("/")
        status, _ = b.request("POST", "/sign-out", urlencode({"csrf_token": _CSRF.search(page).group(1)}))
        assert status in (302, 303), status
        replayed = _on(a_port, cookie_before)  # the cookie from before signing out, kept
        status, _ = replayed.get(f"/people/{person_id}/care-plan")
        assert status in (302, 303), status
        status, _ = replayed.get(f"/people/{person_id}/care-plan/parts/about_me/edit", htmx=True)
        assert status == 401, status
        for client in (a, b, replayed):
            client.close()


def test_wrong_passwords_sent_to_either_instance_count_towards_one_lock(app, db, database_url):
    world = World(db)
    with _instances(database_url, SIGN_IN_LOCKOUT_FAILURES="4", SIGN_IN_RATE_LIMIT="1000 per minute") as ports:
        clients = [Client(port) for port in ports]
        for n in range(4):
            status, _ = _sign_in_attempt(clients[n % 2], "nurse", "not the password")
            assert status == 401, status  # the form again, with its error
        # Four wrong in a row, two on each: locked on both, even with the right password.
        for client in clients:
            status, page = _sign_in_attempt(client, "nurse", PASSWORD)
            assert status == 401 and "Your account is locked" in page, status
        db.expire_all()
        assert db.exec(select(User).where(User.id == world.nurse.id)).one().locked_at is not None
        for client in clients:
            client.close()


@pytest.mark.parametrize("store", ["redis", "database"])
def test_the_sign_in_throttle_counts_attempts_sent_to_both_instances(app, db, database_url, store):
    World(db)
    redis_url = _redis_url()
    if store == "redis" and not redis_url:
        pytest.skip("no Redis answers at 127.0.0.1:6379: the throttle's Redis store is not tried")
    with _instances(database_url, SIGN_IN_RATE_LIMIT="6 per minute", REDIS_URL=redis_url if store == "redis" else "") as ports:
        clients = [Client(port) for port in ports]
        statuses = [_sign_in_attempt(clients[n % 2], "nobody", "wrong")[0] for n in range(6)]
        assert statuses == [401] * 6, statuses
        # Three attempts on each are six from this address: the seventh is refused by either.
        for client in clients:
            status, page = _sign_in_attempt(client, "nobody", "wrong")
            assert status == 429 and "too many sign-in attempts" in page, status
        for client in clients:
            client.close()
