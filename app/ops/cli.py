"""Command-line tools (`flask --app app <command>`): the schema, the audit trail, backup and restore,
accounts and API tokens; each command is a boundary that commits what it did once."""

import os
import sys
from datetime import date
from pathlib import Path
from typing import Optional

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlmodel import select

from app.config import normalise_database_url
from app.ops import backup, migrate
from app.ops.progress import Reporter
from app.transaction import get_session
from app.trust import accounts, api_tokens, audit_chain, second_factor
from app.work import workload
from models import Agency, Network, Profession, Role, User

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")


@db_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the Alembic migrations to DATABASE_URL."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database at {migrate.describe(current_app.config['DATABASE_URL'])} is at revision {revision}.")


@db_cli.command("current")
def db_current() -> None:
    """Print the revision the database is at."""
    click.echo(migrate.current(current_app.config["DATABASE_URL"]) or "(no revision: run `db upgrade`)")


audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
@click.option(
    "--expect-head",
    default=None,
    metavar="HASH",
    help="A head hash noted earlier by `audit anchor`, kept where the database cannot reach: the chain must still pass through it.",
)
def audit_verify(expect_head: Optional[str]) -> None:
    """Walk the audit hash chain; exit 1 naming the first event that was edited, deleted or moved,
    or, with --expect-head, if the chain no longer reaches the head noted earlier."""
    expected = (expect_head or "").strip().lower() or None
    if expected is not None and not audit_chain.is_hash(expected):
        raise click.BadParameter("give the 64 hexadecimal characters `audit anchor` printed", param_hint="--expect-head")
    with current_app.extensions["oneplan_engine"].connect() as connection:
        verdict = audit_chain.verify(connection, expect_head=expected)
    if not verdict.ok:
        click.echo(f"The audit trail is broken: {verdict.problem}", err=True)
        click.echo(f"{verdict.checked} events before it are whole.", err=True)
        sys.exit(1)
    click.echo(f"The audit trail is whole: {verdict.checked} events checked, in order, none changed.")
    if expected is not None:
        click.echo("It still passes through the head noted earlier.")
    click.echo(f"Head hash: {verdict.head_hash}")


@audit_cli.command("anchor")
@click.option(
    "--to",
    "to",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write the head hash to this file (made readable by its owner only) instead of printing it.",
)
def audit_anchor(to: Optional[Path]) -> None:
    """Check the chain, then print (or write) its head hash, to keep where the database cannot reach
    and give to `audit verify --expect-head` later. Exit 1, writing nothing, if the chain is broken."""
    with current_app.extensions["oneplan_engine"].connect() as connection:
        verdict = audit_chain.verify(connection)
    if not verdict.ok:
        click.echo(f"The audit trail is broken, so there is no head to anchor: {verdict.problem}", err=True)
        sys.exit(1)
    if to is None:
        click.echo(verdict.head_hash)
        return
    _write_private(to, verdict.head_hash + "\n")
    click.echo(f"Head hash of {verdict.checked} events written to {to}.", err=True)


def _write_private(path: Path, text: str) -> None:
    """Replace `path` whole with `text`, readable by its owner only: a half-written anchor would
    make a later verify fail for nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
        file.write(text)
    os.chmod(partial, 0o600)  # a leftover partial file keeps the mode it had
    os.replace(partial, path)


@click.command("backup")
@click.option(
    "--to",
    "to",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The file to write (default: instance/backups/oneplan-<time>.db, or .dump on PostgreSQL).",
)
@with_appcontext
def backup_command(to) -> None:
    """Write a consistent copy of the database (SQLite online backup; pg_dump on PostgreSQL)."""
    url = current_app.config["DATABASE_URL"]
    target = to or backup.default_path(url, Path(current_app.instance_path) / "backups")
    progress = Reporter("backup", " pages" if url.startswith("sqlite") else " bytes")
    try:
        written = backup.backup(url, target, progress)
    except backup.BackupError as problem:
        raise click.ClickException(str(problem)) from problem
    progress.finish()
    click.echo(f"Backed up {migrate.describe(url)} to {written} ({written.stat().st_size:,} bytes).")


@click.command("restore")
@click.argument("backup_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--into", "into", default=None, help="The URL of an empty database to restore into (default: DATABASE_URL).")
@with_appcontext
def restore_command(backup_file: Path, into) -> None:
    """Put a backup into an empty database; then run `audit verify` against it."""
    url = into or current_app.config["DATABASE_URL"]
    progress = Reporter("restore", " pages" if normalise_database_url(url).startswith("sqlite") else " entries")
    try:
        backup.restore(backup_file, normalise_database_url(url), progress)
    except backup.BackupError as problem:
        raise click.ClickException(str(problem)) from problem
    progress.finish()
    click.echo(f"Restored {backup_file} into {migrate.describe(normalise_database_url(url))}.")


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--full-name", required=True)
@click.option("--agency", "agency_name", required=True, help="The agency's exact name.")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--profession", required=True, type=click.Choice([p.value for p in Profession]))
@click.option("--network", "network_name", default=None, help="For a network lead: the network's exact name.")
@with_appcontext
def create_user_command(username, full_name, agency_name, role, profession, network_name):
    """Create a user in an agency with a role; the password is read from standard input."""
    session = get_session()
    agency_id = session.exec(select(Agency.id).where(Agency.name == agency_name)).first()
    if agency_id is None:
        raise click.ClickException(f"No agency is called {agency_name!r}.")
    network_id = None
    if network_name:
        network_id = session.exec(select(Network.id).where(Network.name == network_name)).first()
        if network_id is None:
            raise click.ClickException(f"No network is called {network_name!r}.")
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    command = accounts.NewUser(
        username=username,
        full_name=full_name,
        agency_id=agency_id,
        role=Role(role),
        profession=Profession(profession),
        network_id=network_id,
        password=password,
    )
    result = accounts.create_user(session, command, current_app.extensions["oneplan_hasher"])
    if not result.ok:
        raise click.ClickException("; ".join(result.errors.values()))
    session.commit()
    user = result.item
    assert user is not None  # a save that went through carries the user it made
    click.echo(f"Created user {user.username} ({user.role.label}, {agency_name}).")


@click.command("reset-second-factor")
@click.argument("username")
@with_appcontext
def reset_second_factor_command(username: str) -> None:
    """Take away USERNAME's authenticator app and recovery codes (a lost phone): they set up a new one at their next sign-in."""
    session = get_session()
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise click.ClickException(f"No user is called {username!r}.")
    second_factor.reset(session, user)
    session.commit()
    click.echo(f"{username} will set up a new authenticator app at their next sign-in; their sessions have ended.")


@click.command("issue-token")
@click.argument("username")
@click.option("--label", required=True, help="What the token is for, e.g. the sending system's name.")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 3650), help="Days until it expires.")
@with_appcontext
def issue_token_command(username: str, label: str, days: int) -> None:
    """Issue a FHIR API bearer token to USERNAME and print it (it is shown only this once)."""
    session = get_session()
    user = session.exec(select(User).where(User.username == username)).first()
    if not accounts.accepts_credentials(user):
        raise click.ClickException(f"No active, unlocked user is called {username!r}.")
    problem = api_tokens.label_problem(label)
    if problem:
        raise click.ClickException(problem)
    label = label.strip()
    token = api_tokens.issue(session, user, label, days)
    session.commit()
    click.echo(token)
    click.echo(f"Bearer token for {username} ({label}), valid for {days} days. It is not stored and cannot be shown again.", err=True)


@click.command("reminders")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Act as if it were this day (YYYY-MM-DD).")
@with_appcontext
def reminders_command(today) -> None:
    """Send the reminders that are due: each key worker is told, once per review date, of the plans
    they lead that are past their review date. Run it every day (see README, "Command line")."""
    session = get_session()
    sent = workload.send_review_reminders(session, today.date() if today else date.today())
    session.commit()
    click.echo(f"Sent {sent} review {'reminder' if sent == 1 else 'reminders'}.")


def init_app(app) -> None:
    from app.demo import cli as demo_cli

    for command in (
        db_cli,
        audit_cli,
        backup_command,
        restore_command,
        create_user_command,
        reset_second_factor_command,
        issue_token_command,
        reminders_command,
        demo_cli.demo_data_command,
        demo_cli.demo_sign_ins_command,
    ):
        app.cli.add_command(command)
