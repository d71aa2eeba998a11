"""Many people editing one record at once, through real worker processes: every save either
lands or is refused as a conflict, and the record's history accounts for every save that
landed: no lost updates, no server errors.

The editing target is a row of EDIT_TARGETS, so the same storm can be pointed at any record
that is saved with the version its writer saw: the assessment's sections, the care plan's parts.
"""

import os
import random
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from sqlmodel import Session, select

from app.assessment import service
from app.config import ROOT
from app.trust import audit_chain
from bench.load import Client
from models import Assessment, AssessmentRevision, AssessmentSection, CarePlan, CarePlanPart, CarePlanRevision
from tests import factories
from tests.conftest import FAST_HASH, FIGURES, PASSWORD
from tests.factories import World

EDITORS = int(os.environ.get("ONEPLAN_CONCURRENT_EDITORS", "50"))
SAVES_EACH = int(os.environ.get("ONEPLAN_SAVES_PER_EDITOR", "3"))
RETRIES = int(os.environ.get("ONEPLAN_RETRIES_AFTER_CONFLICT", "4"))  # tries a save gets when someone else saved first
WORKERS = 4
_HIDDEN = re.compile(r'name="(csrf_token|version)" value="([^"]*)"')


@dataclass(frozen=True)
class EditTarget:
    """A record saved with the version its writer saw, and how to read back its history."""

    name: str
    prepare: Callable[[Session, World], None]  # make the record exist and editable by the care team
    form_path: Callable[[int], str]  # the edit form (asked for as htmx), carrying the version seen
    save_path: Callable[[int], str]
    answers: Callable[[str], dict]  # a save whose text is `text`
    history: Callable[[Session, int], list[tuple[int, str]]]  # (version, text) of every stored save, oldest first
    current: Callable[[Session, int], tuple[int, str]]  # (version, text) of the record now


def _open_assessment(db: Session, world: World) -> None:
    service.open_assessment(db, world.person, world.nurse)
    db.commit()


def _perspective_history(db: Session, person_id: int) -> list[tuple[int, str]]:
    assessment = db.exec(select(Assessment).where(Assessment.person_id == person_id)).one()
    rows = db.exec(
        select(AssessmentRevision)
        .where(AssessmentRevision.assessment_id == assessment.id)
        .where(AssessmentRevision.section_key == "perspective")
        .order_by(AssessmentRevision.section_version)
    ).all()
    return [(r.section_version, r.answers.get("what_matters", "")) for r in rows]


def _perspective_now(db: Session, person_id: int) -> tuple[int, str]:
    assessment = db.exec(select(Assessment).where(Assessment.person_id == person_id)).one()
    row = db.exec(
        select(AssessmentSection)
        .where(AssessmentSection.assessment_id == assessment.id)
        .where(AssessmentSection.section_key == "perspective")
    ).one()
    return row.version, (row.answers or {}).get("what_matters", "")


def _open_care_plan(db: Session, world: World) -> None:
    factories.care_plan(db, world.person, world.nurse)


def _about_me_history(db: Session, person_id: int) -> list[tuple[int, str]]:
    """Each save of the part is the plan's next revision; the part's own version is its place among them."""
    plan = db.exec(select(CarePlan).where(CarePlan.person_id == person_id)).one()
    rows = db.exec(
        select(CarePlanRevision)
        .where(CarePlanRevision.care_plan_id == plan.id, CarePlanRevision.item_type == "part", CarePlanRevision.item_key == "about_me")
        .order_by(CarePlanRevision.plan_version)
    ).all()
    # The plan's own numbering has no gaps either: every revision of the plan is one of these saves.
    every = db.exec(
        select(CarePlanRevision.plan_version).where(CarePlanRevision.care_plan_id == plan.id).order_by(CarePlanRevision.plan_version)
    ).all()
    assert list(every) == list(range(2, plan.version + 1)) and len(every) == len(rows)
    return [(n, r.values.get("what_matters", "")) for n, r in enumerate(rows, start=1)]


def _about_me_now(db: Session, person_id: int) -> tuple[int, str]:
    plan = db.exec(select(CarePlan).where(CarePlan.person_id == person_id)).one()
    part = db.exec(select(CarePlanPart).where(CarePlanPart.care_plan_id == plan.id, CarePlanPart.part_key == "about_me")).one()
    return part.version, (part.answers or {}).get("what_matters", "")


EDIT_TARGETS = [
    EditTarget(
        name="assessment: the person's perspective",
        prepare=_open_assessment,
        form_path=lambda person_id: f"/people/{person_id}/assessment/sections/perspective/edit",
        save_path=lambda person_id: f"/people/{person_id}/assessment/sections/perspective",
        answers=lambda text: {"what_matters": text, "perspective_given_by": "person"},
        history=_perspective_history,
        current=_perspective_now,
    ),
    EditTarget(
        name="care plan: about me",
        prepare=_open_care_plan,
        form_path=lambda person_id: f"/people/{person_id}/care-plan/parts/about_me/edit",
        save_path=lambda person_id: f"/people/{person_id}/care-plan/parts/about_me",
        answers=lambda text: {"what_matters": text},
        history=_about_me_history,
        current=_about_me_now,
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn(database_url):
    """The application in 4 gunicorn worker processes on the run's test database."""
    port = _free_port()
    config = f"app:create_app({{'PASSWORD_HASH_COST': {FAST_HASH!r}, 'SECOND_FACTOR_DEMO_SKIP': True}})"
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_hex(16), "ONEPLAN_ENV": "development"}
    env.update(REDIS_URL="", SIGN_IN_RATE_LIMIT="10000 per minute")  # every editor signs in from 127.0.0.1
    # The suite's other workers share the cores: a write may wait longer for the lock than the 5 s a
    # served OnePlan allows. What this test checks is that no update is lost, not how fast they land.
    env["SQLITE_BUSY_TIMEOUT_MS"] = "30000"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            config,
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


@dataclass
class Save:
    editor: int
    text: str
    seen: int
    status: int


def _storm(port: int, target: EditTarget, person_id: int, usernames: list[str]) -> list[Save]:
    """Every editor signs in, then all at once: fetch the form, save, and again, SAVES_EACH times."""
    clients = []
    for username in usernames:
        client = Client(port)
        client.sign_in(username, PASSWORD)
        clients.append(client)
    start = threading.Barrier(len(clients))
    saves: list[Save] = []
    lock = threading.Lock()
    failures: list[BaseException] = []

    def editor(n: int, client: Client) -> None:
        try:
            start.wait(timeout=120)
            for attempt in range(SAVES_EACH):
                # Refused as a conflict, a person reads the newer version and saves again: a few tries each.
                for retry in range(RETRIES):
                    time.sleep(random.uniform(0, 0.5))  # people do not all click at the same instant
                    status, form = client.get(target.form_path(person_id), htmx=True)
                    assert status == 200, (status, form[:300])
                    hidden = dict(_HIDDEN.findall(form))
                    text = f"editor {n} save {attempt} try {retry}: {secrets.token_hex(4)}"
                    body = urlencode({**hidden, **target.answers(text)})
                    status, _ = client.request("POST", target.save_path(person_id), body, headers={"HX-Request": "true"})
                    with lock:
                        saves.append(Save(n, text, int(hidden["version"]), status))
                    if status != 409:
                        break
        except BaseException as error:  # reported by the test
            failures.append(error)
        finally:
            client.close()

    threads = [threading.Thread(target=editor, args=(n, c)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[:3]
    return saves


@pytest.mark.parametrize("target", EDIT_TARGETS, ids=lambda t: t.name)
def test_concurrent_editors_lose_no_update_and_see_no_server_error(app, db, gunicorn, target):
    world = World(db)
    target.prepare(db, world)
    editors = [factories.user(db, world.nursing, username=f"editor{n:02d}") for n in range(EDITORS)]
    saves = _storm(gunicorn, target, world.person.id, [e.username for e in editors])

    statuses = [s.status for s in saves]
    server_errors = [s for s in statuses if s >= 500]
    accepted = [s for s in saves if s.status == 200]
    refused = [s for s in saves if s.status == 409]
    assert not server_errors, f"{len(server_errors)} server errors"
    assert len(accepted) + len(refused) == len(saves) >= EDITORS * SAVES_EACH, sorted(set(statuses))
    assert accepted, "no save landed"

    db.expire_all()
    history = target.history(db, world.person.id)
    versions = [v for v, _ in history]
    texts = [t for _, t in history]
    # Every accepted save is in the history once, at the version after the one its editor saw;
    # the history holds nothing else; versions run 1..N with no gaps.
    assert versions == list(range(1, len(accepted) + 1))
    assert sorted(texts) == sorted(s.text for s in accepted) and len(set(texts)) == len(texts)
    assert {(s.seen + 1, s.text) for s in accepted} == set(history)
    assert not {s.text for s in refused} & set(texts)
    assert target.current(db, world.person.id) == history[-1]
    lost = len(accepted) - len(set(texts) & {s.text for s in accepted})
    assert lost == 0
    with app.extensions["oneplan_engine"].connect() as connection:
        verdict = audit_chain.verify(connection)
    assert verdict.ok, verdict.problem
    kind = app.extensions["oneplan_engine"].dialect.name
    FIGURES[f"concurrency ({kind}, {target.name})"] = (
        f"{EDITORS} editors x {SAVES_EACH} saves (up to {RETRIES} tries each) across {WORKERS} gunicorn workers: {len(saves)} saves, "
        f"{len(accepted)} accepted, {len(refused)} refused as conflicts, {lost} lost, {len(server_errors)} 5xx; "
        f"audit chain whole ({verdict.checked} events)"
    )


def test_fifty_editors_of_different_goals_in_one_plan_all_land_in_one_numbered_history(app, db, gunicorn):
    """The other half of sharing one plan: people changing different things at once never refuse
    each other, yet every change takes its own number in the plan's one history."""
    from app.care_plan import commands
    from models import CarePlanGoal, PlanItemType

    world = World(db)
    plan = factories.care_plan(db, world.person, world.nurse)
    goals = [
        commands.add_item(
            db, plan, world.person, commands.AddItem(PlanItemType.goal, {"goal": f"Goal {n}", "status": "proposed"}), world.nurse
        ).item.id
        for n in range(EDITORS)
    ]
    db.commit()
    editors = [factories.user(db, world.nursing, username=f"goaleditor{n:02d}") for n in range(EDITORS)]
    clients = []
    for editor in editors:
        client = Client(gunicorn)
        client.sign_in(editor.username, PASSWORD)
        clients.append(client)
    start, lock, statuses, last_text, failures = threading.Barrier(EDITORS), threading.Lock(), [], {}, []

    def edit(n: int, client: Client) -> None:
        try:
            start.wait(timeout=120)
            base = f"/people/{world.person.id}/care-plan/goals/{goals[n]}"
            for attempt in range(SAVES_EACH):
                time.sleep(random.uniform(0, 0.2))
                status, form = client.get(base + "/edit", htmx=True)
                hidden = dict(_HIDDEN.findall(form))
                text = f"editor {n} save {attempt}"
                status, _ = client.request(
                    "POST", base, urlencode({**hidden, "goal": text, "status": "active"}), headers={"HX-Request": "true"}
                )
                with lock:
                    statuses.append(status)
                    if status == 200:
                        last_text[goals[n]] = text
        except BaseException as error:
            failures.append(error)
        finally:
            client.close()

    threads = [threading.Thread(target=edit, args=(n, c)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[:3]
    assert statuses.count(200) == len(statuses) == EDITORS * SAVES_EACH, sorted(set(statuses))
    db.expire_all()
    revisions = db.exec(
        select(CarePlanRevision).where(CarePlanRevision.care_plan_id == plan.id).order_by(CarePlanRevision.plan_version)
    ).all()
    assert [r.plan_version for r in revisions] == list(range(2, 2 + EDITORS + EDITORS * SAVES_EACH))
    assert db.get(CarePlan, plan.id).version == 1 + EDITORS + EDITORS * SAVES_EACH
    for goal_id in goals:
        goal = db.get(CarePlanGoal, goal_id)
        assert goal.goal == last_text[goal_id] and goal.version == 1 + SAVES_EACH
        assert len([r for r in revisions if r.item_type == "goal" and r.item_key == str(goal_id)]) == 1 + SAVES_EACH
    kind = app.extensions["oneplan_engine"].dialect.name
    FIGURES[f"concurrency ({kind}, care plan: {EDITORS} editors, a goal each)"] = (
        f"{len(statuses)} saves, {statuses.count(200)} accepted, 0 refused, 0 lost, 0 5xx; plan history 2..{db.get(CarePlan, plan.id).version} "
        "with no gap"
    )
