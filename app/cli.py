"""Command-line tools: `flask --app app db upgrade`, `demo-data`, `create-user`, `audit verify`, `backup`."""
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from app import audit_chain, migrate

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


def init_app(app) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(audit_cli)
    from app import accounts_cli, api_tokens, demo

    app.cli.add_command(demo.demo_data_command)
    app.cli.add_command(demo.demo_sign_ins_command)
    app.cli.add_command(accounts_cli.create_user_command)
    app.cli.add_command(api_tokens.issue_token_command)
