"""Audit records for administrative commands run outside a desk sign-in (``user add``,
``machine-settings``, ``gis import``, ``cameras import``): who is the operating-system user,
what is the command and its arguments (never a secret), the outcome is ok / failed / refused.

A command whose record cannot be written still does its work (an installer must not fail
because the cache is busy) but says on stderr that it was not audited.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from dispatch_desk.config.paths import Paths
from dispatch_desk.config.settings import Settings
from dispatch_desk.domain.enums import Role
from dispatch_desk.services.context import Actor


def os_actor(workstation: str) -> Actor:
    """The person as the operating system knows them: there is no desk sign-in here."""
    user = f"os:{getpass.getuser()}"[:64]
    return Actor(None, user, user, Role.ADMIN, workstation)


def record_command(
    settings: Settings,
    paths: Paths,
    action: str,
    *,
    outcome: str = "ok",
    entity_type: str = "config",
    **detail: Any,
) -> bool:
    """Write one audit event for a command; True when it is on the trail."""
    from dispatch_desk.desk import DeskCore
    from dispatch_desk.domain.agency import ProfileError
    from dispatch_desk.services import audit
    from dispatch_desk.storage.database import StoreUnavailable
    from dispatch_desk.storage.migrate import SchemaError

    unable = (ProfileError, SchemaError, StoreUnavailable, OSError)
    try:
        core = DeskCore.open(settings, paths)
    except unable as exc:  # the cache cannot open: say so and go on
        print(f"dispatch-desk: warning: {action} not audited: {exc}", file=sys.stderr)
        return False
    try:
        core.store.write_sync(
            audit.record,
            os_actor(core.workstation),
            core.clock(),
            action,
            entity_type=entity_type,
            outcome=outcome,
            **detail,
        )
        return True
    except unable as exc:
        print(f"dispatch-desk: warning: {action} not audited: {exc}", file=sys.stderr)
        return False
    finally:
        core.close()


# A setting or URL query parameter whose name holds one of these is a secret ("pwd" and "pass"
# catch the short spellings: "passwd", "pwd", "passphrase"; "sig" a signed URL's signature).
_SECRET_WORDS = ("password", "passw", "pwd", "secret", "token", "key", "credential", "sig")


def _secret_name(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_WORDS)


def record_refusal(core: Any, action: str, exc: BaseException, **detail: Any) -> None:
    """A command refused what it was given: on the trail with the reason, in an open core."""
    from dispatch_desk.services import audit

    core.store.write_sync(
        audit.record,
        os_actor(core.workstation),
        core.clock(),
        action,
        outcome="failed",
        reason=str(exc),
        **detail,
    )


def _shown(name: str, value: str) -> str:
    """A setting's value as it may stand in the audit trail: a setting named as a secret not at
    all; in any URL, the password of its user part and every query parameter named as a secret
    masked."""
    if _secret_name(name):
        return "(hidden)"
    return mask_url(value) if "://" in value else value


def mask_url(value: str) -> str:
    """``value`` (a URL) with ``user:password@`` and secret query parameters shown as ***."""
    scheme, sep, rest = value.partition("://")
    if not sep:
        return value
    rest, hash_sign, fragment = rest.partition("#")
    rest, question, query = rest.partition("?")
    authority, slash, path = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if at and ":" in userinfo:
        authority = f"{userinfo.split(':', 1)[0]}:***@{host}"
    if question:
        parts = []
        for part in query.split("&"):
            key, equals, _ = part.partition("=")
            parts.append(f"{key}=***" if equals and _secret_name(key) else part)
        query = "&".join(parts)
    return f"{scheme}://{authority}{slash}{path}{question}{query}{hash_sign}{fragment}"


def redact(assignments: list[str], error: str = "") -> tuple[dict[str, str], str]:
    """The ``section.key=value`` assignments as they may stand in the trail, and the error
    message with any hidden value in it replaced the same way."""
    asked = {}
    for item in assignments:
        name, _, raw = item.partition("=")
        value = raw.strip()
        shown = asked[name.strip()] = _shown(name, value)
        if value and shown != value:
            error = error.replace(value, shown)
    return asked, error


def record_machine_settings(
    paths: Paths, args: Any, *, outcome: str, written: list[str] | None = None, error: str = ""
) -> bool:
    """``dispatch-desk machine-settings --set ...``: what was asked, what was written."""
    from dispatch_desk.config.settings import SettingsError, load_settings

    try:
        settings = load_settings(paths, config_file=args.config, overrides=args.overrides)
    except SettingsError as exc:
        print(f"dispatch-desk: warning: machine settings not audited: {exc}", file=sys.stderr)
        return False
    asked, error = redact(args.assign, error)
    detail: dict[str, Any] = {"file": str(args.file or paths.machine_config_file), "set": asked}
    if written is not None:
        detail["written"] = written
    if error:
        detail["reason"] = error
    return record_command(settings, paths, "config.machine_settings", outcome=outcome, **detail)
