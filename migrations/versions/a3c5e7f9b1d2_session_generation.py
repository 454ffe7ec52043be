"""session_generation: facilitators carry a session generation (sign-out ends sessions)

Revision ID: a3c5e7f9b1d2
Revises: e2f4a6b8c0d1
Create Date: 2026-12-06 21:45:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a3c5e7f9b1d2"
down_revision = "e2f4a6b8c0d1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("facilitators", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("facilitators", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
