"""registrations: one active registration per organisation (key or name); cancelled ones free the place

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("status != 'cancelled'")


def upgrade() -> None:
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("organisation_name_key", sa.String(length=220), nullable=True)
        )
        batch_op.drop_constraint("one_registration_per_organisation", type_="unique")
    op.execute("UPDATE registration SET organisation_name_key = lower(trim(organisation_name))")
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.alter_column(
            "organisation_name_key", existing_type=sa.String(length=220), nullable=False
        )
    op.create_index(
        "ux_registration_active_organisation",
        "registration",
        ["event_id", "organisation_key"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_index(
        "ux_registration_active_name",
        "registration",
        ["event_id", "organisation_name_key"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )


def downgrade() -> None:
    op.drop_index("ux_registration_active_name", table_name="registration")
    op.drop_index("ux_registration_active_organisation", table_name="registration")
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "one_registration_per_organisation", ["event_id", "organisation_key"]
        )
        batch_op.drop_column("organisation_name_key")
