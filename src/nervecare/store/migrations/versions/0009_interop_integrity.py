"""JWT ids already used by FHIR and CDS Hooks callers, shared by every web process.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

The replay cache of signed calls was a dictionary in one process: with several web processes a
token could be replayed against another. One row per `issuer|jti` until the token expires; the
primary key makes claiming a token id atomic on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "token_ids",
        sa.Column("key", sa.String(512), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(None, "token_ids", ["expires_at"])


def downgrade() -> None:
    op.drop_table("token_ids")
