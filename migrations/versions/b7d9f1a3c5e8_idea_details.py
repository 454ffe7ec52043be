"""idea details: the other columns of an imported idea's file (source, commune, date…)

Revision ID: b7d9f1a3c5e8
Revises: 695dcf781e9c
Create Date: 2026-12-07 03:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7d9f1a3c5e8"
down_revision = "695dcf781e9c"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))


def downgrade():
    # A plain ALTER TABLE (SQLite 3.35+ and PostgreSQL): a batch rebuild of "ideas" on
    # SQLite would drop the table, and every row referring to it with ON DELETE CASCADE.
    op.drop_column("ideas", "details")
