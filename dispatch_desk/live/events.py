"""What live sessions tell whoever shows them (the session windows). Called on the event loop.

Subclass and override what you need; every method does nothing by default.
"""

from __future__ import annotations

import uuid

from dispatch_desk.media.frames import RgbFrame
from dispatch_desk.services.citizen import MediaView, MessageView, SessionView
from dispatch_desk.services.locations import Fix


class LiveListener:
    def on_session(self, view: SessionView) -> None:
        """A session was made or changed state."""

    def on_frame(self, session_id: uuid.UUID, frame: RgbFrame) -> None:
        """A new video frame, ready to paint."""

    def on_chat(self, session_id: uuid.UUID, message: MessageView) -> None:
        """A chat line was stored (either way)."""

    def on_delivered(self, session_id: uuid.UUID, message_id: uuid.UUID) -> None:
        """The caller's phone has shown a line the desk sent."""

    def on_media(self, session_id: uuid.UUID, media: MediaView) -> None:
        """A file was added: a photo or video from the caller, a still, a recording, a log."""

    def on_fix(self, session_id: uuid.UUID, fix: Fix) -> None:
        """A GPS fix from the caller's phone (already handed to the location service)."""

    def on_link(self, online: bool) -> None:
        """The desk link to the gateway came up or went down."""
