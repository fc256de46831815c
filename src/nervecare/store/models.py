"""The tables, as typed SQLAlchemy models. Schema changes go through Alembic migrations only.

Ownership runs team -> patient -> everything recorded about the patient, with ON DELETE CASCADE
below the patient (only the demo cohort is ever deleted, by `nervecare demo --reset`). The audit
log deliberately has no foreign key: it outlives what it describes, and the database refuses to
change or delete its rows (triggers in the migrations).

Check-ins keep the document as received (JSON) and the triage result (JSON), plus a few copied
columns (level, leg pain, day) so that ranking and history queries never parse JSON.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from nervecare.store._types import BigId, Json, UtcDateTime

__all__ = [
    "ACCOUNT_KINDS",
    "ALERT_STAGES",
    "ALERT_STATES",
    "Account",
    "AlertDelivery",
    "AuditEntry",
    "Base",
    "Baseline",
    "CareTeam",
    "CheckInReview",
    "CheckInRow",
    "Clinician",
    "EnrolmentCode",
    "ExerciseSession",
    "MedicationTrialRow",
    "OutboxAlert",
    "Patient",
    "PatientReminder",
    "PatientSummary",
    "ProcedureRow",
    "SignInAttempt",
    "SignInThrottle",
    "SurgeryRow",
    "TeamAlertSettings",
    "TeamContact",
    "TeamMembership",
    "WebSession",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_LEVELS_SQL = "('emergency', 'urgent', 'routine', 'self_care')"
#: "failed" is the dead-letter state: every attempt of a round failed; shown on the dashboard.
ALERT_STATES = ("pending", "delivering", "delivered", "failed")
#: "initial" goes to the first contact; "escalation" to both contacts when nobody acknowledged.
ALERT_STAGES = ("initial", "escalation")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UtcDateTime(),
        dict[str, Any]: Json,
        list[Any]: Json,
    }


# ------------------------------------------------------------------ people and teams


class CareTeam(Base):
    __tablename__ = "care_teams"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    is_synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime]


class Clinician(Base):
    """A member of staff; a login (password hash) is added with the web app."""

    __tablename__ = "clinicians"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    is_synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime]


class TeamMembership(Base):
    __tablename__ = "team_memberships"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("care_teams.id", ondelete="CASCADE"), primary_key=True
    )
    clinician_id: Mapped[int] = mapped_column(
        ForeignKey("clinicians.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]


class Patient(Base):
    __tablename__ = "patients"
    # AUTOINCREMENT: a deleted (demo) patient's id is never handed to someone else, so old
    # audit entries can never point at the wrong person.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("care_teams.id"), index=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    is_synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime]


# ------------------------------------------------------------------ clinical record


class SurgeryRow(Base):
    __tablename__ = "surgeries"
    __table_args__ = (
        CheckConstraint(
            "procedure IN ('discectomy', 'laminectomy', 'fusion', 'other')", name="procedure"
        ),
        CheckConstraint("side IN ('left', 'right', 'both', 'central', 'unknown')", name="side"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    performed_on: Mapped[dt.date] = mapped_column(Date)
    procedure: Mapped[str] = mapped_column(String(32))
    spinal_levels: Mapped[list[Any]]
    side: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime]


class Baseline(Base):
    """Scores before the operation: the reference every later change is measured against."""

    __tablename__ = "baselines"
    __table_args__ = (
        CheckConstraint("leg_pain BETWEEN 0 AND 10", name="leg_pain"),
        CheckConstraint("back_pain BETWEEN 0 AND 10", name="back_pain"),
        CheckConstraint("function_odi BETWEEN 0 AND 100", name="function_odi"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    surgery_id: Mapped[int] = mapped_column(
        ForeignKey("surgeries.id", ondelete="CASCADE"), unique=True
    )
    recorded_on: Mapped[dt.date | None] = mapped_column(Date)
    leg_pain: Mapped[int] = mapped_column(SmallInteger)
    back_pain: Mapped[int | None] = mapped_column(SmallInteger)
    function_odi: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[dt.datetime]


class CheckInRow(Base):
    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("patient_id", "client_id"),
        Index(None, "patient_id", "recorded_at"),
        Index(None, "level_rank", "recorded_on"),
        CheckConstraint(f"level IN {_LEVELS_SQL}", name="level"),
        CheckConstraint("level_rank BETWEEN 0 AND 3", name="level_rank"),
        CheckConstraint("leg_pain BETWEEN 0 AND 10", name="leg_pain"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    #: The sender's own id for this check-in: a retry with the same id is stored once.
    client_id: Mapped[str | None] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime]
    recorded_on: Mapped[dt.date] = mapped_column(Date)
    received_at: Mapped[dt.datetime]
    days_since_surgery: Mapped[int] = mapped_column(Integer)
    leg_pain: Mapped[int] = mapped_column(SmallInteger)
    back_pain: Mapped[int | None] = mapped_column(SmallInteger)
    function_odi: Mapped[int | None] = mapped_column(SmallInteger)
    pain_relief: Mapped[str | None] = mapped_column(String(16))
    document: Mapped[dict[str, Any]]
    level: Mapped[str] = mapped_column(String(16))
    level_rank: Mapped[int] = mapped_column(SmallInteger)
    #: Reason codes at urgent or emergency level, copied out of `triage` for history queries.
    red_flags: Mapped[list[Any]]
    triage: Mapped[dict[str, Any]]
    ruleset_version: Mapped[str] = mapped_column(String(64))


class CheckInReview(Base):
    """A clinician has seen a check-in (and so its red flags are no longer open)."""

    __tablename__ = "checkin_reviews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    checkin_id: Mapped[int] = mapped_column(
        ForeignKey("checkins.id", ondelete="CASCADE"), index=True
    )
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("clinicians.id"))
    reviewed_at: Mapped[dt.datetime]
    note: Mapped[str] = mapped_column(Text, default="")


class MedicationTrialRow(Base):
    """One course of a pain medicine ("medications taken")."""

    __tablename__ = "medication_trials"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    drug: Mapped[str] = mapped_column(String(120))
    drug_class: Mapped[str] = mapped_column(String(32))
    started_on: Mapped[dt.date] = mapped_column(Date)
    stopped_on: Mapped[dt.date | None] = mapped_column(Date)
    dose_note: Mapped[str] = mapped_column(String(500), default="")
    outcome: Mapped[str] = mapped_column(String(32), default="unknown")
    created_at: Mapped[dt.datetime]


class ProcedureRow(Base):
    """An injection, investigation or referral already done."""

    __tablename__ = "procedures_done"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(64))
    performed_on: Mapped[dt.date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(32), default="unknown")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime]


class ExerciseSession(Base):
    __tablename__ = "exercise_sessions"
    __table_args__ = (Index(None, "patient_id", "performed_on"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    performed_on: Mapped[dt.date] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(32))
    exercise: Mapped[str] = mapped_column(String(120), default="")
    minutes: Mapped[int | None] = mapped_column(Integer)
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime]


class AuditEntry(Base):
    """Who read or changed which patient's record, when. Append-only."""

    __tablename__ = "audit_log"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    #: No foreign key on purpose: the entry must survive the record it describes.
    patient_id: Mapped[int | None] = mapped_column(BigId, index=True)
    detail: Mapped[dict[str, Any]]


# ------------------------------------------------------------------ derived and outbox (0002)


class PatientSummary(Base):
    """One row per patient, kept current in the same transaction as each check-in.

    Ranking every patient by need of attention then reads one small row per patient instead of
    scanning a million check-ins.
    """

    __tablename__ = "patient_summaries"

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    checkin_count: Mapped[int] = mapped_column(Integer)
    last_checkin_id: Mapped[int] = mapped_column(BigId)
    last_recorded_at: Mapped[dt.datetime]
    last_level: Mapped[str] = mapped_column(String(16))
    last_level_rank: Mapped[int] = mapped_column(SmallInteger)
    last_leg_pain: Mapped[int] = mapped_column(SmallInteger)
    last_days_since_surgery: Mapped[int] = mapped_column(Integer)
    #: Latest check-in at urgent or emergency level, and that level's rank (0 when none).
    last_alarm_at: Mapped[dt.datetime | None]
    last_alarm_rank: Mapped[int] = mapped_column(SmallInteger)
    #: Urgent or emergency check-ins no clinician has reviewed yet.
    open_alarms: Mapped[int] = mapped_column(Integer)
    #: Trajectory class as of the latest check-in (None until it could be assessed).
    trajectory: Mapped[str | None] = mapped_column(String(24))
    trajectory_concern: Mapped[int] = mapped_column(SmallInteger)
    updated_at: Mapped[dt.datetime]


class OutboxAlert(Base):
    """An alert to deliver, written in the same transaction as its urgent/emergency check-in."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index(None, "state", "next_attempt_at"),
        CheckConstraint(f"level IN {_LEVELS_SQL}", name="level"),
        CheckConstraint(f"state IN {ALERT_STATES!r}", name="state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    checkin_id: Mapped[int] = mapped_column(
        ForeignKey("checkins.id", ondelete="CASCADE"), unique=True
    )
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[dt.datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    #: Handling by the care team (0003); clinician ids without a foreign key, like the audit log.
    acknowledged_at: Mapped[dt.datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(BigId)
    resolved_at: Mapped[dt.datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(BigId)
    resolution_note: Mapped[str | None] = mapped_column(Text)
    #: Delivery worker (0005): which round is being sent, who holds the claim and until when.
    stage: Mapped[str] = mapped_column(String(16), default="initial")
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[dt.datetime | None]
    delivered_at: Mapped[dt.datetime | None]
    escalated_at: Mapped[dt.datetime | None]
    #: The resolving clinician's judgement: did this alert lead to action? (alert burden)
    actionable: Mapped[bool | None] = mapped_column(Boolean)
    #: "red_flag", or "unconfirmed": a question the notes raised went unanswered (0007).
    kind: Mapped[str] = mapped_column(String(16), default="red_flag", server_default="red_flag")


# ------------------------------------------------------------------ web accounts (0003)

ACCOUNT_KINDS = ("clinician", "patient")


class Account(Base):
    """A sign-in for exactly one clinician or one patient: what it may see follows from that."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'clinician' AND clinician_id IS NOT NULL AND patient_id IS NULL) OR "
            "(kind = 'patient' AND patient_id IS NOT NULL AND clinician_id IS NULL)",
            name="kind_owner",
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(320), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    clinician_id: Mapped[int | None] = mapped_column(
        ForeignKey("clinicians.id", ondelete="CASCADE"), unique=True
    )
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), unique=True
    )
    #: Argon2 hash; None until a patient has used their enrolment code.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: The person's chosen language ("en", "es"); None follows the browser.
    language: Mapped[str | None] = mapped_column(String(16))
    is_synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime]


class TeamContact(Base):
    """How patients reach a care team: the number an urgent result tells them to call."""

    __tablename__ = "team_contacts"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("care_teams.id", ondelete="CASCADE"), primary_key=True
    )
    phone: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime]


class WebSession(Base):
    """A signed-in browser. The id is the SHA-256 of the cookie's secret, never the secret."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    last_seen_at: Mapped[dt.datetime]


class EnrolmentCode(Base):
    """A one-time code (stored as its SHA-256) with which a new patient sets their password."""

    __tablename__ = "enrolment_codes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class SignInAttempt(Base):
    """Every sign-in attempt, for rate limiting by name and by address."""

    __tablename__ = "signin_attempts"
    __table_args__ = (Index(None, "username", "at"), Index(None, "client_address", "at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[dt.datetime]
    username: Mapped[str] = mapped_column(String(320))
    client_address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)


class SignInThrottle(Base):
    """Recent sign-in failures per (address, name) pair or per address (0008), one locked row
    per key so that counting is atomic across web processes."""

    __tablename__ = "signin_throttles"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[dt.datetime]
    blocked_until: Mapped[dt.datetime | None]


# ------------------------------------------------------------------ alert delivery (0005)


class AlertDelivery(Base):
    """One attempt to deliver one alert to one receiver: the delivery log."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        Index(None, "alert_id", "stage"),
        CheckConstraint("outcome IN ('delivered', 'failed')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(2000))
    attempt: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime]
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)


class TeamAlertSettings(Base):
    """Where a team's alerts go and when they escalate; unset values fall back to settings.

    The webhook secret is kept in the clear because it is needed to sign; it travels in
    backups, which must therefore be kept like the database itself.
    """

    __tablename__ = "team_alert_settings"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("care_teams.id", ondelete="CASCADE"), primary_key=True
    )
    primary_email: Mapped[str | None] = mapped_column(String(320))
    secondary_email: Mapped[str | None] = mapped_column(String(320))
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    webhook_secret: Mapped[str | None] = mapped_column(String(200))
    emergency_escalation_minutes: Mapped[int | None] = mapped_column(Integer)
    urgent_escalation_minutes: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime]
    #: How long a question the notes raised may stay unanswered before it is a task (0007).
    confirm_minutes: Mapped[int | None] = mapped_column(Integer)


class PatientReminder(Base):
    """A patient's daily check-in reminder: to which address, at what local time and zone."""

    __tablename__ = "patient_reminders"

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(320))
    remind_at: Mapped[dt.time] = mapped_column(Time)
    time_zone: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The patient's local date of the last reminder sent (at most one a day).
    last_sent_on: Mapped[dt.date | None] = mapped_column(Date)
    updated_at: Mapped[dt.datetime]


# ------------------------------------------------------------------ plans and programmes (0004)
# Owned by the plans work (issue 7); services in nervecare.store.plans.

PLAN_STATUSES = ("draft", "active", "stopped")
DOSE_STATUSES = ("taken", "missed")
PROGRAMME_STATUSES = ("active", "ended")

__all__ += [  # the names of this section, kept next to it
    "DOSE_STATUSES",
    "PLAN_STATUSES",
    "PROGRAMME_STATUSES",
    "DoseRecordRow",
    "ExerciseFeedbackRow",
    "ExerciseProgrammeRow",
    "MedicationPlanItemRow",
    "MedicationPlanRow",
]


class MedicationPlanRow(Base):
    """A clinician's medication plan, with the check findings it was saved and activated with."""

    __tablename__ = "medication_plans"
    __table_args__ = (
        Index(None, "patient_id", "status"),
        CheckConstraint(f"status IN {PLAN_STATUSES!r}", name="status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    prescriber: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    note: Mapped[str] = mapped_column(Text, default="")
    #: Drug-knowledge version the checks ran against, the findings, and the patient facts used.
    knowledge_version: Mapped[str] = mapped_column(String(64))
    findings: Mapped[list[Any]]
    patient_facts: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime]
    activated_at: Mapped[dt.datetime | None]
    stopped_at: Mapped[dt.datetime | None]
    stopped_reason: Mapped[str | None] = mapped_column(Text)


class MedicationPlanItemRow(Base):
    __tablename__ = "medication_plan_items"
    __table_args__ = (UniqueConstraint("plan_id", "drug"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("medication_plans.id", ondelete="CASCADE"), index=True
    )
    drug: Mapped[str] = mapped_column(String(64))
    rxcui: Mapped[str] = mapped_column(String(16))
    indication: Mapped[str | None] = mapped_column(String(64))
    start_on: Mapped[dt.date] = mapped_column(Date)
    start_daily_mg: Mapped[float] = mapped_column(Float)
    target_daily_mg: Mapped[float] = mapped_column(Float)
    step_mg: Mapped[float | None] = mapped_column(Float)
    step_every_days: Mapped[int | None] = mapped_column(Integer)
    times_per_day: Mapped[int | None] = mapped_column(SmallInteger)
    course_days: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(500), default="")


class DoseRecordRow(Base):
    """A dose taken or missed; one row per scheduled dose, so a retry never counts twice."""

    __tablename__ = "dose_records"
    __table_args__ = (
        UniqueConstraint("plan_item_id", "scheduled_on", "dose_number"),
        Index(None, "patient_id", "scheduled_on"),
        CheckConstraint(f"status IN {DOSE_STATUSES!r}", name="status"),
        CheckConstraint("dose_number BETWEEN 1 AND 6", name="dose_number"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    plan_item_id: Mapped[int] = mapped_column(
        ForeignKey("medication_plan_items.id", ondelete="CASCADE")
    )
    scheduled_on: Mapped[dt.date] = mapped_column(Date)
    dose_number: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(8))
    recorded_at: Mapped[dt.datetime]


class ExerciseProgrammeRow(Base):
    """An exercise programme assigned to a patient: procedure, current level per track."""

    __tablename__ = "exercise_programmes"
    __table_args__ = (
        Index(None, "patient_id", "status"),
        CheckConstraint(f"status IN {PROGRAMME_STATUSES!r}", name="status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    assigned_by: Mapped[str] = mapped_column(String(200))
    procedure: Mapped[str] = mapped_column(String(32))
    level: Mapped[dict[str, Any]]
    level_since: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]


class ExerciseFeedbackRow(Base):
    """How a session went: did symptoms spread down the leg, how long did pain stay raised."""

    __tablename__ = "exercise_feedback"
    __table_args__ = (Index(None, "patient_id", "performed_on"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    performed_on: Mapped[dt.date] = mapped_column(Date)
    exercise: Mapped[str] = mapped_column(String(120))
    symptoms_further_down_leg: Mapped[bool] = mapped_column(Boolean, default=False)
    pain_raised_hours: Mapped[float | None] = mapped_column(Float)
    recorded_at: Mapped[dt.datetime]


# ------------------------------------------------------------------ side-effect answers (0006)
# Owned by the plans work (issue 7); services in nervecare.store.side_effects (via store.plans).

__all__ += ["SideEffectAnswerRow"]


class SideEffectAnswerRow(Base):
    """A patient's yes or no to one side-effect question, asked inside a check-in.

    Kept beside the check-in (contract v1 is unchanged), written in the check-in's transaction;
    one row per check-in and question, so a retried check-in never stores them twice. `urgent`
    copies the data's marker at the time, so the care team's flag does not depend on later data.
    """

    __tablename__ = "side_effect_answers"
    __table_args__ = (
        UniqueConstraint("checkin_id", "drug", "effect"),
        Index(None, "patient_id", "asked_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"))
    drug: Mapped[str] = mapped_column(String(64))
    effect: Mapped[str] = mapped_column(String(64))
    answer: Mapped[bool] = mapped_column(Boolean)
    words: Mapped[str] = mapped_column(String(200), default="")
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    asked_on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime]


__all__ += ["CheckInQuestionRow"]


class CheckInQuestionRow(Base):
    """A question a check-in's notes raised (triage contract v2), and the patient's answer.

    Written in the check-in's transaction, one row per check-in and question key. The answer
    and its time are filled in once; `escalated_at` is set when the question, unanswered past
    `due_at`, became a task for the care team.
    """

    __tablename__ = "checkin_questions"
    __table_args__ = (
        UniqueConstraint("checkin_id", "key"),
        Index(None, "answer", "due_at"),
        Index(None, "patient_id", "answered_at"),
        CheckConstraint(f"level IN {_LEVELS_SQL}", name="level"),
        CheckConstraint("answer IS NULL OR answer IN ('yes', 'no', 'not_sure')", name="answer"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(Json)
    code: Mapped[str] = mapped_column(String(128))
    level: Mapped[str] = mapped_column(String(16))
    question: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[dt.datetime]
    due_at: Mapped[dt.datetime]
    answer: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[dt.datetime | None]
    escalated_at: Mapped[dt.datetime | None]


# ------------------------------------------------------------------ interop integrity (0009)
# Owned by the interop work (issues 16 and 17); used by nervecare.store.token_ids.

__all__ += ["TokenIdRow"]


class TokenIdRow(Base):
    """A JWT id (`jti`) a CDS client or FHIR caller has used, until its token expires.

    In the database rather than in one process's memory, so that a token replayed against
    another web process (several workers on PostgreSQL) is refused too; the primary key makes
    the claim atomic.
    """

    __tablename__ = "token_ids"
    __table_args__ = (Index(None, "expires_at"),)

    #: The issuer and the jti, as `issuer|jti`.
    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    expires_at: Mapped[dt.datetime]
