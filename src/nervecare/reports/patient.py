"""A one-page summary for the patient to bring to an appointment, in plain words.

Only what the record shows, said simply: the operation, leg pain before and now, a simple chart,
what the team may want to talk about (by kind, not by drug or dose), what to write down before
the visit, and when to get help at once (the check-in's own cited words and advice).
"""

from __future__ import annotations

import datetime as dt

from reportlab.platypus import Flowable, Paragraph, Spacer

from nervecare.interop.fhir.export import PatientExport
from nervecare.questionnaire import load_questionnaire
from nervecare.reports._chart import trajectory_chart
from nervecare.reports._common import FRAME_WIDTH, one_page_pdf, styles
from nervecare.reports._text import para
from nervecare.triage import load_ruleset

__all__ = ["patient_summary_pdf"]

_OPERATION = {
    "discectomy": "an operation to take pressure off a nerve in your lower back (discectomy)",
    "laminectomy": "an operation to make more room for the nerves in your lower back "
    "(laminectomy or decompression)",
    "fusion": "an operation to join bones in your lower back (spinal fusion)",
    "other": "an operation on your lower back",
}
_HOW_IT_GOES = {
    "on_track": "This fits with how people usually get better after this operation.",
    "slow": "This is slower than expected, so your team will look at it with you.",
    "plateau": "It has not changed much lately. Your team will talk with you about what could "
    "help.",
    "worsening": "It has been getting worse. Your team will talk with you about it.",
    "insufficient_data": "There are not enough check-ins yet to say how it is going. "
    "Checking in often helps your team.",
}
_TOPICS = {
    "referral": "a warning sign you reported, which needs checking soon",
    "evaluation": "whether a scan or another test would help",
    "medication": "your pain medicine: what you take, how it helps, and other choices",
    "rehabilitation": "exercises and physiotherapy",
    "procedure": "whether an injection or another treatment could help",
}
#: Check-in answers that are emergency warning signs, by (field, value), shown in the
#: questionnaire's own words (sources: the questionnaire's CES cards).
_WARNING_ANSWERS = (
    ("bladder", "retention"),
    ("bladder", "incontinence"),
    ("bowel", "incontinence"),
)


def _warning_signs() -> list[str]:
    questionnaire = load_questionnaire()
    labels = []
    by_field = {q.field: q for q in questionnaire.questions()}
    for field, value in _WARNING_ANSWERS:
        for choice in questionnaire.choices_for(by_field[field]):
            if choice.value == value:
                labels.append(choice.label)
    labels.append("numbness or a changed feeling between your legs, around your bottom or genitals")
    return labels


def patient_summary_pdf(data: PatientExport, *, on: dt.date) -> bytes:
    """The patient's own summary for an appointment on `on`."""
    s = styles(base_size=11)
    record = data.record
    surgery = record.surgery
    weeks = (on - surgery.date).days // 7
    trajectory = data.trajectory
    story: list[Flowable] = [
        Paragraph(para(f"Your recovery so far, {record.display_name}"), s.title),
        Paragraph(
            para(f"For your appointment on {on:%d %B %Y}. Bring this page with you."), s.body
        ),
    ]
    if record.is_synthetic:
        story.append(Paragraph("Example only: this person is made up (demo data).", s.alarm))
    story += [
        Paragraph("Your operation", s.heading),
        Paragraph(
            para(
                f"You had {_OPERATION[surgery.procedure]} on {surgery.date:%d %B %Y}. "
                f"That was {weeks} weeks ago."
            ),
            s.body,
        ),
        Paragraph("Your leg pain", s.heading),
    ]
    if record.baseline is not None and trajectory.leg_pain is not None:
        story.append(
            Paragraph(
                para(
                    "Before your operation you scored your leg pain "
                    f"{record.baseline.leg_pain} out of "
                    f"10. Lately it has been about {trajectory.leg_pain.current:g} out of 10."
                ),
                s.body,
            )
        )
    story.append(Paragraph(para(_HOW_IT_GOES[trajectory.classification]), s.body))
    story += [
        Spacer(1, 4),
        trajectory_chart(
            data.history.points,
            trajectory,
            data.history.baseline,
            width=FRAME_WIDTH,
            height=140,
            simple=True,
        ),
    ]
    topics = list(dict.fromkeys(_TOPICS[x.pillar] for x in data.suggestions))
    if data.history.open_red_flags:
        topics.insert(0, _TOPICS["referral"])
    story.append(Paragraph("Things your team may want to talk about", s.heading))
    story += [Paragraph(para(f"- {topic}"), s.body) for topic in dict.fromkeys(topics)]
    if not topics:
        story.append(Paragraph("- how you are getting on, and your plan from here", s.body))
    story += [
        Paragraph("Before your appointment, write down", s.heading),
        Paragraph("- how the pain affects your sleep, walking and work", s.body),
        Paragraph("- the medicines you take, and how often", s.body),
        Paragraph("- anything new since your last visit, and your questions", s.body),
        Paragraph("Get help straight away if you can say any of these", s.heading),
    ]
    story += [Paragraph(para(f"- {sign}"), s.body) for sign in _warning_signs()]
    emergency = next(a for a in load_ruleset().level_advice if a.level == "emergency")
    story.append(Paragraph(para(emergency.text), s.alarm))
    sources = [*load_questionnaire().sources, *emergency.sources]
    story += [
        Spacer(1, 6),
        Paragraph(
            para(
                "This page is a summary of your check-ins. It does not replace your care team. "
                f"Where the advice comes from: {', '.join(dict.fromkeys(sources))}."
            ),
            s.small,
        ),
    ]
    return one_page_pdf(story, title="Your recovery so far")
