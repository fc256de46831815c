"""Side-effect answers given in a check-in while a medicine is being started.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

Stored beside the check-in (its contract-v1 document is unchanged), one row per check-in and
question, so a check-in sent again with the same client id never stores its answers twice.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "side_effect_answers",
        sa.Column("id", _ID, primary_key=True),
        sa.Column(
            "patient_id", _ID, sa.ForeignKey("patients.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "checkin_id", _ID, sa.ForeignKey("checkins.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("drug", sa.String(64), nullable=False),
        sa.Column("effect", sa.String(64), nullable=False),
        sa.Column("answer", sa.Boolean(), nullable=False),
        sa.Column("words", sa.String(200), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("asked_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("checkin_id", "drug", "effect"),
    )
    op.create_index(None, "side_effect_answers", ["patient_id", "asked_on"])


def downgrade() -> None:
    op.drop_table("side_effect_answers")
