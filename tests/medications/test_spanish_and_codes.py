"""Drug texts patients read exist in Spanish, and each RxCUI says whether a source confirms it."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from nervecare.knowledge import load_sources
from nervecare.medications import (
    MedicationPlan,
    PlanItem,
    explanations_for,
    load_drug_knowledge,
    load_explanations,
    side_effect_questions,
)
from nervecare.medications._knowledge import Explanation, SideEffect
from nervecare.medications._localised import Localised

KNOWLEDGE = load_drug_knowledge()
START = dt.date(2026, 3, 2)


def _patient_entries() -> list[tuple[str, Localised]]:
    entries: list[tuple[str, Localised]] = []
    for drug in KNOWLEDGE.drugs.values():
        entries += [(f"{drug.key}.{e.key}", e) for e in drug.side_effects]
        entries.append((f"{drug.key}.stopping", drug.stopping))
        if drug.benefit is not None:
            entries.append((f"{drug.key}.benefit", drug.benefit))
    for group, items in load_explanations().items():
        entries += [(f"explanation {group}.{item.key}", item) for item in items]
    return entries


@pytest.mark.parametrize(("where", "entry"), _patient_entries(), ids=lambda v: str(v)[:40])
def test_every_patient_text_has_spanish(where: str, entry: Localised) -> None:
    """Each patient-facing field with English text has a different, non-empty Spanish text."""
    for field in entry.LOCALISED:
        english = entry.text_for(field, "en")
        if english:
            spanish = entry.text_for(field, "es")
            assert spanish.strip(), (where, field)
            assert spanish != english, (where, field)


def test_a_missing_translation_is_refused_at_load_time() -> None:
    """A side-effect question without its Spanish is an error, not an English line in Spanish."""
    with pytest.raises(ValidationError, match="Spanish text missing for question"):
        SideEffect(key="x", question="Have you felt dizzy?", sources=("s",))
    with pytest.raises(ValidationError, match="without English text"):
        Explanation(key="x", text="Long enough.", es={"text": "T", "note": "N"}, sources=("s",))


def test_languages_without_data_texts_fall_back_to_english() -> None:
    effect = KNOWLEDGE.drug("duloxetine").side_effects[0]
    assert effect.text_for("question", "fr") == effect.question
    with pytest.raises(KeyError):
        effect.text_for("key", "es")


def test_side_effect_questions_and_explanations_come_in_the_readers_language() -> None:
    plan = MedicationPlan(
        items=(
            PlanItem(
                drug="gabapentin",
                start_on=START,
                start_daily_mg=300,
                target_daily_mg=900,
                step_mg=300,
                step_every_days=1,
            ),
        )
    )
    spanish = side_effect_questions(plan, on=START, language="es")
    english = side_effect_questions(plan, on=START)
    assert [q.key for q in spanish] == [q.key for q in english]
    breathing = next(q for q in spanish if q.key == "breathing")
    assert breathing.question.startswith("¿Ha notado que respira")
    assert breathing.if_yes is not None
    assert breathing.if_yes.startswith("Busque ayuda")
    assert next(q for q in english if q.key == "dizziness").question.startswith("Have you")
    explained = explanations_for(plan, language="es")[0]
    assert explained.benefit is not None
    assert explained.benefit.startswith("Para saber")
    assert explained.items[0].text_for("text", "es").startswith("Este plan")


def test_confirmed_rxcuis_cite_a_source_and_the_rest_are_marked_unconfirmed() -> None:
    """Codes found in a citable source are confirmed; the others say so and are listed."""
    registry = load_sources()
    unconfirmed = {key for key, drug in KNOWLEDGE.drugs.items() if not drug.rxcui_confirmed}
    assert unconfirmed == {"pregabalin", "cyclobenzaprine", "methocarbamol", "tizanidine"}
    for key in unconfirmed:
        assert any(key in line.lower() for line in KNOWLEDGE.not_found), key
    expected = {
        "gabapentin": "25480",
        "duloxetine": "72625",
        "amitriptyline": "704",
        "nortriptyline": "7531",
        "ibuprofen": "5640",
        "naproxen": "7258",
        "celecoxib": "140587",
    }
    for key, code in expected.items():
        drug = KNOWLEDGE.drug(key)
        assert drug.rxcui == code
        assert drug.rxcui_confirmed
        assert drug.rxcui_sources
        assert set(drug.rxcui_sources) <= set(registry)
        for source in drug.rxcui_sources:
            assert code in (registry[source].note or ""), (key, source)


def test_a_confirmed_code_without_a_source_is_refused() -> None:
    data = KNOWLEDGE.drug("ibuprofen").model_dump()
    data.update(rxcui_sources=())
    with pytest.raises(ValidationError, match="confirmed RxCUI needs rxcui_sources"):
        type(KNOWLEDGE.drug("ibuprofen")).model_validate(data)
