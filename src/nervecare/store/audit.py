"""The audit log: who read or changed which patient record, and when.

Append-only by construction: this module offers no way to change or remove an entry, and the
database refuses UPDATE and DELETE on the table (triggers from migration 0002).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nervecare.store.models import AuditEntry

__all__ = ["append_audit", "audit_entries"]


def append_audit(
    session: Session,
    *,
    at: dt.datetime,
    actor: str,
    action: str,
    patient_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry to the caller's transaction (so it commits or rolls back with the change)."""
    entry = AuditEntry(
        at=at, actor=actor, action=action, patient_id=patient_id, detail=dict(detail or {})
    )
    session.add(entry)
    return entry


def audit_entries(
    session: Session, *, patient_id: int | None = None, limit: int | None = None
) -> Sequence[AuditEntry]:
    """Entries oldest first, optionally for one patient."""
    query = select(AuditEntry).order_by(AuditEntry.id)
    if patient_id is not None:
        query = query.where(AuditEntry.patient_id == patient_id)
    if limit is not None:
        query = query.limit(limit)
    return session.scalars(query).all()
