"""The real twilio library (its async client) against a local server speaking Twilio's wire
format: what it sends, and how each kind of failure becomes an SmsError."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from dispatch_desk.messaging.sms import SmsError
from dispatch_desk.messaging.twilio_sms import TwilioSms
from tests.helpers.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

FROM = "+15005550006"
TO = "+16175550101"
CALLBACK = "https://gw.example.org/twilio/status"


def _run(scenario: Callable[[FakeTwilio, TwilioSms], Awaitable[None]], **kw: object) -> None:
    async def main() -> None:
        async with FakeTwilio() as tw:
            sms = TwilioSms(
                ACCOUNT_SID,
                str(kw.pop("token", AUTH_TOKEN)),
                from_e164=FROM,
                api_base_url=tw.base_url,
                **kw,  # type: ignore[arg-type]
            )
            try:
                await scenario(tw, sms)
            finally:
                await sms.close()

    asyncio.run(main())


def test_send_posts_twilio_form_with_basic_auth() -> None:
    async def scenario(tw: FakeTwilio, sms: TwilioSms) -> None:
        sid = await sms.send(TO, "Unit on the way. ¿Español? 🚑", status_callback=CALLBACK)
        assert sid.startswith("SM") and len(sid) == 34
        [req] = tw.creates()
        assert req.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
        assert req.auth == (ACCOUNT_SID, AUTH_TOKEN)
        assert req.form == {
            "To": TO,
            "From": FROM,
            "Body": "Unit on the way. ¿Español? 🚑",
            "StatusCallback": CALLBACK,
        }
        assert tw.messages[0].sid == sid

    _run(scenario)


def test_messaging_service_replaces_from_for_the_status_number_only() -> None:
    async def scenario(tw: FakeTwilio, sms: TwilioSms) -> None:
        await sms.send(TO, "status text")
        await sms.send(TO, "conversation", from_e164="+15005550911")
        first, second = tw.creates()
        assert first.form["MessagingServiceSid"] == "MG" + "1" * 32
        assert "From" not in first.form
        assert second.form["From"] == "+15005550911"
        assert "MessagingServiceSid" not in second.form
        assert "StatusCallback" not in first.form

    _run(scenario, messaging_service_sid="MG" + "1" * 32)


def test_429_is_retryable_and_carries_retry_after() -> None:
    async def scenario(tw: FakeTwilio, sms: TwilioSms) -> None:
        tw.fail_next(429, retry_after=7)
        with pytest.raises(SmsError) as caught:
            await sms.send(TO, "x")
        assert caught.value.retryable and caught.value.code == "429"
        assert caught.value.retry_after_s == 7.0
        assert tw.messages == []

    _run(scenario)


def test_server_error_and_dropped_connection_are_retryable() -> None:
    async def scenario(tw: FakeTwilio, sms: TwilioSms) -> None:
        tw.fail_next(503)
        with pytest.raises(SmsError) as caught:
            await sms.send(TO, "x")
        assert caught.value.retryable and "server error (503)" in str(caught.value)
        tw.drop_next()
        with pytest.raises(SmsError) as caught:
            await sms.send(TO, "x")
        assert caught.value.retryable and caught.value.code == "network"

    _run(scenario)


def test_timeout_is_retryable() -> None:
    async def scenario(tw: FakeTwilio, sms: TwilioSms) -> None:
        tw.stall_next(3.0)
        started = asyncio.get_running_loop().time()
        with pytest.raises(SmsError) as caught:
            await sms.send(TO, "x")
        assert caught.value.retryable and caught.value.code == "network"
        assert asyncio.get_running_loop().time() - started < 2.5

    _run(scenario, timeout_s=1.0)


@pytest.mark.parametrize(
    ("code", "words"),
    [(21610, "unsubscribed"), (21211, "not a valid phone number"), (21614, "not a mobile")],
)
def test_carrier_refusals_are_final_with_a_clear_message(code: int, words: str) -> None:
    async def scenario(tw: FakeTwilio, sms: TwilioSms) -> None:
        tw.fail_next(400, code=code)
        with pytest.raises(SmsError) as caught:
            await sms.send(TO, "x")
        assert not caught.value.retryable
        assert caught.value.code == str(code)
        assert words in str(caught.value) and f"Twilio {code}" in str(caught.value)

    _run(scenario)


def test_wrong_token_is_refused_by_the_server_and_final() -> None:
    async def scenario(tw: FakeTwilio, sms: TwilioSms) -> None:
        with pytest.raises(SmsError) as caught:
            await sms.send(TO, "x")
        assert not caught.value.retryable and caught.value.code == "20003"
        assert tw.creates()[0].auth == (ACCOUNT_SID, "0" * 32)
        assert tw.messages == []

    _run(scenario, token="0" * 32)


def test_find_sent_settles_a_lost_response() -> None:
    async def scenario(tw: FakeTwilio, sms: TwilioSms) -> None:
        since = datetime.now(UTC) - timedelta(seconds=5)
        tw.drop_next(after_create=True)
        with pytest.raises(SmsError):
            await sms.send(TO, "Your case number is 26-000123")
        assert len(tw.messages) == 1  # Twilio has it; we never heard back
        found = await sms.find_sent(TO, "Your case number is 26-000123", since)
        assert found is not None and found.sid == tw.messages[0].sid
        listing = [r for r in tw.requests if r.method == "GET"]
        assert listing[0].query["To"] == TO
        assert await sms.find_sent(TO, "another body", since) is None

    _run(scenario)


def test_find_sent_skips_held_sids_and_texts_made_well_before() -> None:
    async def scenario(tw: FakeTwilio, sms: TwilioSms) -> None:
        body = "Are you safe? Reply Y or N."
        await sms.send(TO, body)
        held = tw.messages[0].sid
        earlier = await sms.send(TO, body)
        tw.messages[-1].date_created = datetime.now(UTC) - timedelta(minutes=5)
        since = datetime.now(UTC) - timedelta(seconds=5)
        assert await sms.find_sent(TO, body, since, exclude={held}) is None
        assert earlier != held
        found = await sms.find_sent(TO, body, since)
        assert found is not None and found.sid == held

    _run(scenario)
