"""Texts through Twilio, with the real ``twilio`` library's asynchronous client.

One sending number per agency (``from_e164``), or the agency's Messaging Service when one is
configured. Errors become :class:`SmsError` that say whether trying again can help: rate limits
(429, honouring ``Retry-After``), Twilio's server errors and the network are retryable; a number
that unsubscribed (21610), is not valid (21211) or cannot receive texts (21614) is final, with a
sentence a dispatcher understands.
"""

from __future__ import annotations

import base64
import contextvars
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from dispatch_desk.messaging.sms import SmsError

logger = logging.getLogger(__name__)

FINAL_ERRORS = {
    21610: "The number has unsubscribed (replied STOP); no texts until it replies START.",
    21211: "The number is not a valid phone number.",
    21614: "The number is not a mobile number and cannot receive texts.",
    21408: "Texting this country is not enabled on the agency's Twilio account.",
    21612: "Twilio cannot route texts between these two numbers.",
    20003: "Twilio refused the agency's account SID or auth token; check [texting] settings.",
}

# How far Twilio's clock may be behind ours when a lost send is looked up: a text Twilio made
# earlier than this before our attempt is another text with the same words, not this one.
CLOCK_SLACK = timedelta(minutes=2)

# Retry-After of the last 429 seen by this task (the request and the exception it becomes run
# in the same task, one after the other).
_retry_after: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "twilio_retry_after", default=None
)


def _seconds(header: str | None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date."""
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())


class _Http(AsyncTwilioHttpClient):
    """Twilio's own aiohttp client, with a bounded time per request and Retry-After kept."""

    session: Any  # aiohttp.ClientSession once the first request made it

    def __init__(self, timeout_s: float) -> None:
        super().__init__(pool_connections=False, timeout=timeout_s)
        self._timeout_s = timeout_s

    async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if self.session is None:  # made on the loop that uses it, once
            self.session = aiohttp.ClientSession()
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout_s
        auth = kwargs.pop("auth", None)
        if auth is not None:  # aiohttp 3.12+ deprecates BasicAuth objects; same header
            user, password = auth
            kwargs["headers"] = {
                **(kwargs.get("headers") or {}),
                "Authorization": "Basic "
                + base64.b64encode(f"{user}:{password}".encode()).decode("ascii"),
            }
        response = await super().request(method, url, *args, **kwargs)
        if response.status_code == 429:
            headers = response.headers or {}
            _retry_after.set(_seconds(headers.get("Retry-After")))
        return response


@dataclass(frozen=True)
class FoundMessage:
    sid: str
    status: str


class TwilioSms:
    """An :class:`~dispatch_desk.messaging.sms.SmsSender` for Twilio. ``close()`` at the end."""

    reports_status = True  # Twilio posts delivery statuses to the status callback

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_e164: str,
        messaging_service_sid: str = "",
        api_base_url: str = "",
        timeout_s: float = 20.0,
    ) -> None:
        if not account_sid or not auth_token:
            raise ValueError("Twilio needs [texting] account_sid and an auth token")
        self.from_e164 = from_e164
        self.messaging_service_sid = messaging_service_sid
        self._http = _Http(timeout_s)
        self.client = Client(account_sid, auth_token, http_client=self._http)
        if api_base_url:
            self.client.api.base_url = api_base_url.rstrip("/")

    async def send(
        self,
        to_e164: str,
        body: str,
        *,
        from_e164: str | None = None,
        status_callback: str | None = None,
    ) -> str:
        kwargs: dict[str, Any] = {"to": to_e164, "body": body}
        sender = from_e164 or self.from_e164
        # The Messaging Service carries the agency's status texts; a conversation (or any text
        # from another number of the agency) goes from that number itself.
        if self.messaging_service_sid and sender == self.from_e164:
            kwargs["messaging_service_sid"] = self.messaging_service_sid
        else:
            kwargs["from_"] = sender
        if status_callback:
            kwargs["status_callback"] = status_callback
        _retry_after.set(None)
        try:
            message = await self.client.messages.create_async(**kwargs)
        except TwilioRestException as exc:
            raise _error(exc) from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise SmsError(
                f"Twilio could not be reached ({type(exc).__name__}); will try again.",
                code="network",
                retryable=True,
            ) from None
        except TwilioException as exc:
            raise SmsError(f"Twilio: {exc}", code="twilio", retryable=False) from None
        return str(message.sid)

    async def find_sent(
        self,
        to_e164: str,
        body: str,
        since: datetime,
        *,
        from_e164: str | None = None,
        exclude: Collection[str] = (),
    ) -> FoundMessage | None:
        """A text to ``to_e164`` with exactly ``body`` created since ``since``, if Twilio has one:
        how a send interrupted by a crash or a lost response is settled without sending twice.
        ``exclude``: sids the desk already holds for other texts (the same words sent earlier,
        e.g. a preset) — never this text. Raises :class:`SmsError` (retryable) when Twilio
        cannot be asked."""
        # By number only, newest first: a DateSent filter would miss a text Twilio accepted
        # but has not sent yet (its date_sent is empty), and that is the one that matters.
        try:
            found = await self.client.messages.list_async(to=to_e164, limit=50, page_size=50)
        except TwilioRestException as exc:
            raise _error(exc) from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise SmsError(
                f"Twilio could not be asked ({type(exc).__name__})", code="network", retryable=True
            ) from None
        earliest = since - CLOCK_SLACK  # our clock and Twilio's may differ a little
        excluded = set(exclude)
        for message in found:
            if message.body != body or str(message.sid) in excluded:
                continue
            if message.date_created is not None and message.date_created < earliest:
                continue
            if from_e164 and not self.messaging_service_sid and message.from_ != from_e164:
                continue
            return FoundMessage(str(message.sid), str(message.status or ""))
        return None

    async def close(self) -> None:
        await self._http.close()


def _error(exc: TwilioRestException) -> SmsError:
    code = exc.code
    if exc.status == 429:
        wait = _retry_after.get()
        return SmsError(
            "Twilio is limiting how fast texts go out; will try again.",
            code="429",
            retryable=True,
            retry_after_s=wait,
        )
    if exc.status >= 500:
        return SmsError(
            f"Twilio had a server error ({exc.status}); will try again.",
            code=str(code or exc.status),
            retryable=True,
        )
    if code in FINAL_ERRORS:
        return SmsError(f"{FINAL_ERRORS[code]} (Twilio {code})", code=str(code), retryable=False)
    detail = (exc.msg or "").strip() or f"HTTP {exc.status}"
    return SmsError(
        f"Twilio refused the text: {detail} (Twilio {code or exc.status})",
        code=str(code or exc.status),
        retryable=False,
    )
