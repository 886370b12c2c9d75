"""Factories for tests: a DeskCore on a real SQLite file in a temporary folder, a clock the test
controls, signed-in actors and intake drafts. Shared by the unit and the UI tests."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dispatch_desk.config.paths import Paths, resolve_paths
from dispatch_desk.config.settings import Settings, load_settings
from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import Role, UnitStatus
from dispatch_desk.domain.intake import IntakeDraft, ValidIntake, validate_intake
from dispatch_desk.services import accounts
from dispatch_desk.services.context import Actor
from dispatch_desk.services.incidents import IncidentSummary

# A fixed, unremarkable moment: mid-March, so every seeded demo incident falls in the same year.
START = datetime(2026, 3, 14, 15, 0, tzinfo=UTC)
WORKSTATION = "test-ws-1"

# Defaults for draft(): a number and an address that the demo seed never produces.
DEFAULT_DRAFT: dict[str, Any] = {
    "callback_number": "(617) 555-0101",
    "caller_name": "Pat Tester",
    "ani": "(617) 555-0101",
    "ali": "WIRELESS SECTOR 1 N · TOWER RVT-11 · UNC 800M",
    "address": "12 Main Street",
    "incident_type": "MEDFALL",
    "priority": "",
    "narrative": "Elderly man fell on the stairs, conscious, cannot stand.",
}


class FakeClock:
    """A clock the test moves by hand; always returns aware UTC datetimes."""

    def __init__(self, start: datetime = START) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self.now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move forward by timedelta(**delta) and return the new time."""
        self.now += timedelta(**delta)
        return self.now


def _override(key: str, value: object) -> str:
    section, sep, name = key.partition("__")
    if not sep:
        raise ValueError(f"setting override {key!r}: write it as section__key=value")
    return f"{section}.{name}={value}"


def make_settings(tmp_path: Path, **setting_overrides: object) -> tuple[Settings, Paths]:
    """Settings rooted in ``tmp_path / "home"``; never reads the real environment.

    Overrides are keyword arguments spelled ``section__key``, e.g. ``store__busy_timeout_ms=100``.
    """
    paths = resolve_paths(tmp_path / "home")
    paths.ensure()
    # Silent speech unless a test asks otherwise: a test run on a desk with speakers stays quiet.
    overrides = {"workstation__id": WORKSTATION, "speech__engine": "silent", **setting_overrides}
    settings = load_settings(
        paths, environ={}, overrides=[_override(k, v) for k, v in overrides.items()]
    )
    return settings, paths


def make_core(
    tmp_path: Path, *, clock: FakeClock | None = None, **setting_overrides: object
) -> DeskCore:
    """A demo DeskCore on a fresh SQLite file under ``tmp_path``; the caller closes it.

    ``core.clock`` is the FakeClock (a new one at START unless given).
    """
    settings, paths = make_settings(tmp_path, **setting_overrides)
    return DeskCore.open(settings, paths, clock=clock or FakeClock())


def demo_password(core: DeskCore, username: str) -> str:
    for user in core.profile.users:
        if user.username == username:
            return user.password
    raise KeyError(f"{username!r} is not a demo user")


def login(core: DeskCore, username: str, password: str) -> Actor:
    """Authenticate through the store, exactly as the log-in screen does."""
    actor, _ = core.store.write_sync(
        functools.partial(
            accounts.authenticate,
            username=username,
            password=password,
            workstation=core.workstation,
            max_failed=core.settings.session.max_failed_logins,
            clock=core.clock,
        )
    )
    return actor


def actor_for(core: DeskCore, username: str, role: Role | None = None) -> Actor:
    """A signed-in demo user ("calltaker", "dispatcher", "supervisor", "admin").

    With ``role``, an Actor with no account row is built instead (for users the demo lacks).
    """
    if role is not None:
        return Actor(None, username, username.title(), role, core.workstation)
    return login(core, username, demo_password(core, username))


def draft(**fields: Any) -> IntakeDraft:
    """A valid IntakeDraft unless fields say otherwise."""
    return IntakeDraft(**{**DEFAULT_DRAFT, **fields})


def valid_intake(core: DeskCore, **fields: Any) -> ValidIntake:
    result = validate_intake(
        draft(**fields), core.catalog, core.settings.intake.narrative_max_chars
    )
    if not isinstance(result, ValidIntake):
        raise AssertionError(f"draft is not valid: {result}")
    return result


def create_incident(
    core: DeskCore, actor: Actor, *, at: datetime | None = None, **fields: Any
) -> IncidentSummary:
    """Validate draft(**fields) and store it as a new incident at ``at`` (default: the clock)."""
    summary, _ = core.store.write_sync(
        core.incidents.create, actor, valid_intake(core, **fields), at or core.clock()
    )
    return summary


def unit_id(core: DeskCore, call_sign: str) -> Any:
    for unit in core.store.read_sync(core.units.list):
        if unit.call_sign == call_sign:
            return unit.id
    raise KeyError(call_sign)


def free_units(core: DeskCore, count: int) -> list[Any]:
    """Views of ``count`` available units (the demo seed leaves some committed)."""
    free = [u for u in core.store.read_sync(core.units.list) if u.status == UnitStatus.AVAILABLE]
    if len(free) < count:
        raise AssertionError(f"need {count} available units, the store has {len(free)}")
    return free[:count]


def invite(
    core: DeskCore,
    actor: Actor,
    incident_id: Any,
    at: datetime,
    kind: Any = None,
    *,
    texted: bool = True,
) -> Any:
    """A live-session link for an incident, made at ``at`` as the desk makes one (valid for 30
    minutes, to the caller's number); the session's view."""
    from dispatch_desk.domain.citizen import InviteKind
    from dispatch_desk.gateway import tokens
    from dispatch_desk.services.citizen import CitizenService

    view, _ = core.store.write_sync(
        CitizenService(core.incidents).invite,
        actor,
        incident_id,
        kind or InviteKind.VIDEO,
        tokens.token_hash(tokens.new_token()),
        at,
        at + timedelta(minutes=30),
        phone_e164="+16175550101",
        language="en",
        sent_by_sms=texted,
    )
    return view
