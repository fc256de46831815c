"""Web accounts: passwords (Argon2), signed-in sessions, one-time enrolment codes, rate limits.

Each function is one transaction, like the services in `nervecare.store.service`. Secrets a
person or a browser holds (session tokens, enrolment codes) are stored only as SHA-256 digests,
so reading the database is not enough to sign in as anyone. Who may see which patient follows
from the account: a patient account sees its own patient; a clinician account sees the patients
of the teams the clinician belongs to (`may_see_patient`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from nervecare.store.audit import append_audit
from nervecare.store.clock import Clock, utc_now
from nervecare.store.engine import SessionFactory
from nervecare.store.errors import StoreError
from nervecare.store.models import (
    Account,
    CareTeam,
    Clinician,
    EnrolmentCode,
    Patient,
    SignInAttempt,
    TeamContact,
    TeamMembership,
    WebSession,
)
from nervecare.store.throttle import (
    RateLimits,
    TooManyAttemptsError,
    forgive_attempt,
    reserve_attempt,
)

__all__ = [
    "AccountError",
    "Principal",
    "RateLimits",
    "SignInRefusedError",
    "TooManyAttemptsError",
    "add_clinician_account",
    "add_patient_account",
    "end_session",
    "hash_password",
    "issue_enrolment_code",
    "may_see_patient",
    "record_denied_access",
    "redeem_enrolment_code",
    "resolve_session",
    "set_language",
    "set_team_phone",
    "sign_in",
    "team_phone",
]

_HASHER = PasswordHasher()
_SESSION_LIFETIME = dt.timedelta(hours=12)
_DEFAULT_LIMITS = RateLimits()
_ENROLMENT_LIFETIME = dt.timedelta(days=14)
MIN_PASSWORD_LENGTH = 10


class AccountError(StoreError):
    """An account change was refused; nothing was written."""


class SignInRefusedError(AccountError):
    """Wrong name or password (deliberately not saying which)."""

    def __init__(self) -> None:
        super().__init__("the name or the password is not right")


@dataclass(frozen=True)
class Principal:
    """Who is signed in, and what that lets them see."""

    account_id: int
    kind: str
    username: str
    display_name: str
    clinician_id: int | None
    patient_id: int | None
    team_ids: tuple[int, ...]
    team_names: tuple[str, ...]
    language: str | None
    csrf_token: str
    is_synthetic: bool

    @property
    def actor(self) -> str:
        """How this person appears in the audit log."""
        return f"{self.kind}:{self.username}"


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _HASHER.hash(password)


@cache
def _dummy_hash() -> str:
    """A hash of a random password, checked when the name is unknown so that the answer takes as
    long as for a known name (no telling which names exist from the timing)."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _normalise_username(username: str) -> str:
    return username.strip().lower()


# ------------------------------------------------------------------ creating accounts


def add_clinician_account(
    session: Session,
    *,
    clinician_id: int,
    username: str,
    password: str,
    is_synthetic: bool,
    now: dt.datetime,
) -> Account:
    """Add a sign-in for a clinician, in the caller's transaction."""
    account = Account(
        username=_normalise_username(username),
        kind="clinician",
        clinician_id=clinician_id,
        password_hash=hash_password(password),
        is_synthetic=is_synthetic,
        disabled=False,
        created_at=now,
    )
    session.add(account)
    session.flush()
    return account


def add_patient_account(
    session: Session,
    *,
    patient_id: int,
    username: str,
    password: str | None,
    is_synthetic: bool,
    now: dt.datetime,
    language: str | None = None,
) -> Account:
    """Add a sign-in for a patient (without a password until they use an enrolment code)."""
    account = Account(
        username=_normalise_username(username),
        kind="patient",
        patient_id=patient_id,
        password_hash=None if password is None else hash_password(password),
        language=language,
        is_synthetic=is_synthetic,
        disabled=False,
        created_at=now,
    )
    session.add(account)
    session.flush()
    return account


# ------------------------------------------------------------------ signing in and sessions


def sign_in(
    sessions: SessionFactory,
    *,
    username: str,
    password: str,
    client_address: str,
    limits: RateLimits = _DEFAULT_LIMITS,
    session_lifetime: dt.timedelta = _SESSION_LIFETIME,
    allow_synthetic: bool = True,
    clock: Clock = utc_now,
) -> tuple[str, Principal]:
    """Check the password and open a session: (the cookie's secret token, who signed in).

    Every attempt is recorded. Throttling (`nervecare.store.throttle`) counts the attempt before
    the password is checked and forgives it when the password is right; a throttled attempt
    raises `TooManyAttemptsError` without looking at the password. Without `allow_synthetic`
    (production) a synthetic (demo) account is refused like a wrong password.
    """
    now = clock()
    name = _normalise_username(username)[:320]
    address = client_address[:64]
    with sessions.begin() as session:
        reserve_attempt(session, name=name, address=address, limits=limits, now=now)
    with sessions.begin() as session:
        account = session.scalars(select(Account).where(Account.username == name)).one_or_none()
        valid = _password_matches(account, password) and (
            allow_synthetic or (account is not None and not account.is_synthetic)
        )
        session.add(SignInAttempt(at=now, username=name, client_address=address, succeeded=valid))
        if not valid or account is None:
            append_audit(session, at=now, actor=f"signin:{name}", action="signin.failed", detail={})
            failed = True
        else:
            failed = False
            forgive_attempt(session, name=name, address=address, limits=limits, now=now)
            token = secrets.token_urlsafe(32)
            session.add(
                WebSession(
                    id=_digest(token),
                    account_id=account.id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=now,
                    expires_at=now + session_lifetime,
                    last_seen_at=now,
                )
            )
            append_audit(
                session,
                at=now,
                actor=f"{account.kind}:{account.username}",
                action="signin.succeeded",
                patient_id=account.patient_id,
                detail={},
            )
            session.flush()
            principal = _principal(session, account=account, session_id=_digest(token))
    if failed:
        raise SignInRefusedError
    return token, principal


def _password_matches(account: Account | None, password: str) -> bool:
    if account is None or account.disabled or account.password_hash is None:
        with contextlib.suppress(VerificationError, InvalidHashError):
            _HASHER.verify(_dummy_hash(), password)
        return False
    try:
        return _HASHER.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _principal(session: Session, *, account: Account, session_id: str) -> Principal:
    web_session = session.get(WebSession, session_id)
    assert web_session is not None
    teams: Sequence[tuple[int, str]]
    if account.kind == "clinician":
        clinician = session.get(Clinician, account.clinician_id)
        display_name = clinician.display_name if clinician else account.username
        teams = [
            (row[0], row[1])
            for row in session.execute(
                select(CareTeam.id, CareTeam.name)
                .join(TeamMembership, TeamMembership.team_id == CareTeam.id)
                .where(TeamMembership.clinician_id == account.clinician_id)
                .order_by(CareTeam.name)
            )
        ]
    else:
        patient = session.get(Patient, account.patient_id)
        assert patient is not None
        display_name = patient.display_name
        team = session.get(CareTeam, patient.team_id)
        teams = [(patient.team_id, team.name if team else "")]
    return Principal(
        account_id=account.id,
        kind=account.kind,
        username=account.username,
        display_name=display_name,
        clinician_id=account.clinician_id,
        patient_id=account.patient_id,
        team_ids=tuple(team_id for team_id, _ in teams),
        team_names=tuple(name for _, name in teams),
        language=account.language,
        csrf_token=web_session.csrf_token,
        is_synthetic=account.is_synthetic,
    )


def resolve_session(
    sessions: SessionFactory, *, token: str, clock: Clock = utc_now
) -> Principal | None:
    """The person a session cookie belongs to, or None when it is unknown or has expired."""
    now = clock()
    with sessions.begin() as session:
        web_session = session.get(WebSession, _digest(token))
        if web_session is None:
            return None
        if web_session.expires_at <= now:
            session.delete(web_session)
            return None
        account = session.get(Account, web_session.account_id)
        if account is None or account.disabled:
            return None
        return _principal(session, account=account, session_id=web_session.id)


def end_session(sessions: SessionFactory, *, token: str, clock: Clock = utc_now) -> None:
    """Sign out: the session stops working at once, and expired sessions are swept."""
    now = clock()
    with sessions.begin() as session:
        session.execute(delete(WebSession).where(WebSession.id == _digest(token)))
        session.execute(delete(WebSession).where(WebSession.expires_at <= now))


def set_language(
    sessions: SessionFactory, *, account_id: int, language: str | None, clock: Clock = utc_now
) -> None:
    with sessions.begin() as session:
        account = session.get(Account, account_id)
        if account is None:
            raise AccountError(f"no account {account_id}")
        account.language = language
        append_audit(
            session,
            at=clock(),
            actor=f"{account.kind}:{account.username}",
            action="account.language",
            patient_id=account.patient_id,
            detail={"language": language},
        )


# ------------------------------------------------------------------ enrolment


def issue_enrolment_code(
    sessions: SessionFactory,
    *,
    patient_id: int,
    clinician_id: int | None,
    actor: str,
    clock: Clock = utc_now,
) -> str:
    """A new one-time code for a patient to choose their password with (shown once)."""
    now = clock()
    code = "-".join(secrets.token_hex(3).upper() for _ in range(3))
    with sessions.begin() as session:
        session.add(
            EnrolmentCode(
                patient_id=patient_id,
                code_hash=_digest(code),
                created_by=clinician_id,
                created_at=now,
                expires_at=now + _ENROLMENT_LIFETIME,
            )
        )
        append_audit(session, at=now, actor=actor, action="enrolment.issued", patient_id=patient_id)
    return code


def redeem_enrolment_code(
    sessions: SessionFactory,
    *,
    code: str,
    username: str,
    password: str,
    clock: Clock = utc_now,
) -> None:
    """Use a one-time code: the patient's account gets this name and password; the code is spent."""
    now = clock()
    password_hash = hash_password(password)
    name = _normalise_username(username)
    if not 3 <= len(name) <= 64:
        raise AccountError("choose a name of 3 to 64 characters")
    with sessions.begin() as session:
        found = session.scalars(
            select(EnrolmentCode)
            .where(EnrolmentCode.code_hash == _digest(code.strip().upper()))
            .with_for_update()
        ).one_or_none()
        if found is None or found.used_at is not None or found.expires_at <= now:
            raise AccountError("this code is not valid (it may have been used or expired)")
        taken = session.scalars(select(Account).where(Account.username == name)).one_or_none()
        account = session.scalars(
            select(Account).where(Account.patient_id == found.patient_id)
        ).one_or_none()
        if taken is not None and taken is not account:
            raise AccountError("this name is taken: choose another")
        if account is None:
            account = Account(
                username=name,
                kind="patient",
                patient_id=found.patient_id,
                is_synthetic=False,
                disabled=False,
                created_at=now,
            )
            session.add(account)
        account.username = name
        account.password_hash = password_hash
        found.used_at = now
        session.flush()
        session.execute(delete(WebSession).where(WebSession.account_id == account.id))
        append_audit(
            session,
            at=now,
            actor=f"patient:{name}",
            action="enrolment.redeemed",
            patient_id=found.patient_id,
        )


# ------------------------------------------------------------------ access and team contact


def may_see_patient(session: Session, *, principal: Principal, patient_id: int) -> bool:
    """A patient sees only their own record; a clinician only their teams' patients."""
    if principal.kind == "patient":
        return principal.patient_id == patient_id
    team_id = session.scalar(select(Patient.team_id).where(Patient.id == patient_id))
    return team_id is not None and team_id in principal.team_ids


def record_denied_access(
    sessions: SessionFactory,
    *,
    principal: Principal | None,
    patient_id: int | None,
    what: str,
    clock: Clock = utc_now,
) -> None:
    """Leave an audit entry for a refused request for someone else's data."""
    with sessions.begin() as session:
        append_audit(
            session,
            at=clock(),
            actor=principal.actor if principal else "anonymous",
            action="access.denied",
            patient_id=patient_id,
            detail={"what": what},
        )


def team_phone(session: Session, *, team_id: int) -> str | None:
    contact = session.get(TeamContact, team_id)
    return None if contact is None else contact.phone


def set_team_phone(session: Session, *, team_id: int, phone: str, now: dt.datetime) -> None:
    contact = session.get(TeamContact, team_id)
    if contact is None:
        session.add(TeamContact(team_id=team_id, phone=phone, updated_at=now))
    else:
        contact.phone = phone
        contact.updated_at = now
