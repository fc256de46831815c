"""The questions a check-in's notes raised, the patient's answers, and their care-team task.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

Triage contract v2: what the notes only possibly say is asked before the result is final. One row
per check-in and question (its key: the field, or field=item for list fields), written in the
check-in's transaction; the answer and its time are filled in when the patient answers, and
`escalated_at` when an unanswered question became a care-team task. Alerts gain a `kind`, so a
task for an unanswered question reads differently from a red flag; teams gain the time a
question may stay unanswered.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_LEVELS = "('emergency', 'urgent', 'routine', 'self_care')"


def upgrade() -> None:
    op.create_table(
        "checkin_questions",
        sa.Column("id", _ID, primary_key=True),
        sa.Column(
            "patient_id", _ID, sa.ForeignKey("patients.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "checkin_id", _ID, sa.ForeignKey("checkins.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("value", _JSON, nullable=False),
        sa.Column("code", sa.String(128), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(16), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("checkin_id", "key"),
        sa.CheckConstraint(f"level IN {_LEVELS}", name="level"),
        sa.CheckConstraint(
            "answer IS NULL OR answer IN ('yes', 'no', 'not_sure')",
            name="answer",
        ),
    )
    op.create_index(None, "checkin_questions", ["answer", "due_at"])
    op.create_index(None, "checkin_questions", ["patient_id", "answered_at"])
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(16), nullable=False, server_default="red_flag")
        )
    with op.batch_alter_table("team_alert_settings") as batch:
        batch.add_column(sa.Column("confirm_minutes", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("team_alert_settings") as batch:
        batch.drop_column("confirm_minutes")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("kind")
    op.drop_table("checkin_questions")
