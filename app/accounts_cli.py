"""`flask --app app create-user`: add a member of staff, password from standard input."""
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import select

from app import accounts
from app.db import get_session
from models import Agency, Network


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--full-name", required=True)
@click.option("--agency", "agency_name", required=True, help="The agency's exact name.")
@click.option("--role", required=True, type=click.Choice([r.value for r in accounts.Role]))
@click.option("--profession", required=True, type=click.Choice([p.value for p in accounts.Profession]))
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
    clean, errors = accounts.validate_new_user(
        session,
        {
            "username": username,
            "full_name": full_name,
            "agency_id": agency_id,
            "role": role,
            "profession": profession,
            "network_id": network_id or "",
            "password": password,
        },
    )
    if errors:
        raise click.ClickException("; ".join(errors.values()))
    user = accounts.create_user(session, clean, current_app.extensions["oneplan_hasher"])
    session.commit()
    click.echo(f"Created user {user.username} ({user.role.label}, {agency_name}).")
