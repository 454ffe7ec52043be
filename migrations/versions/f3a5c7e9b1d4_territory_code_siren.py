"""territory code: a commune's INSEE code or an intercommunalité's SIREN number

Revision ID: f3a5c7e9b1d4
Revises: d5e7f9a1b3c4
Create Date: 2026-12-08 10:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f3a5c7e9b1d4"
down_revision = "d5e7f9a1b3c4"
branch_labels = None
depends_on = None


def upgrade():
    # 5 characters (INSEE code of a commune) → 9 (SIREN number of an intercommunalité).
    with op.batch_alter_table("qualifications", schema=None) as batch_op:
        batch_op.alter_column(
            "insee_code",
            existing_type=sa.String(length=5),
            type_=sa.String(length=9),
            existing_nullable=True,
        )


def downgrade():
    # A SIREN number does not fit the old column: it is emptied (the territory's name,
    # a separate column, stays).
    op.execute("UPDATE qualifications SET insee_code = NULL WHERE length(insee_code) > 5")
    with op.batch_alter_table("qualifications", schema=None) as batch_op:
        batch_op.alter_column(
            "insee_code",
            existing_type=sa.String(length=9),
            type_=sa.String(length=5),
            existing_nullable=True,
        )
