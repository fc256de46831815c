"""Initial schema: teams, clinicians, patients, surgery, baseline, check-ins, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of the column types as they were at this revision (never import live models).
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_LEVELS = "('emergency', 'urgent', 'routine', 'self_care')"


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _id() -> sa.Column[int]:
    return sa.Column("id", _ID, primary_key=True)


def _created() -> sa.Column[object]:
    return sa.Column("created_at", _when(), nullable=False)


def _patient_fk() -> sa.Column[int]:
    return sa.Column(
        "patient_id", _ID, sa.ForeignKey("patients.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "care_teams",
        _id(),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        _created(),
    )
    op.create_table(
        "clinicians",
        _id(),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), unique=True),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        _created(),
    )
    op.create_table(
        "team_memberships",
        sa.Column(
            "team_id",
            _ID,
            sa.ForeignKey("care_teams.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "clinician_id",
            _ID,
            sa.ForeignKey("clinicians.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("role", sa.String(64), nullable=False),
        _created(),
    )
    op.create_table(
        "patients",
        _id(),
        sa.Column("team_id", _ID, sa.ForeignKey("care_teams.id"), nullable=False, index=True),
        sa.Column("reference", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("birth_year", sa.Integer()),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        _created(),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "surgeries",
        _id(),
        _patient_fk(),
        sa.Column("performed_on", sa.Date(), nullable=False),
        sa.Column("procedure", sa.String(32), nullable=False),
        sa.Column("spinal_levels", _JSON, nullable=False),
        sa.Column("side", sa.String(16), nullable=False),
        _created(),
        sa.CheckConstraint(
            "procedure IN ('discectomy', 'laminectomy', 'fusion', 'other')", name="procedure"
        ),
        sa.CheckConstraint("side IN ('left', 'right', 'both', 'central', 'unknown')", name="side"),
    )
    op.create_index(None, "surgeries", ["patient_id"])
    op.create_table(
        "baselines",
        _id(),
        sa.Column(
            "surgery_id",
            _ID,
            sa.ForeignKey("surgeries.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("recorded_on", sa.Date()),
        sa.Column("leg_pain", sa.SmallInteger(), nullable=False),
        sa.Column("back_pain", sa.SmallInteger()),
        sa.Column("function_odi", sa.SmallInteger()),
        _created(),
        sa.CheckConstraint("leg_pain BETWEEN 0 AND 10", name="leg_pain"),
        sa.CheckConstraint("back_pain BETWEEN 0 AND 10", name="back_pain"),
        sa.CheckConstraint("function_odi BETWEEN 0 AND 100", name="function_odi"),
    )
    op.create_table(
        "checkins",
        _id(),
        _patient_fk(),
        sa.Column("client_id", sa.String(128)),
        sa.Column("recorded_at", _when(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("received_at", _when(), nullable=False),
        sa.Column("days_since_surgery", sa.Integer(), nullable=False),
        sa.Column("leg_pain", sa.SmallInteger(), nullable=False),
        sa.Column("back_pain", sa.SmallInteger()),
        sa.Column("function_odi", sa.SmallInteger()),
        sa.Column("pain_relief", sa.String(16)),
        sa.Column("document", _JSON, nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("level_rank", sa.SmallInteger(), nullable=False),
        sa.Column("red_flags", _JSON, nullable=False),
        sa.Column("triage", _JSON, nullable=False),
        sa.Column("ruleset_version", sa.String(64), nullable=False),
        sa.UniqueConstraint("patient_id", "client_id"),
        sa.CheckConstraint(f"level IN {_LEVELS}", name="level"),
        sa.CheckConstraint("level_rank BETWEEN 0 AND 3", name="level_rank"),
        sa.CheckConstraint("leg_pain BETWEEN 0 AND 10", name="leg_pain"),
    )
    op.create_index(None, "checkins", ["patient_id", "recorded_at"])
    op.create_index(None, "checkins", ["level_rank", "recorded_on"])
    op.create_table(
        "checkin_reviews",
        _id(),
        sa.Column(
            "checkin_id", _ID, sa.ForeignKey("checkins.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("clinician_id", _ID, sa.ForeignKey("clinicians.id")),
        sa.Column("reviewed_at", _when(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index(None, "checkin_reviews", ["checkin_id"])
    op.create_table(
        "medication_trials",
        _id(),
        _patient_fk(),
        sa.Column("drug", sa.String(120), nullable=False),
        sa.Column("drug_class", sa.String(32), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("stopped_on", sa.Date()),
        sa.Column("dose_note", sa.String(500), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        _created(),
    )
    op.create_index(None, "medication_trials", ["patient_id"])
    op.create_table(
        "procedures_done",
        _id(),
        _patient_fk(),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("performed_on", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _created(),
    )
    op.create_index(None, "procedures_done", ["patient_id"])
    op.create_table(
        "exercise_sessions",
        _id(),
        _patient_fk(),
        sa.Column("performed_on", sa.Date(), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("exercise", sa.String(120), nullable=False),
        sa.Column("minutes", sa.Integer()),
        sa.Column("supervised", sa.Boolean(), nullable=False),
        _created(),
    )
    op.create_index(None, "exercise_sessions", ["patient_id", "performed_on"])
    op.create_table(
        "audit_log",
        _id(),
        sa.Column("at", _when(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("patient_id", _ID),
        sa.Column("detail", _JSON, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index(None, "audit_log", ["at"])
    op.create_index(None, "audit_log", ["patient_id"])


def downgrade() -> None:
    for table in (
        "audit_log",
        "exercise_sessions",
        "procedures_done",
        "medication_trials",
        "checkin_reviews",
        "checkins",
        "baselines",
        "surgeries",
        "patients",
        "team_memberships",
        "clinicians",
        "care_teams",
    ):
        op.drop_table(table)
