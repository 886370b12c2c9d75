"""The desk's side of texting: it takes what the gateway's webhooks kept, stores it, and runs
the outbox.

Incoming entries come in batches: from the embedded gateway directly (``attach``), or over the
desk link from a central gateway (``texts`` messages, acknowledged with ``texts-ack`` once stored).
A batch is one transaction; should one entry in it be refused, each is stored on its own so the
others are not held back, and the refused one stays at the gateway to be tried again.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from dispatch_desk.alerts.model import Phrase
from dispatch_desk.messaging import inbound
from dispatch_desk.messaging.providers import auth_token, webhook_base
from dispatch_desk.messaging.sms import LoopbackSms
from dispatch_desk.waits import settle

if TYPE_CHECKING:
    from dispatch_desk.desk import DeskCore
    from dispatch_desk.gateway.app import Gateway

logger = logging.getLogger(__name__)

LOOPBACK_ACCOUNT = "AC" + "0" * 32  # the loopback provider's stand-in account


@dataclass(frozen=True)
class WireEntry:
    id: int
    kind: str
    params: dict[str, str]
    at: float  # when the gateway took it (wall clock, seconds)


def _entries(raw: list[Any]) -> list[WireEntry]:
    entries = []
    for item in raw:
        if isinstance(item, dict):
            item_id, kind, params = item.get("id"), item.get("kind"), item.get("params")
            at = item.get("at")
        else:  # the gateway's own Entry
            item_id, kind, params, at = item.id, item.kind, item.params, item.received
        if isinstance(item_id, int) and kind in ("sms", "status") and isinstance(params, dict):
            when = float(at) if isinstance(at, int | float) else time.time()
            params = {str(k): str(v) for k, v in params.items()}
            entries.append(WireEntry(item_id, kind, params, when))
    return entries


def _clean(text: str) -> str:
    # Kept exactly as sent, except NUL, which PostgreSQL (the central database) cannot store.
    return text.replace("\x00", "\ufffd")


class DeskTexts:
    def __init__(self, core: DeskCore) -> None:
        self.core = core
        self.settings = core.settings.texting
        self._detach: Any = None
        self._live: Any = None
        self._stopped = False
        self.hold_status_s = 30.0
        # Where a person plays a caller's phone (loopback on the embedded gateway), once up.
        self.phone_sim_url = ""
        self._starting: asyncio.Future[None] | None = None
        self._announcing: set[asyncio.Future[bool]] = set()
        self.stored = 0

    # -- life

    async def start(self, live: Any = None) -> None:
        """Start the outbox; with live sessions, make their gateway take Twilio's webhooks."""
        if self._stopped:
            return
        await self.core.outbox.start()
        if live is None or self._live is not None:
            return
        self._live = live
        self._starting = asyncio.ensure_future(live.start())
        await self._starting
        if self._stopped:
            return
        live.on_texts = self.on_link_message
        if live.server is not None:
            self.serve_on(live.server.gateway)
            if isinstance(self.core.sms, LoopbackSms):
                self.phone_sim_url = f"{live.server.base_url}/sim"
        else:  # a central gateway: say so on every connection, as soon as it is registered
            live.link_watchers.append(self._on_link)
            if live.link is not None and live.link.online:  # registered before we listened
                self._announce()

    def serve_on(self, gateway: Gateway) -> None:
        """The embedded gateway takes the webhooks and hands them straight to this desk."""
        from dispatch_desk.gateway.twilio_hooks import TextingConfig

        core = self.core
        loopback = isinstance(core.sms, LoopbackSms)
        config = TextingConfig(
            auth_token=secrets.token_hex(16) if loopback else auth_token(self.settings),
            account_sid=LOOPBACK_ACCOUNT if loopback else self.settings.account_sid,
            inbox_path=core.paths.data_dir / "gateway-texts.sqlite3",
            public_url="" if loopback else webhook_base(core.settings),
            text911_number=self.settings.text911_number,
            status_number=self.settings.status_number,
        )
        if gateway.texts.config is None:
            gateway.texts.configure(config)
        self._detach = gateway.texts.attach(self.take)
        if loopback and gateway.phone_sim is not None:
            assert isinstance(core.sms, LoopbackSms)
            gateway.phone_sim.enable(core.sms)
            logger.info("texting: loopback; the phone simulator is at the gateway's /sim")

    def _on_link(self, online: bool) -> None:
        # The gateway forgets which desks take texts when a link drops; a reconnect (0.1 s
        # later, between any two polls) must say so again or texts wait there for nobody.
        if online and not self._stopped:
            self._announce()

    def _announce(self) -> None:
        task = asyncio.ensure_future(self._live.send({"t": "texts-ready"}))
        self._announcing.add(task)
        task.add_done_callback(self._announcing.discard)

    async def stop(self) -> None:
        self._stopped = True
        if self._starting is not None:  # let the gateway finish starting, so it can be closed
            await settle([self._starting], 3.0)
        if self._detach is not None:
            self._detach()
        if self._live is not None and self._on_link in self._live.link_watchers:
            self._live.link_watchers.remove(self._on_link)
        if self._announcing:
            await settle(list(self._announcing), 1.0)
        await self.core.outbox.stop()
        close = getattr(self.core.sms, "close", None)
        if close is not None:  # Twilio's HTTP session
            await close()

    async def on_link_message(self, data: dict[str, Any]) -> None:
        """A ``texts`` message from a central gateway: store, then acknowledge."""
        raw = data.get("entries")
        if not isinstance(raw, list):
            return
        stored = await self.take(raw)
        if self._live is not None:
            await self._live.send({"t": "texts-ack", "ids": stored})

    # -- storing

    async def take(self, raw: list[Any]) -> list[int]:
        """Store a batch of webhook entries; the ids stored (or already stored)."""
        entries = _entries(raw)
        if not entries:
            return []
        now = self.core.clock()
        try:
            results = await self.core.store.write(self._process, entries, now)
        except Exception as exc:
            logger.warning("storing %d texts at once failed (%s); one by one", len(entries), exc)
            results = []
            for entry in entries:
                try:
                    results += await self.core.store.write(self._process, [entry], now)
                except Exception as one:
                    logger.warning("incoming %s %s not stored: %s", entry.kind, entry.id, one)
        # A status for a sid not yet ours may have overtaken the send's own answer: it stays at
        # the gateway a little while and is tried again, rather than being dropped.
        wall = time.time()
        by_id = {entry.id: entry for entry in entries}
        held = {
            entry_id
            for entry_id, outcome in results
            if by_id[entry_id].kind == "status"
            and outcome is None
            and wall - by_id[entry_id].at < self.hold_status_s
        }
        stored = [entry_id for entry_id, _ in results if entry_id not in held]
        self.stored += len(stored)
        for _, outcome in results:
            if isinstance(outcome, inbound.StatusApplied) and outcome.failed:
                self._alert(outcome)
        if any(isinstance(o, inbound.Received) and o.reply_id for _, o in results):
            self.core.outbox.wake()
        return stored

    def _process(
        self, session: Session, entries: list[WireEntry], now: datetime
    ) -> list[tuple[int, Any]]:
        out: list[tuple[int, Any]] = []
        for entry in entries:
            p = entry.params
            if entry.kind == "sms":
                text = inbound.InboundText(
                    sid=p["MessageSid"],
                    from_e164=_clean(p.get("From", "")),
                    to_e164=_clean(p.get("To", "")),
                    body=_clean(p.get("Body", "")),
                    media_count=int(p.get("NumMedia", "0") or 0),
                )
                outcome: Any = inbound.receive(
                    session,
                    text,
                    now=now,
                    text911_number=self.settings.text911_number,
                    status_number=self.settings.status_number,
                    conversations=self.core.conversations,
                    agency=self.core.status_texts.config.agency,
                    # Replies to the status number answer a survey (or switch language) first.
                    try_answer=self.core.status_texts.try_answer,
                )
            else:
                outcome = inbound.apply_status(
                    session,
                    sid=p["MessageSid"],
                    status=p.get("MessageStatus", ""),
                    error_code=p.get("ErrorCode", ""),
                    now=now,
                )
            out.append((entry.id, outcome))
        return out

    def _alert(self, outcome: inbound.StatusApplied) -> None:
        self.core.alerts.raise_alert(
            "text.failed",
            f"Text to {outcome.to_e164} not delivered: {outcome.error}",
            phrase=Phrase("text", {"text": "A text to a caller was not delivered"}),
            incident_id=outcome.incident_id,
            key=str(outcome.message_id),
            source="texting",
        )
