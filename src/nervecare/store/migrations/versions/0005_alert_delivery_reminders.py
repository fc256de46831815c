"""Alert delivery: claims and stages on alerts, the delivery log, team channels, reminders.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

Alerts gain the worker's claim (who, until when: a killed worker's claim simply expires), the
round being sent (initial, or escalation to the second contact), when they were delivered and
escalated, and the resolving clinician's judgement of whether the alert was actionable. Existing
alerts start in the initial round. Every attempt to every receiver goes into
`alert_deliveries`. Each team may set its own addresses, webhook and escalation times; each
patient may ask for a daily reminder at a local time of their choosing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(
            sa.Column("stage", sa.String(16), nullable=False, server_default="initial")
        )
        batch.add_column(sa.Column("claimed_by", sa.String(128)))
        batch.add_column(sa.Column("claimed_until", _when()))
        batch.add_column(sa.Column("delivered_at", _when()))
        batch.add_column(sa.Column("escalated_at", _when()))
        batch.add_column(sa.Column("actionable", sa.Boolean()))
    op.execute("UPDATE alerts SET delivered_at = next_attempt_at WHERE state = 'delivered'")
    op.create_table(
        "alert_deliveries",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("alert_id", _ID, sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("target", sa.String(2000), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(128), nullable=False),
        sa.Column("started_at", _when(), nullable=False),
        sa.Column("finished_at", _when(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("error", sa.Text()),
        sa.CheckConstraint("outcome IN ('delivered', 'failed')", name="outcome"),
    )
    op.create_index(None, "alert_deliveries", ["alert_id", "stage"])
    op.create_table(
        "team_alert_settings",
        sa.Column(
            "team_id", _ID, sa.ForeignKey("care_teams.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("primary_email", sa.String(320)),
        sa.Column("secondary_email", sa.String(320)),
        sa.Column("webhook_url", sa.String(2000)),
        sa.Column("webhook_secret", sa.String(200)),
        sa.Column("emergency_escalation_minutes", sa.Integer()),
        sa.Column("urgent_escalation_minutes", sa.Integer()),
        sa.Column("updated_at", _when(), nullable=False),
    )
    op.create_table(
        "patient_reminders",
        sa.Column(
            "patient_id", _ID, sa.ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("remind_at", sa.Time(), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("last_sent_on", sa.Date()),
        sa.Column("updated_at", _when(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("patient_reminders")
    op.drop_table("team_alert_settings")
    op.drop_table("alert_deliveries")
    with op.batch_alter_table("alerts") as batch:
        for column in (
            "actionable",
            "escalated_at",
            "delivered_at",
            "claimed_until",
            "claimed_by",
            "stage",
        ):
            batch.drop_column(column)
