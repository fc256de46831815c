"""Stable FHIR ids and references: the same record gives the same ids in any store."""

from __future__ import annotations

import hashlib
import re

__all__ = ["DEFAULT_FHIR_BASE", "checkin_client_id", "patient_resource_id", "safe_id"]

DEFAULT_FHIR_BASE = "https://nervecare.example.org/fhir"
_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def safe_id(prefix: str, key: str) -> str:
    """`prefix` + `key` when that is a valid FHIR id, else `prefix` + a hash of `key`."""
    candidate = f"{prefix}{key}"
    if _ID.match(candidate):
        return candidate
    return f"{prefix}h{hashlib.sha256(key.encode()).hexdigest()[:40]}"


def patient_resource_id(reference: str) -> str:
    return safe_id("", reference) if _ID.match(reference) else safe_id("pat-", reference)


def checkin_client_id(client_id: str | None, row_id: int) -> str:
    """The id a check-in travels under: the sender's own, or one made from the stored row."""
    return client_id if client_id is not None else f"nervecare-checkin-{row_id}"
