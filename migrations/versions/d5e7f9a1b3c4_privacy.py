"""privacy: erasure, retention and the replay floor

Revision ID: d5e7f9a1b3c4
Revises: a3c5e7f9b1d2
Create Date: 2026-12-06 23:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d5e7f9a1b3c4"
down_revision = "a3c5e7f9b1d2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("redacted_seq", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("organiser", sa.String(length=140), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "organiser_contact", sa.String(length=254), server_default="", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("recipient", sa.String(length=140), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("retention_days", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("erasure_keeps_ideas", sa.Boolean(), server_default="1", nullable=False)
        )
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))
    # Withdrawn ideas keep no text (the text was the author's; they took it back).
    op.execute(
        "UPDATE ideas SET title = '', description = '', need = '' WHERE status = 'withdrawn'"
    )


def downgrade():
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.drop_column("erasure_keeps_ideas")
        batch_op.drop_column("retention_days")
        batch_op.drop_column("recipient")
        batch_op.drop_column("organiser_contact")
        batch_op.drop_column("organiser")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("redacted_seq")
