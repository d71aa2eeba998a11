"""outward names: PostgreSQL finds a name with the first half of a postcode pair of names by pair

`ix_person_names_postcode` (given name key, family name key, postcode key), which SQLite has had
since 0020_n_name_keys, now on PostgreSQL too: a name with the first half of a postcode ("Smyth
WF1") is matched among the pairs of names people hold (`person_name_pair`), and each pair's holders
in that outward code are read from this index (app/front_door/search.py, `_people_of_pairs`).
Before, PostgreSQL read everyone whose name was like the typed one across the district and then
kept those in the outward code: 60,000 people for one name at 2.4 million.

Revision ID: 0022_outward_names
Revises: 0021_caseload_count
Create Date: 2026-12-01 11:00:00
"""

from alembic import op

revision = "0022_outward_names"
down_revision = "0021_caseload_count"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_person_names_postcode ON person (given_name_key, family_name_key, postcode_key)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_person_names_postcode")
