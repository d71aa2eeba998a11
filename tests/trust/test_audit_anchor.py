"""Cutting the end off the audit trail is found: the chain head only moves forward, and a head
hash kept elsewhere (`audit anchor`) shows a chain cut back before it, even one whole again."""

import os
import stat

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from app.trust import audit_chain
from models import AuditEvent
from tests.factories import World
from tests.trust.test_audit_chain import _events, _tamper


@pytest.fixture
def trail(app, db):
    world = World(db)
    _events(db, 6, world)
    return world


def _anchor(runner) -> str:
    result = runner.invoke(args=["audit", "anchor"])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def _cut_back_to(app, last_kept: int) -> None:
    """What the outside test did: lift the triggers, delete the last events, move the head back."""
    _tamper(app, "DELETE FROM audit_event WHERE seq > :last", last=last_kept)
    _tamper(app, "UPDATE audit_chain_head SET seq = :last", last=last_kept)


def test_anchor_prints_the_head_hash_of_a_whole_chain(trail, runner, db):
    head = _anchor(runner)
    last = db.exec(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert head == last.hash and audit_chain.is_hash(head)


def test_a_chain_cut_back_and_made_whole_again_passes_plain_verify_but_not_against_the_anchor(trail, app, runner):
    head = _anchor(runner)
    _cut_back_to(app, 4)
    plain = runner.invoke(args=["audit", "verify"])
    assert plain.exit_code == 0  # whole, as far as the database alone can tell: why the anchor is kept elsewhere
    anchored = runner.invoke(args=["audit", "verify", "--expect-head", head])
    assert anchored.exit_code == 1
    assert "does not reach the head noted elsewhere" in anchored.output and "ends at seq 4" in anchored.output


def test_verify_against_an_older_anchor_passes_as_the_chain_grows(trail, app, db, runner):
    head = _anchor(runner)
    _events(db, 3, trail)
    result = runner.invoke(args=["audit", "verify", "--expect-head", head.upper()])
    assert result.exit_code == 0, result.output
    assert "passes through the head noted earlier" in result.output


def test_an_empty_chains_anchor_is_the_genesis_hash_and_verifies(app, runner):
    head = _anchor(runner)
    assert head == audit_chain.GENESIS
    assert runner.invoke(args=["audit", "verify", "--expect-head", head]).exit_code == 0


def test_verify_refuses_an_expected_head_that_is_not_a_hash(trail, runner):
    result = runner.invoke(args=["audit", "verify", "--expect-head", "not-a-hash"])
    assert result.exit_code == 2 and "64 hexadecimal characters" in result.output


def test_anchor_writes_the_head_to_a_file_only_its_owner_can_read(trail, runner, tmp_path):
    target = tmp_path / "anchors" / "oneplan-audit-head"
    result = runner.invoke(args=["audit", "anchor", "--to", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text().strip() == _anchor(runner)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600


def test_anchor_refuses_a_broken_chain_and_writes_nothing(trail, app, runner, tmp_path):
    _tamper(app, "UPDATE audit_event SET reason = 'edited' WHERE seq = 2")
    target = tmp_path / "head"
    result = runner.invoke(args=["audit", "anchor", "--to", str(target)])
    assert result.exit_code == 1 and "broken" in result.output and not target.exists()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_chain_head SET seq = seq - 1", "UPDATE audit_chain_head SET seq = 0", "DELETE FROM audit_chain_head"],
)
def test_the_database_refuses_to_move_the_chain_head_back(trail, app, statement):
    with pytest.raises(DBAPIError, match="only moves forward"), app.extensions["oneplan_engine"].begin() as connection:
        connection.execute(text(statement))


def test_postgresql_refuses_to_truncate_the_chain_head(trail, app, is_postgres):
    if not is_postgres:
        pytest.skip("TRUNCATE is PostgreSQL's")
    with pytest.raises(DBAPIError, match="only moves forward"), app.extensions["oneplan_engine"].begin() as connection:
        connection.execute(text("TRUNCATE audit_chain_head"))


def test_a_verdict_against_an_unreached_anchor_says_where_the_chain_ends(trail, app, db, runner):
    head = _anchor(runner)
    _cut_back_to(app, 4)
    fourth = db.exec(select(AuditEvent).where(AuditEvent.seq == 4)).one()
    with app.extensions["oneplan_engine"].connect() as connection:
        verdict = audit_chain.verify(connection, expect_head=head)
    assert not verdict.ok
    assert (verdict.checked, verdict.head_hash) == (4, fourth.hash)
    assert f"({head})" in verdict.problem and f"seq 4, hash {fourth.hash}" in verdict.problem


@pytest.mark.parametrize(
    ("value", "is_hash"),
    [
        ("0123456789abcdef" * 4, True),
        ("f" * 64, True),
        ("a" * 63, False),  # too short, though every character is hexadecimal
        ("a" * 65, False),
        ("g" * 64, False),  # the right length, but not hexadecimal
        ("X" * 64, False),
        ("A" * 64, False),  # hexadecimal, but a chain hash is lowercase
        ("", False),
    ],
)
def test_only_64_lowercase_hexadecimal_characters_read_as_a_chain_hash(value, is_hash):
    assert audit_chain.is_hash(value) is is_hash
