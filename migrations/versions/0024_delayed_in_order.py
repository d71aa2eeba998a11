"""delayed in order: ix_referral_awaiting_discharge gains the referral's id, so the front door's
longest delayed discharges are read in order and stop at the fiftieth

The figures page lists the DELAYED_LISTED longest waits of those medically optimised whose referral
awaits a decision, by the day they were ready and then by id. The index (status, source,
medically_optimised_on) gave the day but not the id, and a status IN (received, triaged) is two
ranges of it: PostgreSQL read every waiting referral and sorted them to find the first fifty
(2,024 rows at 2.4 million people, 3 ms and growing with the district). With the id last, each
status's range is already in the list's order: the statement takes the first fifty of each and
merges them (app/front_door/figures.py), about a hundred entries whatever the size.

Revision ID: 0024_delayed_in_order
Revises: 0023_drop_person_trigram
Create Date: 2026-12-01 21:30:00
"""

from alembic import op

revision = "0024_delayed_in_order"
down_revision = "0023_drop_person_trigram"
branch_labels = None
depends_on = None

NAME = "ix_referral_awaiting_discharge"


def upgrade() -> None:
    op.drop_index(NAME, table_name="referral")
    op.create_index(NAME, "referral", ["status", "source", "medically_optimised_on", "id"], unique=False)


def downgrade() -> None:
    op.drop_index(NAME, table_name="referral")
    op.create_index(NAME, "referral", ["status", "source", "medically_optimised_on"], unique=False)
