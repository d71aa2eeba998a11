"""Command-line tools: `flask --app app db upgrade`, `demo-data`, `create-user`, `audit verify`, `backup`."""
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from app import audit_chain, backup, migrate
from app.config import normalise_database_url

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
def audit_verify() -> None:
    """Walk the audit hash chain; exit 1 naming the first event that was edited, deleted or moved."""
    with current_app.extensions["oneplan_engine"].connect() as connection:
        verdict = audit_chain.verify(connection)
    if not verdict.ok:
        click.echo(f"The audit trail is broken: {verdict.problem}", err=True)
        click.echo(f"{verdict.checked} events before it are whole.", err=True)
        sys.exit(1)
    click.echo(f"The audit trail is whole: {verdict.checked} events checked, in order, none changed.")
    click.echo(f"Head hash: {verdict.head_hash}")


@click.command("backup")
@click.option("--to", "to", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The file to write (default: instance/backups/oneplan-<time>.db, or .dump on PostgreSQL).")
@with_appcontext
def backup_command(to) -> None:
    """Write a consistent copy of the database (SQLite online backup; pg_dump on PostgreSQL)."""
    url = current_app.config["DATABASE_URL"]
    target = to or backup.default_path(url, Path(current_app.instance_path) / "backups")
    try:
        written = backup.backup(url, target)
    except backup.BackupError as problem:
        raise click.ClickException(str(problem))
    click.echo(f"Backed up {migrate.describe(url)} to {written} ({written.stat().st_size:,} bytes).")


@click.command("restore")
@click.argument("backup_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--into", "into", default=None, help="The URL of an empty database to restore into (default: DATABASE_URL).")
@with_appcontext
def restore_command(backup_file: Path, into) -> None:
    """Put a backup into an empty database; then run `audit verify` against it."""
    url = into or current_app.config["DATABASE_URL"]
    try:
        backup.restore(backup_file, normalise_database_url(url))
    except backup.BackupError as problem:
        raise click.ClickException(str(problem))
    click.echo(f"Restored {backup_file} into {migrate.describe(normalise_database_url(url))}.")


def init_app(app) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    from app import accounts_cli, api_tokens, demo

    app.cli.add_command(demo.demo_data_command)
    app.cli.add_command(demo.demo_sign_ins_command)
    app.cli.add_command(accounts_cli.create_user_command)
    app.cli.add_command(api_tokens.issue_token_command)
