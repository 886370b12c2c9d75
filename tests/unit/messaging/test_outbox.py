"""The outbox on a real store: one row per key, opt-outs refused with a reason, loopback sends,
only this desk's rows, and resend after a failure."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.texting import Purpose, SmsStatus
from dispatch_desk.messaging import outbox
from dispatch_desk.messaging.sms import LoopbackSms
from dispatch_desk.storage.models import SmsMessage
from tests.helpers.core import make_core

TO = "+16175550101"


@pytest.fixture
def core(tmp_path: Path):  # type: ignore[no-untyped-def]
    core = make_core(tmp_path)
    yield core
    core.close()


def _enqueue(core: DeskCore, key: str, purpose: Purpose = Purpose.STATUS, to: str = TO):
    msg_id, changes = core.store.write_sync(
        lambda s: outbox.enqueue(
            s, to_e164=to, body=f"body {key}", purpose=purpose, key=key, now=core.clock()
        )
    )
    return msg_id, changes


def _row(core: DeskCore, msg_id):  # type: ignore[no-untyped-def]
    return core.store.read_sync(lambda s: s.get(SmsMessage, msg_id))


def test_same_key_is_one_row_and_one_text(core: DeskCore) -> None:
    first, changes = _enqueue(core, "status:x:confirm")
    second, _ = _enqueue(core, "status:x:confirm")
    assert first == second
    assert [c.kind for c in changes] == ["sms_message"]
    count = core.store.read_sync(lambda s: s.scalar(select(func.count()).select_from(SmsMessage)))
    assert count == 1
    assert asyncio.run(core.outbox.run_once()) == 1
    assert asyncio.run(core.outbox.run_once()) == 0
    assert isinstance(core.sms, LoopbackSms)
    assert [m.body for m in core.sms.sent] == ["body status:x:confirm"]
    row = _row(core, first)
    assert row.status == SmsStatus.SENT and row.provider_sid and row.attempts == 1


def test_opted_out_number_gets_a_failed_row_with_a_reason(core: DeskCore) -> None:
    core.store.write_sync(
        lambda s: outbox.set_consent(
            s, "+1 (617) 555-0101", opted_out=True, keyword="STOP", now=core.clock()
        )
    )
    status_id, _ = _enqueue(core, "status:y:confirm")
    reply_id, _ = _enqueue(core, "auto:stop", Purpose.AUTO_REPLY)
    convo_id, _ = _enqueue(core, "conv:1", Purpose.CONVERSATION)
    status = _row(core, status_id)
    assert status.status == SmsStatus.FAILED and status.error_code == "opted_out"
    assert "STOP" in status.error_message
    assert _row(core, reply_id).status == SmsStatus.QUEUED
    assert _row(core, convo_id).status == SmsStatus.QUEUED
    asyncio.run(core.outbox.run_once())
    assert sorted(m.body for m in core.sms.sent) == ["body auto:stop", "body conv:1"]
    # START: status texts go again; resending the refused one is allowed now.
    core.store.write_sync(
        lambda s: outbox.set_consent(s, TO, opted_out=False, keyword="START", now=core.clock())
    )
    assert core.store.write_sync(lambda s: outbox.resend(s, status_id, core.clock()))[0]
    asyncio.run(core.outbox.run_once())
    assert "body status:y:confirm" in [m.body for m in core.sms.sent]


def test_not_a_number_is_refused_plainly(core: DeskCore) -> None:
    msg_id, _ = _enqueue(core, "k", to="call me")
    row = _row(core, msg_id)
    assert row.status == SmsStatus.FAILED and row.error_code == "invalid_number"
    assert "'call me' is not a phone number" in row.error_message
    assert asyncio.run(core.outbox.run_once()) == 0


def test_rows_of_another_workstation_are_not_sent_here(core: DeskCore) -> None:
    theirs, _ = core.store.write_sync(
        lambda s: outbox.enqueue(
            s,
            to_e164=TO,
            body="b",
            purpose=Purpose.STATUS,
            key="k2",
            now=core.clock(),
            workstation="ws-other",
        )
    )
    assert asyncio.run(core.outbox.run_once()) == 0
    assert _row(core, theirs).status == SmsStatus.QUEUED
    assert core.sms.sent == []


def test_normalise_phone() -> None:
    assert outbox.normalise_phone(" +1 (617) 555-0101 ") == "+16175550101"
    assert outbox.normalise_phone("INFO") == "INFO"


def test_with_a_central_database_only_rows_of_this_workstation_are_sent(core: DeskCore) -> None:
    from dispatch_desk.messaging.outbox import OutboxRunner

    runner = OutboxRunner(core.store, core.sms, core.clock, core.settings, workstation="ws-a")
    for key, workstation in (("mine", "ws-a"), ("legacy", ""), ("theirs", "ws-b")):
        core.store.write_sync(
            lambda s, key=key, workstation=workstation: outbox.enqueue(
                s,
                to_e164=TO,
                body=key,
                purpose=Purpose.STATUS,
                key=key,
                now=core.clock(),
                workstation=workstation,
            )
        )
    assert asyncio.run(runner.run_once()) == 1
    assert [m.body for m in core.sms.sent] == ["mine"]
