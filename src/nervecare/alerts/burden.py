"""Alert burden: how many alerts a team gets per patient-week, and how many were worth it.

Too many alerts that lead nowhere and people stop reading them; too few actionable ones may mean
thresholds are too tight. A team sees both figures and can tune. Pure arithmetic over counts the
store hands in.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["AlertBurden", "alert_burden"]


class AlertBurden(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    alerts: int
    patient_weeks: float
    per_patient_week: float | None
    resolved: int
    actionable: int
    #: Share of resolved alerts marked actionable; None until one is resolved with a judgement.
    actionable_share: float | None


def alert_burden(
    *, alerts: int, patient_days: float, judged: int, actionable: int, resolved: int
) -> AlertBurden:
    """Volume per patient-week (patient-days / 7) and the actionable share of judged alerts."""
    if min(alerts, judged, actionable, resolved) < 0 or patient_days < 0:
        raise ValueError("counts cannot be negative")
    if actionable > judged:
        raise ValueError("more actionable alerts than judged ones")
    weeks = patient_days / 7
    return AlertBurden(
        alerts=alerts,
        patient_weeks=round(weeks, 3),
        per_patient_week=None if weeks == 0 else round(alerts / weeks, 3),
        resolved=resolved,
        actionable=actionable,
        actionable_share=None if judged == 0 else round(actionable / judged, 3),
    )
