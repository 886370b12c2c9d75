"""Twilio's webhooks at the gateway: incoming texts (``POST /twilio/sms``) and delivery statuses
(``POST /twilio/status``).

Every request's ``X-Twilio-Signature`` is checked with the twilio library's RequestValidator over
the URL Twilio called (the configured public address, not the one this process listens on) and
the posted form; a request that fails is refused 403 and nothing is kept. A form that cannot be
read is refused 400 with the reason. What passes is committed to the gateway's durable inbox
(:mod:`dispatch_desk.gateway.text_inbox`) before Twilio gets its 200, then handed to a desk:
in-process to the desk that runs this gateway (``attach``), or over the desk link to a connected
desk, which acknowledges once its store has it. A repeated MessageSid is kept once here, and its
desk stores it once again by MessageSid.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from aiohttp import web
from twilio.request_validator import RequestValidator

from dispatch_desk.gateway.text_inbox import Entry, TextInbox
from dispatch_desk.waits import settle

if TYPE_CHECKING:
    from dispatch_desk.gateway.app import Gateway

logger = logging.getLogger(__name__)

INBOUND_PATH = "/twilio/sms"
STATUS_PATH = "/twilio/status"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
RESEND_AFTER_S = 10.0  # an entry handed to a desk link and not acknowledged goes again

Consumer = Callable[[list[Entry]], Awaitable[list[int]]]


@dataclass(frozen=True)
class TextingConfig:
    auth_token: str
    account_sid: str
    inbox_path: Path
    public_url: str = ""  # the base Twilio calls; empty: the address the request came to
    text911_number: str = ""
    status_number: str = ""
    max_form_bytes: int = 256 * 1024


class BadForm(ValueError):
    pass


def read_form(raw: bytes, content_type: str) -> dict[str, str]:
    """The posted form, strictly: UTF-8, well-formed, each field once."""
    if content_type != "application/x-www-form-urlencoded":
        raise BadForm(f"expected application/x-www-form-urlencoded, got {content_type or 'none'}")
    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), errors="strict")
    except UnicodeDecodeError:
        raise BadForm("the form is not UTF-8") from None
    except ValueError as exc:
        raise BadForm(f"the form is not well formed ({exc})") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise BadForm(f"the field {key!r} appears twice")
        form[key] = value
    return form


class TextHooks:
    def __init__(self, gateway: Gateway) -> None:
        self.gw = gateway
        self.config: TextingConfig | None = None
        self.inbox: TextInbox | None = None
        self._validator: RequestValidator | None = None
        self._consumer: Consumer | None = None
        self._wake: asyncio.Event | None = None
        self._pump_task: asyncio.Task[None] | None = None
        self._in_flight: dict[int, float] = {}  # entry id -> when handed to a desk link
        self.refused = {"signature": 0, "form": 0}

    # -- set-up

    def configure(self, config: TextingConfig) -> None:
        """Start taking webhooks (call on the event loop; once)."""
        if self.config is not None:
            raise RuntimeError("texting is already configured on this gateway")
        self.config = config
        self._validator = RequestValidator(config.auth_token)
        self.inbox = TextInbox(config.inbox_path)
        self._wake = asyncio.Event()
        self._pump_task = asyncio.ensure_future(self._pump())
        self._pump_task.set_name("gateway:texts")

    def attach(self, consumer: Consumer) -> Callable[[], None]:
        """The desk running this gateway takes entries directly: ``consumer`` stores a batch and
        returns the ids it has stored."""
        self._consumer = consumer
        self.wake()

        def detach() -> None:
            if self._consumer is consumer:
                self._consumer = None

        return detach

    def wake(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def close(self) -> None:
        task, self._pump_task = self._pump_task, None
        if task is not None:
            task.cancel()
            await settle([task], 2.0)
        if self.inbox is not None:
            inbox, self.inbox = self.inbox, None
            await asyncio.to_thread(inbox.close)

    # -- the webhooks

    async def inbound(self, request: web.Request) -> web.StreamResponse:
        form = await self._checked(request)
        sid = form.get("MessageSid", "").strip()
        if not sid or not form.get("From") or not form.get("To"):
            return _bad("an incoming text needs MessageSid, From and To")
        media = form.get("NumMedia", "0") or "0"
        if not media.isdigit():
            return _bad("NumMedia must be a whole number")
        assert self.inbox is not None
        await self.inbox.put("sms", f"sms:{sid}", form)
        self.wake()
        return web.Response(text=EMPTY_TWIML, content_type="text/xml", charset="utf-8")

    async def status(self, request: web.Request) -> web.StreamResponse:
        form = await self._checked(request)
        sid = form.get("MessageSid", "").strip()
        status = form.get("MessageStatus", "").strip().lower()
        if not sid or not status:
            return _bad("a status callback needs MessageSid and MessageStatus")
        assert self.inbox is not None
        await self.inbox.put("status", f"status:{sid}:{status}", form)
        self.wake()
        return web.Response(text="", content_type="text/plain")

    async def _checked(self, request: web.Request) -> dict[str, str]:
        config = self.config
        if config is None or self._validator is None:
            raise web.HTTPServiceUnavailable(text="texting is not configured on this gateway")
        if (request.content_length or 0) > config.max_form_bytes:
            self.refused["form"] += 1
            raise web.HTTPRequestEntityTooLarge(
                max_size=config.max_form_bytes, actual_size=request.content_length or 0
            )
        raw = await request.read()
        if len(raw) > config.max_form_bytes:  # sent without a length
            self.refused["form"] += 1
            raise web.HTTPRequestEntityTooLarge(
                max_size=config.max_form_bytes, actual_size=len(raw)
            )
        try:
            form = read_form(raw, request.content_type)
        except BadForm as exc:
            self.refused["form"] += 1
            logger.warning("twilio webhook refused: %s", exc)
            raise web.HTTPBadRequest(text=f"Refused: {exc}.") from None
        url = (
            (config.public_url.rstrip("/") + request.path_qs)
            if config.public_url
            else str(request.url)
        )
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature or not self._validator.validate(url, form, signature):
            self.refused["signature"] += 1
            logger.warning(
                "twilio webhook refused: bad or missing signature from %s", request.remote
            )
            raise web.HTTPForbidden(text="Refused: the request is not signed by Twilio.")
        if config.account_sid and form.get("AccountSid") != config.account_sid:
            self.refused["signature"] += 1
            raise web.HTTPForbidden(text="Refused: not this agency's Twilio account.")
        return form

    # -- handing entries on

    async def _pump(self) -> None:
        assert self._wake is not None and self.inbox is not None
        while True:
            self._wake.clear()
            delivered = False
            try:
                delivered = await self._hand_on()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("gateway texts: handing on failed: %s", exc)
            if not delivered:
                waiter = asyncio.ensure_future(self._wake.wait())
                await settle([waiter], 1.0)
                waiter.cancel()

    async def _hand_on(self) -> bool:
        """One batch to a desk; True when more may be waiting right away."""
        inbox = self.inbox
        if inbox is None:
            return False
        entries = await asyncio.to_thread(inbox.pending, 200)
        if not entries:
            return False
        consumer = self._consumer
        if consumer is not None:
            stored = await consumer(entries)
            await asyncio.to_thread(inbox.ack, stored)
            return len(stored) == len(entries)
        now = time.monotonic()
        fresh = [e for e in entries if now - self._in_flight.get(e.id, -1e9) > RESEND_AFTER_S]
        if fresh and await self.gw.desks.send_texts([e.wire() for e in fresh]):
            for entry in fresh:
                self._in_flight[entry.id] = now
        return False

    async def acked(self, ids: list[int]) -> None:
        """A desk link says its store has these."""
        for i in ids:
            self._in_flight.pop(i, None)
        if self.inbox is not None:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.inbox.ack, ids)


def _bad(reason: str) -> web.Response:
    logger.warning("twilio webhook refused: %s", reason)
    return web.Response(status=400, text=f"Refused: {reason}.")
