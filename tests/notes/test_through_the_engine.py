"""End to end: notes read by the reader, levels set by the triage engine."""

from __future__ import annotations

from typing import Any

import pytest

from nervecare.checkin import parse_checkin
from nervecare.triage import Level, level_rank, triage
from tests.notes.conftest import Reader
from tests.played_out import played_out

NOT_ESCALATING = ("negated", "historical", "hypothetical", "family")


def _level(reader: Reader, case: dict[str, Any]) -> Level:
    """The case's level once a truthful patient has answered what its notes asked."""
    checkin = parse_checkin(case["checkin"])
    findings = reader(checkin.notes).findings if checkin.notes else ()
    return played_out(triage(checkin, note_findings=findings), case["acceptable"])


def test_every_public_notes_vignette_gets_an_acceptable_level(
    reader: Reader, public_vignettes: list[dict[str, Any]]
) -> None:
    """The p-t-* vignettes (red flags only in the notes) all reach an acceptable level."""
    cases = [case for case in public_vignettes if case["id"].startswith("p-t-")]
    assert cases
    wrong = [
        (c["id"], _level(reader, c)) for c in cases if _level(reader, c) not in c["acceptable"]
    ]
    assert wrong == []


def test_no_emergency_in_the_evaluation_set_is_missed(
    reader: Reader, evaluation_cases: list[dict[str, Any]]
) -> None:
    """Every note whose only acceptable level is emergency gets emergency, at once or once the
    patient confirms what the notes asked."""
    emergencies = [c for c in evaluation_cases if c["acceptable"] == ["emergency"]]
    missed = [c["id"] for c in emergencies if _level(reader, c) != "emergency"]
    assert missed == []


@pytest.mark.parametrize("category", NOT_ESCALATING)
def test_most_discounted_mentions_do_not_escalate(
    reader: Reader, evaluation_cases: list[dict[str, Any]], category: str
) -> None:
    """At least 90% of negated, historical, hypothetical and family notes stay routine or lower."""
    group = [c for c in evaluation_cases if c["category"] == category]
    quiet = [c for c in group if level_rank(_level(reader, c)) <= level_rank("routine")]
    assert len(quiet) >= 0.9 * len(group)


def test_a_note_finding_carries_its_words_context_and_sources(reader: Reader) -> None:
    """A sign the patient is unsure of is asked about; confirmed, the reason shows the patient's
    words, that they confirmed it, and the sources."""
    checkin = parse_checkin(
        {"days_since_surgery": 12, "leg_pain": 3, "notes": "I think I might have wet myself."}
    )
    findings = reader(checkin.notes or "").findings
    asked = triage(checkin, note_findings=findings)
    assert asked.level != "emergency"
    (question,) = [q for q in asked.confirm if q.level == "emergency"]
    assert "wet myself" in question.question
    confirmed = triage(checkin, note_findings=findings, answers={question.key: "yes"})
    (reason,) = [r for r in confirmed.reasons if r.level == "emergency"]
    assert "wet myself" in reason.evidence
    assert "confirmed by the patient" in reason.evidence
    assert "notes_ces_warning_card" in reason.sources
