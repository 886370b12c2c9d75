"""Local accounts: log-in, the audit of every attempt, lock-out, argon2id hashes."""

from __future__ import annotations

import functools

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import Role
from dispatch_desk.services import accounts, audit
from dispatch_desk.services.context import Actor, PermissionDenied
from dispatch_desk.storage.models import User
from tests.helpers.core import demo_password, login


def login_events(core: DeskCore) -> list[audit.AuditRow]:
    return core.store.read_sync(lambda s: audit.list_events(s, action="login"))


def failed_logins(core: DeskCore, username: str) -> int:
    return core.store.read_sync(
        lambda s: s.scalar(select(User.failed_logins).where(User.username == username))
    )


def test_right_password_signs_in(core: DeskCore) -> None:
    actor = login(core, "dispatcher", "dispatcher-demo")
    assert actor.username == "dispatcher"
    assert actor.display_name == "Dana Reyes"
    assert actor.role == Role.DISPATCHER
    assert actor.workstation == core.workstation
    assert actor.user_id is not None
    [event] = login_events(core)
    assert (event.username, event.outcome, event.workstation) == (
        "dispatcher",
        "ok",
        core.workstation,
    )
    assert event.entity_id == str(actor.user_id)


def test_user_name_is_case_and_space_insensitive(core: DeskCore) -> None:
    assert login(core, "  Dispatcher ", "dispatcher-demo").username == "dispatcher"


def test_wrong_password_is_refused(core: DeskCore) -> None:
    with pytest.raises(accounts.LoginFailed, match="User name or password is wrong"):
        login(core, "dispatcher", "dispatcher-dem0")


def test_unknown_user_gets_the_same_message(core: DeskCore) -> None:
    with pytest.raises(accounts.LoginFailed, match="User name or password is wrong"):
        login(core, "nobody", "dispatcher-demo")


def test_wrong_password_is_audited_as_failed(core: DeskCore) -> None:
    with pytest.raises(accounts.LoginFailed):
        login(core, "dispatcher", "wrong-password")
    events = login_events(core)
    assert [(e.username, e.outcome, e.detail.get("reason")) for e in events] == [
        ("dispatcher", "failed", "wrong password")
    ]
    assert failed_logins(core, "dispatcher") == 1


def test_unknown_user_is_audited_as_failed(core: DeskCore) -> None:
    with pytest.raises(accounts.LoginFailed):
        login(core, "nobody", "whatever-123")
    assert [(e.username, e.outcome) for e in login_events(core)] == [("nobody", "failed")]


def test_account_locks_after_max_failed_logins(core: DeskCore) -> None:
    limit = core.settings.session.max_failed_logins
    for _ in range(limit):
        with pytest.raises(accounts.LoginFailed, match="wrong"):
            login(core, "dispatcher", "wrong-password")
    with pytest.raises(accounts.LoginFailed, match="locked"):
        login(core, "dispatcher", "dispatcher-demo")


def test_lockout_rule_applies_to_the_stored_count(core: DeskCore) -> None:
    # The check itself, with the count set directly.
    limit = core.settings.session.max_failed_logins

    def set_count(session: Session, value: int) -> None:
        session.scalars(
            select(User).where(User.username == "dispatcher")
        ).one().failed_logins = value

    core.store.write_sync(set_count, limit - 1)
    assert login(core, "dispatcher", "dispatcher-demo").username == "dispatcher"
    assert failed_logins(core, "dispatcher") == 0  # reset by a good log-in
    core.store.write_sync(set_count, limit)
    with pytest.raises(accounts.LoginFailed, match="locked"):
        login(core, "dispatcher", "dispatcher-demo")


def test_password_hashes_are_argon2id(core: DeskCore) -> None:
    hashes = core.store.read_sync(
        lambda s: dict(s.execute(select(User.username, User.password_hash)).all())
    )
    assert set(hashes) == {u.username for u in core.profile.users}
    for username, hashed in hashes.items():
        assert hashed.startswith("$argon2id$"), username
        assert demo_password(core, username) not in hashed


def test_short_password_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 8"):
        accounts.hash_password("short")


def test_only_an_admin_creates_users(core: DeskCore, supervisor: Actor) -> None:
    admin = login(core, "admin", "admin-demo-only")
    view, _ = core.store.write_sync(
        functools.partial(
            accounts.create_user,
            actor=admin,
            username=" NewUser ",
            display_name="New User",
            role=Role.CALL_TAKER,
            password="a-long-password",
            clock=core.clock,
        )
    )
    assert view.username == "newuser"
    assert login(core, "newuser", "a-long-password").role == Role.CALL_TAKER
    with pytest.raises(PermissionDenied):
        core.store.write_sync(
            functools.partial(
                accounts.create_user,
                actor=supervisor,
                username="other",
                display_name="Other",
                role=Role.ADMIN,
                password="a-long-password",
                clock=core.clock,
            )
        )
    [denied] = core.store.read_sync(
        lambda s: [e for e in audit.list_events(s, action="user.create") if e.outcome == "denied"]
    )
    assert denied.username == "supervisor" and denied.detail["target"] == "other"


def test_unlock_checks_the_password_and_is_audited(core: DeskCore, calltaker: Actor) -> None:
    def unlock(password: str) -> bool:
        ok, _ = core.store.write_sync(
            functools.partial(
                accounts.verify_unlock, actor=calltaker, password=password, clock=core.clock
            )
        )
        return ok

    assert unlock("calltaker-demo") is True
    core.clock.advance(seconds=1)  # type: ignore[attr-defined]
    assert unlock("not-it") is False
    outcomes = [
        e.outcome
        for e in core.store.read_sync(lambda s: audit.list_events(s, action="screen.unlock"))
    ]
    assert outcomes == ["ok", "failed"]
