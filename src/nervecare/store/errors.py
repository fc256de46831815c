"""What the store refuses, and why, in words a person at the command line can act on."""

from __future__ import annotations

__all__ = [
    "ClientIdConflictError",
    "DuplicatePatientError",
    "PatientNotFoundError",
    "StoreError",
]


class StoreError(Exception):
    """Base class: anything the store refused; nothing was written."""


class PatientNotFoundError(StoreError, LookupError):
    def __init__(self, patient: object) -> None:
        super().__init__(f"no patient {patient!r} (give the number or the reference)")
        self.patient = patient


class DuplicatePatientError(StoreError):
    def __init__(self, reference: str) -> None:
        super().__init__(f"a patient with reference {reference!r} already exists")
        self.reference = reference


class ClientIdConflictError(StoreError):
    """The same client id arrived with a different check-in: a client bug, never merged silently."""

    def __init__(self, client_id: str, existing_id: int) -> None:
        super().__init__(
            f"client id {client_id!r} was already used for a different check-in "
            f"(stored as check-in {existing_id}); send a new client id for a new check-in"
        )
        self.client_id = client_id
        self.existing_id = existing_id
