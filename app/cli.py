"""Command-line tools: `flask --app app db upgrade`, `demo-data`, `create-user`."""
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from app import migrate

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


def init_app(app) -> None:
    app.cli.add_command(db_cli)
    from app import accounts_cli, api_tokens, demo

    app.cli.add_command(demo.demo_data_command)
    app.cli.add_command(demo.demo_sign_ins_command)
    app.cli.add_command(accounts_cli.create_user_command)
    app.cli.add_command(api_tokens.issue_token_command)
