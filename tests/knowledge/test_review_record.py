"""The review record (knowledge/data/REVIEW.yaml) covers every clinical item of every data file.

Issue 15 asks for a record, per data file and clinical item, of the primary source, the place in
it, the date read and whether it was checked or is a project rule awaiting clinical review. These
tests keep the record complete as the data grows: a new rule code, drug, check, exercise, phase
or suggestion without an entry fails here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
import yaml

from nervecare.knowledge import load_sources, read_data

REVIEW: dict[str, Any] = read_data("REVIEW.yaml")
FILES: dict[str, dict[str, dict[str, Any]]] = REVIEW["files"]


def _keys(items: list[dict[str, Any]], field: str = "key") -> Iterator[str]:
    return (item[field] for item in items)


def clinical_items() -> Iterator[tuple[str, str]]:
    """(data file, item key) for every item the record must cover, read from the data itself."""
    drugs = read_data("medications", "drugs.yaml")["drugs"]
    yield from (("medications/drugs.yaml", key) for key in drugs)
    checks = read_data("medications", "checks.yaml")
    older = checks["older_adults"]
    for key in (
        *_keys(checks["combinations"]),
        *_keys(checks["conditions"]),
        *_keys(checks.get("age_rules") or []),
        *_keys(older["rules"]),
        *_keys(older.get("group_limits") or []),
        older["cns_active_limit"]["key"],
        checks["fusion_without_instruction"]["key"],
        *(f"group.{group}" for group in checks["other_medicine_groups"]),
    ):
        yield "medications/checks.yaml", key
    for group, items in read_data("medications", "explanations.yaml")["explanations"].items():
        yield from (("medications/explanations.yaml", f"{group}.{key}") for key in _keys(items))
    rules = read_data("triage", "rules.yaml")
    yield from (("triage/rules.yaml", code) for code in _keys(rules["rules"], "code"))
    for advice in rules["level_advice"]:
        yield "triage/rules.yaml", f"level_advice.{advice['level']}"
    for phase in rules["self_care_phases"]:
        yield "triage/rules.yaml", f"self_care_phase.day_{phase['from_day']}"
    yield from (
        ("rehab/exercises.yaml", key) for key in read_data("rehab", "exercises.yaml")["exercises"]
    )
    phases = read_data("rehab", "phases.yaml")
    for family, items in phases["phases"].items():
        yield from (("rehab/phases.yaml", f"{family}.{key}") for key in _keys(items))
    for key in _keys(phases["progression"]["rules"]):
        yield "rehab/phases.yaml", f"progression.{key}"
    plan = read_data("careplan", "suggestions.yaml")
    yield from (("careplan/suggestions.yaml", key) for key in _keys(plan["suggestions"]))
    for drug_class in plan["drug_classes"]:
        yield "careplan/suggestions.yaml", f"drug_class.{drug_class}"
    recovery = read_data("recovery", "trajectory.yaml")
    yield from (("recovery/trajectory.yaml", f"mcid.{key}") for key in recovery["mcid"])
    for family, bands in recovery["bands"].items():
        for band in bands:
            yield "recovery/trajectory.yaml", f"bands.{family}.week_{band['from_week']}"
    for section in read_data("checkin", "questions.yaml")["sections"]:
        for question in section["questions"]:
            yield "checkin/questions.yaml", question["field"]
    learn = resources.files("nervecare.web").joinpath("content", "learn.yaml").read_text("utf-8")
    for topic in yaml.safe_load(learn)["topics"]:
        yield "web/content/learn.yaml", topic["slug"]


ITEMS = sorted(set(clinical_items()))


def _data_files() -> Iterator[str]:
    root = resources.files("nervecare.knowledge").joinpath("data")
    for folder in root.iterdir():
        if folder.is_dir() and folder.name != "sources":
            for file in folder.iterdir():
                if file.name.endswith(".yaml"):
                    yield f"{folder.name}/{file.name}"


@pytest.mark.parametrize(("file", "key"), ITEMS, ids=[f"{f}:{k}" for f, k in ITEMS])
def test_every_clinical_item_has_a_review_entry(file: str, key: str) -> None:
    """Each rule code, drug, check, exercise, phase and suggestion is in the record."""
    assert key in FILES.get(file, {}), f"{file}: {key} has no entry in REVIEW.yaml"


@pytest.mark.parametrize("file", sorted(_data_files()))
def test_every_data_file_is_in_the_record(file: str) -> None:
    """No data file is left out, the notes lexicons included (recorded per file)."""
    assert FILES.get(file), f"{file} is not in REVIEW.yaml"


def test_no_entry_names_an_item_that_does_not_exist() -> None:
    """Entries for removed items are removed too (file-level entries aside)."""
    known = set(ITEMS)
    stale = [
        (file, key)
        for file, entries in FILES.items()
        for key in entries
        if key not in {"file", "thresholds", "smoothing", "acceptable_leg_pain_below"}
        and (file, key) not in known
    ]
    assert stale == []


ENTRIES = [(file, key, entry) for file, entries in FILES.items() for key, entry in entries.items()]


@pytest.mark.parametrize(("file", "key", "entry"), ENTRIES, ids=[f"{f}:{k}" for f, k, _ in ENTRIES])
def test_each_entry_has_a_known_status_a_place_and_cited_sources(
    file: str, key: str, entry: dict[str, Any]
) -> None:
    """Status from the list, a place in the source, and source keys the registry holds."""
    assert entry["status"] in REVIEW["statuses"]
    assert entry["place"].strip()
    load_sources().require(entry["sources"], cited_by=f"REVIEW.yaml {file} {key}")
    if entry["status"] == "checked":
        assert entry["sources"], "a checked item names the source it was checked against"
        assert dt.date.fromisoformat(entry["date_read"]) == dt.date.fromisoformat(
            REVIEW["reviewed_on"]
        )
