"""Sign-in throttling counted per (address, name) pair and per address (issue 16).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

One row per key, locked while an attempt is decided, so that simultaneous attempts are counted
atomically on SQLite and PostgreSQL alike. The old `signin_attempts` log stays as the record of
every attempt; it is no longer what the limits count.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signin_throttles",
        sa.Column("key", sa.String(400), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("signin_throttles")
