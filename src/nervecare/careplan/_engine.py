"""Matching stepped-care entries to one patient's history.

Order of the result: any suggestion that answers an open red flag first, then by pillar
(referral, evaluation, medication, rehabilitation, procedure), then in data-file order.
"""

from __future__ import annotations

from nervecare.careplan._catalogue import Catalogue, load_catalogue
from nervecare.careplan._conditions import Context, evaluate
from nervecare.careplan.models import PILLAR_ORDER, Conflict, Evidence, Suggestion
from nervecare.recovery.models import PatientHistory, Trajectory

__all__ = ["suggest_care"]


def suggest_care(
    history: PatientHistory, trajectory: Trajectory, *, catalogue: Catalogue | None = None
) -> tuple[Suggestion, ...]:
    """Suggestions that apply to this patient, red-flag referral first."""
    catalogue = catalogue or load_catalogue()
    context = Context(history=history, trajectory=trajectory, catalogue=catalogue)
    matched: list[tuple[tuple[int, int, int], Suggestion]] = []
    for index, entry in enumerate(catalogue.suggestions):
        facts = evaluate(context, entry.when)
        if facts is None:
            continue
        answers_red_flag = any("red_flag_open" in condition for condition in entry.when)
        order = (0 if answers_red_flag else 1, PILLAR_ORDER.index(entry.pillar), index)
        matched.append(
            (
                order,
                Suggestion(
                    key=entry.key,
                    pillar=entry.pillar,
                    title=entry.title,
                    rationale=entry.rationale,
                    evidence=tuple(
                        Evidence(strength=e.strength, system=e.system, sources=e.sources)
                        for e in entry.evidence
                    ),
                    sources=entry.sources,
                    triggered_by=facts,
                    conflicts=tuple(
                        Conflict(position=c.position, sources=c.sources) for c in entry.conflicts
                    ),
                    notes=entry.notes,
                ),
            )
        )
    return tuple(suggestion for _, suggestion in sorted(matched, key=lambda pair: pair[0]))
