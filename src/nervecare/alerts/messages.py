"""What an alert says, by email and by webhook, and what it deliberately leaves out.

Included, because the receiver needs it to act and to de-duplicate:
- the alert id (the de-duplication key: delivery is at least once, so a receiver may see an
  alert twice after a fault, and must treat a repeated id as the same alert);
- the level and whether this is the first sending or an escalation;
- the patient's reference (a pseudonymous code the team can look up), never the name;
- each urgent or emergency reason as its code and the rule's own short summary, so the team can
  tell a possible cauda equina from a wound question without signing in;
- a link to the alert in nervecare, where the full record sits behind a sign-in.

Left out, because email crosses servers we do not control and lands on lock screens: the
patient's name, birth year, contact details, free-text notes and the evidence quoting the
patient's own words. The subject line carries no clinical detail at all.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from nervecare.triage import unconfirmed_signs
from nervecare.triage.levels import alerts_team

__all__ = [
    "WEBHOOK_SCHEMA",
    "AlertFacts",
    "AlertReason",
    "EmailContent",
    "ReminderFacts",
    "alert_email",
    "alert_webhook_body",
    "alert_webhook_payload",
    "reasons_from_triage",
    "reminder_email",
]

WEBHOOK_SCHEMA = "nervecare.alert/1"

Stage = Literal["initial", "escalation"]


class AlertReason(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    level: str
    summary: str


class AlertFacts(BaseModel):
    """Everything a message about one alert may contain (and nothing more)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    alert_id: int
    level: str
    stage: Stage = "initial"
    patient_reference: str
    team: str
    created_at: dt.datetime
    reasons: tuple[AlertReason, ...]
    link: str


class EmailContent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: str
    body: str
    #: A stable Message-ID part, so mail clients and receivers can de-duplicate repeats.
    dedup_key: str


class ReminderFacts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    patient_reference: str
    local_date: dt.date
    link: str


def reasons_from_triage(triage: dict[str, Any]) -> tuple[AlertReason, ...]:
    """The urgent and emergency reasons of a stored triage result (code, level, rule summary),
    then the questions its notes raised that the patient has not answered (a care-team task:
    "unconfirmed"), in clinical words, never the patient's own."""
    reasons = [
        AlertReason(
            code=str(reason.get("code", "")),
            level=str(reason.get("level", "")),
            summary=str(reason.get("summary", "")),
        )
        for reason in triage.get("reasons", [])
        if alerts_team(reason.get("level"))
    ]
    reasons += [
        AlertReason(code=f"unconfirmed.{code}", level=level, summary=summary)
        for code, level, summary in unconfirmed_signs(triage)
    ]
    return tuple(reasons)


def _stage_words(stage: Stage) -> str:
    return "ESCALATED, not yet acknowledged" if stage == "escalation" else "new"


def alert_email(facts: AlertFacts) -> EmailContent:
    level = facts.level.upper()
    subject = f"[nervecare] {level} alert #{facts.alert_id} ({_stage_words(facts.stage)})"
    lines = [
        f"{level} alert #{facts.alert_id} for patient {facts.patient_reference} ({facts.team}).",
        f"Raised at {facts.created_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC.",
    ]
    if facts.stage == "escalation":
        lines.append("Nobody has acknowledged this alert yet: you are the second contact.")
    lines.append("")
    lines.append("Reasons:")
    lines.extend(f"- {reason.summary} [{reason.code}]" for reason in facts.reasons)
    if not facts.reasons:
        lines.append("- (no reason recorded: open the alert)")
    lines += [
        "",
        f"Open and acknowledge: {facts.link}",
        "",
        f"Alert id {facts.alert_id}: a repeat of this id is the same alert sent again.",
    ]
    return EmailContent(
        subject=subject,
        body="\n".join(lines) + "\n",
        dedup_key=f"alert-{facts.alert_id}-{facts.stage}",
    )


def alert_webhook_payload(facts: AlertFacts) -> dict[str, Any]:
    return {
        "schema": WEBHOOK_SCHEMA,
        "alert_id": facts.alert_id,
        "dedup_key": f"alert-{facts.alert_id}-{facts.stage}",
        "level": facts.level,
        "stage": facts.stage,
        "patient_reference": facts.patient_reference,
        "team": facts.team,
        "created_at": facts.created_at.astimezone(dt.UTC).isoformat(),
        "reasons": [reason.model_dump() for reason in facts.reasons],
        "link": facts.link,
    }


def alert_webhook_body(facts: AlertFacts) -> bytes:
    """The exact bytes that are signed and sent (compact, keys sorted, UTF-8)."""
    payload = alert_webhook_payload(facts)
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def reminder_email(facts: ReminderFacts) -> EmailContent:
    """A daily nudge with no health information in it at all."""
    return EmailContent(
        subject="Time for your nervecare check-in",
        body=(
            "Hello,\n\n"
            "This is your daily reminder to tell your care team how your leg and back are today. "
            "It takes about two minutes.\n\n"
            f"Check in here: {facts.link}\n\n"
            "If you have new problems with your bladder or bowels, numbness between your legs, "
            "or new weakness in your legs, do not wait for a reminder: call your emergency "
            "number now.\n"
        ),
        dedup_key=f"reminder-{facts.patient_reference}-{facts.local_date.isoformat()}",
    )
