"""Alerts for one signed-in user: their voice, their role's speech rules, the incident source.

Built when someone signs in and closed when they sign out. Qt-free: the announcer reports back
to the event loop it is given.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from dispatch_desk.alerts.rules import SpeechRules
from dispatch_desk.alerts.sources import NewIncidentAlerts
from dispatch_desk.alerts.speaker import AlertSpeaker
from dispatch_desk.services.context import Actor
from dispatch_desk.speech.announcer import Announcer
from dispatch_desk.speech.engine import SpeechEngine
from dispatch_desk.speech.output import make_engine
from dispatch_desk.speech.voice import Voice, VoicePrefs

if TYPE_CHECKING:
    from dispatch_desk.desk import DeskCore

logger = logging.getLogger(__name__)


class SpokenAlerts:
    def __init__(
        self,
        core: DeskCore,
        actor: Actor,
        loop: asyncio.AbstractEventLoop,
        *,
        engine: SpeechEngine | None = None,
    ) -> None:
        speech = core.settings.speech
        if engine is None:
            engine, why = make_engine(speech)
            logger.info("speech: %s engine (%s)", engine.name, why)
        self.engine = engine
        self.actor = actor
        self.prefs = VoicePrefs(core.paths.config_dir / "voices.json", Voice.from_settings(speech))
        self.announcer = Announcer(
            engine,
            self.prefs.for_user(actor.username),
            stale_after_s=speech.stale_after_s,
            loop=loop,
        )
        self.speaker = AlertSpeaker(
            core.alerts, self.announcer, SpeechRules.from_settings(speech), actor.role
        )
        self.incidents = NewIncidentAlerts(
            core.alerts, core.store, core.incidents, core.catalog, core.clock
        )
        self.incidents.start(core.bus)
        self.announcer.start()

    def set_voice(self, voice: Voice) -> None:
        """The user's own choice: used from the next announcement and kept for next time."""
        voice = voice.checked()
        self.announcer.set_voice(voice)
        try:
            self.prefs.save(self.actor.username, voice)
        except OSError as exc:
            logger.warning("voice preferences not saved: %s", exc)

    def close(self) -> None:
        self.incidents.close()
        self.speaker.close()
        self.announcer.close()
