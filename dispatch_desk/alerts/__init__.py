"""Alerts: what the dispatcher must notice, raised by every part of the desk, shown and spoken."""

from dispatch_desk.alerts.centre import AlertCentre
from dispatch_desk.alerts.model import KINDS, Alert, AlertEvent, AlertKind, Phrase

__all__ = ["KINDS", "Alert", "AlertCentre", "AlertEvent", "AlertKind", "Phrase"]
