"""No patient text sends a warning sign to a lower level than triage would (issue 15, item 2).

Every text a patient reads in the drug, exercise, phase, education and self-care data, in English
and in Spanish, is checked: a text that names a sign triage makes an emergency (chest pain or
breathlessness, saddle numbness, bladder or bowel control, symptoms in both legs, a headache with
fever) must send the patient to the emergency number; a text that names a sign triage makes
urgent (calf pain or swelling, a hot or leaking wound, a high temperature, new leg weakness or a
foot that drops) must say today, now or the emergency number, never "at your next appointment".
"""

from __future__ import annotations

import re
from importlib import resources

import pytest
from babel.messages.pofile import read_po

from nervecare.medications import load_drug_knowledge, load_explanations
from nervecare.medications._localised import Localised
from nervecare.rehab import load_rehab_knowledge
from nervecare.triage import load_ruleset
from nervecare.web.routes.learn import load_topics

EMERGENCY_SIGNS = re.compile(
    r"chest pain|short(ness)? of breath|trouble breathing|between your legs|around your bottom"
    r"|genitals|pass(ing)? urine|controlling urine|control(ling)? your bowels|both legs"
    r"|headache with a high temperature|headache with a stiff neck|worst you have ever had"
    r"|dolor en el pecho|le falta el aire|le cuesta respirar|entre las piernas|alrededor del ano"
    r"|genitales|orinar|controlar el intestino|las dos piernas|dolor de cabeza con fiebre"
    r"|cuello r[ií]gido",
    re.IGNORECASE,
)
EMERGENCY_ROUTE = re.compile(
    r"emergency number|emergency department|999|911|112|número de emergencias|urgencias",
    re.IGNORECASE,
)
URGENT_SIGNS = re.compile(
    r"calf pain|swelling in a calf|wound is red|leaking|high temperature|38\s?°C|new weakness"
    r"|weakness in a leg|foot drops|foot slaps|(dolor|hinchazón)[^.]{0,30}pantorrilla"
    r"|herida está roja|fiebre|debilidad nueva|el pie golpea",
    re.IGNORECASE,
)
URGENT_ROUTE = re.compile(
    r"today|same day|straight away|at once|\bnow\b|emergency|hoy|mismo día|enseguida|ahora"
    r"|urgencias|emergencias",
    re.IGNORECASE,
)
#: Lower routes that must never be the only route for a sign triage makes urgent or worse.
LOWER_ROUTE = re.compile(
    r"next appointment|within the next few days|próxima cita|en los próximos días", re.IGNORECASE
)


def _localised_texts(where: str, entry: Localised) -> list[tuple[str, str]]:
    texts = [
        (f"{where}.{name}", value) for name, value in vars(entry).items() if isinstance(value, str)
    ]
    for field in entry.LOCALISED:
        spanish = entry.text_for(field, "es")
        if spanish:
            texts.append((f"{where}.{field}[es]", spanish))
    return texts


def _spanish() -> dict[str, str]:
    po = resources.files("nervecare.web").joinpath("locale", "es", "LC_MESSAGES", "messages.po")
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    return {str(message.id): str(message.string) for message in catalog if message.id}


def patient_texts() -> list[tuple[str, str]]:
    """(where, text) for every patient-facing text in the checked data files."""
    texts: list[tuple[str, str]] = []
    for drug in load_drug_knowledge().drugs.values():
        for effect in drug.side_effects:
            # A question is read with what the patient is told when the answer is yes.
            for language in ("en", "es"):
                asked = effect.text_for("question", language) or ""
                told = effect.text_for("if_yes", language) or ""
                texts.append((f"drug {drug.key}.{effect.key}[{language}]", f"{asked} {told}"))
        texts += _localised_texts(f"drug {drug.key}.stopping", drug.stopping)
    for group, items in load_explanations().items():
        for item in items:
            texts += _localised_texts(f"explanation {group}.{item.key}", item)
    rehab = load_rehab_knowledge()
    for exercise in rehab.exercises.values():
        texts += _localised_texts(f"exercise {exercise.key}", exercise)
    for family, phases in rehab.phases.items():
        for phase in phases:
            for number, restriction in enumerate(phase.restrictions):
                texts += _localised_texts(f"phase {family}.{phase.key}.{number}", restriction)
    spanish = _spanish()
    for topic in load_topics():
        for number, paragraph in enumerate(topic.paragraphs):
            texts.append((f"learn {topic.slug}.{number}", paragraph))
            texts.append((f"learn {topic.slug}.{number}[es]", spanish.get(paragraph, "")))
    for number, phase_text in enumerate(load_ruleset().self_care_phases):
        texts.append((f"self-care phase {number}", phase_text.text))
    return texts


TEXTS = patient_texts()
WITH_EMERGENCY_SIGN = [(w, t) for w, t in TEXTS if EMERGENCY_SIGNS.search(t)]
WITH_URGENT_SIGN = [(w, t) for w, t in TEXTS if URGENT_SIGNS.search(t)]


def test_the_audit_reads_every_kind_of_patient_text() -> None:
    """Guards the tests below against passing on nothing: each source of texts is read."""
    kinds = {where.split(" ", 1)[0] for where, _ in TEXTS}
    assert kinds == {"drug", "explanation", "exercise", "phase", "learn", "self-care"}
    assert WITH_EMERGENCY_SIGN
    assert WITH_URGENT_SIGN


@pytest.mark.parametrize(
    ("where", "text"), WITH_EMERGENCY_SIGN, ids=[w for w, _ in WITH_EMERGENCY_SIGN]
)
def test_a_text_naming_an_emergency_sign_sends_to_the_emergency_number(
    where: str, text: str
) -> None:
    """Emergency signs go to the emergency number or department, in both languages."""
    assert EMERGENCY_ROUTE.search(text), f"{where}: {text}"


@pytest.mark.parametrize(("where", "text"), WITH_URGENT_SIGN, ids=[w for w, _ in WITH_URGENT_SIGN])
def test_a_text_naming_an_urgent_sign_says_today_or_now(where: str, text: str) -> None:
    """Urgent signs are sent for help today or now, never only to a later appointment."""
    assert URGENT_ROUTE.search(text), f"{where}: {text}"
    assert not LOWER_ROUTE.search(text), f"{where}: {text}"


def test_the_warning_signs_page_names_every_emergency_rule_family() -> None:
    """The education page lists the sign families triage treats as emergencies."""
    page = next(topic for topic in load_topics() if topic.slug == "warning-signs")
    text = " ".join(page.paragraphs)
    for sign in ("between your legs", "urine", "bowels", "both legs", "chest pain",
                 "shortness of breath", "headache with a high temperature",
                 "a sudden, very bad headache", "headache with a stiff neck",
                 "not having passed urine for many hours"):  # fmt: skip
        assert sign in text
