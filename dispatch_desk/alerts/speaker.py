"""Speaks the alerts that this workstation's rules say to speak, in the listener's language."""

from __future__ import annotations

import logging
from collections.abc import Callable

from dispatch_desk.alerts.centre import AlertCentre
from dispatch_desk.alerts.model import AlertEvent
from dispatch_desk.alerts.rules import SpeechRules
from dispatch_desk.domain.enums import Role
from dispatch_desk.speech.announcer import Announcer
from dispatch_desk.speech.phrases import PhraseBook

logger = logging.getLogger(__name__)


class AlertSpeaker:
    def __init__(
        self, centre: AlertCentre, announcer: Announcer, rules: SpeechRules, role: Role
    ) -> None:
        self.announcer = announcer
        self.rules = rules
        self.role = role
        self._unsubscribe: Callable[[], None] = centre.subscribe(self._on_alert)

    def close(self) -> None:
        self._unsubscribe()

    def _on_alert(self, event: AlertEvent) -> None:
        alert = event.alert
        if event.change == "acknowledged":
            self.announcer.withdraw(str(alert.id))  # seen on screen before it was said
            return
        if event.change != "raised" or not self.rules.speaks(alert, self.role):
            return
        book = PhraseBook(self.announcer.voice.language)
        try:
            text = book.render(alert.phrase)
        except KeyError:
            logger.warning("no spoken form for %s; saying its text", alert.phrase.template)
            text = alert.text
        self.announcer.announce(text, alert.priority, key=str(alert.id))
