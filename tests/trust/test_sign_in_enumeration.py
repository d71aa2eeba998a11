"""Sign-in does not tell which usernames exist: a name with no account (or a deactivated one)
and a real account with a wrong password get the same answer, and cost the same work, at every
try, before and after the lock-out. The work is counted (password checks, hashes made), not timed."""

import pytest
from sqlmodel import select

from app.trust import accounts
from models import User
from tests.conftest import AuthActions
from tests.factories import World
from tests.trust.test_sign_in_limits import CountingHasher

LOCKOUT = 10
TRIES = LOCKOUT + 3  # past the lock-out too


class HashCountingHasher(CountingHasher):
    """Also notes every hash it makes."""

    def __init__(self):
        super().__init__()
        self.made = 0

    def hash(self, password, *, salt=None):
        self.made += 1
        return super().hash(password, salt=salt)


@pytest.fixture
def world(db):
    return World(db)


def _deactivated(db, world) -> str:
    world.outsider.is_active = False
    db.add(world.outsider)
    db.commit()
    return "outsider"


def test_an_unknown_name_gets_the_same_message_as_a_wrong_password_at_every_try(db, world):
    hasher = HashCountingHasher()
    deactivated = _deactivated(db, world)
    for attempt in range(1, TRIES + 1):
        answers = {
            name: accounts.sign_in(db, name, "wrong password!!", hasher=hasher, lockout_failures=LOCKOUT).message
            for name in ("nurse", "nobody", deactivated)
        }
        db.commit()
        assert len(set(answers.values())) == 1, (attempt, answers)
    assert answers["nobody"] == accounts.LOCKED  # the lock-out message reaches unknown names too


def test_every_try_checks_exactly_one_password_and_makes_no_hash_whether_the_name_exists_or_not(db, world):
    hasher = HashCountingHasher()
    deactivated = _deactivated(db, world)
    for attempt in range(1, TRIES + 1):
        for name in ("nurse", "nobody", deactivated):
            checked_before = len(hasher.checked)
            accounts.sign_in(db, name, "wrong password!!", hasher=hasher, lockout_failures=LOCKOUT)
            db.commit()
            assert len(hasher.checked) - checked_before == 1, (attempt, name)
    assert hasher.made == 0  # the stand-in hash was made once, when the app set up its hasher


def test_a_locked_account_checks_a_password_even_when_it_refuses_it(db, world):
    hasher = HashCountingHasher()
    for _ in range(LOCKOUT):
        accounts.sign_in(db, "nurse", "wrong password!!", hasher=hasher, lockout_failures=LOCKOUT)
    db.commit()
    nurse_hash = db.exec(select(User.password_hash).where(User.username == "nurse")).one()
    checked_before = len(hasher.checked)
    assert accounts.sign_in(db, "nurse", "wrong password!!", hasher=hasher, lockout_failures=LOCKOUT).message == accounts.LOCKED
    assert len(hasher.checked) == checked_before + 1
    assert hasher.checked[-1] != nurse_hash  # the account's own password is no longer checked


def _messages(page) -> list[str]:
    text = page.get_data(as_text=True)
    return [message for message in (accounts.GENERIC_FAILURE, accounts.LOCKED) if message in text]


def test_the_sign_in_page_answers_an_unknown_name_as_a_wrong_password_at_every_try(app, db, world):
    app.config["SIGN_IN_LOCKOUT_FAILURES"] = LOCKOUT
    clients = {name: AuthActions(app.test_client()) for name in ("nurse", "nobody")}
    for attempt in range(1, TRIES + 1):
        pages = {name: auth.sign_in(name, "wrong password!!") for name, auth in clients.items()}
        statuses = {name: page.status_code for name, page in pages.items()}
        messages = {name: _messages(page) for name, page in pages.items()}
        assert statuses == {"nurse": 401, "nobody": 401}, attempt
        assert messages["nurse"] == messages["nobody"] != [], (attempt, messages)
