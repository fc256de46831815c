"""The Spanish reader, as specifications: how Spanish speakers say each sign, and what it must
leave alone (someone else's sign, a denial, the weather, the past, a question).

Read with the rules alone (`_read_spanish`), the reader every Spanish note goes through.
"""

from __future__ import annotations

import pytest

from nervecare.notes._reader import _read_spanish


def _definite(note: str) -> set[tuple[str, object]]:
    return {(f.field, f.value) for f in _read_spanish(note).findings if f.certainty == "definite"}


def _found(note: str) -> set[str]:
    return {f.field for f in _read_spanish(note).findings}


@pytest.mark.parametrize(
    ("note", "field", "value"),
    [
        ("desde el almuerzo no hago pis y ya es de noche", "bladder", "retention"),
        ("no ha ido al bano ni ha orinado desde anoche", "bladder", "retention"),
        ("despertó toda mojada en la cama y no se dio cuenta", "bladder", "incontinence"),
        ("no me doy cuenta cuando me orino", "bladder", "incontinence"),
        ("no siente cuando tiene q ir al bano", "bowel", "reduced_sensation"),
        ("ya se hizo encima tres veces", "bowel", "incontinence"),
        ("la parte de abajo la tengo sin sensibilidad", "saddle_numbness", "new"),
        ("me duele la cabeza y el pescuezo lo tengo tieso", "headache_sudden_or_stiff_neck", True),
        ("noto la vejiga a reventar y no sale", "bladder", "retention"),
        ("esta manana me orino encima sin sentirlo", "bladder", "incontinence"),
        ("ni cuenta me di que me habia meado", "bladder", "incontinence"),
        ("fui al bano y no se si orine o no", "bladder", "reduced_sensation"),
        ("me ensucie en la cama sin darme cuenta", "bowel", "incontinence"),
        ("no siento mis partes desde ayer", "saddle_numbness", "new"),
        ("no noto el papel cuando me limpio", "saddle_numbness", "new"),
        ("tengo como anestesiado todo el traste", "saddle_numbness", "new"),
        ("chest pain desde hace un rato", "chest_pain_or_breathlessness", True),
        ("me quede sin aire subiendo la escalera de casa", "chest_pain_or_breathlessness", True),
        ("como un elefante sentado en el pecho", "chest_pain_or_breathlessness", True),
        ("al levantarme me da un dolor de cabeza tremendo", "headache_when_upright", True),
        ("la rodilla derecha se me vence al bajar", "leg_weakness", "worsening"),
        ("no puedo levantar el dedo gordo del pie", "foot_drop", "new"),
        ("el hormigueo va subiendo por la pierna", "leg_numbness", "worsening"),
        ("se me hincho la pantorrilla izquierda", "calf_pain_or_swelling", True),
        ("la herida sigue soltando un liquido clarito", "wound", "drainage"),
        ("el rojo alrededor de la cicatriz se esta extendiendo", "wound", "redness"),
        ("ni la morfina me lo calma", "pain_relieved_by_medication", "no"),
        ("tengo 38,3", "temperature_c", 38.3),
    ],
)
def test_a_plain_first_person_statement_is_definite(note: str, field: str, value: object) -> None:
    assert (field, value) in _definite(note)


@pytest.mark.parametrize(
    ("note", "field"),
    [
        ("no tengo la pantorrilla hinchada", "calf_pain_or_swelling"),
        ("sin problemas de ereccion", "sexual_dysfunction"),
        ("la pantorrilla no esta hinchada", "calf_pain_or_swelling"),
        ("fiebre no, todo tranquilo", "temperature_c"),
        ("hace 30 grados afuera, que calor", "temperature_c"),
        ("en el pueblo estamos a 39 grados y no se puede dormir", "temperature_c"),
        ("el nene tiene calentura 38,5, yo sigo bien", "temperature_c"),
        ("my son tiene fiebre, yo estoy ok", "temperature_c"),
        ("hace dos meses tenia las dos piernas flojas, ahora camino bien", "both_legs"),
        ("que significa pie caido?", "foot_drop"),
        ("tuve un poco de pus en un punto, me dieron antibiotico y ya se seco", "wound"),
        ("la enfermera dijo que si noto el culo dormido vaya a urgencias", "saddle_numbness"),
        (
            "me siento como si me hubiera pasado un camion por encima",
            "chest_pain_or_breathlessness",
        ),
        ("no me sale nada de la herida", "bladder"),
    ],
)
def test_what_is_not_the_patients_sign_now_is_not_found(note: str, field: str) -> None:
    assert field not in _found(note)


def test_a_headache_with_a_stiff_neck_said_plainly_is_the_emergency_headache_sign() -> None:
    findings = _read_spanish("me duele la cabeza y tengo el cuello tieso").findings
    assert ("headache_sudden_or_stiff_neck", "definite") in {
        (f.field, f.certainty) for f in findings
    }


def test_a_loosely_described_sudden_headache_is_asked_not_decided() -> None:
    findings = _read_spanish("un dolor de cabeza que vino de golpe").findings
    assert {(f.field, f.certainty) for f in findings} == {
        ("headache_sudden_or_stiff_neck", "possible")
    }


def test_new_numbness_in_the_foot_is_asked() -> None:
    findings = _read_spanish("se me durmio el empeine y no se me quita").findings
    assert ("leg_numbness", "possible") in {(f.field, f.certainty) for f in findings}
