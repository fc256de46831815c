"""Web accounts, sessions, enrolment codes, sign-in attempts, team phone; alert handling.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

An account belongs to exactly one clinician or one patient (never both), so "whose data may this
person see" always follows from the account. Session and enrolment-code ids are stored as SHA-256
digests of the secret the browser or patient holds: a copy of the database does not let anyone
sign in. A team's phone number (for urgent results) lives in its own table. Sign-in attempts
are kept for rate limiting. Alerts gain acknowledgement and resolution (who, when, note) next
to their delivery state; the clinician ids there carry no foreign key,
like the audit log, so that the record of who handled an alert outlives staff changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "team_contacts",
        sa.Column(
            "team_id",
            _ID,
            sa.ForeignKey("care_teams.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("phone", sa.String(64), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
    )
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("acknowledged_at", _when()))
        batch.add_column(sa.Column("acknowledged_by", _ID))
        batch.add_column(sa.Column("resolved_at", _when()))
        batch.add_column(sa.Column("resolved_by", _ID))
        batch.add_column(sa.Column("resolution_note", sa.Text()))
    op.create_table(
        "accounts",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("username", sa.String(320), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column(
            "clinician_id",
            _ID,
            sa.ForeignKey("clinicians.id", ondelete="CASCADE"),
            unique=True,
        ),
        sa.Column("patient_id", _ID, sa.ForeignKey("patients.id", ondelete="CASCADE"), unique=True),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("language", sa.String(16)),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'clinician' AND clinician_id IS NOT NULL AND patient_id IS NULL) OR "
            "(kind = 'patient' AND patient_id IS NOT NULL AND clinician_id IS NULL)",
            name="kind_owner",
        ),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "account_id", _ID, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("expires_at", _when(), nullable=False),
        sa.Column("last_seen_at", _when(), nullable=False),
    )
    op.create_index(None, "web_sessions", ["account_id"])
    op.create_index(None, "web_sessions", ["expires_at"])
    op.create_table(
        "enrolment_codes",
        sa.Column("id", _ID, primary_key=True),
        sa.Column(
            "patient_id", _ID, sa.ForeignKey("patients.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_by", _ID),
        sa.Column("created_at", _when(), nullable=False),
        sa.Column("expires_at", _when(), nullable=False),
        sa.Column("used_at", _when()),
    )
    op.create_index(None, "enrolment_codes", ["patient_id"])
    op.create_table(
        "signin_attempts",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("at", _when(), nullable=False),
        sa.Column("username", sa.String(320), nullable=False),
        sa.Column("client_address", sa.String(64), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
    )
    op.create_index(None, "signin_attempts", ["username", "at"])
    op.create_index(None, "signin_attempts", ["client_address", "at"])


def downgrade() -> None:
    op.drop_table("signin_attempts")
    op.drop_table("enrolment_codes")
    op.drop_table("web_sessions")
    op.drop_table("accounts")
    with op.batch_alter_table("alerts") as batch:
        for column in (
            "resolution_note",
            "resolved_by",
            "resolved_at",
            "acknowledged_by",
            "acknowledged_at",
        ):
            batch.drop_column(column)
    op.drop_table("team_contacts")
