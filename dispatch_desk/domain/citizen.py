"""A citizen live session: what the dispatcher asks for, the states a session goes through, and
which moves between them are allowed.

One invite belongs to one incident and one caller (one phone). The caller can end and start again
(consent again each time) until the link expires; a dispatcher's end, a decline, an expiry or a
revocation is final for the link.
"""

from __future__ import annotations

from enum import StrEnum


class InviteKind(StrEnum):
    VIDEO = "video"  # live video and sound, GPS, chat, photos
    LOCATION = "location"  # GPS and chat
    PHOTOS = "photos"  # photos or videos from the phone, and chat

    @property
    def label(self) -> str:
        return {"video": "Live video", "location": "Location only", "photos": "Photos"}[self.value]

    @property
    def shares(self) -> tuple[str, ...]:
        """What the caller is asked to share; the consent screen lists exactly these."""
        return {
            "video": ("camera", "microphone", "location", "chat", "uploads"),
            "location": ("location", "chat"),
            "photos": ("uploads", "chat"),
        }[self.value]


class SessionState(StrEnum):
    INVITED = "invited"  # link made and sent
    OPENED = "opened"  # the caller's phone opened the page
    CONSENTED = "consented"  # the caller agreed; media is being set up
    LIVE = "live"  # video (or GPS / chat) is flowing
    DARK = "dark"  # live, with the caller's screen made to look off
    RECONNECTING = "reconnecting"  # the media path dropped; the phone is coming back
    PAUSED = "paused"  # the caller ended; the link still works (consent again) until expiry
    ENDED = "ended"  # the dispatcher ended it
    DECLINED = "declined"
    EXPIRED = "expired"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return {
            "invited": "Invited",
            "opened": "Opened",
            "consented": "Consented",
            "live": "Live",
            "dark": "Caller dark",
            "reconnecting": "Reconnecting",
            "paused": "Ended by caller",
            "ended": "Ended",
            "declined": "Declined",
            "expired": "Expired",
            "revoked": "Revoked",
        }[self.value]

    @property
    def final(self) -> bool:
        return self in FINAL_STATES

    @property
    def consented(self) -> bool:
        """True while the caller's consent holds (media may flow)."""
        return self in (
            SessionState.CONSENTED,
            SessionState.LIVE,
            SessionState.DARK,
            SessionState.RECONNECTING,
        )


FINAL_STATES = frozenset(
    {SessionState.ENDED, SessionState.DECLINED, SessionState.EXPIRED, SessionState.REVOKED}
)

_S = SessionState
ALLOWED: dict[SessionState, frozenset[SessionState]] = {
    _S.INVITED: frozenset({_S.OPENED, _S.EXPIRED, _S.REVOKED, _S.ENDED}),
    _S.OPENED: frozenset({_S.CONSENTED, _S.DECLINED, _S.EXPIRED, _S.REVOKED, _S.ENDED}),
    _S.CONSENTED: frozenset({_S.LIVE, _S.DARK, _S.RECONNECTING, _S.PAUSED, _S.ENDED, _S.REVOKED}),
    _S.LIVE: frozenset({_S.DARK, _S.RECONNECTING, _S.PAUSED, _S.ENDED, _S.REVOKED}),
    _S.DARK: frozenset({_S.LIVE, _S.RECONNECTING, _S.PAUSED, _S.ENDED, _S.REVOKED}),
    _S.RECONNECTING: frozenset({_S.LIVE, _S.DARK, _S.PAUSED, _S.ENDED, _S.REVOKED}),
    # A caller who ended may agree again while the link is valid.
    _S.PAUSED: frozenset({_S.CONSENTED, _S.DECLINED, _S.EXPIRED, _S.ENDED, _S.REVOKED}),
}


def may_move(current: SessionState, to: SessionState) -> bool:
    return to == current or to in ALLOWED.get(current, frozenset())


class Direction(StrEnum):
    FROM_CALLER = "caller"
    TO_CALLER = "desk"


class MediaKind(StrEnum):
    PHOTO = "photo"  # sent by the caller
    VIDEO = "video"  # a video file sent by the caller
    STILL = "still"  # grabbed by the dispatcher from the live video
    RECORDING = "recording"  # a recorded segment of the live session
    EVENTS = "events"  # the session's chat, GPS and state changes as time-stamped lines


# Preset messages (NENA: pre-written greeting, instructions, closing), English and Spanish.
PRESETS: dict[str, dict[str, str]] = {
    "greeting": {
        "en": "This is 911 dispatch. Help is being arranged. Keep this page open.",
        "es": "Le habla el 911. Estamos enviando ayuda. Mantenga esta página abierta.",
    },
    "point": {
        "en": "Please point the camera at what is happening, if it is safe to do so.",
        "es": "Si es seguro, apunte la cámara hacia lo que está pasando.",
    },
    "safe": {
        "en": "Are you in a safe place? Move away from danger if you can.",
        "es": "¿Está en un lugar seguro? Aléjese del peligro si puede.",
    },
    "units": {
        "en": "Responders are on their way to you.",
        "es": "Los equipos de emergencia van en camino.",
    },
    "closing": {
        "en": "Thank you. We are ending the video now. Call 911 again if anything changes.",
        "es": "Gracias. Vamos a terminar el video. Llame al 911 si algo cambia.",
    },
}
