"""The outbox sending through the real twilio library to a local Twilio: the requests Twilio
receives, retries with backoff (Retry-After honoured), final failures visible and alerted, and
no duplicate after a lost answer or a desk killed mid-send."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import select

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.texting import Purpose, SmsStatus
from dispatch_desk.messaging import outbox
from dispatch_desk.storage.models import SmsConsent, SmsMessage
from tests.helpers.core import FakeClock, make_core
from tests.helpers.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio, FakeTwilioThread

TO = "+16175550101"
STATUS_NUMBER = "+15005550006"
ROOT = Path(__file__).resolve().parents[2]


def _settings(tmp_path: Path, base_url: str) -> dict[str, object]:
    token = tmp_path / "twilio-token"
    token.write_text(AUTH_TOKEN + "\n", encoding="utf-8")
    return {
        "texting__provider": "twilio",
        "texting__account_sid": ACCOUNT_SID,
        "texting__auth_token_file": str(token),
        "texting__api_base_url": base_url,
        "texting__public_webhook_url": "https://gw.example.org",
        "texting__status_number": STATUS_NUMBER,
        "texting__retry_base_s": 5,
        "texting__max_attempts": 3,
    }


def _run(
    tmp_path: Path, scenario: Callable[[FakeTwilio, DeskCore, FakeClock], Awaitable[None]]
) -> None:
    async def main() -> None:
        async with FakeTwilio() as tw:
            clock = FakeClock()
            core = make_core(tmp_path, clock=clock, **_settings(tmp_path, tw.base_url))
            try:
                await scenario(tw, core, clock)
            finally:
                await core.sms.close()  # type: ignore[attr-defined]
                core.close()

    asyncio.run(main())


async def _queue(core: DeskCore, key: str, body: str = "Your request 26-000123 is logged."):
    return await core.store.write(
        lambda s: outbox.enqueue(
            s,
            to_e164=TO,
            body=body,
            purpose=Purpose.STATUS,
            key=key,
            now=core.clock(),
            from_e164=STATUS_NUMBER,
        )
    )


async def _row(core: DeskCore, msg_id) -> SmsMessage:  # type: ignore[no-untyped-def]
    return await core.store.read(lambda s: s.get(SmsMessage, msg_id))


def test_twilio_receives_the_text_with_callback_and_auth(tmp_path: Path) -> None:
    async def scenario(tw: FakeTwilio, core: DeskCore, clock: FakeClock) -> None:
        seen: list[str] = []
        core.bus.subscribe(lambda changes: seen.extend(c.kind for c in changes))
        msg_id = await _queue(core, "status:a:confirm", "¿Necesita ayuda? 🚓 مرحبا")
        assert await core.outbox.run_once() == 1
        [req] = tw.creates()
        assert req.auth == (ACCOUNT_SID, AUTH_TOKEN)
        assert req.form == {
            "To": TO,
            "From": STATUS_NUMBER,
            "Body": "¿Necesita ayuda? 🚓 مرحبا",
            "StatusCallback": "https://gw.example.org/twilio/status",
        }
        row = await _row(core, msg_id)
        assert row.provider_sid == tw.messages[0].sid
        assert row.status == SmsStatus.QUEUED  # Twilio has it; callbacks move it on
        assert "sms_message" in seen

    _run(tmp_path, scenario)


def test_429_waits_for_retry_after_then_sends_once(tmp_path: Path) -> None:
    async def scenario(tw: FakeTwilio, core: DeskCore, clock: FakeClock) -> None:
        tw.fail_next(429, retry_after=30)
        msg_id = await _queue(core, "k429")
        assert await core.outbox.run_once() == 0
        row = await _row(core, msg_id)
        assert row.status == SmsStatus.QUEUED and row.attempts == 1
        assert (row.next_attempt_at - clock()).total_seconds() == 30  # not the 5 s backoff
        assert "limiting" in row.error_message
        clock.advance(seconds=29)
        assert await core.outbox.run_once() == 0
        assert len(tw.creates()) == 1
        clock.advance(seconds=2)
        assert await core.outbox.run_once() == 1
        assert len(tw.creates()) == 2 and len(tw.messages) == 1
        row = await _row(core, msg_id)
        assert row.attempts == 2 and row.error_message == "" and row.provider_sid

    _run(tmp_path, scenario)


def test_server_errors_back_off_and_finally_fail_with_an_alert(tmp_path: Path) -> None:
    async def scenario(tw: FakeTwilio, core: DeskCore, clock: FakeClock) -> None:
        for _ in range(3):
            tw.fail_next(500)
        msg_id = await _queue(core, "k500")
        assert await core.outbox.run_once() == 0
        assert ((await _row(core, msg_id)).next_attempt_at - clock()).total_seconds() == 5
        clock.advance(seconds=5)
        assert await core.outbox.run_once() == 0
        assert ((await _row(core, msg_id)).next_attempt_at - clock()).total_seconds() == 10
        clock.advance(seconds=10)
        assert await core.outbox.run_once() == 0
        row = await _row(core, msg_id)
        assert row.status == SmsStatus.FAILED and row.attempts == 3
        assert row.error_message.startswith("Gave up after 3 tries")
        [alert] = [a for a in core.alerts.alerts() if a.kind == "text.failed"]
        assert TO in alert.text and alert.key == str(msg_id)
        clock.advance(hours=1)
        assert await core.outbox.run_once() == 0 and len(tw.creates()) == 3

    _run(tmp_path, scenario)


def test_unsubscribed_number_is_final_and_remembered(tmp_path: Path) -> None:
    async def scenario(tw: FakeTwilio, core: DeskCore, clock: FakeClock) -> None:
        tw.fail_next(400, code=21610)
        msg_id = await _queue(core, "k21610")
        await core.outbox.run_once()
        row = await _row(core, msg_id)
        assert row.status == SmsStatus.FAILED and row.error_code == "21610"
        assert "unsubscribed" in row.error_message
        consent = await core.store.read(
            lambda s: s.scalar(select(SmsConsent).where(SmsConsent.phone_e164 == TO))
        )
        assert consent is not None and consent.opted_out
        refused = await _queue(core, "k-next")
        assert (await _row(core, refused)).error_code == "opted_out"
        assert len(tw.creates()) == 1

    _run(tmp_path, scenario)


def test_lost_answer_is_looked_up_not_sent_twice(tmp_path: Path) -> None:
    async def scenario(tw: FakeTwilio, core: DeskCore, clock: FakeClock) -> None:
        tw.drop_next(after_create=True)  # Twilio made it; the answer never came
        msg_id = await _queue(core, "klost")
        assert await core.outbox.run_once() == 0
        assert (await _row(core, msg_id)).error_code == "network"
        clock.advance(seconds=5)
        assert await core.outbox.run_once() == 1
        assert len(tw.creates()) == 1 and len(tw.messages) == 1
        assert (await _row(core, msg_id)).provider_sid == tw.messages[0].sid
        # Refused before Twilio made anything: the lookup finds nothing and it is sent.
        tw.drop_next()
        other = await _queue(core, "kdropped", "another body")
        await core.outbox.run_once()
        clock.advance(seconds=5)
        assert await core.outbox.run_once() == 1
        assert [m.body for m in tw.messages].count("another body") == 1
        assert (await _row(core, other)).provider_sid == tw.messages[-1].sid

    _run(tmp_path, scenario)


def test_lookup_never_adopts_an_earlier_text_with_the_same_words(tmp_path: Path) -> None:
    # A preset sent twice: the second send is dropped before Twilio makes it, and the lookup
    # must not take the first one's sid (a unique-sid clash that stopped every later text).
    async def scenario(tw: FakeTwilio, core: DeskCore, clock: FakeClock) -> None:
        first = await _queue(core, "ka", "Are you safe? Reply Y or N.")
        assert await core.outbox.run_once() == 1
        tw.drop_next()
        second = await _queue(core, "kb", "Are you safe? Reply Y or N.")
        assert await core.outbox.run_once() == 0
        clock.advance(seconds=6)
        assert await core.outbox.run_once() == 1
        later = await _queue(core, "kc", "Unit on the way.")
        clock.advance(seconds=1)
        assert await core.outbox.run_once() == 1
        sids = [(await _row(core, m)).provider_sid for m in (first, second, later)]
        assert sids == [m.sid for m in tw.messages] and len(set(sids)) == 3
        assert [m.body for m in tw.messages].count("Are you safe? Reply Y or N.") == 2

    _run(tmp_path, scenario)


def test_a_row_that_cannot_be_settled_does_not_hold_up_the_others(tmp_path: Path) -> None:
    async def scenario(tw: FakeTwilio, core: DeskCore, clock: FakeClock) -> None:
        tw.drop_next()
        stuck = await _queue(core, "kstuck", "Are you safe?")
        assert await core.outbox.run_once() == 0
        later = await _queue(core, "klater", "Unit on the way.")
        clock.advance(seconds=6)
        tw.garble_next_list()  # the lookup before the retry gets a page nobody can read
        assert await core.outbox.run_once() == 1
        row = await _row(core, stuck)
        assert row.status == SmsStatus.UNKNOWN and row.provider_sid is None
        assert "not sent again" in row.error_message and "JSONDecodeError" in row.error_message
        assert (await _row(core, later)).provider_sid == tw.messages[-1].sid
        assert [m.body for m in tw.messages] == ["Unit on the way."]
        [alert] = [a for a in core.alerts.alerts() if a.kind == "text.failed"]
        assert alert.key == str(stuck) and "not sent again" in alert.text
        clock.advance(seconds=60)
        assert await core.outbox.run_once() == 0  # set aside: not retried by itself
        assert len(tw.messages) == 1

    _run(tmp_path, scenario)


_CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from dispatch_desk.domain.texting import Purpose
    from dispatch_desk.messaging import outbox
    from tests.helpers.core import make_core
    tmp, settings = Path(sys.argv[1]), eval(sys.argv[2])
    core = make_core(tmp, **settings)
    core.store.write_sync(lambda s: outbox.enqueue(
        s, to_e164="+16175550101", body=sys.argv[3], purpose=Purpose.STATUS, key=sys.argv[3],
        now=core.clock(), from_e164="+15005550006"))
    print("queued", flush=True)
    asyncio.run(core.outbox.run_once())  # stalls at Twilio until killed
    print("finished", flush=True)
    """
)


def _kill_mid_send(tmp_path: Path, tw: FakeTwilio, body: str) -> None:
    settings = _settings(tmp_path, tw.base_url)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(tmp_path), repr(settings), body],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 30
        while not any(r.form.get("Body") == body for r in tw.creates()):
            assert child.poll() is None, "the desk ended before sending"
            assert time.monotonic() < deadline, "the desk never sent"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(10)
        out = child.stdout.read() if child.stdout else ""
    assert "queued" in out and "finished" not in out


def test_killed_after_twilio_accepted_adopts_the_sid_on_restart(tmp_path: Path) -> None:
    with FakeTwilioThread() as tw:
        tw.stall_next(60, after_create=True)
        _kill_mid_send(tmp_path, tw, "Unit on the way")
        assert len(tw.messages) == 1
        core = make_core(tmp_path, **_settings(tmp_path, tw.base_url))
        try:
            row = core.store.read_sync(lambda s: s.scalar(select(SmsMessage)))
            assert row.status == SmsStatus.SENDING and row.provider_sid is None
            assert asyncio.run(_once_and_close(core)) == 0
            row = core.store.read_sync(lambda s: s.scalar(select(SmsMessage)))
            assert row.provider_sid == tw.messages[0].sid and row.status == SmsStatus.QUEUED
            assert len(tw.creates()) == 1  # looked up (GET), never posted again
            assert [r.method for r in tw.requests] == ["POST", "GET"]
        finally:
            core.close()


def test_killed_before_twilio_answered_is_unknown_not_resent(tmp_path: Path) -> None:
    with FakeTwilioThread() as tw:
        tw.stall_next(60)  # held before Twilio makes anything
        _kill_mid_send(tmp_path, tw, "On scene")
        core = make_core(tmp_path, **_settings(tmp_path, tw.base_url))
        try:
            asyncio.run(_once_and_close(core))
            asyncio.run(_once_and_close(core))
            row = core.store.read_sync(lambda s: s.scalar(select(SmsMessage)))
            assert row.status == SmsStatus.UNKNOWN and row.provider_sid is None
            assert "not sent again" in row.error_message
            assert len(tw.creates()) == 1 and tw.messages == []
        finally:
            core.close()


async def _once_and_close(core: DeskCore) -> int:
    try:
        return await core.outbox.run_once()
    finally:
        await core.sms.close()  # type: ignore[attr-defined]
