"""Counting sign-in failures and requests holds under real concurrency: failures on an account are
counted in the database in one statement each (threads against the test database), and the
per-client-address limits on sign-in and on the API are shared by every worker, in the database
or in Redis."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher
from sqlmodel import Session, select

from app import create_app
from app.trust import accounts, api_tokens, attempt_counts, throttle
from models import AttemptCount, AuditEvent, User
from tests.conftest import FAST_HASH, FIGURES, PASSWORD, AuthActions
from tests.factories import World

PARALLEL = 20
LOCKOUT = 10
REDIS_URL = "redis://127.0.0.1:6379/0"


class CountingHasher(PasswordHasher):
    """Argon2 as the app has it, noting every hash it checks a password against."""

    def __init__(self):
        super().__init__(**FAST_HASH)
        self.checked: list[str] = []
        self._lock = threading.Lock()

    def verify(self, hash, password):
        with self._lock:
            self.checked.append(hash)
        return super().verify(hash, password)


def _in_parallel(count: int, work) -> list:
    """Run `work(i)` on `count` threads released at the same moment."""
    start = threading.Barrier(count)

    def run(i):
        start.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_parallel_wrong_passwords_are_each_counted_and_lock_the_account_after_exactly_the_limit(app, db):
    world = World(db)
    hasher = CountingHasher()
    engine = app.extensions["oneplan_engine"]

    def wrong_password(_):
        with Session(engine, expire_on_commit=False) as session:
            result = accounts.sign_in(session, "nurse", "wrong password!!", hasher=hasher, lockout_failures=LOCKOUT)
            session.commit()
            return result.message

    messages = _in_parallel(PARALLEL, wrong_password)
    db.refresh(world.nurse)
    assert world.nurse.failed_sign_ins == PARALLEL
    assert world.nurse.locked_at is not None
    assert hasher.checked.count(world.nurse.password_hash) == LOCKOUT  # no password checked past the limit
    assert messages.count(accounts.LOCKED) == PARALLEL - LOCKOUT + 1
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "account_locked")).all()) == 1
    FIGURES["parallel wrong passwords"] = (
        f"{PARALLEL} at once: failed_sign_ins={world.nurse.failed_sign_ins}, {LOCKOUT} password checks, locked once"
    )


def test_the_right_password_after_failures_starts_the_count_again(app, db):
    world = World(db)
    hasher = app.extensions["oneplan_hasher"]
    for _ in range(3):
        accounts.sign_in(db, "nurse", "wrong password!!", hasher=hasher)
    assert accounts.sign_in(db, "nurse", PASSWORD, hasher=hasher).user is not None
    db.commit()
    assert db.exec(select(User.failed_sign_ins).where(User.id == world.nurse.id)).one() == 0


def test_the_shared_count_gives_parallel_requests_each_their_own_number(app):
    store = throttle.DatabaseStorage(engine=app.extensions["oneplan_engine"])
    counts = _in_parallel(PARALLEL, lambda _: store.incr("test/one-key", 60))
    assert sorted(counts) == list(range(1, PARALLEL + 1))
    assert store.get("test/one-key") == PARALLEL


def test_a_shared_count_starts_again_when_its_window_ends(app):
    store = throttle.DatabaseStorage(engine=app.extensions["oneplan_engine"])
    store.incr("test/short", 60)
    with app.extensions["oneplan_engine"].begin() as connection:
        assert attempt_counts.add(connection, "test/short", expires_at=10**10, now=10**10) == 1  # as if a minute had passed


# --- per client address, across workers --------------------------------------------------------


def _worker(database_url, **config):
    """Another worker process's app: its own engine, its own limiter, the same store."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "PASSWORD_HASH_COST": FAST_HASH,
            "SIGN_IN_RATE_LIMIT": "4 per minute",
            "API_RATE_LIMIT": "4 per minute",
            **config,
        }
    )


@pytest.fixture
def redis_prefix():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    prefix = f"oneplan-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture(params=["database", "redis"])
def store(request, database_url):
    """The limiter's store: the database (no REDIS_URL), or the real Redis under a key prefix of this test's own."""
    if request.param == "database":
        return {"REDIS_URL": ""}
    return {"REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": request.getfixturevalue("redis_prefix")}


@pytest.fixture
def two_workers(app, database_url, store):
    workers = [_worker(database_url, **store) for _ in range(2)]
    yield workers
    for worker in workers:
        worker.extensions["oneplan_engine"].dispose()


def _sign_in_from(worker, address, password="wrong password!!"):
    client = worker.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return AuthActions(client).sign_in("nurse", password)


def test_sign_in_attempts_from_one_address_are_limited_across_workers(db, two_workers):
    World(db)
    first, second = two_workers
    statuses = [_sign_in_from(worker, "192.0.2.7").status_code for worker in (first, second, first, second)]
    assert statuses == [401] * 4
    refused = _sign_in_from(second, "192.0.2.7", PASSWORD)
    assert refused.status_code == 429
    assert throttle.SIGN_IN_REFUSED in refused.get_data(as_text=True) and "Retry-After" in refused.headers
    assert _sign_in_from(first, "192.0.2.8", PASSWORD).status_code == 302  # another address is not held up


def test_the_sign_in_limit_counts_tries_not_visits_to_the_page(db, two_workers):
    World(db)
    client = two_workers[0].test_client()
    for _ in range(10):
        assert client.get("/sign-in").status_code == 200
    assert AuthActions(client).sign_in("nurse").status_code == 302


def test_api_requests_from_one_address_are_limited_across_workers_with_or_without_a_token(db, two_workers):
    world = World(db)
    token = api_tokens.issue(db, world.nurse, "GP system")
    db.commit()
    statuses = []
    for i in range(4):
        client = two_workers[i % 2].test_client()
        headers = {"Authorization": f"Bearer {token if i % 2 else 'guessed'}"}
        statuses.append(client.get("/fhir/Organization?name=North", headers=headers, environ_base={"REMOTE_ADDR": "192.0.2.9"}).status_code)
    assert statuses == [401, 200, 401, 200]
    refused = (
        two_workers[0]
        .test_client()
        .get("/fhir/Organization?name=North", headers={"Authorization": f"Bearer {token}"}, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    )
    assert refused.status_code == 429
    assert refused.get_json(force=True)["issue"][0]["code"] == "throttled"


def test_without_redis_the_limits_are_counted_in_the_database(db, app, database_url):
    World(db)
    worker = _worker(database_url, REDIS_URL="")
    try:
        _sign_in_from(worker, "192.0.2.10")
        assert db.exec(select(AttemptCount.count).where(AttemptCount.key.contains("192.0.2.10"))).one() == 1
    finally:
        worker.extensions["oneplan_engine"].dispose()
