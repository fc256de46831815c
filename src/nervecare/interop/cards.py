"""CDS Hooks cards for one patient (pure): open red flags as critical, a possible sign the patient
has not yet confirmed or denied (triage contract v2) at the level it would carry, a slow, stalled or
worsening recovery as warning, and each stepped-care suggestion as info, each with the source
(label and link) it rests on and a link to the patient's page in nervecare."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Literal

from nervecare.careplan import Suggestion
from nervecare.interop.fhir.export import PatientExport
from nervecare.knowledge import load_sources
from nervecare.triage import unconfirmed_signs

__all__ = ["MAX_SUMMARY", "cards_for_patient"]

#: The specification: "One-sentence, <140-character summary message".
MAX_SUMMARY = 139
Indicator = Literal["info", "warning", "critical"]
_CONCERNING = ("slow", "plateau", "worsening")
_NAMESPACE = uuid.UUID("6f1c3f36-57c4-4d39-8d7e-4f0a39c3f0b1")


def _summary(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_SUMMARY else text[: MAX_SUMMARY - 1].rstrip() + "…"


def _source(keys: Sequence[str], fallback: str) -> dict[str, Any]:
    registry = load_sources()
    for key in keys:
        if key in registry:
            source = registry[key]
            return {"label": _summary(source.title), "url": source.link}
    return {"label": fallback}


def _card(
    *,
    key: str,
    hook_instance: str,
    summary: str,
    indicator: Indicator,
    detail: str,
    source: dict[str, Any],
    link: dict[str, Any] | None,
) -> dict[str, Any]:
    card: dict[str, Any] = {
        "uuid": str(uuid.uuid5(_NAMESPACE, f"{hook_instance}|{key}")),
        "summary": _summary(summary),
        "indicator": indicator,
        "detail": detail,
        "source": source,
    }
    if link is not None:
        card["links"] = [link]
    return card


def _red_flag_cards(
    data: PatientExport, hook_instance: str, link: dict[str, Any] | None
) -> list[dict[str, Any]]:
    reasons: dict[str, dict[str, Any]] = {}
    for stored in data.checkins:
        if stored.reviewed_at is not None:
            continue
        for reason in stored.triage.get("reasons", []):
            if reason.get("code") in stored.red_flags:
                reasons[str(reason["code"])] = {**reason, "_at": stored.recorded_at}
    cards = []
    for code in data.history.open_red_flags:
        reason = reasons.get(code, {"summary": code, "sources": []})
        when = reason.get("_at")
        detail = (
            f"**{reason.get('level', 'urgent').upper()}** reported by the patient"
            + (f" on {when:%Y-%m-%d %H:%M} UTC" if when else "")
            + f": {reason.get('summary', code)}\n\nEvidence: {reason.get('evidence', '-')}\n\n"
            f"Not yet reviewed by the care team. Sources: {', '.join(reason.get('sources', []))}"
        )
        cards.append(
            _card(
                key=f"red-flag:{code}",
                hook_instance=hook_instance,
                summary=f"Red flag not yet reviewed: {reason.get('summary', code)}",
                indicator="critical",
                detail=detail,
                source=_source(reason.get("sources", []), "nervecare safety triage"),
                link=link,
            )
        )
    return cards


def _unconfirmed_cards(
    data: PatientExport, hook_instance: str, link: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """A question the notes raised and the patient has not answered is the team's to follow up:
    critical when the sign would be an emergency, else a warning; answered questions need no card
    (a yes became a red flag above, a no is recorded on the patient's page)."""
    cards = []
    for stored in data.checkins:
        if stored.reviewed_at is not None:
            continue
        pending = {str(q.get("code")): q for q in stored.triage.get("confirm", [])}
        signs = {
            code: (level, summary) for code, level, summary in unconfirmed_signs(stored.triage)
        }
        for code, (level, summary) in signs.items():  # one card per sign, not per companion
            question = pending.get(code, {})
            detail = (
                f"The notes of the check-in of {stored.recorded_at:%Y-%m-%d %H:%M} UTC may "
                f"describe this; the patient was asked and has not answered.\n\n"
                f"Question: {question.get('question', '-')}\n\n"
                f"Words in the notes: {question.get('evidence', '-')}"
            )
            cards.append(
                _card(
                    key=f"unconfirmed:{stored.id}:{code}",
                    hook_instance=hook_instance,
                    summary=summary,
                    indicator="critical" if level == "emergency" else "warning",
                    detail=detail,
                    source={"label": "nervecare safety triage (possible finding in the notes)"},
                    link=link,
                )
            )
    return cards


def _trajectory_card(
    data: PatientExport, hook_instance: str, link: dict[str, Any] | None
) -> list[dict[str, Any]]:
    trajectory = data.trajectory
    if trajectory.classification not in _CONCERNING:
        return []
    week = trajectory.days_since_surgery // 7
    # The summary gives the reason the indicator rests on, in the assessment's own words: a
    # "leg pain 7 before surgery, 6.5 now" beside "worsening" (a rising trend) read as a
    # contradiction. The figures, from the same assessment, go in the detail.
    why = f": {trajectory.reasons[0]}" if trajectory.reasons else ""
    lines = [f"- {reason}" for reason in trajectory.reasons]
    if trajectory.leg_pain is not None:
        lines.append(
            f"- leg pain {trajectory.leg_pain.baseline:g}/10 before surgery, "
            f"{trajectory.leg_pain.current:g}/10 now (recent median, scores the EHR sent included)"
        )
    keys = list(trajectory.expected.sources) if trajectory.expected is not None else []
    keys += [key for figure in trajectory.figures_used for key in figure.sources]
    detail = "\n".join(lines)
    return [
        _card(
            key=f"trajectory:{trajectory.classification}",
            hook_instance=hook_instance,
            summary=f"Recovery {trajectory.classification.replace('_', ' ')} at week {week}{why}",
            indicator="warning",
            detail=detail + f"\n\nFigures from: {', '.join(dict.fromkeys(keys)) or '-'}",
            source=_source(keys, "nervecare recovery trajectory"),
            link=link,
        )
    ]


def _suggestion_detail(suggestion: Suggestion) -> str:
    lines = [suggestion.rationale, ""]
    lines += [f"- because {f.field} = {f.value} ({f.condition})" for f in suggestion.triggered_by]
    lines += [f"- evidence: {e.strength} ({e.system})" for e in suggestion.evidence]
    lines += [f"- sources differ: {c.position}" for c in suggestion.conflicts]
    lines += ["", f"Sources: {', '.join(suggestion.sources)}"]
    return "\n".join(lines)


def cards_for_patient(
    data: PatientExport, *, hook_instance: str, patient_page: str | None
) -> list[dict[str, Any]]:
    """The cards, most urgent first; an empty list when there is nothing to say."""
    link = (
        None
        if patient_page is None
        else {"label": "Open in nervecare", "url": patient_page, "type": "absolute"}
    )
    cards = _red_flag_cards(data, hook_instance, link)
    cards += _unconfirmed_cards(data, hook_instance, link)
    cards += _trajectory_card(data, hook_instance, link)
    cards += [
        _card(
            key=f"suggestion:{suggestion.key}",
            hook_instance=hook_instance,
            summary=f"Consider: {suggestion.title}",
            indicator="info",
            detail=_suggestion_detail(suggestion),
            source=_source(suggestion.sources, "nervecare stepped care"),
            link=link,
        )
        for suggestion in data.suggestions
    ]
    return cards
