"""Per-patient summaries (backfilled), the alert outbox, and an append-only audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

The summary row makes "rank every patient by need of attention" one read per patient; existing
check-ins are summarised here, in SQL, so an upgraded database ranks exactly like a new one. The
trajectory column starts empty for existing patients (the migration must not depend on today's
clinical code); `nervecare db refresh-summaries` fills it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_LEVELS = "('emergency', 'urgent', 'routine', 'self_care')"

# Rank 2 is "urgent": levels at or above it are alarms.
_BACKFILL = """
INSERT INTO patient_summaries (
    patient_id, checkin_count, last_checkin_id, last_recorded_at, last_level, last_level_rank,
    last_leg_pain, last_days_since_surgery, last_alarm_at, last_alarm_rank, open_alarms,
    trajectory, trajectory_concern, updated_at)
SELECT c.patient_id,
       (SELECT count(*) FROM checkins n WHERE n.patient_id = c.patient_id),
       c.id, c.recorded_at, c.level, c.level_rank, c.leg_pain, c.days_since_surgery,
       (SELECT a.recorded_at FROM checkins a
         WHERE a.patient_id = c.patient_id AND a.level_rank >= 2
         ORDER BY a.recorded_at DESC, a.id DESC LIMIT 1),
       COALESCE((SELECT a.level_rank FROM checkins a
         WHERE a.patient_id = c.patient_id AND a.level_rank >= 2
         ORDER BY a.recorded_at DESC, a.id DESC LIMIT 1), 0),
       (SELECT count(*) FROM checkins a
         WHERE a.patient_id = c.patient_id AND a.level_rank >= 2
           AND NOT EXISTS (SELECT 1 FROM checkin_reviews r WHERE r.checkin_id = a.id)),
       NULL, 0, CURRENT_TIMESTAMP
FROM checkins c
WHERE c.id = (SELECT b.id FROM checkins b WHERE b.patient_id = c.patient_id
              ORDER BY b.recorded_at DESC, b.id DESC LIMIT 1)
"""

_PG_GUARD = """
CREATE FUNCTION nervecare_refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION nervecare_refuse_audit_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION nervecare_refuse_audit_change();
"""

_SQLITE_GUARD = (
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END""",
)


def upgrade() -> None:
    op.create_table(
        "patient_summaries",
        sa.Column(
            "patient_id",
            _ID,
            sa.ForeignKey("patients.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("checkin_count", sa.Integer(), nullable=False),
        sa.Column("last_checkin_id", _ID, nullable=False),
        sa.Column("last_recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_level", sa.String(16), nullable=False),
        sa.Column("last_level_rank", sa.SmallInteger(), nullable=False),
        sa.Column("last_leg_pain", sa.SmallInteger(), nullable=False),
        sa.Column("last_days_since_surgery", sa.Integer(), nullable=False),
        sa.Column("last_alarm_at", sa.DateTime(timezone=True)),
        sa.Column("last_alarm_rank", sa.SmallInteger(), nullable=False),
        sa.Column("open_alarms", sa.Integer(), nullable=False),
        sa.Column("trajectory", sa.String(24)),
        sa.Column("trajectory_concern", sa.SmallInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute(_BACKFILL)
    op.create_table(
        "alerts",
        sa.Column("id", _ID, primary_key=True),
        sa.Column(
            "checkin_id",
            _ID,
            sa.ForeignKey("checkins.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column(
            "patient_id", _ID, sa.ForeignKey("patients.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.CheckConstraint(f"level IN {_LEVELS}", name="level"),
        sa.CheckConstraint(
            "state IN ('pending', 'delivering', 'delivered', 'failed')", name="state"
        ),
    )
    op.create_index(None, "alerts", ["patient_id"])
    op.create_index(None, "alerts", ["state", "next_attempt_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_GUARD)
    else:
        for statement in _SQLITE_GUARD:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION nervecare_refuse_audit_change()")
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")
    op.drop_table("alerts")
    op.drop_table("patient_summaries")
