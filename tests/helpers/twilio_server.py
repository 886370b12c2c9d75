"""A local HTTP server speaking Twilio's REST wire format for Messages, for tests.

``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with form fields To, From, Body,
MessagingServiceSid, StatusCallback (HTTP basic auth: account SID and auth token, checked) answers
as Twilio does: 201 and a Message resource (``sid`` "SM" + 32 hex, ``status`` "queued",
``date_created`` in RFC 2822...), or Twilio's error JSON ``{code, message, more_info, status}``.
``GET .../Messages.json`` lists them (To / From / ``DateSent>=`` filters, Twilio's page shape).

Failures are injected per request, in order: ``fail_next(429, retry_after=3)``,
``fail_next(500)``, ``fail_next(400, code=21610)``, ``drop_next()`` (the connection is closed
without an answer, after the message was or was not created), ``stall_next(s)``. Every request
is recorded. ``post_status(...)`` posts a signed status callback, as Twilio does.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0" * 30 + "11"
AUTH_TOKEN = "f" * 32

ERROR_MESSAGES = {
    21610: "Attempt to send to unsubscribed recipient",
    21211: "The 'To' number is not a valid phone number.",
    21614: "'To' number is not a valid mobile number",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
}


@dataclass
class Recorded:
    method: str
    path: str
    form: dict[str, str]
    query: dict[str, str]
    auth: tuple[str, str] | None
    at: datetime


@dataclass
class _Failure:
    status: int = 0
    code: int | None = None
    retry_after: str | None = None
    drop: bool = False  # close the connection without an answer
    create_then_drop: bool = False  # ... after the message was created
    stall_s: float = 0.0
    stall_after_create: bool = False


@dataclass
class FakeMessage:
    sid: str
    to: str
    from_: str
    body: str
    messaging_service_sid: str | None
    status_callback: str | None
    status: str
    date_created: datetime
    date_sent: datetime | None = None
    history: list[str] = field(default_factory=list)


class FakeTwilio:
    """``async with FakeTwilio() as tw:`` then point a Client at ``tw.base_url``."""

    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.requests: list[Recorded] = []
        self.messages: list[FakeMessage] = []
        self._failures: list[_Failure] = []
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.sent_from_number = "+15005550006"  # what a Messaging Service picks
        self._garbled_lists = 0

    # -- control

    def fail_next(self, status: int, *, code: int | None = None, retry_after: Any = None) -> None:
        self._failures.append(
            _Failure(status, code, None if retry_after is None else str(retry_after))
        )

    def drop_next(self, *, after_create: bool = False) -> None:
        self._failures.append(_Failure(drop=not after_create, create_then_drop=after_create))

    def stall_next(self, seconds: float, *, after_create: bool = False) -> None:
        """Hold the next create for ``seconds`` before answering (before or after the message
        is made): a request in flight when the sender is killed, or a timeout."""
        self._failures.append(_Failure(stall_s=seconds, stall_after_create=after_create))

    def garble_next_list(self) -> None:
        """Answer the next message listing 200 with a page that is not JSON (a proxy's error
        page): the library cannot read it."""
        self._garbled_lists += 1

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def creates(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("Messages.json")]

    # -- life

    async def __aenter__(self) -> FakeTwilio:
        app = web.Application()
        base = "/2010-04-01/Accounts/{account}/Messages"
        app.router.add_post(base + ".json", self._create)
        app.router.add_get(base + ".json", self._list)
        app.router.add_get(base + "/{sid}.json", self._fetch)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- the wire format

    def _error(self, status: int, code: int, message: str = "") -> web.Response:
        return web.json_response(
            {
                "code": code,
                "message": message or ERROR_MESSAGES.get(code, "Error"),
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
            status=status,
        )

    def _auth(self, request: web.Request) -> tuple[str, str] | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return user, password

    async def _record(self, request: web.Request) -> tuple[Recorded, web.Response | None]:
        form = {k: str(v) for k, v in (await request.post()).items()}
        auth = self._auth(request)
        rec = Recorded(
            request.method, request.path, form, dict(request.query), auth, datetime.now(UTC)
        )
        self.requests.append(rec)
        if auth != (self.account_sid, self.auth_token):
            return rec, self._error(401, 20003, "Authenticate")
        if request.match_info["account"] != self.account_sid:
            return rec, self._error(404, 20404, "The requested resource was not found")
        return rec, None

    def _resource(self, m: FakeMessage) -> dict[str, Any]:
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{m.sid}.json"
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": m.body,
            "date_created": format_datetime(m.date_created, usegmt=True),
            "date_sent": format_datetime(m.date_sent, usegmt=True) if m.date_sent else None,
            "date_updated": format_datetime(datetime.now(UTC), usegmt=True),
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": m.from_,
            "messaging_service_sid": m.messaging_service_sid,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": m.sid,
            "status": m.status,
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": m.to,
            "uri": uri,
        }

    async def _create(self, request: web.Request) -> web.StreamResponse:
        rec, refused = await self._record(request)
        failure = self._failures.pop(0) if self._failures else None
        if failure is not None and failure.stall_s and not failure.stall_after_create:
            await asyncio.sleep(failure.stall_s)
            failure = None
        if failure is not None and failure.drop:
            _drop(request)
            return web.Response(status=500)
        if refused is not None:
            return refused
        if failure is not None and failure.status:
            if failure.status == 429:
                response = self._error(429, failure.code or 20429)
                if failure.retry_after is not None:
                    response.headers["Retry-After"] = failure.retry_after
                return response
            return self._error(failure.status, failure.code or 20500)
        form = rec.form
        if not form.get("To"):
            return self._error(400, 21604, "A 'To' phone number is required.")
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return self._error(400, 21603, "A 'From' phone number is required.")
        if not form.get("Body"):
            return self._error(400, 21602, "Message body is required.")
        message = FakeMessage(
            sid="SM" + secrets.token_hex(16),
            to=form["To"],
            from_=form.get("From") or self.sent_from_number,
            body=form["Body"],
            messaging_service_sid=form.get("MessagingServiceSid"),
            status_callback=form.get("StatusCallback"),
            status="accepted" if form.get("MessagingServiceSid") else "queued",
            date_created=datetime.now(UTC).replace(microsecond=0),
        )
        self.messages.append(message)
        if failure is not None and failure.create_then_drop:
            _drop(request)
            return web.Response(status=500)
        if failure is not None and failure.stall_after_create:
            await asyncio.sleep(failure.stall_s)
        return web.json_response(self._resource(message), status=201)

    async def _list(self, request: web.Request) -> web.Response:
        _, refused = await self._record(request)
        if refused is not None:
            return refused
        if self._garbled_lists:
            self._garbled_lists -= 1
            return web.Response(text="<html>502 Bad Gateway</html>", content_type="text/html")
        q = request.query
        found = [m for m in self.messages if not q.get("To") or m.to == q["To"]]
        if q.get("From"):
            found = [m for m in found if m.from_ == q["From"]]
        after = q.get("DateSent>")  # the library's key for Twilio's DateSent>= filter
        if after:
            since = datetime.fromisoformat(after.replace("Z", "+00:00"))
            found = [m for m in found if (m.date_sent or m.date_created) >= since]
        size = int(q.get("PageSize", "50"))
        path = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        return web.json_response(
            {
                "messages": [self._resource(m) for m in reversed(found)][:size],
                "end": min(size, len(found)) - 1,
                "first_page_uri": f"{path}?PageSize={size}&Page=0",
                "next_page_uri": None,
                "page": 0,
                "page_size": size,
                "previous_page_uri": None,
                "start": 0,
                "uri": f"{path}?PageSize={size}&Page=0",
            }
        )

    async def _fetch(self, request: web.Request) -> web.Response:
        _, refused = await self._record(request)
        if refused is not None:
            return refused
        for m in self.messages:
            if m.sid == request.match_info["sid"]:
                return web.json_response(self._resource(m))
        return self._error(404, 20404, "The requested resource was not found")

    # -- callbacks, as Twilio makes them

    async def post_status(
        self, message: FakeMessage, status: str, *, error_code: int | None = None, url: str = ""
    ) -> int:
        """POST a status callback for ``message`` (signed with the auth token); the status."""
        target = url or message.status_callback
        assert target, "the message has no StatusCallback"
        message.status = status
        message.history.append(status)
        if status == "sent":
            message.date_sent = datetime.now(UTC)
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "From": message.from_,
            "MessageSid": message.sid,
            "MessageStatus": status,
            "SmsSid": message.sid,
            "SmsStatus": status,
            "To": message.to,
        }
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        if message.messaging_service_sid:
            params["MessagingServiceSid"] = message.messaging_service_sid
        return await post_signed(target, params, self.auth_token)


def inbound_params(
    *, sid: str, from_: str, to: str, body: str, num_media: int = 0, account_sid: str = ACCOUNT_SID
) -> dict[str, str]:
    """The form Twilio posts for an incoming text."""
    params = {
        "AccountSid": account_sid,
        "ApiVersion": "2010-04-01",
        "Body": body,
        "From": from_,
        "FromCountry": "US",
        "MessageSid": sid,
        "NumMedia": str(num_media),
        "NumSegments": "1",
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "SmsStatus": "received",
        "To": to,
        "ToCountry": "US",
    }
    for i in range(num_media):
        params[f"MediaContentType{i}"] = "image/jpeg"
        params[f"MediaUrl{i}"] = f"https://api.twilio.com/media/ME{i:032d}"
    return params


def signature(url: str, params: dict[str, str], auth_token: str = AUTH_TOKEN) -> str:
    return RequestValidator(auth_token).compute_signature(url, params)


async def post_signed(
    url: str,
    params: dict[str, str],
    auth_token: str = AUTH_TOKEN,
    *,
    signed_url: str = "",
    session: aiohttp.ClientSession | None = None,
) -> int:
    """POST ``params`` as a form to ``url`` with the X-Twilio-Signature Twilio would send
    (computed over ``signed_url``, the public address Twilio called, default ``url``)."""
    headers = {"X-Twilio-Signature": signature(signed_url or url, params, auth_token)}
    own = session is None
    session = session or aiohttp.ClientSession()
    try:
        async with session.post(url, data=params, headers=headers) as response:
            await response.read()
            return response.status
    finally:
        if own:
            await session.close()


def _drop(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.close()


class FakeTwilioThread:
    """The same server on an event loop of its own thread, for tests that block (subprocesses,
    Qt): ``with FakeTwilioThread() as tw:``; ``tw.server`` is the FakeTwilio (read it from the
    test thread only between requests, or through ``call``)."""

    def __init__(self) -> None:
        self.server = FakeTwilio()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> FakeTwilio:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.__aenter__(), self._loop).result(10)
        return self.server

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.__aexit__(), self._loop).result(10)
        asyncio.run_coroutine_threadsafe(_cancel_rest(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()


async def _cancel_rest() -> None:
    """End handlers still held (a stalled request whose client was killed)."""
    me = asyncio.current_task()
    rest = [t for t in asyncio.all_tasks() if t is not me]
    for task in rest:
        task.cancel()
    await asyncio.gather(*rest, return_exceptions=True)
