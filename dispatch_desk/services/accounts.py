"""Local accounts: argon2id password hashes, log-in with audit, and role checks."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.domain.enums import Role
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, Clock, utc_now
from dispatch_desk.storage.models import User, stable_id

logger = logging.getLogger(__name__)

# argon2id, memory-hard: 19 MiB and 2 passes is OWASP's floor; verifying takes ~30-60 ms here,
# short enough for a log-in and a screen unlock, far too slow for guessing offline.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_MIN_PASSWORD = 8


class LoginFailed(Exception):
    """Wrong user name or password, or a disabled account; the message does not say which."""


@dataclass(frozen=True)
class UserView:
    username: str
    display_name: str
    role: Role
    active: bool


def hash_password(password: str) -> str:
    if len(password) < _MIN_PASSWORD:
        raise ValueError(f"A password has at least {_MIN_PASSWORD} characters.")
    return _HASHER.hash(password)


def create_user(
    session: Session,
    actor: Actor,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    *,
    clock: Clock = utc_now,
) -> UserView:
    now = clock()
    if actor.username != "system":
        audit.require(actor, now, "user.create", (Role.ADMIN,), target=username)
    name = username.strip().lower()
    user = User(
        id=stable_id("user", name),
        username=name,
        display_name=display_name,
        role=role,
        password_hash=hash_password(password),
        created_at=now,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        now,
        "user.create",
        entity_type="user",
        entity_id=user.id,
        target=user.username,
        role=role.value,
    )
    return UserView(user.username, user.display_name, user.role, user.active)


def _refuse(
    message: str, actor: Actor, at: datetime, reason: str, user_id: uuid.UUID | None = None
) -> LoginFailed:
    """A refusal whose audit row (and failure count) survive the rollback of the attempt."""

    def record_failure(session: Session) -> None:
        extra: dict[str, object] = {}
        user = session.get(User, user_id) if user_id else None
        if user is not None and reason == "wrong password":
            user.failed_logins += 1
            extra["failed_logins"] = user.failed_logins
        audit.record(session, actor, at, "login", outcome="failed", reason=reason, **extra)

    failure = LoginFailed(message)
    failure.record_after_rollback = record_failure  # type: ignore[attr-defined]
    return failure


def authenticate(
    session: Session,
    username: str,
    password: str,
    workstation: str,
    *,
    max_failed: int = 5,
    clock: Clock = utc_now,
) -> Actor:
    """Check a log-in; every attempt, good or bad, is audited."""
    now = clock()
    name = username.strip().lower()
    user = session.scalar(select(User).where(User.username == name))
    if user is None:
        anonymous = Actor(None, name or "(blank)", "", Role.CALL_TAKER, workstation)
        raise _refuse("User name or password is wrong.", anonymous, now, "unknown user")
    actor = Actor(user.id, user.username, user.display_name, user.role, workstation)
    if not user.active or user.failed_logins >= max_failed:
        raise _refuse(
            "This account is locked. A supervisor or administrator can unlock it.",
            actor,
            now,
            "account locked",
        )
    try:
        _HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise _refuse(
            "User name or password is wrong.", actor, now, "wrong password", user.id
        ) from None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    user.failed_logins = 0
    audit.record(session, actor, now, "login", entity_type="user", entity_id=user.id)
    return actor


def verify_unlock(session: Session, actor: Actor, password: str, *, clock: Clock = utc_now) -> bool:
    """Unlock the screen for the user who locked it; audited either way."""
    user = session.get(User, actor.user_id) if actor.user_id else None
    ok = False
    if user is not None and user.active:
        try:
            ok = _HASHER.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    audit.record(session, actor, clock(), "screen.unlock", outcome="ok" if ok else "failed")
    return ok


def record_session_event(
    session: Session, actor: Actor, action: str, *, clock: Clock = utc_now
) -> None:
    audit.record(session, actor, clock(), action)


def has_users(session: Session) -> bool:
    return session.scalar(select(User.id).limit(1)) is not None
