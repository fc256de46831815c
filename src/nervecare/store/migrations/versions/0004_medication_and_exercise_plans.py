"""Medication plans (items, prescriber, status, check findings), doses taken or missed, exercise
programmes (procedure, level per track) and exercise feedback.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

Exercise sessions reuse the existing `exercise_sessions` table for adherence; the feedback that
drives progression (symptoms spreading down the leg, pain raised for hours) gets its own table.
A dose is one row per plan item, day and dose number, so a repeated "taken" never counts twice.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _patient_fk() -> sa.Column[int]:
    return sa.Column(
        "patient_id", _ID, sa.ForeignKey("patients.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "medication_plans",
        sa.Column("id", _ID, primary_key=True),
        _patient_fk(),
        sa.Column("prescriber", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("knowledge_version", sa.String(64), nullable=False),
        sa.Column("findings", _JSON, nullable=False),
        sa.Column("patient_facts", _JSON, nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("activated_at", _when()),
        sa.Column("stopped_at", _when()),
        sa.Column("stopped_reason", sa.Text()),
        sa.CheckConstraint("status IN ('draft', 'active', 'stopped')", name="status"),
    )
    op.create_index(None, "medication_plans", ["patient_id", "status"])
    op.create_table(
        "medication_plan_items",
        sa.Column("id", _ID, primary_key=True),
        sa.Column(
            "plan_id",
            _ID,
            sa.ForeignKey("medication_plans.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("drug", sa.String(64), nullable=False),
        sa.Column("rxcui", sa.String(16), nullable=False),
        sa.Column("indication", sa.String(64)),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("start_daily_mg", sa.Float(), nullable=False),
        sa.Column("target_daily_mg", sa.Float(), nullable=False),
        sa.Column("step_mg", sa.Float()),
        sa.Column("step_every_days", sa.Integer()),
        sa.Column("times_per_day", sa.SmallInteger()),
        sa.Column("course_days", sa.Integer()),
        sa.Column("note", sa.String(500), nullable=False),
        sa.UniqueConstraint("plan_id", "drug"),
    )
    op.create_index(None, "medication_plan_items", ["plan_id"])
    op.create_table(
        "dose_records",
        sa.Column("id", _ID, primary_key=True),
        _patient_fk(),
        sa.Column(
            "plan_item_id",
            _ID,
            sa.ForeignKey("medication_plan_items.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("scheduled_on", sa.Date(), nullable=False),
        sa.Column("dose_number", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("recorded_at", _when(), nullable=False),
        sa.UniqueConstraint("plan_item_id", "scheduled_on", "dose_number"),
        sa.CheckConstraint("status IN ('taken', 'missed')", name="status"),
        sa.CheckConstraint("dose_number BETWEEN 1 AND 6", name="dose_number"),
    )
    op.create_index(None, "dose_records", ["patient_id", "scheduled_on"])
    op.create_table(
        "exercise_programmes",
        sa.Column("id", _ID, primary_key=True),
        _patient_fk(),
        sa.Column("assigned_by", sa.String(200), nullable=False),
        sa.Column("procedure", sa.String(32), nullable=False),
        sa.Column("level", _JSON, nullable=False),
        sa.Column("level_since", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("ended_at", _when()),
        sa.CheckConstraint("status IN ('active', 'ended')", name="status"),
    )
    op.create_index(None, "exercise_programmes", ["patient_id", "status"])
    op.create_table(
        "exercise_feedback",
        sa.Column("id", _ID, primary_key=True),
        _patient_fk(),
        sa.Column("performed_on", sa.Date(), nullable=False),
        sa.Column("exercise", sa.String(120), nullable=False),
        sa.Column("symptoms_further_down_leg", sa.Boolean(), nullable=False),
        sa.Column("pain_raised_hours", sa.Float()),
        sa.Column("recorded_at", _when(), nullable=False),
    )
    op.create_index(None, "exercise_feedback", ["patient_id", "performed_on"])


def downgrade() -> None:
    op.drop_table("exercise_feedback")
    op.drop_table("exercise_programmes")
    op.drop_table("dose_records")
    op.drop_table("medication_plan_items")
    op.drop_table("medication_plans")
