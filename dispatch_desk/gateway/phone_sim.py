"""The phone simulator: a page on the embedded gateway where a person plays a caller's phone.

Pick or type a number, read the texts the centre sent it (the loopback provider keeps them), and
answer: an answer is posted to this gateway's own ``/twilio/sms`` as Twilio would post it, form
and signature included, so it takes exactly the path a real incoming text takes. Only on the
embedded gateway with the loopback provider, and only from this machine.
"""

from __future__ import annotations

import html
import itertools
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

from dispatch_desk.gateway.twilio_hooks import INBOUND_PATH

if TYPE_CHECKING:
    from dispatch_desk.gateway.app import Gateway
    from dispatch_desk.messaging.sms import LoopbackSms

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
MAX_CHARS = 20000
STYLE = """
body{background:#15181c;color:#d8dde3;font:14px system-ui,sans-serif;margin:0 auto;max-width:44em;
padding:1em}a{color:#7fb4ff}h1{font-size:1.2em}ol{list-style:none;padding:0}
li{margin:.4em 0;padding:.5em .7em;border-radius:.6em;white-space:pre-wrap;max-width:80%}
.in{background:#26303b}.out{background:#2d4a2f;margin-left:auto}.meta{color:#8a949e;font-size:.8em}
input,textarea,select,button{background:#1f2429;color:#d8dde3;border:1px solid #3a424b;
font:inherit;padding:.3em}textarea{width:100%;height:5em}
"""


@dataclass(frozen=True)
class _Answer:
    sid: str
    from_e164: str
    to_e164: str
    body: str
    at: datetime
    status: int


class PhoneSim:
    def __init__(self, gateway: Gateway) -> None:
        self.gw = gateway
        self.sms: LoopbackSms | None = None  # set by the desk that runs this gateway
        self.answers: list[_Answer] = []
        self._ids = itertools.count(1)

    def enable(self, sms: LoopbackSms) -> None:
        self.sms = sms

    def _check(self, request: web.Request) -> None:
        if self.sms is None or self.gw.texts.config is None:
            raise web.HTTPNotFound(text="The phone simulator runs with the loopback provider.")
        if request.remote not in ("127.0.0.1", "::1"):
            raise web.HTTPForbidden(text="The phone simulator answers this machine only.")

    # -- pages

    async def index(self, request: web.Request) -> web.Response:
        self._check(request)
        assert self.sms is not None
        numbers = list(dict.fromkeys([*self.sms.numbers(), *(a.from_e164 for a in self.answers)]))
        items = "".join(
            f'<li><a href="/sim/phone?number={quote(n)}">{html.escape(n)}</a></li>' for n in numbers
        )
        body = (
            "<h1>Phone simulator</h1>"
            '<form method="get" action="/sim/phone"><label>Number '
            '<input name="number" placeholder="+16175550101" required></label> '
            "<button>Open</button></form>"
            f"<h2>Numbers the centre texted</h2><ol>{items or '<li>None yet.</li>'}</ol>"
        )
        return _page("Phone simulator", body, refresh=True)

    async def phone(self, request: web.Request) -> web.Response:
        self._check(request)
        assert self.sms is not None and self.gw.texts.config is not None
        number = request.query.get("number", "").strip()
        if not number:
            raise web.HTTPFound("/sim")
        config = self.gw.texts.config
        got = [(m.at, "in", m.from_e164 or "centre", m.body) for m in self.sms.to(number)]
        sent = [(a.at, "out", a.to_e164, a.body) for a in self.answers if a.from_e164 == number]
        lines = "".join(
            f'<li class="{kind}" dir="auto"><span class="meta">'
            f"{'from' if kind == 'in' else 'to'} {html.escape(other)} · "
            f"{at.astimezone(UTC):%H:%M:%S}</span>\n{html.escape(text)}</li>"
            for at, kind, other, text in sorted(got + sent, key=lambda x: x[0])
        )
        options = "".join(
            f'<option value="{html.escape(n)}">{html.escape(label)} {html.escape(n)}</option>'
            for label, n in (
                ("911 text line", config.text911_number),
                ("Status texts", config.status_number),
            )
            if n
        )
        body = (
            f'<p><a href="/sim">All numbers</a></p><h1>{html.escape(number)}</h1>'
            f"<ol>{lines or '<li>No texts yet.</li>'}</ol>"
            '<form method="post" action="/sim/send">'
            f'<input type="hidden" name="number" value="{html.escape(number)}">'
            f'<label>To <select name="to">{options}</select></label>'
            '<textarea name="body" dir="auto" required></textarea><button>Send</button></form>'
        )
        return _page(number, body, refresh=True)

    async def send(self, request: web.Request) -> web.StreamResponse:
        self._check(request)
        form = await request.post()
        number = str(form.get("number", "")).strip()
        to = str(form.get("to", "")).strip()
        text = str(form.get("body", ""))
        if not number or not to or not text or len(text) > MAX_CHARS:
            raise web.HTTPBadRequest(text="A number, a recipient and a text are needed.")
        status = await self.deliver(str(request.url.origin()), number, to, text)
        if status != 200:
            raise web.HTTPBadGateway(text=f"The gateway refused the text ({status}).")
        raise web.HTTPSeeOther(f"/sim/phone?number={quote(number)}")

    async def deliver(self, origin: str, from_e164: str, to_e164: str, body: str) -> int:
        """Post one text as Twilio would (signed), to this gateway; the HTTP status."""
        config = self.gw.texts.config
        assert config is not None
        sid = f"SM{secrets.token_hex(16)}"
        params = {
            "AccountSid": config.account_sid,
            "ApiVersion": "2010-04-01",
            "Body": body,
            "From": from_e164,
            "MessageSid": sid,
            "NumMedia": "0",
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": to_e164,
        }
        signed_url = (config.public_url.rstrip("/") or origin) + INBOUND_PATH
        signature = RequestValidator(config.auth_token).compute_signature(signed_url, params)
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                origin + INBOUND_PATH, data=params, headers={"X-Twilio-Signature": signature}
            ) as response,
        ):
            await response.read()
            status = response.status
        self.answers.append(_Answer(sid, from_e164, to_e164, body, datetime.now(UTC), status))
        return status


def _page(title: str, body: str, *, refresh: bool = False) -> web.Response:
    meta = '<meta http-equiv="refresh" content="4">' if refresh else ""
    text = (
        f'<!doctype html><html><head><meta charset="utf-8">{meta}'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )
    return web.Response(
        text=text,
        content_type="text/html",
        charset="utf-8",
        headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store"},
    )
