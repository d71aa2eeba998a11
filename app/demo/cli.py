"""`flask --app app demo-data` and `demo-sign-ins`: the synthetic district for demonstrations."""

import time
from datetime import UTC, date, datetime

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import col, select

from app.demo import assessments, care_plans, contacts, district, network_work, person_accounts, referrals
from app.ops.progress import Progress, Reporter
from app.transaction import get_session
from app.work import workload
from models import Agency, Person, PersonAccount, User


@click.command("demo-data")
@click.option("--people", "people_count", default=2000, show_default=True, type=click.IntRange(0, 2_400_000))
@click.option(
    "--referrals",
    "referral_count",
    default=None,
    type=click.IntRange(0, 1_000_000),
    help="Referrals over the last 90 days [default: one for every eight people]",
)
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="Do nothing (exit 0) if the database already holds data.")
@with_appcontext
def demo_data_command(people_count, referral_count, seed, if_empty):
    """Build a synthetic district: 7 networks, 40 GP practices, every kind of agency, staff, people, care teams, referrals."""
    session = get_session()
    started = time.monotonic()
    password_hash = current_app.extensions["oneplan_hasher"].hash(district.DEMO_PASSWORD)
    people_progress = Progress("people", people_count)
    unnumbered = district.without_nhs_number(people_count)
    if unnumbered:
        click.echo(
            f"The 999 test range (the only one demo data may use: never issued to anyone) holds "
            f"{district.NHS_NUMBER_CAPACITY:,} valid NHS numbers: the first {district.NHS_NUMBER_CAPACITY:,} people get one, "
            f"and {unnumbered:,} are recorded with NHS number not known."
        )
    try:
        built = district.build(session, people_count, seed, password_hash, date.today(), echo=click.echo, progress=people_progress.update)
    except district.DistrictNotEmpty as refused:
        if if_empty:
            click.echo("The database already holds data; the demo district was not loaded.")
            return
        raise click.ClickException(
            "The database already holds data. demo-data only fills an empty database: point DATABASE_URL at a new one."
        ) from refused
    people_progress.finish()
    referral_count = people_count // 8 if referral_count is None else referral_count
    now = datetime.now(UTC)
    # Each long phase with its own progress: a bar with counts, rate and time left on a terminal, a
    # line every few seconds otherwise (the assessments and the plans count the people looked at).
    progress = Reporter("referrals")
    referrals.add_referrals(session, referral_count, seed, now, echo=click.echo, progress=progress)
    progress.finish()
    progress = Reporter("assessments: people on a caseload")
    assessment_count = assessments.add_assessments(session, seed, now, echo=click.echo, progress=progress)
    progress.finish()
    progress = Reporter("care plans: people assessed")
    plan_count = care_plans.add_care_plans(session, seed, now, echo=click.echo, progress=progress)
    progress.finish()
    network_work.add_network_work(session, seed, now, password_hash, echo=click.echo)
    contacts.add_contacts(session, seed, now, echo=click.echo)  # the timelines of contacts (issue 16)
    person_accounts.add_person_accounts(session, password_hash, echo=click.echo)
    reminders = workload.send_review_reminders(session, date.today())
    session.commit()
    click.echo(
        f"Built the demo district (seed {seed}) in {time.monotonic() - started:.1f}s: {built.networks} networks, "
        f"{built.agencies} agencies ({built.by_kind.get('gp_practice', 0)} GP practices), {built.users} staff, "
        f"{built.people:,} people, {built.caseload_people:,} on a caseload, {referral_count:,} referrals, "
        f"{assessment_count:,} assessments, {plan_count:,} care plans, {reminders:,} review reminders."
    )


@click.command("demo-sign-ins")
@with_appcontext
def demo_sign_ins_command():
    """Print the demo sign-ins, if the demo district is loaded."""
    session = get_session()
    usernames = [row[0] for row in district.DEMO_SIGN_INS] + list(network_work.DEMO_SIGN_INS)
    rows = session.exec(select(User, Agency).join(Agency, col(Agency.id) == User.agency_id).where(col(User.username).in_(usernames))).all()
    if not rows:
        click.echo("No demo sign-ins: this database was not built by demo-data.")
        return
    click.echo(f"Demo sign-ins (password for each: {district.DEMO_PASSWORD}):")
    by_name = {user.username: (user, agency) for user, agency in rows}
    for username in usernames:
        if username in by_name:
            user, agency = by_name[username]
            click.echo(f"  {username:<13} {user.role.label}, {agency.name}")
    people = session.exec(
        select(PersonAccount, Person).join(Person, col(Person.id) == PersonAccount.person_id).order_by(col(PersonAccount.id))
    ).all()
    if people:
        click.echo("People and carers, on their own pages (/my/sign-in), same password:")
        for account, person in people:
            click.echo(f"  {account.username:<13} {'carer of ' if account.kind == 'carer' else ''}{person.full_name}")
    if current_app.config["SECOND_FACTOR_DEMO_SKIP"]:
        click.echo("Demo configuration (ONEPLAN_DEMO=1): nobody is made to set up an authenticator app.")
    else:
        click.echo("Each will set up an authenticator app at first sign-in (ONEPLAN_DEMO=1, as `make run` sets, skips that).")
