"""invitations: facilitators invite others to a workshop's team, or to an account

Revision ID: c1e3a5b7d9f2
Revises: b7d9f1a3c5e8
Create Date: 2026-12-07 03:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c1e3a5b7d9f2"
down_revision = "b7d9f1a3c5e8"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), server_default="", nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=True),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("created_account", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"],
            ["facilitators.id"],
            name=op.f("fk_invitations_accepted_by_id_facilitators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["facilitators.id"],
            name=op.f("fk_invitations_invited_by_id_facilitators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_invitations_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invitations_accepted_by_id"), ["accepted_by_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_invitations_invited_by_id"), ["invited_by_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_invitations_workshop_id"), ["workshop_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_invitations_invited_by_id"))
        batch_op.drop_index(batch_op.f("ix_invitations_accepted_by_id"))
    op.drop_table("invitations")
