"""`flask --app app demo-data`: a synthetic Wakefield-like district (written in a later step)."""
import click
from flask.cli import with_appcontext


@click.command("demo-data")
@click.option("--people", "people_count", default=2000, show_default=True, type=click.IntRange(0, 2_000_000))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="Do nothing (exit 0) if the database already holds data.")
@with_appcontext
def demo_data_command(people_count, seed, if_empty):
    raise click.ClickException("demo-data is not written yet")
