"""Problems found in incoming FHIR, and the OperationOutcome that names each one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from fhir.resources.R4B.operationoutcome import OperationOutcome
from pydantic import ValidationError

__all__ = ["FhirInputError", "Problem", "operation_outcome", "problems_from_validation"]

IssueCode = Literal[
    "invalid", "required", "value", "structure", "not-found", "conflict", "processing"
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong, at a FHIRPath-like `expression` (e.g. `Patient.birthDate`)."""

    expression: str
    message: str
    code: IssueCode = "invalid"


class FhirInputError(ValueError):
    """Incoming FHIR that cannot be taken in; nothing of it has been stored."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.expression}: {p.message}" for p in problems))


def _path(resource_type: str, location: tuple[int | str, ...]) -> str:
    path = resource_type
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def problems_from_validation(resource_type: str, error: ValidationError) -> list[Problem]:
    """fhir.resources' (pydantic's) errors, one problem per error, with the element path."""
    return [
        Problem(
            expression=_path(resource_type, tuple(detail["loc"])),
            message=detail["msg"],
            code="required" if detail["type"] == "missing" else "invalid",
        )
        for detail in error.errors()
    ]


def operation_outcome(problems: list[Problem]) -> dict[str, Any]:
    """An OperationOutcome (validated) with one error issue per problem."""
    outcome = OperationOutcome.model_validate(
        {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": "error",
                    "code": problem.code,
                    "diagnostics": problem.message,
                    "expression": [problem.expression],
                }
                for problem in problems
            ],
        }
    )
    document: dict[str, Any] = outcome.model_dump(mode="json", exclude_none=True)
    return document
