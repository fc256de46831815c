"""Integrity of the drug facts: every drug is coded, dosed and cited; limits are consistent."""

from __future__ import annotations

import pytest

from nervecare.knowledge import load_sources
from nervecare.medications import load_check_rules, load_drug_knowledge, load_explanations

KNOWLEDGE = load_drug_knowledge()
REQUIRED = {
    "gabapentinoid": {"gabapentin", "pregabalin"},
    "snri": {"duloxetine"},
    "tricyclic": {"amitriptyline", "nortriptyline"},
    "nsaid": {"ibuprofen", "naproxen", "celecoxib"},
    "muscle_relaxant": {"cyclobenzaprine", "methocarbamol", "tizanidine"},
}


@pytest.mark.parametrize(("drug_class", "drugs"), sorted(REQUIRED.items()))
def test_every_required_drug_is_present_in_its_class(drug_class: str, drugs: set[str]) -> None:
    """The issue's drug list is covered, each in the right class."""
    for key in drugs:
        assert KNOWLEDGE.drug(key).drug_class == drug_class


@pytest.mark.parametrize("key", sorted(KNOWLEDGE.drugs))
def test_every_drug_has_code_doses_and_sources(key: str) -> None:
    """RxCUI, start dose, maximum dose and sources for every indication."""
    drug = KNOWLEDGE.drug(key)
    assert drug.rxcui.isdigit()
    for indication in drug.indications:
        assert indication.start_daily_mg > 0
        assert indication.highest_daily_mg >= indication.start_daily_mg
        assert indication.sources


@pytest.mark.parametrize("key", sorted(KNOWLEDGE.drugs))
def test_every_source_key_exists(key: str) -> None:
    """No drug fact cites a source the registry does not hold."""
    registry = load_sources()
    assert KNOWLEDGE.drug(key).source_keys() <= set(registry)


def test_check_rules_and_explanations_cite_known_sources() -> None:
    """Loading validates every citation of the check rules and patient texts."""
    assert load_sources().keys() >= load_check_rules().source_keys()
    assert load_explanations()["gabapentinoid"]


@pytest.mark.parametrize("key", sorted(KNOWLEDGE.drugs))
def test_renal_maximum_never_exceeds_label_maximum(key: str) -> None:
    """A kidney band can only lower the dose."""
    drug = KNOWLEDGE.drug(key)
    for band in drug.renal:
        assert band.max_daily_mg is None or band.max_daily_mg <= drug.label_max_daily_mg


@pytest.mark.parametrize("key", sorted(k for k, d in KNOWLEDGE.drugs.items() if d.renal))
def test_renal_bands_do_not_overlap(key: str) -> None:
    """At any clearance at most one band applies."""
    bands = KNOWLEDGE.drug(key).renal
    for crcl in range(0, 200):
        assert sum(band.holds(float(crcl)) for band in bands) <= 1


@pytest.mark.parametrize(
    ("drug", "indication", "start", "maximum"),
    [
        # Neurontin label: PHN 300 mg day 1 ... up to 3600 mg/day.
        ("gabapentin", "postherpetic_neuralgia", 300, 3600),
        # Lyrica label: start 150 mg/day; PHN max 600; DPN max 300.
        ("pregabalin", "postherpetic_neuralgia", 150, 600),
        ("pregabalin", "diabetic_peripheral_neuropathy", 150, 300),
        # Duloxetine label: CMP 30 mg for a week then 60 mg; no benefit above 60.
        ("duloxetine", "chronic_musculoskeletal_pain", 30, 60),
        # NICE / NI formulary: amitriptyline 10 mg, no higher than 75 mg.
        ("amitriptyline", "neuropathic_pain", 10, 75),
        # NHS pain service: nortriptyline 10 mg, at most 75 mg for pain (NeuPSIG's 150 is the
        # depression ceiling; the safer number is used).
        ("nortriptyline", "neuropathic_pain", 10, 75),
        # Ibuprofen label: pain 400 mg every 4-6 hours (2400 mg); RA/OA up to 3200 mg.
        ("ibuprofen", "mild_to_moderate_pain", 1200, 2400),
        ("ibuprofen", "rheumatoid_arthritis_osteoarthritis", 1200, 3200),
        # Naproxen label (pain): 1000 mg/day after day 1.
        ("naproxen", "pain", 1000, 1000),
        # Celecoxib label: OA 200 mg/day; acute pain 200 mg twice daily.
        ("celecoxib", "osteoarthritis", 200, 200),
        ("celecoxib", "acute_pain", 400, 400),
        # Cyclobenzaprine label: 5 mg TID up to 10 mg TID.
        ("cyclobenzaprine", "acute_muscle_spasm", 15, 30),
        # Methocarbamol label: 6 g/day initially; after 48-72 hours about 4-4.5 g/day.
        ("methocarbamol", "acute_musculoskeletal_pain", 6000, 4500),
        # Tizanidine label: 2 mg start, 36 mg/day max.
        ("tizanidine", "spasticity", 2, 36),
    ],
)
def test_label_doses_match_the_cited_label(
    drug: str, indication: str, start: float, maximum: float
) -> None:
    """Start and maximum daily doses are the numbers in the cited label."""
    dosing = KNOWLEDGE.drug(drug).indication(indication)
    assert (dosing.start_daily_mg, dosing.max_daily_mg) == (start, maximum)
