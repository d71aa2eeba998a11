"""the house: inbox items link to a page by its endpoint and arguments, not by a stored address

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 09:00:00
"""

import json
import re

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The addresses OnePlan stored in inbox items until now, and the endpoints that serve them.
_ADDRESSES = [
    (re.compile(r"^/people/(\d+)/care-plan(?:#(.+))?$"), "care_plan.show"),
    (re.compile(r"^/people/(\d+)(?:#(.+))?$"), "care_plan.person"),
    (re.compile(r"^/referrals/(\d+)(?:#(.+))?$"), "front_door.referral"),
]
_ARGUMENT = {"care_plan.show": "person_id", "care_plan.person": "person_id", "front_door.referral": "referral_id"}


def _endpoint(link):
    for pattern, endpoint in _ADDRESSES:
        found = pattern.match(link or "")
        if found:
            args = {_ARGUMENT[endpoint]: int(found.group(1))}
            if found.group(2):
                args["_anchor"] = found.group(2)
            return endpoint, args
    return None, {}


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_endpoint", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
        batch_op.add_column(sa.Column("link_args", sa.JSON(), nullable=True))
    connection = op.get_bind()
    notification = sa.table(
        "notification",
        sa.column("id", sa.Integer()),
        sa.column("link", sa.String()),
        sa.column("link_endpoint", sa.String()),
        sa.column("link_args", sa.JSON()),
    )
    for row in connection.execute(sa.select(notification.c.id, notification.c.link).where(notification.c.link.is_not(None))).all():
        endpoint, args = _endpoint(row.link)
        connection.execute(notification.update().where(notification.c.id == row.id).values(link_endpoint=endpoint, link_args=args))
    connection.execute(notification.update().where(notification.c.link_args.is_(None)).values(link_args={}))
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.alter_column("link_args", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("link")


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
    connection = op.get_bind()
    notification = sa.table(
        "notification",
        sa.column("id", sa.Integer()),
        sa.column("link", sa.String()),
        sa.column("link_endpoint", sa.String()),
        sa.column("link_args", sa.JSON()),
    )
    paths = {
        "care_plan.show": "/people/{person_id}/care-plan",
        "care_plan.person": "/people/{person_id}",
        "front_door.referral": "/referrals/{referral_id}",
    }
    for row in connection.execute(sa.select(notification.c.id, notification.c.link_endpoint, notification.c.link_args)).all():
        args = row.link_args if isinstance(row.link_args, dict) else json.loads(row.link_args or "{}")
        if row.link_endpoint in paths:
            link = paths[row.link_endpoint].format(**args) + (f"#{args['_anchor']}" if args.get("_anchor") else "")
            connection.execute(notification.update().where(notification.c.id == row.id).values(link=link))
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_column("link_args")
        batch_op.drop_column("link_endpoint")
