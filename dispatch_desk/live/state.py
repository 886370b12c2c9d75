"""What the desk holds for one live session it owns: the session as last stored, its media, its
event log, and the desk's chat lines the phone has not yet confirmed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dispatch_desk.live.media import SessionMedia
from dispatch_desk.media.recorder import EventLog
from dispatch_desk.services.citizen import SessionView


@dataclass
class Live:
    """One session, on the desk that owns it."""

    view: SessionView
    folder: Path
    media: SessionMedia | None = None
    log_file: EventLog | None = None
    log_segment: int = 0
    online: bool = False
    dark: bool = False
    restart_asked_at: float = 0.0
    undelivered: dict[str, dict[str, Any]] = field(default_factory=dict)

    def log(self, kind: str, **fields: Any) -> None:
        """Append to the session's own log (opened on first use, beside its recordings)."""
        if self.log_file is None:
            self.log_segment += 1
            while (self.folder / f"events-{self.log_segment:02d}.jsonl").exists():
                self.log_segment += 1
            self.log_file = EventLog(self.folder / f"events-{self.log_segment:02d}.jsonl")
            self.log_file.write(
                "open", session=str(self.view.id), incident=self.view.incident_number
            )
        self.log_file.write(kind, **fields)
