"""lookup indexes: a table's contribution votes, a facilitator's workshops

``contribution_votes`` by table (every snapshot of a table's phones counts its votes,
and deleting a table cascades to them) and ``workshop_facilitators`` by facilitator (a
facilitator's dashboard). Without them SQLite walked every row of both tables.

Revision ID: c5e7a9b1d3f6
Revises: a1c3e5f7b9d2
Create Date: 2026-12-07 16:55:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "c5e7a9b1d3f6"
down_revision = "a1c3e5f7b9d2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contribution_votes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contribution_votes_table", ["table_id", "contribution_id"], unique=False
        )
    with op.batch_alter_table("workshop_facilitators", schema=None) as batch_op:
        batch_op.create_index(
            "ix_workshop_facilitators_facilitator_id", ["facilitator_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("workshop_facilitators", schema=None) as batch_op:
        batch_op.drop_index("ix_workshop_facilitators_facilitator_id")
    with op.batch_alter_table("contribution_votes", schema=None) as batch_op:
        batch_op.drop_index("ix_contribution_votes_table")
