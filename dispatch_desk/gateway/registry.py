"""The invites a gateway knows, as registered by the desks that own them, and the one phone each
link is bound to.

Everything here is by hash: the gateway never keeps a link's token or a phone's device key.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from dispatch_desk.gateway import tokens

# States in which the link still leads somewhere (the desk's SessionState values).
OPEN_STATES = frozenset(
    {"invited", "opened", "consented", "live", "dark", "reconnecting", "paused"}
)
CONSENTED_STATES = frozenset({"consented", "live", "dark", "reconnecting"})


class Refusal(StrEnum):
    UNKNOWN = "unknown"  # never issued, mistyped or tampered with
    EXPIRED = "expired"
    REVOKED = "revoked"
    ENDED = "ended"
    DECLINED = "declined"
    OTHER_DEVICE = "other-device"
    BUSY = "busy"  # too many attempts from this address
    STARTING = "starting"  # the gateway has just started and desks are still registering


@dataclass
class Invite:
    id: str
    token_hash: str
    kind: str
    language: str
    desk: str  # the workstation whose desk link owns it
    state: str = "invited"
    device_hash: str | None = None
    # Monotonic time after which a link not agreed to is refused; None: no limit (consented).
    deadline: float | None = None
    outbox: list[dict[str, object]] = field(default_factory=list)  # for the phone, while away

    @property
    def consented(self) -> bool:
        return self.state in CONSENTED_STATES


class Registry:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._by_hash: dict[str, Invite] = {}
        self._by_id: dict[str, Invite] = {}

    def __len__(self) -> int:
        return len(self._by_id)

    def put(
        self,
        *,
        invite_id: str,
        token_hash: str,
        kind: str,
        language: str,
        desk: str,
        state: str,
        device_hash: str | None,
        expires_in_s: float | None,
    ) -> Invite:
        """Add or refresh an invite (a desk re-registers all of its invites on every connect)."""
        invite = self._by_id.get(invite_id)
        deadline = None if expires_in_s is None else self._clock() + max(0.0, expires_in_s)
        if invite is None:
            invite = Invite(invite_id, token_hash, kind, language, desk)
            self._by_id[invite_id] = invite
            self._by_hash[token_hash] = invite
        invite.desk = desk
        invite.state = state
        invite.deadline = deadline
        if device_hash:
            invite.device_hash = device_hash
        return invite

    def get(self, invite_id: str) -> Invite | None:
        return self._by_id.get(invite_id)

    def of_desk(self, desk: str) -> list[Invite]:
        return [i for i in self._by_id.values() if i.desk == desk]

    def set_state(self, invite_id: str, state: str) -> Invite | None:
        invite = self._by_id.get(invite_id)
        if invite is not None:
            invite.state = state
            if state in CONSENTED_STATES:
                invite.deadline = None
        return invite

    def lookup(self, token: str) -> Invite | Refusal:
        """The invite a link leads to, or why it is refused (device not yet checked)."""
        if not tokens.well_formed(token):
            return Refusal.UNKNOWN
        invite = self._by_hash.get(tokens.token_hash(token))
        if invite is None:
            return Refusal.UNKNOWN
        if invite.state in ("ended",):
            return Refusal.ENDED
        if invite.state == "declined":
            return Refusal.DECLINED
        if invite.state == "revoked":
            return Refusal.REVOKED
        if invite.state == "expired" or self._past_deadline(invite):
            return Refusal.EXPIRED
        return invite

    def _past_deadline(self, invite: Invite) -> bool:
        return (
            not invite.consented
            and invite.deadline is not None
            and self._clock() >= invite.deadline
        )

    def bind(self, invite: Invite, device_key: str | None) -> tuple[str | None, Refusal | None]:
        """Bind the link to the phone presenting ``device_key`` (a new key is made for the first
        phone). Returns (a new key to hand to the phone or None, refusal or None)."""
        if invite.device_hash is None:
            key = tokens.new_token()
            invite.device_hash = tokens.token_hash(key)
            return key, None
        if device_key and tokens.same(tokens.token_hash(device_key), invite.device_hash):
            return None, None
        return None, Refusal.OTHER_DEVICE

    def device_ok(self, invite: Invite, device_key: str | None) -> bool:
        return bool(
            invite.device_hash
            and device_key
            and tokens.same(tokens.token_hash(device_key), invite.device_hash)
        )

    def drop(self, invite_id: str) -> None:
        invite = self._by_id.pop(invite_id, None)
        if invite is not None:
            self._by_hash.pop(invite.token_hash, None)
