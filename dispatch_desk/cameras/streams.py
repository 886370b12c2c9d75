"""What a camera stream is doing, and how its address and credentials are handled for playback.

Credentials only ever enter a URL in memory, to open the stream; every text meant for a log or a
person goes through :func:`redact` first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class StreamState(StrEnum):
    IDLE = "idle"
    CONNECTING = "connecting"
    LIVE = "live"
    LOST = "lost"
    RECONNECTING = "reconnecting"
    FAILED = "failed"  # will not retry by itself (bad URL, refused credentials)


@dataclass(frozen=True)
class StreamCredentials:
    username: str
    password: str = field(repr=False)
